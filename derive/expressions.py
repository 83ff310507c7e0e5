"""User activations such as ``"x/(1+abs(x))"``, parsed through a whitelist.

Python's ``ast`` module only *parses* the text; every node is then checked
against a short whitelist and turned into SymPy objects here.  Nothing the
user writes is evaluated (no ``eval``, ``sympify`` or ``parse_expr``).
"""

from __future__ import annotations

import ast

import sympy as sp

from .errors import BudgetError, InputError, printable
from .functions import ACTIVATIONS, Activation, x

FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "sin": sp.sin,
    "cos": sp.cos,
    "cosh": sp.cosh,
    "atan": sp.atan,
    "arctan": sp.atan,
    "erf": sp.erf,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "max": sp.Max,
    "min": sp.Min,
    "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
}
CONSTANTS = {"x": x, "pi": sp.pi, "e": sp.E}
_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: _power(a, b),
}
MAX_LENGTH = 500
MAX_NODES = 60
"""Syntax-tree nodes in one expression."""
MAX_CALL_DEPTH = 3
"""Functions nested inside one another: ``exp(exp(exp(x)))`` is the most."""
MAX_EXPONENT = 16
"""|p/q| of a power, the product of the exponents of nested powers (a degree:
``(x**4)**4`` is 16), and q: SymPy's work grows with all three."""
MAX_NUMBER = 1e6
"""The largest number written in an expression."""


class ExpressionError(InputError):
    """A user expression outside the whitelist; the message says what is allowed."""


def _power(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
    if exponent.is_Number and abs(exponent) > 64:
        raise ExpressionError(f"exponent {exponent} too large (at most 64)")
    return base**exponent


def _allowed() -> str:
    return (
        f"functions {', '.join(sorted(FUNCTIONS))}; names x, pi, e; "
        "numbers; + - * / ** ^ and parentheses"
    )


def _convert(node: ast.AST) -> sp.Expr:
    if isinstance(node, ast.Expression):
        return _convert(node.body)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_convert(node.left), _convert(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _convert(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sp.nsimplify(node.value, rational=True)
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise ExpressionError(f"unknown name '{node.id}' in expression; allowed: {_allowed()}")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        fn = FUNCTIONS.get(node.func.id)
        if fn is None:
            raise ExpressionError(
                f"unknown function '{node.func.id}' in expression; allowed: {_allowed()}"
            )
        return fn(*[_convert(a) for a in node.args])
    raise ExpressionError(
        f"unsupported syntax '{ast.unparse(node)}' in expression; allowed: {_allowed()}"
    )


def _number(node: ast.AST) -> float | None:
    """The value of a constant sub-expression made of numbers only, else None."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _number(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div):
        a, b = _number(node.left), _number(node.right)
        if a is None or b is None:
            return None
        try:
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(type(node.op)) or (
                a / b if isinstance(node.op, ast.Div) else 0.0
            )
        except ZeroDivisionError:
            return float("inf")
    return None


def _check_budget(tree: ast.AST, text: str) -> None:
    """Refuse, from the syntax tree's sizes and before SymPy starts, what would take
    SymPy long: many nodes, deep nesting, large or finely divided exponents, huge numbers."""
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise BudgetError(f"expression too large: {nodes} syntax nodes (at most {MAX_NODES})")

    def walk(node: ast.AST, calls: int, degree: float) -> None:
        if isinstance(node, ast.Call):
            calls += 1
            if calls > MAX_CALL_DEPTH:
                raise BudgetError(
                    f"functions nested {calls} deep in '{text}' (at most {MAX_CALL_DEPTH})"
                )
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = float(node.value)
            if not abs(value) <= MAX_NUMBER:
                raise BudgetError(f"number {node.value!r} too large (at most {MAX_NUMBER:g})")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = _number(node.right)
            if exponent is None:
                constant_base = _number(node.left) is not None or (
                    isinstance(node.left, ast.Name) and node.left.id in ("e", "pi")
                )
                if not constant_base:
                    raise ExpressionError(
                        f"a power of x with an exponent in x in '{text}': write a number "
                        "as the exponent, or exp(...)"
                    )
                walk(node.right, calls + 1, degree)  # 2**x is an exponential: a function
                if calls + 1 > MAX_CALL_DEPTH:
                    raise BudgetError(
                        f"functions nested {calls + 1} deep in '{text}' (at most {MAX_CALL_DEPTH})"
                    )
                return
            frac = sp.nsimplify(exponent, rational=True) if abs(exponent) < 1e6 else None
            if frac is None or abs(frac) * degree > MAX_EXPONENT or frac.q > MAX_EXPONENT:
                raise BudgetError(
                    f"exponent {exponent:g} too costly in '{text}': powers, nested, may "
                    f"reach degree {MAX_EXPONENT} with denominators up to {MAX_EXPONENT}"
                )
            walk(node.left, calls, degree * max(abs(float(frac)), 1.0))
            return
        for child in ast.iter_child_nodes(node):
            walk(child, calls, degree)

    walk(tree, 0, 1.0)


def parse_expression(text: str) -> sp.Expr:
    """A SymPy expression in ``x`` from a whitelisted formula.

    Sizes are checked on the syntax tree before any SymPy object is built
    (:class:`~derive.errors.BudgetError`).  Python's parser drops a ``#`` comment;
    whoever prints the expression again prints it from the parsed form.
    """
    if len(text) > MAX_LENGTH:
        raise BudgetError(f"expression longer than {MAX_LENGTH} characters")
    if not text.replace("\n", " ").replace("\t", " ").isprintable():
        raise ExpressionError(
            f"expression '{printable(text)}' holds control characters: write a formula in x"
        )
    try:
        # '^' means power as people write it (Python would read XOR, binding looser than +)
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(
            f"cannot parse expression {text!r} (column {err.offset}): {err.msg}"
        ) from None
    _check_budget(tree, text)
    try:
        expr = _convert(tree)
    except TypeError as err:  # wrong number of arguments
        raise ExpressionError(f"bad call in expression '{text}': {err}") from None
    if not isinstance(expr, sp.Expr) or not expr.has(x):
        raise ExpressionError(f"expression '{text}' must depend on x")
    _check_finite(expr, text)
    return expr


_SAMPLES = (-1.3, -0.4, 0.3, 1.1)


def _check_finite(expr: sp.Expr, text: str) -> None:
    """Refuse an expression that has no finite value or derivative (``x/0``, ``0**(-x)``)."""
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError(f"expression '{text}' has no finite value")
    slope = sp.diff(expr, x)
    for what, e in (("value", expr), ("derivative", slope)):
        finite = False
        for point in _SAMPLES:
            try:
                v = complex(e.evalf(subs={x: point}))
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                continue
            if abs(v.imag) < 1e-12 and abs(v.real) < float("inf"):
                finite = True
                break
        if not finite:
            raise ExpressionError(
                f"expression '{text}' has no finite real {what} at x = "
                + ", ".join(map(str, _SAMPLES))
            )


def parse_activation(text: str) -> Activation:
    """An :class:`Activation` row for a user expression, or a one-line error."""
    if text.isidentifier():
        raise ExpressionError(
            f"unknown activation '{text}'; choose from "
            f"{', '.join(n for n in ACTIVATIONS if n != 'generic')} "
            "or give an expression in x such as 'x/(1+abs(x))'"
        )
    expr = parse_expression(text)
    return Activation(name=text, expr=expr, title=f"user expression {text}")

"""User activations such as ``"x/(1+abs(x))"``, parsed through a whitelist.

Python's ``ast`` module only *parses* the text; every node is then checked
against a short whitelist and turned into SymPy objects here.  Nothing the
user writes is evaluated (no ``eval``, ``sympify`` or ``parse_expr``).
"""

from __future__ import annotations

import ast

import sympy as sp

from .errors import InputError
from .functions import ACTIVATIONS, Activation, x

FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
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


def parse_expression(text: str) -> sp.Expr:
    """A SymPy expression in ``x`` from a whitelisted formula."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    try:
        # '^' means power as people write it (Python would read XOR, binding looser than +)
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(
            f"cannot parse expression '{text}' (column {err.offset}): {err.msg}"
        ) from None
    try:
        expr = _convert(tree)
    except TypeError as err:  # wrong number of arguments
        raise ExpressionError(f"bad call in expression '{text}': {err}") from None
    if not isinstance(expr, sp.Expr) or not expr.has(x):
        raise ExpressionError(f"expression '{text}' must depend on x")
    return expr


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

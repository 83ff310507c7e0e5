"""Budgets for `derive check`: sizes measured before SymPy or NumPy start.

A user's formula can ask for work no timer can interrupt (``10^{10^{10}}`` is
one call into GMP; a 2×2 ``pmatrix^{1000000}`` fills memory; ``\\tanh`` nested
ten deep makes SymPy's assumption queries exponential).  So every size that
drives the cost is checked first, from the text or from the parsed form, and
a formula over a budget is :class:`TooCostly`: the verifier reports it as
"not checked (too costly: <which size>)", the command line as one line, exit 2.

The limits are far above anything in the notes, the README or what
``derive latex`` prints (the longest printed side is under 600 characters,
its deepest expression under 20 levels); a wall-clock limit (:data:`BACKSTOP_S`)
only backs them up.
"""

from __future__ import annotations

import math
import signal
import threading
from contextlib import contextmanager

import sympy as sp

MAX_SIDE_CHARS = 4000
"""Characters of one side of a relation."""
MAX_BRACKET_DEPTH = 40
"""Nesting of ``{`` ``(`` ``[`` and ``\\left`` in the text."""
MAX_FUNCTION_NESTING = 6
"""Functions applied to functions (``\\tanh(\\tanh(…))``): SymPy's evaluation of
nested elementary functions grows exponentially with this depth."""
MAX_DEPTH = 60
"""Depth of the parsed expression tree."""
MAX_NODES = 5000
"""Nodes of the parsed expression tree."""
MAX_DIGITS = 10_000
"""Decimal digits of an exact number built from a power (``10^{400}`` has 401)."""
MAX_EXPONENT = 1000
"""An integer exponent on a symbol or expression (``net_k^{100000}``)."""
MAX_DENOMINATOR = 1000
"""The denominator of a rational exponent (``x^{0.1234567890123}``)."""
MAX_MATRIX_ENTRIES = 100
"""Entries of one written-out matrix."""
MAX_MATRIX_POWER = 16
"""The exponent of a matrix power."""
MAX_MATRIX_TERMS = 20_000
"""Terms (summed over the entries) a product or power of matrices may make."""
MAX_EVAL_STEPS = 50_000
"""Terms one numerical evaluation of a side may visit at one point (sums multiply)."""
MAX_EXPAND_TERMS = 2000
"""Terms a symbolic expansion may produce before it is not tried."""
BACKSTOP_S = 30.0
"""Wall clock per relation, a backstop only: more than 10× the slowest relation
that ``derive latex`` prints (see bench/bench_check.py)."""


class TooCostly(ValueError):
    """An input over a budget; ``reason`` names the size and its limit."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"too costly: {self.reason}"


# -- the text ------------------------------------------------------------------------


def check_text(s: str) -> None:
    """Length and bracket nesting of one side, before it is parsed."""
    if len(s) > MAX_SIDE_CHARS:
        raise TooCostly(f"{len(s)} characters (at most {MAX_SIDE_CHARS})")
    depth = deepest = 0
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            if s.startswith("\\left", i) and not s[i + 5 : i + 6].isalpha():
                depth += 1
                i += 5
            elif s.startswith("\\right", i) and not s[i + 6 : i + 7].isalpha():
                depth -= 1
                i += 6
            i += 2  # the escaped character (\{ is no bracket)
            continue
        if c in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "})]":
            depth -= 1
        i += 1
    if deepest > MAX_BRACKET_DEPTH:
        raise TooCostly(f"brackets nested {deepest} deep (at most {MAX_BRACKET_DEPTH})")


# -- powers, before SymPy computes them ----------------------------------------------


def check_power(base, exponent) -> None:
    """Refuse ``base ** exponent`` when computing it exactly would be costly."""
    if isinstance(base, sp.MatrixBase):
        if not (isinstance(exponent, sp.Integer) and abs(int(exponent)) <= MAX_MATRIX_POWER):
            raise TooCostly(
                f"a matrix to the power {_short(exponent)} (at most {MAX_MATRIX_POWER})"
            )
        p, (n, _), t = abs(int(exponent)), base.shape, _avg_terms(base)
        if p > 1 and n ** (p - 1) * t**p * n * n > MAX_MATRIX_TERMS:
            raise TooCostly(f"a {n}×{n} matrix to the power {p}: too many terms")
        return
    if not isinstance(exponent, sp.Number):
        return
    if isinstance(exponent, sp.Rational) and exponent.q > MAX_DENOMINATOR:
        raise TooCostly(f"the exponent {_short(exponent)} has a denominator over {MAX_DENOMINATOR}")
    if isinstance(base, sp.Rational) and isinstance(exponent, sp.Rational):
        size = max(abs(int(base.p)), abs(int(base.q)), 2)
        digits = abs(float(exponent)) * _log10(size)
        if digits > MAX_DIGITS:
            raise TooCostly(
                f"a power with about {_magnitude(digits)} digits (at most {MAX_DIGITS})"
            )
        return
    if isinstance(base, sp.Number):
        return  # a float power: overflow at worst, judged as a number
    if isinstance(exponent, sp.Integer) and abs(int(exponent)) > MAX_EXPONENT:
        raise TooCostly(f"the exponent {_short(exponent)} (at most {MAX_EXPONENT})")


def check_matmul(a, b) -> None:
    """``a * b`` for matrices: the terms the product will have, estimated."""
    if not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase)):
        return
    (r, inner), (_, c) = a.shape, b.shape
    if r * c * inner * _avg_terms(a) * _avg_terms(b) > MAX_MATRIX_TERMS:
        raise TooCostly(f"a product of {r}×{inner} and {inner}×{c} matrices: too many terms")


def _avg_terms(m) -> float:
    return max(1.0, sum(len(sp.Add.make_args(e)) for e in m) / max(len(m), 1))


def check_matrix(rows: int, cols: int) -> None:
    if rows * cols > MAX_MATRIX_ENTRIES:
        raise TooCostly(f"a {rows}×{cols} matrix (at most {MAX_MATRIX_ENTRIES} entries)")


def _log10(n: int) -> float:
    bits = n.bit_length()
    return bits * math.log10(2) if bits > 1000 else math.log10(n)


def _magnitude(digits: float) -> str:
    if digits < 1e6:
        return f"{digits:.0f}"
    return f"10^{math.floor(math.log10(digits))}"


def _short(x) -> str:
    text = str(x)
    if len(text) <= 24:
        return text
    if isinstance(x, sp.Integer):
        return f"about 10^{len(text) - 1}"
    return text[:21] + "..."


# -- the parsed expression ------------------------------------------------------------

_ELEMENTARY = (sp.exp, sp.log, sp.tanh, sp.sinh, sp.cosh, sp.sin, sp.cos, sp.tan, sp.Abs)


def check_expr(expr) -> None:
    """Node count, depth and function nesting of a parsed side (iteratively: no
    recursion limit is reached however deep it is)."""
    nodes = 0
    stack = [(expr, 1, 0)]
    while stack:
        e, depth, nested = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise TooCostly(f"more than {MAX_NODES} terms and factors")
        if depth > MAX_DEPTH:
            raise TooCostly(f"an expression nested more than {MAX_DEPTH} deep")
        if isinstance(e, sp.MatrixBase):
            check_matrix(*e.shape)
            stack.extend((a, depth + 1, nested) for a in e)
            continue
        if not isinstance(e, sp.Basic):
            continue
        if isinstance(e, sp.Function) and not _is_marker(e):
            nested += 1
            if nested > MAX_FUNCTION_NESTING:
                raise TooCostly(
                    f"functions applied more than {MAX_FUNCTION_NESTING} deep (f(f(f(…))))"
                )
        if isinstance(e, sp.Pow) and e.exp.is_Integer and not e.base.is_Number:
            if abs(int(e.exp)) > MAX_EXPONENT:
                raise TooCostly(f"the exponent {_short(e.exp)} (at most {MAX_EXPONENT})")
        stack.extend((a, depth + 1, nested) for a in e.args)


def _is_marker(e) -> bool:
    return type(e).__name__ in ("transpose", "hadamard", "nabla")


# -- numerical evaluation ---------------------------------------------------------------


def eval_steps(expr, widths: dict) -> float:
    """Terms visited by one numerical evaluation of ``expr`` where width symbols
    have the values ``widths`` (inf when a sum bound overflows)."""
    import numpy as np

    from ..numeric import Point
    from .evaluate import compile_dual

    point = Point((), (), {}, {})

    def steps(e) -> float:
        if isinstance(e, sp.Sum):
            total = steps(e.function)
            for _var, lo, hi in e.limits:
                bounds = []
                for b in (lo, hi):
                    b = b.xreplace(widths)
                    if b.free_symbols:
                        raise TooCostly(f"a sum bound {b} that is not a number")
                    try:
                        with np.errstate(all="ignore"):
                            bounds.append(float(compile_dual(b, None)(point, {}, {})[0]))
                    except OverflowError:
                        bounds.append(math.inf)
                span = bounds[1] - bounds[0] + 1
                if not math.isfinite(span):
                    raise Overflow(f"a sum bound {_short(hi)}")
                total *= max(span, 0) + 1
            return total
        return 1 + sum(steps(a) for a in e.args)

    return steps(expr)


class Overflow(ValueError):
    """A number that is not finite in float64 (a bound, a side's value)."""


def check_evaluation(expr, widths: dict) -> None:
    n = eval_steps(expr, widths)
    if n > MAX_EVAL_STEPS:
        raise TooCostly(
            f"evaluating it visits about {_magnitude(n)} terms (at most {MAX_EVAL_STEPS})"
        )


def expandable(expr) -> bool:
    """Is ``expand(expr)`` affordable?  An estimate of the terms it makes."""

    def terms(e) -> float:
        if isinstance(e, sp.Add):
            return sum(terms(a) for a in e.args)
        if isinstance(e, sp.Mul):
            out = 1.0
            for a in e.args:
                out *= terms(a)
            return out
        if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0:
            n = terms(e.base)
            return math.comb(int(n) + int(e.exp) - 1, int(e.exp)) if n < 50 else math.inf
        return 1.0

    try:
        return terms(expr) <= MAX_EXPAND_TERMS
    except (OverflowError, ValueError):
        return False


# -- the backstop ----------------------------------------------------------------------


class TimedOut(Exception):
    pass


@contextmanager
def backstop(seconds: float = BACKSTOP_S):
    """Raise :class:`TimedOut` after ``seconds`` of wall clock (main thread only;
    elsewhere the budgets above are the only limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def fire(signum, frame):
        raise TimedOut

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

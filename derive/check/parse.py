r"""LaTeX as people write it in notes -> SymPy, for the verifier.

``parse_latex(s)`` parses one side of a relation (see ``extract.split_relations``)
with the LALR grammar in ``grammar.lark`` and builds SymPy objects directly; it
never evaluates or sympifies the user's text. Malformed LaTeX raises
``LatexSyntaxError`` (one line, with the column and what was expected);
well-formed LaTeX that this front end cannot represent raises ``Unsupported``.
Nothing else escapes. Results are memoised per string and settings.

Naming conventions of the output (the verifier maps these names onto a network):

==============================  ===============================================
written                         SymPy
==============================  ===============================================
``x``, ``xy``                   ``Symbol('x')``, ``x*y`` (juxtaposition is a
                                product)
``net``, ``sigmoid``, ``new``,  ``Symbol(word)``: known words (``WORDS``) and any
``\text{old}``                  word in ``\text``/``\mathrm``/``\operatorname``
                                stay whole; ``dnet_k`` is ``d*net_k``
``\eta``, ``\Delta``, ``η``     ``Symbol('eta')``, ``Symbol('Delta')``
``X_j``, ``X_{jk}``,            ``Indexed(IndexedBase('X'), j, k)``; a run of one
``X_{j,k}``, ``X_{1.1}``        or two letters is split into indices, numbers are
                                Integers, ``1.1`` is the index pair (1, 1)
``e_{\text{hidden}}``,          ``Symbol('e_hidden')``, ``Symbol('W_h-o')``: a word
``W_{h-o}``, ``W_{new}``        subscript (a ``\text`` word, ``a-b``, a known
                                word, three or more letters) is part of the name
``X^T``, ``X^{T}``              ``Function('transpose')(X)``
``W^1_{ij}``, ``W^{(l)}``       ``Indexed(IndexedBase('W^(1)'), i, j)``,
                                ``Symbol('W^(l)')`` for names in ``layer_bases``
                                (a numeric or parenthesised superscript is a
                                layer label); otherwise a superscript is a power
``e^{x}``                       ``exp(x)``; a bare ``e`` is ``Symbol('e')``
``\Delta w_{jk}``,              ``Indexed(IndexedBase('Delta w'), j, k)``: the
``\Delta{w_{jk}}``              update of a (possibly indexed) symbol
``\Delta_p w_{ji}``             ``Indexed(IndexedBase('Delta w'), p, j, i)``: the
                                update for example p (Rumelhart's), p first
``h'``, ``\Phi'_j``             ``Symbol("h'")``, ``Indexed(IndexedBase("Phi'"), j)``
``\vec{w}``, ``\bar{h}_j``      ``Symbol('vec w')``, ``Indexed(IndexedBase('bar h'), j)``
``f(x)``, ``\sigma(x)``,        ``Function(name)(x)`` with the written name, for
``\text{sigmoid}(x)``           names in ``functions`` (default ``FUNCTIONS``),
                                function words (``FUNCTION_WORDS``) and
                                ``\text``-style words, unsubscripted; any other
                                letter before ``(`` multiplies: ``x(1-x)``,
                                ``S_1(1-S_1)``
``\sigma_{2}(x)``,              ``Function('sigma_2')(x)``, ``Function('f^(3)')(x)``:
``f^{(3)}(x)``                  a layer's own function, where ``functions`` has
                                that name (else ``S_1(1-S_1)`` multiplies)
``f'(net_k)``                   ``Derivative(f(net_k), net_k)``; ``f'(a+b)`` is
                                ``Function("f'")(a + b)``
``\exp``, ``\ln``, ``\log``,    ``exp``, ``log``, ``log``, ``tanh``, ``Max``,
``\tanh``, ``\max``, ``\min``,  ``Min``, ``sqrt``/``root`` (also unslashed
``\sqrt``                       ``exp(...)``, ``tanh(...)``)
``\frac{\partial A}{\partial    ``Derivative(A, B, evaluate=False)``; also
B}``, ``\frac{dA}{dB}``         ``\part``, ``\frac\part{\part B}``, higher orders
                                ``\frac{\partial^2 A}{\partial x \partial y}``;
                                B must be a symbol or Indexed
``\frac{\partial}{\partial B}   the derivative of the rest of the product
X``, ``\frac{d}{dx} X``         (up to the next top-level + or -)
``\sum_{k=0}^{K-1} X``,         ``Sum(X, (k, 0, K - 1))`` over the rest of the
``\Sigma_k X``, ``\sum_i^3 X``  product; a missing bound is ``Symbol('_lo')`` /
                                ``Symbol('_hi')``: ``\sum_k X`` is
                                ``Sum(X, (k, _lo, _hi))``; ``\prod`` likewise
``a \circ b``                   ``Function('hadamard')(a, b)``
``\nabla F``                    ``Function('nabla')(F)``
``(\nabla_a J)_i``              ``Function('component')(nabla(J, a), i)``
``\begin{pmatrix}..``           ``ImmutableMatrix`` (products of matrices are
                                multiplied out); ``cases`` is ``Piecewise``
``\frac12``, ``0.5``            ``Rational(1, 2)``
==============================  ===============================================

``\cdot``, ``\times``, ``*``, ``·`` and juxtaposition multiply; ``/`` divides by
the next factor. Spacing and sizing (``\,``, ``\quad``, ``\large``, ``\left``/
``\right``, ``\bold{..}``, ``\mathbf{..}``) are ignored.

Unsupported: ellipses (``\dots``, ``…``), arrows and other unknown commands,
prose in ``\text{..}``, a ``\frac`` with ``\partial`` on one side only,
derivatives with respect to an expression, tuples, relations inside the parsed
side, and alignment environments (split those with ``split_relations``).
"""

from __future__ import annotations

import copy
import operator
import os
import re
from functools import cache, reduce
from pathlib import Path

import sympy
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from sympy.matrices import MatrixBase

from .budget import TooCostly, check_expr, check_matmul, check_matrix, check_power, check_text

__all__ = [
    "FUNCTIONS",
    "FUNCTION_WORDS",
    "WORDS",
    "LatexSyntaxError",
    "TooCostly",
    "clear_cache",
    "Unsupported",
    "parse_latex",
]

#: Single-letter and Greek names that are applied when followed by ``(``.
#: Names whose bare numeric superscript is a layer label (``W^1``), not a power.
BARE_LABEL_BASES = frozenset({"W", "w", "v", "b"})

FUNCTIONS = frozenset({"f", "g", "S", "F", "Phi", "phi", "sigma"})

#: Multi-letter words that are applied when followed by ``(``.
FUNCTION_WORDS = frozenset(
    {"sigmoid", "softmax", "relu", "ReLU", "tanh", "exp", "log", "ln", "sin", "cos", "max", "min"}
)

#: Letter runs that name one thing rather than a product of letters.
WORDS = FUNCTION_WORDS | frozenset({"net", "new", "old", "in", "out", "input", "output", "hidden"})

_BUILTINS = {
    "exp": sympy.exp,
    "ln": sympy.log,
    "log": sympy.log,
    "tanh": sympy.tanh,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "max": sympy.Max,
    "min": sympy.Min,
    "erf": sympy.erf,
}

_GREEK_UNICODE = dict(
    zip(
        "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩϕ",
        (
            "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi "
            "rho sigma tau upsilon phi chi psi omega Alpha Beta Gamma Delta Epsilon Zeta Eta Theta "
            "Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho Sigma Tau Upsilon Phi Chi Psi Omega phi"
        ).split(),
        strict=True,
    )
)
_GREEK_UNICODE["ς"] = "sigma"

_ACCENTS = {
    "vec": "vec",
    "overrightarrow": "vec",
    "bar": "bar",
    "overline": "bar",
    "hat": "hat",
    "widehat": "hat",
    "tilde": "tilde",
    "widetilde": "tilde",
    "dot": "dot",
    "ddot": "ddot",
}

_MATRIX_ENVS = frozenset({"matrix", "pmatrix", "bmatrix", "Bmatrix", "smallmatrix", "array"})

_RELATIONALS = {
    "=": sympy.Eq,
    "<": sympy.Lt,
    ">": sympy.Gt,
    "≤": sympy.Le,
    "≥": sympy.Ge,
    "≠": sympy.Ne,
}

_LO = sympy.Symbol("_lo")
_HI = sympy.Symbol("_hi")
_TRANSPOSE = sympy.Function("transpose")
_HADAMARD = sympy.Function("hadamard")
_NABLA = sympy.Function("nabla")
_COMPONENT = sympy.Function("component")
_NORM = sympy.Function("norm")
"""``\\| v \\|``: the Euclidean norm of a whole-layer vector (check/vectors.py); of a
scalar, its absolute value."""

_CJK = re.compile(
    r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")


class LatexSyntaxError(ValueError):
    """Malformed LaTeX. ``str(e)`` is one line naming the column and what was expected."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.column = column


class Unsupported(ValueError):
    """Well-formed LaTeX that this front end cannot represent; ``reason`` says what."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------------------
# Parse tree: small settings-independent nodes made by the inline transformer.


class _Add:
    __slots__ = ("terms",)

    def __init__(self, terms):
        self.terms = terms  # [(sign, node)]


class _Neg:
    __slots__ = ("arg",)

    def __init__(self, arg):
        self.arg = arg


class _Prod:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items  # _Atom, or a DIV / CIRC token between them


class _Atom:
    __slots__ = ("base", "subs", "sups", "primes", "after_times")

    def __init__(self, base):
        self.base = base  # a Token or a node
        self.subs = []
        self.sups = []
        self.primes = 0
        self.after_times = False  # written after \cdot: not a function's arguments


class _Group:
    __slots__ = ("items", "pos")

    def __init__(self, items, pos):
        self.items = items  # [node | _Rel]
        self.pos = pos


class _Rel:
    __slots__ = ("lhs", "op", "rhs")

    def __init__(self, lhs, op, rhs):
        self.lhs, self.op, self.rhs = lhs, op, rhs


class _Chain:
    __slots__ = ("parts",)

    def __init__(self, parts):
        self.parts = parts


class _Paren:
    __slots__ = ("args", "open", "close")

    def __init__(self, args, open_, close):
        self.args, self.open, self.close = args, open_, close


class _Frac:
    __slots__ = ("num", "den")

    def __init__(self, num, den):
        self.num, self.den = num, den


class _Accent:
    __slots__ = ("kind", "arg")

    def __init__(self, kind, arg):
        self.kind, self.arg = kind, arg


class _Sqrt:
    __slots__ = ("arg", "index")

    def __init__(self, arg, index=None):
        self.arg, self.index = arg, index


class _Env:
    __slots__ = ("begin", "rows", "end")

    def __init__(self, begin, rows, end):
        self.begin, self.rows, self.end = begin, rows, end


class _Indicator:
    __slots__ = ("lhs", "op", "rhs")

    def __init__(self, lhs, op, rhs):
        self.lhs, self.op, self.rhs = lhs, op, rhs


class _TreeBuilder(Transformer):
    """Inline LALR callbacks: lark tokens and rules -> the nodes above."""

    def single(self, c):
        return c[0]

    def chain(self, c):
        return _Chain(c)

    def add(self, c):
        return _join(c[0], 1, c[2])

    def sub(self, c):
        return _join(c[0], -1, c[2])

    def neg(self, c):
        return _Neg(c[1])

    def pos(self, c):
        return c[1]

    def product(self, c):
        if len(c) == 1:
            return _Prod([c[0]])
        prod = c[0]
        if len(c) == 3 and c[1].type != "MULOP":
            prod.items.append(c[1])
        if len(c) == 3 and c[1].type == "MULOP" and isinstance(c[-1], _Atom):
            c[-1].after_times = True  # step_size \cdot (1 - h): a product, not a call
        prod.items.append(c[-1])
        return prod

    def atom(self, c):
        return _Atom(c[0])

    def atom_sub(self, c):
        c[0].subs.append(c[2])
        return c[0]

    def atom_sup(self, c):
        c[0].sups.append(c[2])
        return c[0]

    def atom_prime(self, c):
        tok = c[1]
        c[0].primes += tok.count("'") + (1 if "prime" in tok else 0)
        return c[0]

    def accent(self, c):
        return _Accent(_ACCENTS[c[0][1:]], c[1])

    def frac(self, c):
        return _Frac(c[1], c[2])

    def sqrt(self, c):
        return _Sqrt(c[1])

    def root(self, c):
        return _Sqrt(c[4], c[2])

    def empty(self, c):
        return _Group([], c[0].start_pos)

    def group(self, c):
        return _Group(c[1], c[0].start_pos)

    def paren(self, c):
        return _Paren(c[1], c[0], c[2])

    def env(self, c):
        return _Env(c[0], c[1], c[2])

    def indicator(self, c):
        lhs, op, rhs = (x for x in c[2:] if not isinstance(x, Token) or x.type == "REL")
        return _Indicator(lhs, op, rhs)

    def arg1(self, c):
        return c[0] if len(c) == 1 else _Group([c[1]], c[0].start_pos)

    def arg(self, c):
        if len(c) == 1:
            return c[0]
        return _Group(c[1] if len(c) == 3 else [], c[0].start_pos)

    def glist(self, c):
        return c

    def gitem(self, c):
        return c[0] if len(c) == 1 else _Rel(*c)

    def plist(self, c):
        return c

    def rows(self, c):
        return c

    def row(self, c):
        return c

    def cell(self, c):
        if not c:
            return None
        return c[0] if len(c) == 1 else _Rel(*c)


def _shifted_label(node) -> str | None:
    """``(l+1)``, ``(l-1)``: a layer label relative to a general layer l."""
    if not (isinstance(node, _Add) and len(node.terms) == 2):
        return None
    (s1, first), (s2, second) = node.terms
    a = _single_atom(_Group([first], 0))
    b = _single_atom(_Group([second], 0))
    if a is None or b is None or s1 != 1 or any(x.subs or x.sups or x.primes for x in (a, b)):
        return None
    if not (isinstance(a.base, Token) and a.base.type == "LETTERS" and len(a.base) == 1):
        return None
    if not (isinstance(b.base, Token) and b.base.type == "NUMBER" and b.base.isdigit()):
        return None
    return f"{a.base}{'+' if s2 == 1 else '-'}{b.base}"


def _join(left, sign, right):
    if isinstance(left, _Add):
        left.terms.append((sign, right))
        return left
    return _Add([(1, left), (sign, right)])


@cache
def _parser() -> Lark:
    grammar = (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        transformer=_TreeBuilder(),
        cache=_grammar_cache() or False,
    )


def _grammar_cache() -> str | None:
    """Where Lark keeps the grammar's LALR tables between runs (0.1-0.2 s of every `derive
    check`): the user's own cache directory, never the shared temp directory Lark would use
    (the tables are a pickle; a file another user could plant there would be loaded). Lark
    checks the grammar's hash inside the file and rebuilds it when stale or unreadable; no
    cache directory that can be written: no cache."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(root, "derive")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return os.path.join(folder, "check-grammar.lark") if os.access(folder, os.W_OK) else None


# --------------------------------------------------------------------------------------
# Syntax errors: one line, with the column and what was expected.

_CLOSERS = {"{": "}", "(": ")", "[": "]"}
_EXPR_START = frozenset(
    "LETTERS NUMBER GREEK TEXT PARTIAL BIGOP DOTS CMD FUNC NABLA INFTY ACCENT FRAC SQRT "
    "LBRACE LPAR LBRACK LEFT BEGIN MINUS PLUS".split()
)
_ARG_START = frozenset({"CHAR", "LBRACE"})
_NAMES = {
    "RBRACE": "'}'",
    "RPAR": "')'",
    "RBRACK": "']'",
    "RIGHT": "'\\right'",
    "END": "'\\end'",
    "REL": "a relation",
    "_COMMA": "','",
    "_AMP": "'&'",
    "_NL": "'\\\\'",
    "$END": "end of formula",
}
_BRACKET_TOKEN = re.compile(
    r"\\left\s*(\\[a-zA-Z]+|\\.|.)"  # 1: \left(
    r"|\\right\s*(\\[a-zA-Z]+|\\.|.)"  # 2: \right)
    r"|\\(begin|end)\s*\{([^{}]*)\}"  # 3, 4: environments
    r"|\\(?:text[a-z]*|mathrm|operatorname\*?|mbox)\s*\{[^{}]*\}"  # text: skipped
    r"|\\([a-zA-Z]+)"  # 5: a command, which labels the '{' after it
    r"|\\."
    r"|([{}()\[\]])"  # 6: brackets
    r"|([_^])"  # 7: scripts
    r"|\S",
    re.S,
)
_TWO_ARGS = frozenset({"frac", "dfrac", "tfrac", "cfrac", "binom"})


def _open_brackets(s: str, upto: int) -> list[tuple[str, str]]:
    """The brackets still open at ``upto``: [(how it was opened, its closer)]."""
    stack: list[tuple[str, str]] = []
    label = ""  # how a '{' right here is opened: '\frac{', '_{', or ''
    for m in _BRACKET_TOKEN.finditer(s, 0, upto):
        next_label = ""
        if m.group(1) is not None:
            stack.append(("\\left" + m.group(1), "\\right" + _matching(m.group(1))))
        elif m.group(2) is not None:
            if stack and stack[-1][0].startswith("\\left"):
                stack.pop()
        elif m.group(3) == "begin":
            stack.append((f"\\begin{{{m.group(4)}}}", f"\\end{{{m.group(4)}}}"))
        elif m.group(3) == "end":
            if stack and stack[-1][0].startswith("\\begin"):
                stack.pop()
        elif m.group(5) is not None:
            next_label = f"\\{m.group(5)}{{"
        elif m.group(6) is not None:
            b = m.group(6)
            if b == "{":
                stack.append((label or "{", "}"))
            elif b in "([":
                stack.append((b, _CLOSERS[b]))
            elif stack and stack[-1][1] == b:
                opened = stack.pop()[0]
                if b == "}" and opened[1:-1] in _TWO_ARGS:
                    next_label = opened  # the next '{' is the second argument
        elif m.group(7) is not None:
            next_label = m.group(7) + "{"
        label = next_label
    return stack


def _where(s: str, pos: int) -> tuple[str, int]:
    line = s.count("\n", 0, pos) + 1
    col = pos - (s.rfind("\n", 0, pos) + 1) + 1
    return (f"column {col}" if line == 1 else f"line {line}, column {col}"), col


def _describe(expected) -> str:
    expected = set(expected)
    if "CHAR" in expected:
        return "an argument"
    if expected & _EXPR_START:
        return "an expression"
    if expected & _ARG_START:
        return "an argument"
    names = sorted(_NAMES.get(e, e) for e in expected)
    return " or ".join(names[:4]) if names else "nothing"


def _syntax_error(s: str, exc: UnexpectedInput) -> ValueError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
        ch = s[pos]
        if _CJK.match(ch):
            return Unsupported(f"prose in a formula: {s[pos : pos + 12]!r}")
        if ch == "|":
            return Unsupported("absolute value bars |…| (write \\left| … \\right|)")
        where, col = _where(s, pos)
        return LatexSyntaxError(f"{where}: unexpected character {ch!r}", col)
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    at_end = tok.type == "$END"
    pos = len(s.rstrip()) if at_end else tok.start_pos
    where, col = _where(s, pos)
    stack = _open_brackets(s, pos)
    if at_end:
        if stack:
            opener, closer = stack[-1]
            return LatexSyntaxError(f"{where}: expected '{closer}' to close '{opener}'", col)
        return LatexSyntaxError(
            f"{where}: unexpected end of formula; expected {_describe(exc.expected)}", col
        )
    shown = str(tok).replace("\n", " ")
    if tok.type in {"RBRACE", "RPAR", "RBRACK", "RIGHT", "END"}:
        if stack:
            opener, closer = stack[-1]
            return LatexSyntaxError(
                f"{where}: expected '{closer}' to close '{opener}', found '{shown}'", col
            )
        return LatexSyntaxError(f"{where}: unexpected '{shown}' with nothing to close", col)
    return LatexSyntaxError(
        f"{where}: unexpected '{shown}'; expected {_describe(exc.expected)}", col
    )


# --------------------------------------------------------------------------------------
# Product items: what a product's atoms become before they are SymPy.


class _Ident:
    __slots__ = ("name", "kind", "subs", "sups", "primes", "delta", "delta_sub")

    def __init__(self, name, kind, subs=(), sups=(), primes=0):
        self.name = name  # 'w', 'eta', 'net', 'vec w'
        self.kind = kind  # 'letter', 'word' (a run), 'text' (\text), 'greek', 'accent'
        self.subs = list(subs)
        self.sups = list(sups)
        self.primes = primes
        self.delta = False
        self.delta_sub = None  # \Delta_p w_{ji}: Rumelhart's change for pattern p


class _ParenItem:
    __slots__ = ("node", "subs", "sups", "primes", "after_times")

    def __init__(self, node, subs, sups, primes, after_times=False):
        self.node, self.subs, self.sups, self.primes = node, subs, sups, primes
        self.after_times = after_times


class _Partial:
    __slots__ = ("order",)

    def __init__(self, order):
        self.order = order


class _SumOp:
    __slots__ = ("cls", "limits")

    def __init__(self, cls, limits):
        self.cls, self.limits = cls, limits


class _DerivOp:
    __slots__ = ("variables",)

    def __init__(self, variables):
        self.variables = variables


class _Apply:
    """``\\exp``, ``\\nabla``: applied to the next item."""

    __slots__ = ("name", "fn", "base", "power")

    def __init__(self, name, fn, base=None, power=None):
        self.name, self.fn, self.base, self.power = name, fn, base, power


class _Value:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


_DIV = object()
_CIRC = object()


def _split_run(run: str, words) -> list[str]:
    """'dnet' -> ['d', 'net']; 'xy' -> ['x', 'y']; known words stay whole, longest first."""
    if run in words:
        return [run]
    out, i = [], 0
    while i < len(run):
        for j in range(len(run), i + 1, -1):
            if run[i:j] in words:
                out.append(run[i:j])
                i = j
                break
        else:
            out.append(run[i])
            i += 1
    return out


def _text_content(tok: str) -> str:
    return tok[tok.index("{") + 1 : -1]


def _is_matrix(x) -> bool:
    return isinstance(x, MatrixBase)


def _mul(factors):
    if not factors:
        return sympy.Integer(1)
    if any(_is_matrix(f) for f in factors):
        return reduce(_matmul, factors)
    return sympy.Mul(*factors)


def _matmul(a, b):
    check_matmul(a, b)
    return a * b


def _pow(base, exponent):
    """``base ** exponent`` once its cost is known to be small (see budget.py)."""
    check_power(base, exponent)
    return base**exponent


_INDEXED: dict[tuple, sympy.Indexed] = {}


def _indexed(name: str, indices: tuple) -> sympy.Indexed:
    """Indexed(IndexedBase(name), *indices), built once: Indexed.__new__ is not cached."""
    key = (name, indices)
    hit = _INDEXED.get(key)
    if hit is None:
        if len(_INDEXED) >= 50_000:
            _INDEXED.clear()
        hit = _INDEXED[key] = sympy.Indexed(sympy.IndexedBase(name), *indices)
    return hit


def _neg(x):
    # Mul(-1, x) flattens the coefficient; SymPy's x.__neg__ leaves Mul(-1, 2, ...) unflattened.
    return -x if _is_matrix(x) else sympy.Mul(sympy.S.NegativeOne, x)


def _add(terms):
    if any(_is_matrix(t) for t in terms):
        return reduce(operator.add, terms)
    return sympy.Add(*terms)


class _Builder:
    """Parse tree -> SymPy, under one set of settings."""

    def __init__(
        self,
        source,
        layer_bases,
        functions,
        words,
        bare_labels=BARE_LABEL_BASES,
        matrices=frozenset(),
    ):
        self.source = source
        self.layer_bases = layer_bases
        self.bare_labels = bare_labels
        self.functions = functions
        self.words = words
        self.matrices = matrices

    # -- expressions -----------------------------------------------------------------

    def build(self, node):
        if isinstance(node, _Prod):
            return self.product(self.items(node.items))
        if isinstance(node, _Add):
            return _add(self.terms(node.terms))
        if isinstance(node, _Neg):
            return _neg(self.build(node.arg))
        if isinstance(node, _Chain):
            op = node.parts[1]
            raise Unsupported(
                f"{str(op)!r} is a relation; parse each side separately (extract.split_relations)"
            )
        if isinstance(node, _Rel):
            raise Unsupported(f"a relation {str(node.op)!r} inside an expression")
        if node is None:
            raise Unsupported("an empty entry")
        # a bare argument (Token or group) used as an expression
        return self.arg_value(node)

    def terms(self, terms) -> list:
        """The terms of a sum; ``\\sum_k -x_k y`` is ``Σ_k (-x_k y)``, as written in
        textbooks (Mitchell's ``\\sum_{k} -\\delta_k w_{kh}``), not ``(Σ_k) - x_k y``."""
        out, i = [], 0
        while i < len(terms):
            sign, node = terms[i]
            if i + 1 < len(terms) and terms[i + 1][0] < 0 and _ends_in_sum(node):
                resolved = self.items(node.items)
                if resolved and isinstance(resolved[-1], _SumOp):
                    body = _Value(_neg(self.build(terms[i + 1][1])))
                    value = self.product([*resolved, body])
                    out.append(value if sign > 0 else _neg(value))
                    i += 2
                    continue
            out.append(self.build(node) if sign > 0 else _neg(self.build(node)))
            i += 1
        return out

    def arg_value(self, arg):
        """The value of a script or \\frac argument: a Token or a _Group."""
        if isinstance(arg, _Group):
            if not arg.items:
                raise Unsupported("an empty group {}")
            if len(arg.items) > 1:
                raise Unsupported("a list 'a, b' where one expression was expected")
            return self.build(arg.items[0])
        return self.product(self.items([_Atom(arg)]))

    # -- products ----------------------------------------------------------------------

    def items(self, atoms) -> list:
        out = []
        for atom in self.named_runs(atoms):
            if atom is _DIV or (isinstance(atom, Token) and atom.type == "DIV"):
                out.append(_DIV)
            elif isinstance(atom, Token) and atom.type == "CIRC":
                out.append(_CIRC)
            else:
                out.extend(self.atom_items(atom))
        return out

    def named_runs(self, atoms) -> list:
        """``W2``, ``dW2`` typed in plain italics: a letter run and the digits right after
        it are one name where that name is a word (a notation's code names), not W·2."""
        out: list = []
        for atom in atoms:
            prev = out[-1] if out else None
            if (
                isinstance(atom, _Atom)
                and isinstance(atom.base, Token)
                and str(atom.base).isdigit()
                and isinstance(prev, _Atom)
                and isinstance(prev.base, Token)
                and prev.base.type in ("LETTERS", "CHAR")
                and str(prev.base).isalpha()
                and not (prev.subs or prev.sups or prev.primes)
                and prev.base.end_pos == atom.base.start_pos
            ):
                run = str(prev.base) + str(atom.base)
                last = _split_run(run, self.words)[-1]
                if last in self.words and len(last) > len(str(atom.base)):
                    merged = _Atom(Token.new_borrow_pos("LETTERS", run, prev.base))
                    merged.subs, merged.sups, merged.primes = atom.subs, atom.sups, atom.primes
                    merged.after_times = prev.after_times
                    out[-1] = merged
                    continue
            out.append(atom)
        return out

    def atom_items(self, atom: _Atom) -> list:
        base, subs, sups, primes = atom.base, atom.subs, atom.sups, atom.primes
        if len(subs) > 1:
            raise Unsupported("a double subscript x_a_b")
        if len(sups) > 1:
            raise Unsupported("a double superscript x^a^b")
        if isinstance(base, Token):
            kind = base.type
            if kind in ("LETTERS", "CHAR"):
                if base.isdigit():
                    return [self.scripted(sympy.Integer(int(base)), subs, sups, primes)]
                pieces = _split_run(str(base), self.words)
                out = [self.ident_of(p) for p in pieces[:-1]]
                last = self.ident_of(pieces[-1])
                last.subs, last.sups, last.primes = list(subs), list(sups), primes
                return out + [last]
            if kind == "NUMBER":
                return [self.scripted(sympy.Rational(str(base)), subs, sups, primes)]
            if kind == "GREEK":
                name = _GREEK_UNICODE.get(str(base), str(base)[1:])
                if name == "Sigma" and subs:
                    return [self.big_op(sympy.Sum, subs, sups, primes)]
                return [_Ident(name, "greek", subs, sups, primes)]
            if kind == "TEXT":
                content = _text_content(base).strip().replace("\\_", "_")  # step\_size
                if not content:
                    if subs or sups or primes:
                        raise Unsupported("scripts on an empty \\text{}")
                    return []
                if not _WORD.match(content.replace("_", "")):
                    raise Unsupported(f"prose in \\text{{{content}}}")
                return [_Ident(content, "text", subs, sups, primes)]
            if kind == "PARTIAL":
                if subs or primes:
                    raise Unsupported("a subscript or prime on \\partial")
                return [_Partial(self.order(sups[0]) if sups else 1)]
            if kind == "BIGOP":
                cls = sympy.Product if ("prod" in base or base == "∏") else sympy.Sum
                return [self.big_op(cls, subs, sups, primes)]
            if kind == "DOTS":
                raise Unsupported(f"an ellipsis {str(base)!r} cannot be represented")
            if kind == "FUNC":
                name = str(base)[1:]
                if primes:
                    raise Unsupported(f"a prime on \\{name}")
                return [
                    _Apply(
                        name, _BUILTINS[name], subs[0] if subs else None, sups[0] if sups else None
                    )
                ]
            if kind == "NABLA":
                if sups or primes:
                    raise Unsupported("a superscript or prime on \\nabla")
                return [_Apply("nabla", _NABLA, subs[0] if subs else None)]
            if kind == "INFTY":
                return [self.scripted(sympy.oo, subs, sups, primes)]
            if kind == "CMD":
                raise Unsupported(f"{str(base)} is not supported")
            raise Unsupported(f"{str(base)!r} is not supported")  # pragma: no cover
        if isinstance(base, _Group):
            return self.group_items(base, subs, sups, primes)
        if isinstance(base, _Paren):
            if base.open.type == "LEFT" or base.close.type == "RIGHT":
                item = self.left_right(base, subs, sups, primes)
            else:
                item = _ParenItem(base, subs, sups, primes)
            if isinstance(item, _ParenItem):
                item.after_times = atom.after_times
            return [item]
        if isinstance(base, _Frac):
            value = self.frac(base)
            if isinstance(value, _DerivOp):
                if subs or sups or primes:
                    raise Unsupported("scripts on a derivative operator")
                return [value]
            return [self.scripted(value, subs, sups, primes)]
        if isinstance(base, _Accent):
            return [self.accent(base, subs, sups, primes)]
        if isinstance(base, _Sqrt):
            arg = self.arg_value(base.arg)
            if base.index is None:
                value = sympy.sqrt(arg)
            else:
                index = self.build(base.index)
                value = _pow(arg, sympy.S.One / index) if index != 0 else sympy.zoo

            return [self.scripted(value, subs, sups, primes)]
        if isinstance(base, _Env):
            return [self.scripted(self.env(base), subs, sups, primes)]
        if isinstance(base, _Indicator):
            return [self.scripted(self.indicator(base), subs, sups, primes)]
        raise Unsupported(f"cannot represent {type(base).__name__}")  # pragma: no cover

    def ident_of(self, piece: str) -> _Ident:
        return _Ident(piece, "word" if len(piece) > 1 else "letter")

    def group_items(self, group: _Group, subs, sups, primes) -> list:
        if not group.items:
            if subs or sups or primes:
                raise Unsupported("scripts on an empty group {}")
            return []
        if len(group.items) == 1 and isinstance(group.items[0], _Prod):
            inner = self.items(group.items[0].items)
            if len(inner) == 1:
                item = inner[0]
                if not (subs or sups or primes):
                    return inner
                if (
                    isinstance(item, _Ident)
                    and not item.primes
                    and not ((subs and item.subs) or (sups and item.sups))
                ):
                    item.subs = item.subs or list(subs)
                    item.sups = item.sups or list(sups)
                    item.primes = primes
                    return [item]
        return [self.scripted(self.arg_value(group), subs, sups, primes)]

    def left_right(self, paren: _Paren, subs, sups, primes):
        left = (
            re.sub(r"^\\left\s*", "", str(paren.open))
            if paren.open.type == "LEFT"
            else str(paren.open)
        )
        right = (
            re.sub(r"^\\right\s*", "", str(paren.close))
            if paren.close.type == "RIGHT"
            else str(paren.close)
        )
        pairs = {
            ("(", ")"),
            ("[", "]"),
            ("\\{", "\\}"),
            ("\\lbrace", "\\rbrace"),
            ("\\langle", "\\rangle"),
        }
        bars = {"|", "\\|", "\\lvert", "\\rvert", "\\lVert", "\\rVert", "\u2016", "\u2225"}
        if (left, right) in pairs:
            return _ParenItem(paren, subs, sups, primes)
        if left in bars and right in bars:
            if len(paren.args) != 1:
                raise Unsupported("a list inside |…|")
            norm = {left, right} <= {"\\|", "\\lVert", "\\rVert", "\u2016", "\u2225"}
            value = self.build(paren.args[0])
            return self.scripted(_NORM(value) if norm else sympy.Abs(value), subs, sups, primes)
        if left == "." or right == ".":
            raise Unsupported(f"one-sided delimiters '\\left{left} … \\right{right}'")
        where, col = _where(self.source, paren.close.start_pos)
        closer = "\\right" + _matching(left)
        raise LatexSyntaxError(
            f"{where}: expected '{closer}' to close '\\left{left}', found '{paren.close}'", col
        )

    def scripted(self, value, subs, sups, primes):
        """Scripts on something that is not a name: ^T, powers; no subscripts or primes,
        but for one component of a gradient, ``(\\nabla_a J)_i``."""
        if subs and isinstance(value, sympy.Function) and value.func == _NABLA:
            kind, idx = self.subscript(subs[0])
            if kind == "idx" and len(idx) == 1:
                value, subs = _COMPONENT(value, idx[0]), ()
        if subs:
            raise Unsupported("a subscript on an expression")
        if primes:
            raise Unsupported("a prime on an expression")
        if sups:
            if self.is_transpose(sups[0]):
                return _Value(_TRANSPOSE(value))
            return _Value(_pow(value, self.arg_value(sups[0])))
        return _Value(value)

    def product(self, items):
        """Resolve one product's items into a SymPy value."""
        vals = []
        i, n = 0, len(items)
        while i < n:
            it = items[i]
            nxt = items[i + 1] if i + 1 < n else None
            if (
                isinstance(it, _Ident)
                and it.name == "Delta"
                and it.kind == "greek"
                and len(it.subs) <= 1
                and not (it.sups or it.primes or it.delta)
                and isinstance(nxt, _Ident)
                and not nxt.delta
            ):
                nxt.delta = True
                nxt.delta_sub = it.subs[0] if it.subs else None
                i += 1
                continue
            if (
                isinstance(it, _Ident)
                and isinstance(nxt, _ParenItem)
                and not nxt.after_times
                and self.applicable(it)
            ):
                vals.append(self.apply_function(it, nxt))
                i += 2
                continue
            vals.append(it)
            i += 1
        # \exp, \nabla and friends take the next item
        resolved = []
        i = len(vals) - 1
        while i >= 0:
            it = vals[i]
            if isinstance(it, _Apply):
                if not resolved or not self.is_operand(resolved[-1]):
                    raise Unsupported(f"\\{it.name} without an argument")
                arg = resolved.pop()
                resolved.append(_Value(self.apply_builtin(it, arg)))
            else:
                resolved.append(it)
            i -= 1
        resolved.reverse()
        groups, current = [], []
        for it in resolved:
            if it is _CIRC:
                groups.append(current)
                current = []
            else:
                current.append(it)
        groups.append(current)
        values = [self.fold(g) for g in groups]
        if len(values) == 1:
            return values[0]
        return reduce(lambda a, b: _HADAMARD(a, b), values)

    def fold(self, items):
        """Right to left: sums and derivative operators take everything after them."""
        acc: list = []
        for it in reversed(items):
            if it is _DIV:
                if not acc:
                    raise Unsupported("'/' with nothing after it")
                acc[0] = _pow(acc[0], sympy.S.NegativeOne)
            elif isinstance(it, _SumOp):
                if not acc:
                    raise Unsupported("a sum with nothing to sum")
                acc = [it.cls(_mul(acc), *it.limits)]
            elif isinstance(it, _DerivOp):
                if not acc:
                    raise Unsupported("a derivative operator with nothing to act on")
                acc = [sympy.Derivative(_mul(acc), *it.variables, evaluate=False)]
            elif isinstance(it, _Partial):
                raise Unsupported("\\partial outside a derivative fraction")
            else:
                acc.insert(0, self.value(it))
        if not acc:
            raise Unsupported("an empty product")
        return _mul(acc)

    def is_operand(self, it) -> bool:
        return isinstance(it, (_Ident, _ParenItem, _Value))

    def value(self, it):
        if isinstance(it, _Value):
            return it.value
        if isinstance(it, _Ident):
            return self.ident(it)
        if isinstance(it, _ParenItem):
            if len(it.node.args) != 1:
                raise Unsupported("a tuple (a, b, …) that is not a function's arguments")
            return self.scripted(self.build(it.node.args[0]), it.subs, it.sups, it.primes).value
        raise Unsupported(f"cannot represent {type(it).__name__}")  # pragma: no cover

    # -- names -------------------------------------------------------------------------

    def applicable(self, it: _Ident) -> bool:
        if it.delta:
            return False
        if self.unit_function(it):
            return True
        if it.subs or it.sups:  # a layer's own function, σ_2 or f^{(3)}, where it is one
            return self.function_name(it) in self.functions
        if it.kind == "text":
            return True
        if it.kind == "word":
            return it.name in FUNCTION_WORDS or it.name in self.functions
        if it.kind in ("letter", "greek"):
            return it.name in self.functions
        return False

    def unit_function(self, it: _Ident) -> bool:
        """``f_j``, ``f'_j``: a function letter with a unit's one-letter subscript."""
        return bool(
            it.subs
            and not it.sups
            and it.kind in ("letter", "greek")
            and it.name in self.functions
            and _unit_subscript(it.subs[0])
        )

    def function_name(self, it: _Ident) -> str | None:
        """``sigma_2`` for ``\\sigma_{2}``, ``f^(3)`` for ``f^{(3)}``: the name of a layer's
        own function (a number as subscript, a parenthesised layer label as
        superscript); the plain name without scripts; None for other scripts."""
        if it.subs and it.sups:
            return None
        if it.subs:
            kind, val = self.subscript(it.subs[0])
            if kind != "idx" or len(val) != 1 or not isinstance(val[0], sympy.Integer):
                return None
            return f"{it.name}_{val[0]}"
        if it.sups:
            if not self._parenthesized(it.sups[0]):
                return None
            label = self.layer_label(it.sups[0], it.name)
            return None if label is None else f"{it.name}^({label})"
        return it.name

    def apply_function(self, it: _Ident, paren: _ParenItem):
        args = [self.build(a) for a in paren.node.args]
        if self.unit_function(it):  # Rumelhart's f_j(net_{pj}): unit j's function, at j
            unit = sympy.Symbol(_unit_subscript(it.subs[0]))
            if not any(unit in a.free_symbols for a in args):
                raise Unsupported(f"{it.name}_{unit} applied to a quantity of another unit")
            name = it.name
        else:
            name = self.function_name(it)
        if it.primes:
            if len(args) == 1 and isinstance(args[0], (sympy.Symbol, sympy.Indexed)):
                var = args[0]
                fn = sympy.Function(name)(var)
                order = var if it.primes == 1 else (var, it.primes)
                result = sympy.Derivative(fn, order, evaluate=False)
            else:
                result = sympy.Function(name + "'" * it.primes)(*args)
        elif it.name in _BUILTINS and it.kind in ("word", "text") and name == it.name:
            result = self.call_builtin(it.name, _BUILTINS[it.name], args)
        else:
            result = sympy.Function(name)(*args)
        return self.scripted(result, paren.subs, paren.sups, paren.primes)

    def call_builtin(self, name, fn, args, base=None):
        # unevaluated: SymPy's evaluation of nested functions is exponential in
        # their depth, which the budget checks once the whole side is built
        if name in ("max", "min"):
            return fn(*args, evaluate=False)
        if len(args) != 1:
            raise Unsupported(f"\\{name} takes one argument")
        if name in ("log", "ln") and base is not None:
            return sympy.log(args[0], evaluate=False) / sympy.log(base, evaluate=False)
        return fn(args[0], evaluate=False)

    def apply_builtin(self, op: _Apply, arg):
        if op.fn is _NABLA:  # \nabla_a C: the gradient of C by a
            if op.base is not None:
                return _NABLA(self.value(arg), self.arg_value(op.base))
            return _NABLA(self.value(arg))
        if op.base is not None and op.name != "log":
            raise Unsupported(f"a subscript on \\{op.name}")
        base = self.arg_value(op.base) if op.base is not None else None
        if isinstance(arg, _ParenItem):
            result = self.call_builtin(op.name, op.fn, [self.build(a) for a in arg.node.args], base)
            result = self.scripted(result, arg.subs, arg.sups, arg.primes).value
        else:
            result = self.call_builtin(op.name, op.fn, [self.value(arg)], base)
        if op.power is not None:
            result = _pow(result, self.arg_value(op.power))
        return result

    def ident(self, it: _Ident):
        name = it.name + "'" * it.primes
        sub = it.subs[0] if it.subs else None
        sup = it.sups[0] if it.sups else None
        label = power = None
        transpose = False
        if sup is not None and it.name in self.layer_bases:
            sup, transpose = _label_then_transpose(sup)  # W^{(k)\top}, Goodfellow's
        if sup is not None:
            if self.is_transpose(sup):
                transpose = True
            elif (
                it.name in self.layer_bases and (lab := self.layer_label(sup, it.name)) is not None
            ):
                label = lab
            elif (
                it.name == "e"
                and it.kind == "letter"
                and sub is None
                and not (it.primes or it.delta)
            ):
                return sympy.exp(self.arg_value(sup), evaluate=False)
            else:
                power = self.arg_value(sup)
        indices = None
        if sub is not None:
            kind, val = self.subscript(sub)
            if kind == "word":
                name = f"{name}_{val}"
            else:
                indices = val
        if label is not None:
            name = f"{name}^({label})"
        if it.delta:
            name = "Delta " + name
        if it.delta_sub is not None:  # \Delta_p w_{ji}: p first, as in o_{pj}
            kind, val = self.subscript(it.delta_sub)
            if kind == "word" or len(val) != 1 or not isinstance(val[0], sympy.Symbol):
                raise Unsupported("a subscript on \\Delta other than one letter")
            indices = val + tuple(indices or ())
        if indices:
            x = _indexed(name, indices)
        else:  # a whole matrix keeps its place in a product (A^T B is not B A^T)
            x = sympy.Symbol(name, commutative=name not in self.matrices)
        if transpose:
            x = _TRANSPOSE(x)
        if power is not None:
            x = _pow(x, power)
        return x

    def is_transpose(self, sup) -> bool:
        if isinstance(sup, Token):
            return str(sup) in ("T", "\\top", "\\intercal") or (
                sup.type == "TEXT" and _text_content(sup).strip() == "T"
            )
        atom = _single_atom(sup)
        return (
            atom is not None
            and not (atom.subs or atom.sups or atom.primes)
            and (isinstance(atom.base, Token) and str(atom.base) in ("T", "\\top", "\\intercal"))
        )

    def layer_label(self, sup, name: str = "W") -> str | None:
        """A layer label: ``^{(2)}``, ``^{(l+1)}`` on any name in ``layer_bases``; a bare
        digit (``W^1_{ij}``, note 003) only on weights, since ``O_j^2`` is a square."""
        bare = name in self.bare_labels  # a weight's letter: W^k, w^l_{jk} (textbooks)
        if not bare and not self._parenthesized(sup):
            return None
        if isinstance(sup, Token):
            if sup.type == "CHAR" and (sup.isdigit() or (bare and sup.isalpha())):
                return str(sup)
            return None
        if bare and isinstance(sup, _Group) and len(sup.items) == 1:
            shifted = _shifted_label(sup.items[0])  # a^{l-1}_k
            if shifted is not None:
                return shifted
        atom = _single_atom(sup)
        if atom is None or atom.subs or atom.sups or atom.primes:
            return None
        base = atom.base
        if isinstance(base, Token) and base.type == "NUMBER" and base.isdigit():
            return str(base)
        if bare and isinstance(base, Token) and base.type == "LETTERS" and len(base) == 1:
            return str(base)
        if isinstance(base, _Paren) and base.open == "(" and len(base.args) == 1:
            shifted = _shifted_label(base.args[0])
            if shifted is not None:
                return shifted
            inner = _single_atom(_Group([base.args[0]], 0))
            if inner is not None and not (inner.subs or inner.sups or inner.primes):
                b = inner.base
                if isinstance(b, Token) and (
                    (b.type == "NUMBER" and b.isdigit()) or (b.type == "LETTERS" and len(b) == 1)
                ):
                    return str(b)
        return None

    @staticmethod
    def _parenthesized(sup) -> bool:
        atom = None if isinstance(sup, Token) else _single_atom(sup)
        return atom is not None and isinstance(atom.base, _Paren) and atom.base.open == "("

    def order(self, sup) -> int:
        value = self.arg_value(sup)
        if not (isinstance(value, sympy.Integer) and value > 0):
            raise Unsupported(f"a derivative of order {value}")
        return int(value)

    def subscript(self, sub):
        """('word', 'hidden') for a name-like subscript, ('idx', (j, k)) for indices."""
        if isinstance(sub, Token):
            if sub.type == "CHAR":
                return "idx", (
                    sympy.Integer(int(sub)) if sub.isdigit() else sympy.Symbol(str(sub)),
                )
            if sub.type == "GREEK":
                return "idx", (sympy.Symbol(_GREEK_UNICODE.get(str(sub), str(sub)[1:])),)
            if sub.type == "TEXT":
                content = _text_content(sub).strip()
                if _WORD.match(content):
                    return "word", content
                raise Unsupported(f"prose in a subscript: \\text{{{content}}}")
            raise Unsupported(f"{str(sub)} in a subscript")
        if not sub.items:
            raise Unsupported("an empty subscript")
        if any(isinstance(g, _Rel) for g in sub.items):
            raise Unsupported("a relation in a subscript")
        if len(sub.items) > 1:
            return "idx", tuple(self.index(g) for g in sub.items)
        node = sub.items[0]
        word = self.word_subscript(node)
        if word is not None:
            return "word", word
        simple = self.simple_indices(node)
        if simple is not None:
            return "idx", simple
        return "idx", (self.build(node),)

    def word_subscript(self, node) -> str | None:
        if isinstance(node, _Prod) and len(node.items) == 1:
            atom = node.items[0]
            if isinstance(atom, _Atom) and not (atom.subs or atom.sups or atom.primes):
                base = atom.base
                if isinstance(base, Token):
                    if base.type == "TEXT":
                        content = _text_content(base).strip()
                        if _WORD.match(content):
                            return content
                        raise Unsupported(f"prose in a subscript: \\text{{{content}}}")
                    if base.type == "LETTERS" and (len(base) >= 3 or str(base) in self.words):
                        return str(base)
        if isinstance(node, _Add):
            parts = []
            for sign, term in node.terms:
                atom = _single_atom(_Group([term], 0))
                if atom is None or atom.subs or atom.sups or atom.primes:
                    return None
                if not (isinstance(atom.base, Token) and atom.base.type == "LETTERS"):
                    return None
                parts.append(("-" if sign < 0 else "+") + str(atom.base))
            return "".join(parts).lstrip("+")
        return None

    def simple_indices(self, node):
        """{jk} -> (j, k); {j'k} -> (j', k); {n1} -> (n, 1); {1.1} -> (1, 1); else None."""
        if not isinstance(node, _Prod):
            return None
        out = []
        for atom in node.items:
            if not isinstance(atom, _Atom) or atom.subs or atom.sups:
                return None
            base = atom.base
            if not isinstance(base, Token):
                return None
            if atom.primes:  # a primed index letter, as in w_{j'k} or w_{jk'}
                if base.type != "LETTERS" or len(base) > 2 or str(base) in self.words:
                    return None
                out.extend(sympy.Symbol(c) for c in str(base)[:-1])
                out.append(sympy.Symbol(str(base)[-1] + "'" * atom.primes))
            elif base.type == "LETTERS" and len(base) <= 2 and str(base) not in self.words:
                out.extend(sympy.Symbol(c) for c in str(base))
            elif base.type == "NUMBER":
                out.extend(sympy.Integer(int(p)) for p in str(base).split("."))
            elif base.type == "GREEK":
                out.append(sympy.Symbol(_GREEK_UNICODE.get(str(base), str(base)[1:])))
            else:
                return None
        return tuple(out)

    def index(self, node):
        simple = self.simple_indices(node)
        if simple is not None and len(simple) == 1:
            return simple[0]
        return self.build(node)

    def accent(self, node: _Accent, subs, sups, primes):
        arg = node.arg
        if isinstance(arg, Token):
            if arg.type == "CHAR" and not arg.isdigit():
                inner = _Ident(str(arg), "letter")
            elif arg.type == "GREEK":
                inner = _Ident(_GREEK_UNICODE.get(str(arg), str(arg)[1:]), "greek")
            else:
                raise Unsupported(f"\\{node.kind} over {str(arg)}")
        else:
            atom = _single_atom(arg)
            items = self.atom_items(atom) if atom is not None else []
            if len(items) != 1 or not isinstance(items[0], _Ident):
                raise Unsupported(f"\\{node.kind} over an expression")
            inner = items[0]
        if (subs and inner.subs) or (sups and inner.sups):
            raise Unsupported("a double script on an accented name")
        ident = _Ident(
            f"{node.kind} {inner.name}", "accent", inner.subs or subs, inner.sups or sups
        )
        ident.primes = inner.primes + primes
        return ident

    # -- operators ---------------------------------------------------------------------

    def big_op(self, cls, subs, sups, primes):
        name = "sum" if cls is sympy.Sum else "product"
        if primes:
            raise Unsupported(f"a prime on a {name}")
        if not subs:
            raise Unsupported(f"a {name} without an index")
        sub = subs[0]
        variables = []  # [(var, lo)]
        if isinstance(sub, Token):
            variables.append((self.sum_var(sub), _LO))
        else:
            for g in sub.items:
                if isinstance(g, _Rel) and str(g.op) in ("\\in", "\u2208"):
                    # k \in outputs, j \in Downstream(h), k \in K: a fully connected
                    # layer's every unit, which the index's own layer already says
                    variables.append((self.sum_var(g.lhs), _LO))
                elif isinstance(g, _Rel):
                    if str(g.op) != "=":
                        raise Unsupported(f"a {name} over a condition {str(g.op)!r}")
                    variables.append((self.sum_var(g.lhs), self.build(g.rhs)))
                else:
                    variables.append((self.sum_var(g), _LO))
        if not variables:
            raise Unsupported(f"a {name} without an index")
        hi = self.arg_value(sups[0]) if sups else _HI
        if sups and len(variables) > 1:
            raise Unsupported(f"an upper bound on a {name} over several indices")
        return _SumOp(cls, [(v, lo, hi) for v, lo in variables])

    def sum_var(self, node):
        if isinstance(node, Token):
            value = self.arg_value(node)
        else:
            value = self.build(node)
        if not isinstance(value, sympy.Symbol):
            raise Unsupported(f"a summation index that is not a plain name: {value}")
        return value

    def frac(self, node: _Frac):
        num_items = self.leading_items(node.num)
        den_items = self.leading_items(node.den)
        num_d = _derivative_mark(num_items)
        den_d = _derivative_mark(den_items)
        if den_d == "partial" and num_d != "partial":
            raise Unsupported("a \\frac with \\partial in the denominator but not in the numerator")
        if num_d == "partial" and den_d != "partial":
            raise Unsupported("a \\frac with \\partial in the numerator but not in the denominator")
        if num_d == "partial" or (num_d == "d" and den_d == "d" and _leibniz_shape(den_items)):
            order = num_items[0].order if num_d == "partial" else self.d_order(num_items[0])
            variables = self.derivative_vars(den_items, den_d)
            total = sum(1 if isinstance(v, sympy.Basic) else v[1] for v in variables)
            if total != order:
                raise Unsupported(
                    f"derivative order {order} does not match the denominator ({total})"
                )
            rest = num_items[1:]
            if not rest:
                return _DerivOp(variables)
            return sympy.Derivative(self.product(rest), *variables, evaluate=False)
        num = self.product(num_items) if num_items is not None else self.arg_value(node.num)
        den = self.product(den_items) if den_items is not None else self.arg_value(node.den)
        if _is_matrix(den):
            raise Unsupported("division by a matrix")
        return num / den

    def leading_items(self, arg):
        """The product items of a \\frac argument, or None if it is not one product."""
        if isinstance(arg, Token):
            return self.items([_Atom(arg)])
        if isinstance(arg, _Group) and len(arg.items) == 1 and isinstance(arg.items[0], _Prod):
            return self.items(arg.items[0].items)
        return None

    def d_order(self, it: _Ident) -> int:
        return self.order(it.sups[0]) if it.sups else 1

    def derivative_vars(self, den_items, mark):
        variables = []
        i = 0
        while i < len(den_items):
            op = den_items[i]
            if not (isinstance(op, _Partial) if mark == "partial" else _is_d(op)):
                raise Unsupported("a derivative denominator that is not of the form \\partial x")
            if (op.order if isinstance(op, _Partial) else self.d_order(op)) != 1:
                raise Unsupported("a power on \\partial in the denominator")
            if i + 1 >= len(den_items):
                raise Unsupported("\\partial with nothing after it in the denominator")
            var_item = den_items[i + 1]
            order = 1
            if (
                isinstance(var_item, _Ident)
                and var_item.sups
                and not self.is_transpose(var_item.sups[0])
                and not (
                    var_item.name in self.layer_bases
                    and self.layer_label(var_item.sups[0], var_item.name)
                )
            ):
                order = self.order(var_item.sups[0])
                var_item = _Ident(var_item.name, var_item.kind, var_item.subs, (), var_item.primes)
                var_item.delta = den_items[i + 1].delta
            var = self.value(var_item)
            if not isinstance(var, (sympy.Symbol, sympy.Indexed)):
                raise Unsupported(f"a derivative with respect to an expression: {var}")
            variables.append(var if order == 1 else (var, order))
            i += 2
        return variables

    # -- environments ------------------------------------------------------------------

    def env(self, node: _Env):
        name = re.match(r"\\begin\s*\{([^{}]*)\}", str(node.begin)).group(1)
        end = re.match(r"\\end\s*\{([^{}]*)\}", str(node.end)).group(1)
        if name != end:
            where, col = _where(self.source, node.end.start_pos)
            raise LatexSyntaxError(
                f"{where}: expected '\\end{{{name}}}' to close '\\begin{{{name}}}'", col
            )
        rows = [list(r) for r in node.rows]
        if len(rows) > 1 and rows[-1] == [None]:
            rows.pop()  # a trailing \\ before \end
        if name in _MATRIX_ENVS:
            check_matrix(len(rows), max(len(r) for r in rows))
            if len({len(r) for r in rows}) != 1:
                raise Unsupported(f"rows of different lengths in {name}")
            return sympy.ImmutableMatrix([[self.build(c) for c in r] for r in rows])
        if name == "cases":
            pieces = []
            for r in rows:
                if len(r) != 2 or r[0] is None or r[1] is None:
                    raise Unsupported("a cases row that is not 'value & condition'")
                pieces.append((self.build(r[0]), self.condition(r[1])))
            return sympy.Piecewise(*pieces)
        if name in ("vmatrix", "Vmatrix"):
            raise Unsupported(f"a determinant ({name})")
        raise Unsupported(f"the {name} environment inside an expression")

    def indicator(self, node: _Indicator):
        """``\\mathbb{1}(a > b)``: 1 where the condition holds, else 0."""
        op = _rel_symbol(str(node.op))
        if op not in _RELATIONALS:
            raise Unsupported(f"an indicator of {str(node.op)!r}")
        cond = _RELATIONALS[op](self.build(node.lhs), self.build(node.rhs))
        return sympy.Piecewise((sympy.Integer(1), cond), (sympy.Integer(0), True))

    def condition(self, node):
        if isinstance(node, _Rel):
            op = _rel_symbol(str(node.op))
            if op not in _RELATIONALS:
                raise Unsupported(f"a condition with {str(node.op)!r}")
            return _RELATIONALS[op](self.build(_strip_if(node.lhs)), self.build(node.rhs))
        atom = _single_atom(_Group([node], 0))
        if atom is not None and isinstance(atom.base, Token) and atom.base.type == "TEXT":
            if _text_content(atom.base).strip() in ("otherwise", "else", "sonst"):
                return sympy.true
        raise Unsupported("a cases condition that is not a relation or 'otherwise'")


_BARE_NORM_BAR = re.compile(r"(?<!\\left)(?<!\\right)(?<!\\left )(?<!\\right )\\\|")


def _unit_subscript(sub) -> str | None:
    """The letter of a one-letter lower-case subscript (``f_j``: unit j), else None."""
    if isinstance(sub, Token) and sub.type == "CHAR" and sub.isalpha() and sub.islower():
        return str(sub)
    atom = _single_atom(sub)
    if atom is not None and not (atom.subs or atom.sups or atom.primes):
        base = atom.base
        if isinstance(base, Token) and base.type in ("CHAR", "LETTERS") and len(base) == 1:
            return str(base) if str(base).isalpha() and str(base).islower() else None
    return None


def _ends_in_sum(node) -> bool:
    """A product whose last atom is a bare \\sum or \\prod (its body follows a minus)."""
    if not (isinstance(node, _Prod) and node.items):
        return False
    last = node.items[-1]
    return (
        isinstance(last, _Atom)
        and isinstance(last.base, Token)
        and last.base.type == "BIGOP"
        and not last.primes
    )


def _pair_norm_bars(s: str) -> str:
    """``\\| v \\|`` (Nielsen's ``\\|y - a^L\\|^2``): bare double bars, which
    open and close alike, become an opening ``‖`` and a closing ``∥`` for the
    grammar, in pairs, two characters for two, so columns stay right."""
    bars = [m.start() for m in _BARE_NORM_BAR.finditer(s)]
    if not bars or len(bars) % 2:
        return s
    out = list(s)
    for n, at in enumerate(bars):
        out[at : at + 2] = ["\u2016", " "] if n % 2 == 0 else [" ", "\u2225"]
    return "".join(out)


def _label_then_transpose(sup):
    """``{(k)\top}`` -> (``{(k)}``, True): a layer label and a transpose in one
    superscript; anything else unchanged, with False."""
    if not (isinstance(sup, _Group) and len(sup.items) == 1 and isinstance(sup.items[0], _Prod)):
        return sup, False
    items = sup.items[0].items
    last = items[-1] if len(items) > 1 else None
    if (
        isinstance(last, _Atom)
        and not (last.subs or last.sups or last.primes)
        and isinstance(last.base, Token)
        and str(last.base) in ("T", "\\top", "\\intercal")
    ):
        return _Group([_Prod(items[:-1])], sup.pos), True
    return sup, False


def _single_atom(arg):
    """The one atom of a group like {x_1}, or None."""
    if isinstance(arg, _Group) and len(arg.items) == 1:
        node = arg.items[0]
        if isinstance(node, _Prod) and len(node.items) == 1 and isinstance(node.items[0], _Atom):
            return node.items[0]
    return None


def _strip_if(node):
    if isinstance(node, _Prod) and len(node.items) > 1:
        first = node.items[0]
        if isinstance(first, _Atom) and isinstance(first.base, Token) and first.base.type == "TEXT":
            if _text_content(first.base).strip() in ("if", "for", "when", "falls"):
                return _Prod(node.items[1:])
    return node


def _is_d(it) -> bool:
    return (
        isinstance(it, _Ident)
        and it.name == "d"
        and it.kind in ("letter", "text")
        and not (it.subs or it.primes or it.delta)
    )


def _derivative_mark(items):
    if not items:
        return None
    if isinstance(items[0], _Partial):
        return "partial"
    if _is_d(items[0]):
        return "d"
    return None


def _leibniz_shape(den_items) -> bool:
    """[d, x] or [d, x, d, y]: alternating d and a name."""
    if not den_items or len(den_items) % 2:
        return False
    return all(_is_d(den_items[i]) for i in range(0, len(den_items), 2)) and all(
        isinstance(den_items[i], _Ident) for i in range(1, len(den_items), 2)
    )


def _rel_symbol(tok: str) -> str:
    return {
        "\\lt": "<",
        "\\gt": ">",
        "\\le": "≤",
        "\\leq": "≤",
        "\\leqslant": "≤",
        "\\ge": "≥",
        "\\geq": "≥",
        "\\geqslant": "≥",
        "\\ne": "≠",
        "\\neq": "≠",
    }.get(tok, tok)


def _matching(left: str) -> str:
    return {"(": ")", "[": "]", "\\{": "\\}", "\\lbrace": "\\rbrace", "\\langle": "\\rangle"}.get(
        left, left
    )


# --------------------------------------------------------------------------------------
# Entry point with memoisation.

_TREES: dict[str, object] = {}
_RESULTS: dict[tuple, object] = {}
_CACHE_LIMIT = 20_000


def _tree(s: str):
    hit = _TREES.get(s)
    if hit is None:
        try:
            hit = _parser().parse(s)
        except UnexpectedInput as exc:
            hit = _syntax_error(s, exc)
        if len(_TREES) >= _CACHE_LIMIT:
            _TREES.clear()
        _TREES[s] = hit
    if isinstance(hit, Exception):
        raise copy.copy(hit)
    return hit


def clear_cache() -> None:
    """Forget memoised parses (for benchmarks and long-running processes)."""
    _TREES.clear()
    _RESULTS.clear()
    _INDEXED.clear()


def parse_latex(
    s: str,
    *,
    layer_bases: frozenset[str] | set[str] = frozenset(),
    functions: frozenset[str] | set[str] = FUNCTIONS,
    words: frozenset[str] | set[str] = WORDS,
    bare_labels: frozenset[str] | set[str] = BARE_LABEL_BASES,
    matrices: frozenset[str] | set[str] = frozenset(),
) -> sympy.Expr:
    """Parse one LaTeX expression (one side of a relation) into SymPy.

    ``layer_bases``: names whose numeric superscript is a layer label (``W^1`` ->
    ``W^(1)``). ``functions``: single letters and Greek names applied when
    followed by ``(``. ``words``: letter runs kept whole. ``bare_labels``: names
    whose bare superscript letter or digit is a layer label (``w^l_{jk}``,
    ``a^{l-1}_k``; the notation's glyphs in textbook notations). ``matrices``: names
    that, written without indices, are matrices (non-commutative symbols: the order of
    a product is kept; CS231n's ``hidden^T dscores``). Raises
    ``LatexSyntaxError`` or ``Unsupported``; see the module docstring.
    """
    key = (
        s,
        frozenset(layer_bases),
        frozenset(functions),
        frozenset(words),
        frozenset(bare_labels),
        frozenset(matrices),
    )
    hit = _RESULTS.get(key)
    if hit is None:
        try:
            if not s.strip():
                raise LatexSyntaxError("column 1: expected an expression, found nothing", 1)
            check_text(s)
            source = _pair_norm_bars(s)
            tree = _tree(source)
            hit = _Builder(source, *key[1:]).build(tree)
            check_expr(hit)
        except (LatexSyntaxError, Unsupported, TooCostly) as exc:
            hit = exc
        except RecursionError:
            hit = Unsupported("nested too deeply")
        except (TypeError, ValueError, ArithmeticError, NotImplementedError) as exc:
            hit = Unsupported(f"SymPy cannot build it: {type(exc).__name__}: {exc}".splitlines()[0])
        if len(_RESULTS) >= _CACHE_LIMIT:
            _RESULTS.clear()
        _RESULTS[key] = hit
    if isinstance(hit, Exception):
        raise copy.copy(hit)
    return hit

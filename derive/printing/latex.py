"""LaTeX in a note's notation: a subclass of SymPy's ``LatexPrinter``.

Names come from a :class:`~derive.notation.Notation` (``symbol_names`` by
internal name), so ``W2[i1, i2]`` prints as ``w_{jk}`` in note 004 and as
``W_{j,k}`` in the book's.  Display data (:class:`~derive.display.Factors`,
the matrix nodes of :mod:`derive.matrix`) print through ``_print_<Class>``
like any SymPy object.  Only standard macros are emitted (amsmath).
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .. import symbols as S
from ..display import Factors
from ..matrix import Hadamard, MatVec, Outer, Vec
from ..notation import Notation


class NotationLatexPrinter(LatexPrinter):
    _default_settings = {
        **LatexPrinter._default_settings,
        "notation": None,
        "vector_mode": False,
        "factor_order": None,
        "batch": False,
        "free": frozenset(),
    }

    def __init__(self, settings: dict | None = None) -> None:
        super().__init__(settings)
        self.notation: Notation = self._settings["notation"]

    # -- names -------------------------------------------------------------------

    def _layer_letter(self, layer: int) -> str:
        return self.notation.letters[layer]

    def _index(self, idx: sp.Expr) -> str:
        if isinstance(idx, sp.Symbol) and idx.name.startswith("i"):
            layer = int(idx.name[1:].rstrip("'"))
            primes = len(idx.name) - len(idx.name.rstrip("'"))
            letter = self._layer_letter(layer)
            if primes and (primes == 3 or S.index(layer) in self._settings["free"]):
                return self.notation.dummy if primes == 3 else letter + "'"
            return letter
        return self._print(idx)

    def _base_name(self, base: sp.IndexedBase) -> str:
        n = self.notation
        kind, layer = S.kind_of(base), S.layer_of(base)
        vector = self._settings["vector_mode"]
        if isinstance(layer, str):  # a general layer l: superscripts
            return self._general_name(kind, layer)
        if kind == "O":
            return (n.vectors or n.outputs)[layer] if vector else n.outputs[layer]
        if kind == "W":
            return n.weights[layer - 1]
        if kind == "DeltaW":
            return rf"\Delta {n.weights[layer - 1]}"
        if kind == "Deltab":
            return r"\Delta b"
        if kind == "net":
            return rf"\mathrm{{{n.net}}}"
        if kind == "delta":
            return n.delta
        if kind == "d":
            return n.target
        if kind == "e":
            return n.matrix_error if vector else n.error
        if kind == "b":
            return "b"
        return str(base)

    def _general_name(self, kind: str, layer: str) -> str:
        n = self.notation
        names = {
            "O": n.outputs[0] if not self._settings["vector_mode"] else (n.vectors or n.outputs)[0],
            "W": "W",
            "b": "b",
            "net": rf"\mathrm{{{n.net}}}",
            "delta": r"\Delta" if self._settings["batch"] else n.delta,
        }
        return f"{names.get(kind, kind)}^{{({layer})}}"

    def _print_IndexedBase(self, expr: sp.IndexedBase) -> str:
        return self._base_name(expr)

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        name = self._base_name(expr.base)
        kind = S.kind_of(expr.base)
        indices = list(expr.indices)
        if self.notation.scalar_output:
            indices = [i for i in indices if i != 0]
        if isinstance(S.layer_of(expr.base), str) and self._settings["vector_mode"]:
            return name
        if self._settings["vector_mode"] and kind != "W":
            # a vector is named by its layer's letter (O_j, \delta_k)
            letter = self._index(indices[-1]) if indices else ""
            return f"{name}_{{{letter}}}" if letter else name
        if not indices:
            return name
        sub = self.notation.index_sep.join(self._index(i) for i in indices)
        return f"{name}_{{{sub}}}"

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        name = expr.name
        if name.startswith("i") and name[1:].rstrip("'").isdigit():
            return self._index(expr)
        if name == "eta":
            return self.notation.lr
        if name.startswith("N") and name[1:].isdigit():
            return self._layer_letter(int(name[1:])).upper()
        head, _, sub = name.partition("_")
        if sub.isalpha() and len(sub) >= 3:  # a word as subscript: e_{\text{hidden}}
            return rf"{head}_{{\text{{{sub}}}}}"
        return super()._print_Symbol(expr, style=style)

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:
        name = str(expr.func)
        general = "@" in name and name.split("@")[0] in ("f", "df")
        if general or (name[:1] in ("f", "d") and name.lstrip("df").isdigit()):
            layer = S.layer_of(expr.func)
            if isinstance(layer, str):
                fname = self.notation.activation[0]
            else:
                fname = self.notation.activation[min(layer, len(self.notation.activation)) - 1]
            (arg,) = expr.args
            if name.startswith("df") and ("^" in fname or "_" in fname):
                fname = f"{{{fname}}}"  # {f^{(2)}}': no double superscript
            if name.startswith("df"):
                if self.notation.prime == "subscript" and not isinstance(layer, str):
                    idx = arg.indices[0]
                    sub = "" if (idx == 0 and self.notation.scalar_output) else self._index(idx)
                    return f"{fname}'_{{{sub}}}" if sub else f"{fname}'"
                return f"{fname}'\\left({self._print(arg)}\\right)"
            return f"{fname}\\left({self._print(arg)}\\right)"
        return super()._print_Function(expr, exp)

    # -- calculus --------------------------------------------------------------

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        (var,) = expr.variables
        inner = expr.expr
        if isinstance(var, sp.Symbol) and not isinstance(var, sp.Dummy) and "^" in var.name:
            return rf"\frac{{\partial {self._print(inner)}}}{{\partial {var.name}}}"
        if isinstance(inner, (sp.Symbol, sp.Indexed)):
            return rf"\frac{{\partial {self._print(inner)}}}{{\partial {self._print(var)}}}"
        return rf"\frac{{\partial}}{{\partial {self._print(var)}}} {self._paren(inner)}"

    def _print_Sum(self, expr: sp.Sum) -> str:
        (var, _, _), *more = expr.limits
        body = expr.function
        if more:
            return super()._print_Sum(expr)
        if body.could_extract_minus_sign():  # -\sum_k x, not \sum_k -x
            return "-" + self._print(sp.Sum(-body, *expr.limits))
        return rf"\sum_{{{self._print(var)}}} {self._paren(body)}"

    def _paren(self, expr: sp.Expr) -> str:
        text = self._print(expr)
        return rf"\left({text}\right)" if isinstance(expr, sp.Add) else text

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        """Terms with a plus sign first, as people write ``d_k - O_k``."""
        terms = list(self._as_ordered_terms(expr, order=order))
        terms.sort(key=lambda t: t.could_extract_minus_sign())
        out = ""
        for n, term in enumerate(terms):
            if term.could_extract_minus_sign():
                out += " - " if n else "-"
                term = -term
            elif n:
                out += " + "
            text = self._print(term)
            out += rf"\left({text}\right)" if isinstance(term, sp.Add) else text
        return out

    def _print_Mul(self, expr: sp.Mul) -> str:
        coeff, rest = expr.as_coeff_Mul()
        if not self._settings["vector_mode"]:
            if rest.has(sp.Sum) and coeff.is_Rational and coeff.q != 1:
                sign = "-" if coeff < 0 else ""
                frac = rf"\frac{{{abs(coeff.p)}}}{{{coeff.q}}}"
                return f"{sign}{frac} {self._print(rest)}"
            factors = sp.Mul.make_args(rest)
            if any(f.is_Pow and f.exp.is_negative for f in factors):
                return super()._print_Mul(expr)
            rank = _factor_rank if self.notation.weights_first else _inputs_first_rank
            parts = [self._paren(f) for f in sorted(factors, key=rank)]
            body = " ".join(parts)
            if coeff == 1:
                return body
            if coeff == -1:
                return "-" + body
            return f"{self._print(coeff)} {body}"
        parts = [self._paren(f) for f in sorted(sp.Mul.make_args(rest), key=_factor_rank)]
        body = r" \circ ".join(parts)
        if coeff == -1:
            return "-" + body
        return body if coeff == 1 else f"{self._print(coeff)} {body}"

    # -- display data -------------------------------------------------------------

    def _print_Factors(self, form: Factors) -> str:
        roles = {f.role for f in form.factors} - {"const"}
        order = self._settings["factor_order"] or next(
            (o for o in self.notation.orders if set(o) - {"const"} == roles), self.notation.order
        )
        parts = []
        many = len(form.factors) > 1 or form.sign < 0
        for factor in form.ordered(order).factors:
            expr = factor.expr
            text = self._print(expr)
            if (isinstance(expr, sp.Add) and many) or (
                isinstance(expr, sp.Mul) and expr.could_extract_minus_sign()
            ):
                text = rf"\left({text}\right)"
            parts.append(text)
        body = " ".join(parts) if parts else "1"
        return ("-" if form.sign < 0 else "") + body

    def _vector(self, node) -> str:
        saved = self._settings["vector_mode"]
        self._settings["vector_mode"] = True
        try:
            return self._print(node)
        finally:
            self._settings["vector_mode"] = saved

    def _print_Vec(self, node: Vec) -> str:
        return self._vector(node.expr)

    def _weight_matrix(self, base: sp.IndexedBase, transpose: bool) -> str:
        n = self.notation
        layer = S.layer_of(base)
        if isinstance(layer, str):
            name = self._general_name("W", layer)
        else:
            name = (n.matrix_weights or n.weights)[layer - 1]
        if n.book_layout:  # the book's matrix is the transpose of ours
            transpose = not transpose
        return _sup_t(name) if transpose else name

    def _print_MatVec(self, node: MatVec) -> str:
        inner = self._print(node.vec)
        if isinstance(node.vec, Hadamard) or _is_sum(node.vec):
            inner = rf"\left({inner}\right)"
        if self._settings["batch"]:  # rows are samples: W u becomes U W^T
            return rf"{inner} {self._weight_matrix(node.weight, not node.transpose)}"
        sep = r" \cdot " if self.notation.book_layout else " "
        return rf"{self._weight_matrix(node.weight, node.transpose)}{sep}{inner}"

    def _print_RowSum(self, node) -> str:
        expr = node.vec.expr
        sign = "-" if expr.could_extract_minus_sign() else ""
        inner = self._print(Vec(-expr if sign else expr, node.vec.index))
        return rf"{sign}\sum_{{\text{{rows}}}} {inner}"

    def _print_Hadamard(self, node: Hadamard) -> str:
        parts = []
        for part in node.parts:
            text = self._print(part)
            # a sum such as 1 - O_j^2 is one operand of \circ: it needs parentheses
            wrap = isinstance(part, MatVec) or _is_sum(part)
            parts.append(rf"\left({text}\right)" if wrap else text)
        return r" \circ ".join(parts)

    def _print_Outer(self, node: Outer) -> str:
        col, row = node.col, node.row
        if self.notation.book_layout:
            col, row = row, col
        col_text, row_text = self._print(col), self._print(row)
        if self._settings["batch"]:  # summed over the rows of a batch: O^T Delta
            body = rf"{_transposed(col_text, col)} {row_text}"
        elif self.notation.book_layout:
            if not (isinstance(col, Vec) and isinstance(col.expr, sp.Indexed)):
                col_text = rf"\left({col_text}\right)"
            body = rf"{col_text} \cdot {_sup_t(row_text)}"
        else:
            body = rf"{col_text} {_transposed(row_text, row)}"
        if node.scale == -1:
            return f"-{body}"
        scale = self._print(node.scale) if node.scale != 1 else ""
        return f"{scale} {body}".strip()


_KIND_RANK = {"delta": 0, "e": 0, "d": 0, "W": 1, "b": 1, "O": 2}


def _factor_rank(factor: sp.Expr) -> tuple:
    """Print order inside a product: δ before w, w before O, sums last:
    ``\\sum_k \\delta_k w_{jk}``, ``v_{ij} O_i``, ``O_k (1 - O_k)``."""
    if isinstance(factor, sp.Add):
        has_target = any(
            isinstance(a, sp.Indexed) and S.kind_of(a.base) == "d" for a in factor.atoms(sp.Indexed)
        )
        return (0, 5) if has_target else (3, 0)
    if isinstance(factor, sp.Sum):
        return (4, 0)
    if isinstance(factor, sp.Indexed):
        return (1, _KIND_RANK.get(S.kind_of(factor.base), 1))
    return (0, 0)


def _inputs_first_rank(factor: sp.Expr) -> tuple:
    rank = _factor_rank(factor)
    return (1, 2.5) if rank == (1, 1) else rank


def _sup_t(text: str) -> str:
    """``X^{T}``, braced when X already has a superscript (``{W^{(2)}}^{T}``)."""
    return f"{{{text}}}^{{T}}" if "^" in text else f"{text}^{{T}}"


def _is_sum(node) -> bool:
    """A vector printed as a sum or difference (``1 - O_j^2``): an operand that
    needs parentheses next to \\circ, a matrix or a transpose."""
    return isinstance(node, Vec) and (
        isinstance(node.expr, sp.Add) or node.expr.could_extract_minus_sign()
    )


def _transposed(text: str, node) -> str:
    if isinstance(node, Vec) and not isinstance(node.expr, sp.Mul) and not _is_sum(node):
        return _sup_t(text)
    return rf"\left({text}\right)^{{T}}"


def printer(notation: Notation, **settings) -> NotationLatexPrinter:
    return NotationLatexPrinter({"notation": notation, **settings})


def free_indices(*exprs) -> frozenset:
    """The node indices an equation's left side leaves free."""
    out = set()
    for expr in exprs:
        if isinstance(expr, sp.Basic):
            out |= {
                s for s in expr.atoms(sp.Symbol) if s.name.startswith("i") and "'" not in s.name
            }
    return frozenset(out)

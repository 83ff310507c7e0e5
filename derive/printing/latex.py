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
from ..model import quantities as Q
from ..model.quantities import Kind
from ..notation import Notation
from ..notation.model import upright


class NotationLatexPrinter(LatexPrinter):
    _default_settings = {
        **LatexPrinter._default_settings,
        "notation": None,
        "vector_mode": False,
        "factor_order": None,
        "batch": False,
        "free": frozenset(),
        "depth": 0,
        "focus": None,
        "present": frozenset(),
        "widths": (),
    }

    def __init__(self, settings: dict | None = None) -> None:
        super().__init__(settings)
        self.notation: Notation = self._settings["notation"]

    # -- names -------------------------------------------------------------------

    def _depth(self) -> int:
        return self._settings["depth"] or len(self.notation.weights)

    def _layer_letter(self, layer: int) -> str:
        return self.notation.letter(
            layer, self._depth(), self._settings["focus"], self._settings["present"]
        )

    def _index(self, idx: sp.Expr) -> str:
        found = Q.index_of(idx)
        if found is None:
            return self._print(idx)
        letter = self._layer_letter(found.layer)
        if found.prime and (found.prime == 3 or S.index(found.layer) in self._settings["free"]):
            return self.notation.dummy if found.prime == 3 else letter + "'"
        return letter

    def _base_name(self, base: sp.IndexedBase) -> str:
        n = self.notation
        q = Q.quantity_of(base)
        if q is None:
            return str(base)
        kind, layer = q.kind, q.layer
        vector = self._settings["vector_mode"]
        if q.symbolic:  # a general layer l: labels
            return self._general_name(q)
        if kind == Kind.DELTA and n.delta_glyph == "nabla":
            return self._nabla(layer)
        if n.layers == "labels":
            return n.symbol(q, self._depth())
        if kind in (Kind.INPUT, Kind.OUTPUT):
            names = (n.vectors or n.outputs) if vector else n.outputs
            return upright(names[min(layer, len(names) - 1)])
        if kind in (Kind.PREACT, Kind.DELTA, Kind.BIAS, Kind.WEIGHT, Kind.UPDATE_BIAS):
            if kind != Kind.PREACT or n.nets:
                return n.symbol(q, self._depth())
            return upright(n.net)
        if kind == Kind.ERROR:
            return n.matrix_error if vector else n.error
        if kind == Kind.BIAS:
            return "b"
        return n.symbol(q, self._depth())

    def _nabla(self, layer: int | str) -> str:
        """Goodfellow's gradient with respect to a layer's pre-activation: ∇_{a^{(k)}} J."""
        pre = Q.Quantity(Kind.PREACT, layer)
        return rf"\nabla_{{{self.notation.symbol(pre, self._depth())}}} {self.notation.loss_glyph}"

    def _general_name(self, q: Q.Quantity) -> str:
        n = self.notation
        kind, layer = q.kind, q.layer
        if kind == Kind.DELTA and self._settings["batch"]:
            return n.labelled(r"\Delta", layer, self._depth())
        if kind == Kind.DELTA and n.delta_glyph == "nabla":
            return self._nabla(layer)
        if n.layers == "labels":
            return n.symbol(q, self._depth())
        out = (n.vectors or n.outputs)[0] if self._settings["vector_mode"] else n.outputs[0]
        glyphs = {
            Kind.INPUT: out,
            Kind.OUTPUT: out,
            Kind.WEIGHT: "W",
            Kind.BIAS: "b",
            Kind.PREACT: upright(n.net),
            Kind.DELTA: n.delta,
        }
        return f"{glyphs.get(kind, kind.value)}^{{({layer})}}"

    def _print_IndexedBase(self, expr: sp.IndexedBase) -> str:
        return self._base_name(expr)

    def _numbered(self, expr: sp.Indexed, q: Q.Quantity) -> str:
        """A worked example's names: out_{h1}, net_{o2}, w_{5} (receiver by receiver)."""
        n = self.notation
        nums = [int(i) for i in expr.indices]
        widths = self._settings["widths"]
        if q.kind in (Kind.WEIGHT, Kind.UPDATE_WEIGHT):
            p_, q_ = nums
            number = sum(widths[l - 1] * widths[l] for l in range(1, q.layer))
            number += q_ * widths[q.layer - 1] + p_ + 1
            name = f"{n.weights[-1]}_{{{number}}}"
            return (r"\Delta " + name) if q.kind == Kind.UPDATE_WEIGHT else name
        layer = self._depth() if q.kind == Kind.TARGET else q.layer
        node = f"{n.letters[layer]}{nums[0] + 1}"
        if q.kind == Kind.INPUT:
            return f"{node[0]}_{{{node[1:]}}}"
        glyph = {
            Kind.OUTPUT: n.outputs[-1],
            Kind.PREACT: n.net,
            Kind.TARGET: n.target,
            Kind.DELTA: n.delta,
            Kind.BIAS: "b",
            Kind.UPDATE_BIAS: r"\Delta b",
            Kind.ERROR: n.error,
        }[q.kind]
        return f"{upright(glyph)}_{{{node}}}"

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        n = self.notation
        if n.layers == "numbered" and all(i.is_Integer for i in expr.indices):
            q = Q.quantity_of(expr.base)
            if q is not None:
                return self._numbered(expr, q)
        name = self._base_name(expr.base)
        q = Q.quantity_of(expr.base)
        kind = q.kind if q else None
        indices = list(expr.indices)
        if n.scalar_output:
            indices = [i for i in indices if i != 0]
        vector = self._settings["vector_mode"]
        if vector and (q is None or q.symbolic or n.layers == "labels"):
            return name
        if vector and not n.vector_subscripts:
            return name
        if vector and kind != Kind.WEIGHT:
            # a vector is named by its layer's letter (O_j, \delta_k)
            letter = self._index(indices[-1]) if indices else ""
            return f"{name}_{{{letter}}}" if letter else name
        receiver_first = n.conventions.weight_order == "receiver_first"
        if kind in (Kind.WEIGHT, Kind.UPDATE_WEIGHT) and receiver_first:
            indices = indices[::-1]
        subs = [self._index(i) for i in indices]
        if kind in (Kind.BIAS, Kind.UPDATE_BIAS) and n.conventions.bias == "w0":
            # a bias is the weight w_{j0} on a constant input x_0 = 1
            weight = Q.Quantity(Kind.WEIGHT, q.layer)
            name = n.symbol(weight, self._depth()) if n.layers == "labels" else None
            name = name or n.weights[q.layer - 1]
            if kind == Kind.UPDATE_BIAS:
                name = r"\Delta " + name
            subs = subs + ["0"] if receiver_first else ["0"] + subs
        if n.example_index and n.example_on == "all" and kind in _PER_EXAMPLE:
            subs.insert(0, n.example_index)
        if not subs:
            return name
        if kind == Kind.DELTA and n.delta_glyph == "nabla":
            return rf"\left({name}\right)_{{{n.index_sep.join(subs)}}}"
        return f"{name}_{{{n.index_sep.join(subs)}}}"

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if Q.index_of(expr) is not None:
            return self._index(expr)
        q = Q.quantity_of(expr)
        if q is not None and q.kind == Kind.LR:
            return self.notation.lr
        if q is not None and q.kind == Kind.LOSS:
            return self._loss_name()
        if q is not None and q.kind == Kind.DECAY:  # λ, CS231n's reg
            return upright(self.notation.conventions.weight_decay or r"\lambda")
        if q is not None and q.kind == Kind.BATCH:  # the batch's N (conventions.batch_mean)
            return self.notation.batch_size or "N"
        width = Q.width_of(expr)
        if width is not None:
            return self._layer_letter(width.layer).upper()
        name = expr.name
        head, _, sub = name.partition("_")
        if sub.isalpha() and len(sub) >= 3:  # a word as subscript: e_{\text{hidden}}
            return rf"{head}_{{\text{{{sub}}}}}"
        return super()._print_Symbol(expr, style=style)

    def _loss_name(self) -> str:
        n = self.notation
        if n.example_index:
            return f"{n.loss_glyph}_{{{n.example_index}}}"
        return n.loss_glyph

    def _activation_name(self, layer: int | str) -> str:
        n = self.notation
        if isinstance(layer, str):
            first = n.activation[0]
            if len(set(n.activation)) == 1:
                return first
            # layers differ: a general layer l has its own f^{(l)}, never layer 1's
            base = first.split("^{(")[0]  # f^{(1)}, Nielsen's σ^{(2)}: the glyph
            return f"{base}^{{({layer})}}"
        name = n.activation[min(layer, len(n.activation)) - 1]
        if n.hidden_activation and layer < self._depth():
            return n.hidden_activation
        return name

    def _print_Function(self, expr: sp.Function, exp: str | None = None) -> str:
        q = Q.quantity_of(expr.func)
        if q is not None and q.kind in (Kind.ACT, Kind.DACT):
            layer = q.layer
            fname = self._activation_name(layer)
            (arg,) = expr.args
            if q.kind == Kind.DACT and ("^" in fname or "_" in fname):
                fname = f"{{{fname}}}"  # {f^{(2)}}': no double superscript
            if q.kind == Kind.DACT:
                if (
                    self.notation.prime == "subscript"
                    and not isinstance(layer, str)
                    and isinstance(arg, sp.Indexed)  # \Phi'(x) of a variable keeps its call
                ):
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
        code = self._code_gradient(inner, var)
        if code is not None:
            return code
        if isinstance(inner, (sp.Symbol, sp.Indexed)) or isinstance(var, sp.IndexedBase):
            return rf"\frac{{\partial {self._print(inner)}}}{{\partial {self._print(var)}}}"
        body = self._print(inner)
        if isinstance(inner, sp.Add) or body.startswith("-"):
            body = rf"\left({body}\right)"  # d/dw (-Σ ...), never d/dw -Σ ...
        return rf"\frac{{\partial}}{{\partial {self._print(var)}}} {body}"

    def _print_Pow(self, expr: sp.Pow) -> str:
        """A power of a labelled quantity: ``\\left(a^{2}_{j}\\right)^{2}``, never the
        double superscript ``a^{2}_{j}^{2}``."""
        base = expr.base
        if isinstance(base, sp.Indexed) and expr.exp.is_Integer and expr.exp > 0:
            text = self._print(base)
            # a weight's square, (w_{jk})^{2}: w_{jk}^{2} reads as layer 2's weight
            if "^" in text or Q.kind_is(base, Kind.WEIGHT):
                return rf"\left({text}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)

    def _code_gradient(self, inner, var) -> str | None:
        """∂L/∂W2_{jk} as code writes it, dW2_{jk} (a notation with ``grad_prefix``)."""
        n = self.notation
        q = Q.quantity_of(var)
        if not n.grad_prefix or not Q.kind_is(inner, Kind.LOSS) or q is None:
            return None
        if q.kind not in (Kind.WEIGHT, Kind.BIAS) or q.symbolic:
            return None
        name = n.symbol(q, self._depth())
        plain = name.removeprefix(r"\mathrm{").removesuffix("}")
        code = rf"\mathrm{{{n.grad_prefix}{plain}}}"
        if isinstance(var, sp.IndexedBase) or self._settings["vector_mode"]:
            return code
        return code + self._print(var)[len(name) :]

    def _print_Partial(self, node) -> str:
        code = self._code_gradient(node.of, node.wrt)
        if code is not None:
            return code
        return rf"\frac{{\partial {self._print(node.of)}}}{{\partial {self._print(node.wrt)}}}"

    def _print_Sum(self, expr: sp.Sum) -> str:
        (var, _, _), *more = expr.limits
        body = expr.function
        if more:  # SymPy's one Sum over two indices: \sum_{j} \sum_{k} w_{jk}^{2}
            (outer, _, _), inner = expr.limits[-1], sp.Sum(body, *expr.limits[:-1])
            layers = [i.layer for lim in expr.limits if (i := Q.index_of(lim[0])) is not None]
            saved = self._settings["focus"]
            if self.notation.layers == "labels" and layers:  # letters relative to the weight
                self._settings["focus"] = max(layers)
            try:
                return rf"\sum_{{{self._print(outer)}}} {self._print(inner)}"
            finally:
                self._settings["focus"] = saved
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
        mean = self._batch_mean(expr)
        if mean is not None:
            return mean
        coeff, rest = expr.as_coeff_Mul()
        if not self._settings["vector_mode"]:
            if rest.has(sp.Sum) and coeff.is_Rational and coeff.q != 1:
                sign = "-" if coeff < 0 else ""
                frac = rf"\frac{{{abs(coeff.p)}}}{{{coeff.q}}}"
                return f"{sign}{frac} {self._print(rest)}"
            factors = sp.Mul.make_args(rest)
            if any(f.is_Pow and f.exp.is_negative for f in factors):
                derivatives = [f for f in factors if isinstance(f, sp.Derivative)]
                if derivatives:  # d_n/O_n ∂O_n/∂net_k, not one fraction with ∂/∂ on top
                    others = sp.Mul(*(f for f in factors if not isinstance(f, sp.Derivative)))
                    parts = [self._print(coeff * others), *map(self._print, derivatives)]
                    return self.notation.times.join(parts)
                return super()._print_Mul(expr)
            rank = _factor_rank if self.notation.weights_first else _inputs_first_rank
            parts = [self._paren(f) for f in sorted(factors, key=rank)]
            body = self.notation.times.join(parts)
            if coeff == 1:
                return body
            if coeff == -1:
                return "-" + body
            return f"{self._print(coeff)} {body}"
        factors = sp.Mul.make_args(rest)
        if any(f.is_Pow and f.exp.is_negative for f in factors):
            return super()._print_Mul(expr)  # a fraction (SymPy's Pow prints 1/x through here)
        parts = [self._paren(f) for f in sorted(factors, key=_factor_rank)]
        body = f" {self.notation.hadamard} ".join(parts)
        if coeff == -1:
            return "-" + body
        return body if coeff == 1 else f"{self._print(coeff)} {body}"

    def _batch_mean(self, expr: sp.Mul) -> str | None:
        """A batch mean's 1/N in front, as the texts write it: ``\\frac{1}{N} \\left(p_k -
        y_k\\right)``, ``-\\frac{1}{N} \\sum_{k} y_k \\log p_k`` (not one fraction over N)."""
        inverse = [
            f
            for f in sp.Mul.make_args(expr)
            if f.is_Pow and f.exp == -1 and (q := Q.quantity_of(f.base)) and q.kind == Kind.BATCH
        ]
        if len(inverse) != 1:
            return None
        coeff, inner = (expr * inverse[0].base).as_coeff_Mul()
        sign = "-" if coeff.is_negative else ""  # an explicit minus, never p_k - y_k
        coeff = abs(coeff)
        if not coeff.is_Rational:
            coeff, inner = sp.Integer(1), coeff * inner
        n = self._print(inverse[0].base)
        frac = rf"\frac{{{coeff.p}}}{{{n if coeff.q == 1 else f'{coeff.q} {n}'}}}"
        if inner == 1:
            return sign + frac
        return rf"{sign}{frac} {self._paren(inner)}"

    # -- display data -------------------------------------------------------------

    def _print_Decayed(self, node) -> str:
        """The data part, then the weight-decay term: ``-δ_k O_j + λ w_{jk}``."""
        decay = node.decay
        sign = " - " if decay.could_extract_minus_sign() else " + "
        return self._print(node.data) + sign + self._print(-decay if sign == " - " else decay)

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
        body = self.notation.times.join(parts) if parts else "1"
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
        q = Q.quantity_of(base)
        if q.symbolic:
            name = self._general_name(q)
        elif n.layers == "labels":
            name = n.symbol(q, self._depth())
        else:
            name = upright((n.matrix_weights or n.weights)[q.layer - 1])
        if _receiver_rows(n):  # the text's matrix is the transpose of ours
            transpose = not transpose
        return _sup_t(name) if transpose else name

    def _print_MatVec(self, node: MatVec) -> str:
        inner = self._print(node.vec)
        if isinstance(node.vec, Hadamard) or _is_sum(node.vec):
            inner = rf"\left({inner}\right)"
        if self._settings["batch"]:  # rows are samples: W u becomes U W^T
            times = self.notation.times
            return rf"{inner}{times}{self._weight_matrix(node.weight, not node.transpose)}"
        sep = r" \cdot " if self.notation.book_layout else " "
        return rf"{self._weight_matrix(node.weight, node.transpose)}{sep}{inner}"

    def _print_RowSum(self, node) -> str:
        expr = node.vec.expr
        sign = "-" if expr.could_extract_minus_sign() else ""
        inner = self._print(Vec(-expr if sign else expr, node.vec.index))
        return rf"{sign}\sum_{{\text{{rows}}}} {inner}"

    def _print_Neg(self, node) -> str:
        return "-" + self._print(node.node)

    def _print_Hadamard(self, node: Hadamard) -> str:
        parts = []
        for part in node.parts:
            text = self._print(part)
            # a sum such as 1 - O_j^2 is one operand of \circ: it needs parentheses
            wrap = isinstance(part, MatVec) or _is_sum(part)
            parts.append(rf"\left({text}\right)" if wrap else text)
        return f" {self.notation.hadamard} ".join(parts)

    def _print_Outer(self, node: Outer) -> str:
        col, row = node.col, node.row
        if _receiver_rows(self.notation):
            col, row = row, col
        col_text, row_text = self._print(col), self._print(row)
        if self._settings["batch"]:  # summed over the rows of a batch: O^T Delta
            body = rf"{_transposed(col_text, col)}{self.notation.times}{row_text}"
        elif self.notation.book_layout:
            if not (isinstance(col, Vec) and isinstance(col.expr, sp.Indexed)):
                col_text = rf"\left({col_text}\right)"
            body = rf"{col_text} \cdot {_sup_t(row_text)}"
        else:
            body = rf"{col_text} {_transposed(row_text, row)}"
        if node.scale == -1:
            body = f"-{body}"
        elif node.scale != 1:
            body = f"{self._print(node.scale)}{self.notation.times}{body}"
        if node.weight is None:
            return body
        # the weight-decay term, the weight matrix in the orientation printed (the text's)
        weight = self._weight_matrix(node.weight, _receiver_rows(self.notation))
        decay = node.decay
        sign = " - " if decay.could_extract_minus_sign() else " + "
        coeff = self._print(-decay if sign == " - " else decay)
        return f"{body}{sign}{coeff}{self.notation.times}{weight}"


_KIND_RANK = {
    Kind.DELTA: 0,
    Kind.ERROR: 0,
    Kind.TARGET: 0,
    Kind.WEIGHT: 1,
    Kind.BIAS: 1,
    Kind.OUTPUT: 2,
    Kind.INPUT: 2,
}
_PER_EXAMPLE = (Kind.INPUT, Kind.OUTPUT, Kind.PREACT, Kind.DELTA, Kind.TARGET, Kind.ERROR)


def _receiver_rows(n: Notation) -> bool:
    """The text's weight matrix has a row per receiving node (the transpose of ours)."""
    return n.book_layout or n.conventions.weight_order == "receiver_first"


def _factor_rank(factor: sp.Expr) -> tuple:
    """Print order inside a product: δ before w, w before O, sums last:
    ``\\sum_k \\delta_k w_{jk}``, ``v_{ij} O_i``, ``O_k (1 - O_k)``."""
    if isinstance(factor, sp.Add):
        has_target = any(Q.kind_is(a, Kind.TARGET) for a in factor.atoms(sp.Indexed))
        return (0, 5) if has_target else (3, 0)
    if isinstance(factor, sp.Sum):
        return (4, 0)
    if isinstance(factor, sp.Indexed):
        q = Q.quantity_of(factor)
        return (1, _KIND_RANK.get(q.kind if q else None, 1))
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


def layers_named(node: object) -> frozenset:
    """The layers whose node indices appear anywhere in a display node."""
    out: set = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, sp.Basic):
            out |= {i.layer for s in item.atoms(sp.Symbol) if (i := Q.index_of(s)) is not None}
        elif isinstance(item, tuple):
            stack.extend(item)
        elif hasattr(item, "__dataclass_fields__"):
            stack.extend(getattr(item, f) for f in item.__dataclass_fields__)
    return frozenset(out)


def focus_of(free: frozenset) -> int | None:
    """The layer an equation is about: the deepest layer its left side leaves free
    (the receiving node of a weight)."""
    layers = [Q.index_of(s).layer for s in free]
    return max(layers) if layers else None


def free_indices(*exprs) -> frozenset:
    """The node indices an equation's left side leaves free."""
    out = set()
    for expr in exprs:
        if isinstance(expr, sp.Basic):
            out |= {
                s for s in expr.atoms(sp.Symbol) if (i := Q.index_of(s)) is not None and not i.prime
            }
    return frozenset(out)

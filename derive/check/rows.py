r"""Matrices of a batch in row layout, as CS231n writes them: one element of the relation.

In a notation with ``conventions.layout = "row"`` and a batch-mean loss, a name written
without indices is a matrix: a layer's values for a batch (``X``, ``hidden``,
``scores``, ``dscores``: one example per row, one node per column), a weight matrix
(``W2``: the layer before in rows, sender first) or its gradient (``dW2``), a bias a
row added to every example (``b2``).  The parser keeps these names in the order they
are written (non-commutative symbols), so ``hidden^T dscores`` is not
``dscores hidden^T``.

A relation holds if it holds for one element of both sides.  An element of a batch
matrix is the example's value at a node (``hidden_j`` of the example at hand); a
product sums over the shared dimension: over a layer's nodes ``Σ_k dscores_k W2_{jk}``,
or over the batch, ``(hidden^T dscores)_{jk} = Σ_rows hidden_j dscores_k``, marked
:data:`BATCH_SUM` for :mod:`derive.check.meaning`.  Factors whose shapes do not chain
make the relation false, with the shapes named (``dscores W2`` where ``dscores
W2^T`` belongs).
"""

from __future__ import annotations

from itertools import count

import sympy as sp

from ..model.quantities import Kind
from ..notation.model import bare

BATCH = "N"
"""The batch dimension of a shape (the other dimensions are layer numbers)."""
ROW = "1"
"""The one row of a bias, added to every example's row."""
BATCH_SUM = sp.Function("batchsum")
"""``batchsum(a)``: ``a`` summed over the examples of the batch."""
_TRANSPOSE = "transpose"
_LO, _HI = sp.Symbol("_lo"), sp.Symbol("_hi")


class ShapeMismatch(ValueError):
    """The factors or terms of a matrix expression do not fit together."""


def matrix_symbols(expr: sp.Basic, names: frozenset) -> bool:
    return any(s.name in names and not s.is_commutative for s in expr.atoms(sp.Symbol))


class Rows:
    """Shapes and elements of the matrix expressions of one relation."""

    def __init__(self, world) -> None:
        self.world = world
        self.names = world.matrices()
        self._fresh = count()

    # -- shapes --------------------------------------------------------------------

    def shape_of_name(self, name: str) -> tuple:
        n, L = self.world.notation, self.world.network.depth
        name = name.removeprefix("Delta ")  # ΔW2: the update has the weights' shape
        if name == bare(n.target):
            return (BATCH, L)
        found = self.world.code_names.get(name) or n.gradient_of(name)
        if found is None:
            raise ValueError(f"{name} is no matrix of notation {n.name}")
        kind, layer = found
        if kind == Kind.WEIGHT:
            return (layer - 1, layer)
        if kind == Kind.BIAS:
            return (ROW, layer)  # a row, added to every example's
        return (BATCH, layer)

    def shape(self, e) -> tuple | None:
        """(rows, columns), or None for a scalar."""
        if not matrix_symbols(e, self.names):
            return None
        if isinstance(e, sp.Symbol):
            return self.shape_of_name(e.name)
        if type(e).__name__ == _TRANSPOSE:
            inner = self.shape(e.args[0])
            return None if inner is None else inner[::-1]
        if isinstance(e, sp.Mul):
            _, factors = e.args_cnc()
            shape = self.shape(factors[0])
            for f in factors[1:]:
                shape = self._chain(shape, self.shape(f), factors)
            return shape
        if isinstance(e, sp.Pow):  # hidden**2: elementwise, as NumPy's ** (the code names')
            if self.shape(e.exp) is not None or not e.exp.is_number:
                raise ValueError("a matrix power")
            return self.shape(e.base)
        shapes = [s for s in (self.shape(a) for a in e.args) if s is not None]
        return self._common(shapes, e)

    def _chain(self, a: tuple, b: tuple | None, factors) -> tuple:
        if b is None:
            return a
        if a[1] != b[0]:
            shown = " · ".join(_tex(f) for f in factors)
            raise ShapeMismatch(
                f"the shapes do not match in {shown}: a {self.size(a)} matrix times a "
                f"{self.size(b)} one (a transpose missing or one too many?)"
            )
        return (a[0], b[1])

    def _common(self, shapes: list, e) -> tuple:
        """Terms of one shape; a bias row goes with a batch of rows."""
        rows = {s[0] for s in shapes} - {ROW}
        cols = {s[1] for s in shapes}
        if len(rows) > 1 or len(cols) > 1:
            sizes = ", ".join(sorted({self.size(s) for s in shapes}))
            raise ShapeMismatch(f"terms of different shapes ({sizes}) in {_tex(e)}")
        return (rows.pop() if rows else ROW, cols.pop())

    def size(self, shape: tuple) -> str:
        return "×".join(self._dim(d) for d in shape)

    def _dim(self, d) -> str:
        if d == BATCH:
            return self.world.notation.batch_size or "N"
        if d == ROW:
            return "1"
        return self.world.notation.letters[d].upper()

    # -- elements -----------------------------------------------------------------------

    def letter(self, layer: int) -> sp.Symbol:
        return sp.Symbol(self.world.notation.letters[layer])

    def fresh(self, layer: int) -> sp.Symbol:
        return sp.Symbol(self.world.notation.letters[layer] + "'" * (1 + next(self._fresh)))

    def element(self, e, row, col):
        """Element (row, col) of ``e``: ``row`` None is the example at hand."""
        shape = self.shape(e)
        if shape is None:
            return e
        if isinstance(e, sp.Symbol):
            name = e.name
            if shape[0] in (BATCH, ROW):
                return sp.IndexedBase(name)[col]
            return sp.IndexedBase(name)[row, col]
        if type(e).__name__ == _TRANSPOSE:
            return self.element(e.args[0], col, row)
        if isinstance(e, sp.Mul):
            scalars, factors = e.args_cnc()
            return sp.Mul(*scalars) * self._product(factors, row, col)
        if isinstance(e, sp.Add):
            return sp.Add(*[self.element(a, row, col) for a in e.args])
        if isinstance(e, sp.Pow):
            return self.element(e.base, row, col) ** e.exp
        if isinstance(e, sp.Derivative):  # ReLU'(h): the derivative at each element
            return sp.Derivative(
                self.element(e.expr, row, col),
                *[(self.element(v, row, col), k) for v, k in e.variable_count],
                evaluate=False,
            )
        if isinstance(e, (sp.Function, sp.Piecewise)) or e.func in (sp.Max, sp.Min):
            return e.func(*[self.element(a, row, col) for a in e.args])
        raise ValueError(f"{type(e).__name__} of matrices")

    def _product(self, factors: list, row, col):
        if len(factors) == 1:
            return self.element(factors[0], row, col)
        first, rest = factors[0], factors[1:]
        inner = self.shape(first)[1]
        if inner == BATCH:  # over the examples: Σ_rows
            return BATCH_SUM(self.element(first, row, None) * self._product(rest, None, col))
        m = self.fresh(inner)
        body = self.element(first, row, m) * self._product(rest, m, col)
        return sp.Sum(body, (m, _LO, _HI))

    def relation(self, plhs, prhs) -> tuple:
        """One element of both sides; :class:`ShapeMismatch` where they cannot be equal."""
        left, right = self.shape(plhs), self.shape(prhs)
        shape = left or right
        if left is not None and right is not None and self._common([left, right], plhs) != left:
            raise ShapeMismatch(
                f"the left side is {self.size(left)}, the right side {self.size(right)}"
            )
        if left is not None and right is not None and left[0] == ROW and right[0] != ROW:
            raise ShapeMismatch(
                f"the left side is {self.size(left)}, the right side {self.size(right)}"
            )
        row = None if shape[0] in (BATCH, ROW) else self.letter(shape[0])
        col = self.letter(shape[1])
        return self.element(plhs, row, col), self.element(prhs, row, col)


def _tex(e) -> str:
    """A matrix expression as written: ``hidden^T · dscores``."""
    if isinstance(e, sp.Symbol):
        return e.name
    if type(e).__name__ == _TRANSPOSE:
        return _tex(e.args[0]) + "^T"
    if isinstance(e, sp.Mul):
        scalars, factors = e.args_cnc()
        return " · ".join([*(sp.sstr(s) for s in scalars), *(_tex(f) for f in factors)])
    if isinstance(e, sp.Add):
        return " + ".join(_tex(a) for a in e.args)
    return sp.sstr(e)

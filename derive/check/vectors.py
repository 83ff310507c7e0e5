r"""Whole-layer vectors, as textbooks write them: one element of the relation.

In a notation that labels layers (Nielsen's ``\delta^L = \nabla_a C \odot
\sigma'(z^L)``, ``\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)``) a
labelled quantity without node indices is the vector of its layer and a weight
without indices is the layer's matrix, row index first.  The relation holds if
it holds for element j of both sides: a vector's element is ``X^l_j``, ``W v`` is
``Σ_k W_{jk} v_k`` and ``W^T v`` is ``Σ_k W_{kj} v_k``, ``⊙`` multiplies elements,
a function acts on each element, ``\nabla_a C`` is ``∂C/∂a^L_j`` and a norm
``\|v\|`` is ``sqrt(Σ_k v_k²)``.
"""

from __future__ import annotations

from itertools import count

import sympy as sp

_LO, _HI = sp.Symbol("_lo"), sp.Symbol("_hi")
BATCH = "Delta"
r"""``\Delta^{(l)}``: a batch of the layer's error terms, one sample per row (row vectors:
``Δ^{(l)} = f'(net^{(l)}) ∘ (Δ^{(l+1)} W^{(l+1)ᵀ})``, ``∂E/∂W^{(l)} = -O^{(l-1)ᵀ} Δ^{(l)}``,
``∂E/∂b^{(l)} = -Σ_rows Δ^{(l)}``); the relation is checked for a batch of one sample."""
_LETTERS: dict[int, object] = {}


def world_letters(world):
    """Summation letters for one relation: k, k', k'', ... (the notation's neighbour letter)."""
    key = id(world)
    if key not in _LETTERS:
        letter = world.notation.node_letters[1] if world.notation.node_letters else "k"
        _LETTERS.clear()
        _LETTERS[key] = (sp.Symbol(letter + "'" * n) for n in count())
    return _LETTERS[key]


def _kind(expr, world) -> str:
    """'vector', 'matrix' or '' for a parsed name without indices."""
    if isinstance(expr, sp.Symbol) and expr.name == world.notation.target:
        return "vector"  # y: the targets of the output layer
    if isinstance(expr, sp.Symbol) and expr.name == world.notation.input:
        return "vector"  # x: the inputs
    if not isinstance(expr, sp.Symbol) or "^(" not in expr.name:
        return ""
    glyph = expr.name.split("^(")[0]
    if glyph in world.weight_glyphs:
        return "matrix"
    if glyph == BATCH and world.delta_sign:
        return "vector"  # Δ^{(l)}: the layer's δ of a batch, one sample per row
    if glyph in world.output_glyphs | world.net_glyphs | world.delta_glyphs | {"b"}:
        return "vector"
    return ""


def has_vectors(expr, world) -> bool:
    if any(type(f).__name__ == "nabla" for f in expr.atoms(sp.Function)):
        return True
    return any(_kind(s, world) and s.name != world.notation.target for s in expr.atoms(sp.Symbol))


def _rows(expr) -> bool:
    """Is this written with a batch in rows (``Δ^{(l)}``, ``Σ_rows``)?"""
    return any(s.name.split("^(")[0] == BATCH for s in expr.atoms(sp.Symbol)) or any(
        str(s.limits[0][0]) == "rows" for s in expr.atoms(sp.Sum)
    )


def element(expr, idx, world, rows: bool = False):
    """Element ``idx`` of a vector expression (scalars are themselves); with ``rows``
    the vectors are rows: ``v W`` is ``Σ_k v_k W_{kj}``."""
    kind = _kind(expr, world)
    if kind == "vector":
        name = expr.name
        if name.split("^(")[0] == BATCH:
            name = _strip(world.notation.delta) + name[len(BATCH) :]
        return sp.IndexedBase(name)[idx]
    if isinstance(expr, sp.Sum) and str(expr.limits[0][0]) == "rows":
        return element(expr.function, idx, world, rows)  # a batch of one sample
    if kind == "matrix":
        raise ValueError(f"a matrix {expr} where a vector belongs")
    name = type(expr).__name__
    if name == "transpose":
        return element(expr.args[0], idx, world, rows)
    if name == "hadamard":
        return sp.Mul(*[element(a, idx, world, rows) for a in expr.args])
    if name == "norm":  # ‖v‖ = sqrt(Σ_k v_k²), a scalar: the same for every element
        k = next(world_letters(world))
        return sp.sqrt(sp.Sum(element(expr.args[0], k, world, rows) ** 2, (k, _LO, _HI)))
    if name == "nabla":
        target, by = expr.args if len(expr.args) == 2 else (expr.args[0], None)
        if by is None:
            raise ValueError("\\nabla without the quantity it differentiates by")
        if isinstance(by, sp.Symbol) and "^(" not in by.name:
            by = sp.Symbol(f"{by.name}^(L)")  # \nabla_a C: the outputs of the last layer
        return sp.Derivative(target, element(by, idx, world), evaluate=False)
    if isinstance(expr, sp.Mul):
        factors = list(expr.args)
        mats = [f for f in factors if _matrix_of(f, world) is not None]
        if len(mats) > 1:
            raise ValueError("a product of matrices")
        if mats:
            (m,) = mats
            name, transposed = _matrix_of(m, world)
            k = next(world_letters(world))
            rest = sp.Mul(*[f for f in factors if f is not m])
            if world.notation.book_layout:  # the book's W is (next layer) x (this layer)
                transposed = not transposed
            if rows:  # v W: the vector's index runs over the matrix's rows
                transposed = not transposed
            entry = sp.IndexedBase(name)[(k, idx) if transposed else (idx, k)]
            return sp.Sum(entry * element(rest, k, world, rows), (k, _LO, _HI))
        return sp.Mul(*[element(f, idx, world, rows) for f in factors])
    if isinstance(expr, sp.Derivative):
        return sp.Derivative(
            element(expr.expr, idx, world, rows),
            *[element(v, idx, world, rows) for v in expr.variables],
            evaluate=False,
        )
    if not expr.args or isinstance(expr, (sp.Indexed, sp.Sum)):
        return expr
    return expr.func(*[element(a, idx, world, rows) for a in expr.args])


def _matrix_of(f, world):
    """(name, transposed) when ``f`` is a weight matrix or its transpose."""
    if _kind(f, world) == "matrix":
        return f.name, False
    if type(f).__name__ == "transpose" and _kind(f.args[0], world) == "matrix":
        return f.args[0].name, True
    return None


def _matrix_name(expr, world) -> str | None:
    r"""The name of a weight matrix written whole: ``W^{(l)}``, ``\Delta W^{(l)}``."""
    if not isinstance(expr, sp.Symbol):
        return None
    name = expr.name.removeprefix("Delta ")
    if _kind(sp.Symbol(name), world) == "matrix":
        return expr.name
    return None


def _is_matrix(expr, world) -> bool:
    """Is ``expr`` a whole weight matrix, its update or the gradient by it?"""
    if isinstance(expr, sp.Derivative) and len(expr.variables) == 1:
        return _matrix_name(expr.variables[0], world) is not None
    if type(expr).__name__ == "nabla" and len(expr.args) == 2:  # \nabla_{W^{(k)}} J
        return _matrix_name(expr.args[1], world) is not None
    return _matrix_name(expr, world) is not None


def matrix_element(expr, row, col, world, rows: bool = False):
    """Element (row, col) of a matrix expression: ``∂E/∂W``, ``ΔW``, ``η u vᵀ``; the
    book's matrices are (next layer) x (this layer), so their element (k, j) is w_{j,k}."""
    book = world.notation.book_layout
    if _matrix_name(expr, world):
        return sp.IndexedBase(expr.name)[(col, row) if book else (row, col)]
    if type(expr).__name__ == "transpose" and _matrix_name(expr.args[0], world):
        return sp.IndexedBase(expr.args[0].name)[(row, col) if book else (col, row)]
    if isinstance(expr, sp.Derivative):
        (by,) = expr.variables
        return sp.Derivative(expr.expr, matrix_element(by, row, col, world, rows), evaluate=False)
    if type(expr).__name__ == "nabla" and len(expr.args) == 2 and _is_matrix(expr, world):
        target, by = expr.args  # the gradient by a matrix: a matrix of its shape
        return sp.Derivative(target, matrix_element(by, row, col, world, rows), evaluate=False)
    if isinstance(expr, sp.Add):
        return sp.Add(*[matrix_element(a, row, col, world, rows) for a in expr.args])
    factors = list(sp.Mul.make_args(expr))
    whole = [f for f in factors if _matrix_name(f, world)]
    if len(whole) == 1 and not any(has_vectors(f, world) for f in factors if f is not whole[0]):
        # λ W: a scalar times a whole matrix (the weight-decay term of a gradient)
        rest = [f for f in factors if f is not whole[0]]
        return sp.Mul(*rest, matrix_element(whole[0], row, col, world, rows))
    vectors = [f for f in factors if _kind(f, world) == "vector" or type(f).__name__ == "nabla"]
    cols = [
        f
        for f in factors
        if type(f).__name__ == "transpose"
        and (_kind(f.args[0], world) or type(f.args[0]).__name__ == "nabla")  # (∇_a J)ᵀ
    ]
    if len(vectors) != 1 or len(cols) != 1:
        raise ValueError(f"{expr} is not an outer product u vᵀ")
    (u,), (vt,) = vectors, cols
    rest = [f for f in factors if f is not u and f is not vt]
    if any(has_vectors(f, world) for f in rest):
        raise ValueError(f"{expr} is not an outer product u vᵀ")
    if rows:  # uᵀ v of row vectors: the transposed one gives the row
        return sp.Mul(*rest, element(vt.args[0], row, world), element(u, col, world))
    return sp.Mul(*rest, element(u, row, world), element(vt.args[0], col, world))


def elementwise(plhs, prhs, world):
    """The relation for element j of its vectors (element (j, k) where the left side is
    a matrix), or None when it has none."""
    if not (has_vectors(plhs, world) or has_vectors(prhs, world)):
        return None
    # (\nabla_a J)_i, inside sums too: its own component i, whatever the relation's index
    plhs, prhs = (
        side.replace(
            lambda e: type(e).__name__ == "component",
            lambda e: element(e.args[0], e.args[1], world),
        )
        for side in (plhs, prhs)
    )
    letters = world.notation.node_letters or ("j", "k")
    j = sp.Symbol(letters[0])
    _LETTERS.clear()  # each relation starts again at k
    rows = _rows(plhs) or _rows(prhs)
    if _is_matrix(plhs, world):
        k = sp.Symbol(letters[1] if len(letters) > 1 else "k")
        return matrix_element(plhs, j, k, world, rows), matrix_element(prhs, j, k, world, rows)
    return element(plhs, j, world, rows), element(prhs, j, world, rows)


def _strip(glyph: str) -> str:
    return glyph.replace("\\", "").replace("{", "").replace("}", "")

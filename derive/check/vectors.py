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
    if not isinstance(expr, sp.Symbol) or "^(" not in expr.name:
        return ""
    glyph = expr.name.split("^(")[0]
    if glyph in world.weight_glyphs:
        return "matrix"
    if glyph in world.output_glyphs | world.net_glyphs | world.delta_glyphs | {"b"}:
        return "vector"
    return ""


def has_vectors(expr, world) -> bool:
    if any(type(f).__name__ == "nabla" for f in expr.atoms(sp.Function)):
        return True
    return any(_kind(s, world) and s.name != world.notation.target for s in expr.atoms(sp.Symbol))


def element(expr, idx, world):
    """Element ``idx`` of a vector expression (scalars are themselves)."""
    kind = _kind(expr, world)
    if kind == "vector":
        return sp.IndexedBase(expr.name)[idx]
    if kind == "matrix":
        raise ValueError(f"a matrix {expr} where a vector belongs")
    name = type(expr).__name__
    if name == "transpose":
        return element(expr.args[0], idx, world)
    if name == "hadamard":
        return sp.Mul(*[element(a, idx, world) for a in expr.args])
    if name == "norm":  # ‖v‖ = sqrt(Σ_k v_k²), a scalar: the same for every element
        k = next(world_letters(world))
        return sp.sqrt(sp.Sum(element(expr.args[0], k, world) ** 2, (k, _LO, _HI)))
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
            entry = sp.IndexedBase(name)[(k, idx) if transposed else (idx, k)]
            return sp.Sum(entry * element(rest, k, world), (k, _LO, _HI))
        return sp.Mul(*[element(f, idx, world) for f in factors])
    if isinstance(expr, sp.Derivative):
        return sp.Derivative(
            element(expr.expr, idx, world),
            *[element(v, idx, world) for v in expr.variables],
            evaluate=False,
        )
    if not expr.args or isinstance(expr, (sp.Indexed, sp.Sum)):
        return expr
    return expr.func(*[element(a, idx, world) for a in expr.args])


def _matrix_of(f, world):
    """(name, transposed) when ``f`` is a weight matrix or its transpose."""
    if _kind(f, world) == "matrix":
        return f.name, False
    if type(f).__name__ == "transpose" and _kind(f.args[0], world) == "matrix":
        return f.args[0].name, True
    return None


def elementwise(plhs, prhs, world):
    """The relation for element j of its vectors, or None when it has none."""
    if not (has_vectors(plhs, world) or has_vectors(prhs, world)):
        return None
    j = sp.Symbol(world.notation.node_letters[0] if world.notation.node_letters else "j")
    _LETTERS.clear()  # each relation starts again at k
    return element(plhs, j, world), element(prhs, j, world)

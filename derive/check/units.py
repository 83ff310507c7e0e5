r"""Generic unit indices: an index that names no layer stands for a unit of any layer.

Rumelhart, Hinton and Williams write one rule for every unit (``\delta_{pj} =
f'_j(net_{pj}) \sum_k \delta_{pk} w_{kj}``: "j may be an output or a hidden
unit"); Mitchell writes ``\Delta w_{ji} = \eta \delta_j x_{ji}`` for any unit j
and its input i.  Such a relation holds when it holds for every assignment of
its generic indices to layers that the relation itself allows: a weight
``w_{ji}`` joins layer(i) to layer(i) + 1, a target ``t_j`` is on the output
layer, ``net`` and ``δ`` are on layers 1..L, ``x_{ji}`` is the input i of unit j.
Each assignment renames the indices to the notation's own layer letters and the
relation is judged as written that way.
"""

from __future__ import annotations

import itertools

import sympy as sp


def generic_letters(exprs, world) -> list[sp.Symbol]:
    """The index symbols of ``exprs`` that name no layer (in a notation whose
    ``generic_units`` is set: every index but the example's)."""
    if world.notation.layers == "labels":  # w^l_{jk}: the label names the layer
        return []
    found = set()
    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for ind in e.atoms(sp.Indexed):
            found |= {i for i in ind.indices if isinstance(i, sp.Symbol)}
        for s in e.atoms(sp.Sum):
            found |= {lim[0] for lim in s.limits}
    example = world.example_letters
    every = getattr(world.notation.conventions, "generic_units", False)
    return sorted(
        (
            i
            for i in found
            if i.name not in example
            and (every or i.name.rstrip("'") not in world.letters)
            and i.name.rstrip("'").isalpha()
        ),
        key=lambda s: s.name,
    )


def _rules(exprs, world, generic: set) -> tuple[list, dict]:
    """(links, bounds): links ``(a, b)`` mean layer(a) = layer(b) + 1 (a receives from
    b); bounds map an index to the set of layers it may take."""
    L = world.network.depth
    n = world.notation
    links, bounds = [], {}
    example = world.example_letters

    def limit(i, layers):
        if i in generic:
            bounds[i] = bounds.get(i, set(range(L + 1))) & set(layers)

    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for ind in e.atoms(sp.Indexed):
            name = str(ind.base)
            idx = [i for i in ind.indices if isinstance(i, sp.Symbol) and i.name not in example]
            if len(idx) == 2 and (name in world.weight_glyphs or name == "x"):
                receiver, sender = idx if world.receiver_first or name == "x" else idx[::-1]
                links.append((receiver, sender))
                limit(receiver, range(1, L + 1))
            elif len(idx) == 1 and name == n.target:
                limit(idx[0], [L])
            elif len(idx) == 1 and (name in world.net_glyphs or name in world.delta_glyphs):
                limit(idx[0], range(1, L + 1))
    return links, bounds


def assignments(exprs, world, generic: list) -> list[dict]:
    """Every assignment {index: layer} of the generic indices the relation allows."""
    L = world.network.depth
    links, bounds = _rules(exprs, world, set(generic))
    fixed = {}
    for a, b in links:  # a fixed letter on one end of a link pins the other end
        for x in (a, b):
            if x not in generic and x.name.rstrip("'") in world.letters:
                fixed[x] = world.letters[x.name.rstrip("'")]
    out = []
    for layers in itertools.product(range(L + 1), repeat=len(generic)):
        at = dict(zip(generic, layers, strict=True)) | fixed
        if any(layer not in bounds.get(g, range(L + 1)) for g, layer in at.items()):
            continue
        if all(a not in at or b not in at or at[a] == at[b] + 1 for a, b in links):
            out.append({g: at[g] for g in generic})
    return out


def renamed(exprs, world, assignment: dict) -> tuple:
    """``exprs`` with each generic index renamed to its layer's letter (primed where
    that letter, or another index given it, is already in use)."""
    letters = world.notation.letters
    used = set()
    for e in exprs:
        if isinstance(e, sp.Basic):
            used |= {s.name for s in e.free_symbols} | {
                lim[0].name for s in e.atoms(sp.Sum) for lim in s.limits
            }
    used -= {g.name for g in assignment}
    rename = {}
    for g, layer in assignment.items():
        name = letters[layer] if layer < len(letters) else world_letter(world, layer)
        while name in used:
            name += "'"
        used.add(name)
        rename[g] = sp.Symbol(name)
    return tuple(e.xreplace(rename) if isinstance(e, sp.Basic) else e for e in exprs)


def world_letter(world, layer: int) -> str:
    """The letter the world reads as ``layer`` (deep networks beyond the notation's own)."""
    for letter, n in world.letters.items():
        if n == layer:
            return letter
    raise ValueError(f"no letter names layer {layer}")


def describe(assignment: dict, world) -> str:
    """``j in the output layer, i in the hidden layer``."""
    L = world.network.depth

    def role(layer):
        if layer == L:
            return "the output layer"
        if layer == 0:
            return "the input layer"
        return "the hidden layer" if L == 2 else f"hidden layer {layer}"

    return ", ".join(f"{g} in {role(layer)}" for g, layer in assignment.items())

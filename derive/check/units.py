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
    for e in exprs:  # a matrix line (Δw = η δ_k o_jᵀ): its vectors name their layers
        if not isinstance(e, sp.Basic):
            continue
        bases = {ind.base.label for ind in e.atoms(sp.Indexed)}
        bare = {s.name.removeprefix("Delta ") for s in e.free_symbols - bases}
        if bare & world.weight_glyphs or any(
            type(f).__name__ in ("transpose", "hadamard") for f in e.atoms(sp.Function)
        ):
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
    """(links, bounds): links ``(a, b, gap)`` mean layer(a) = layer(b) + gap (a weight
    ``w_{ab}`` or ``∂net_a/∂o_b``: a receives from b, gap 1; a Kronecker ``δ_{ab}`` or
    ``∂o_a/∂net_b``, or k' beside k: one layer, gap 0); bounds map an index to the layers
    it may take."""
    L = world.network.depth
    n = world.notation
    links, bounds = [], {}
    example = world.example_letters

    def limit(i, layers):
        if i in generic:
            bounds[i] = bounds.get(i, set(range(L + 1))) & set(layers)

    def unit(ind):
        name = str(ind.base)
        name = name[6:] if name.startswith("Delta ") else name
        idx = [i for i in ind.indices if isinstance(i, sp.Symbol) and i.name not in example]
        return name, idx

    for e in exprs:
        if not isinstance(e, sp.Basic):
            continue
        for ind in e.atoms(sp.Indexed):
            name, idx = unit(ind)
            labelled = "^(" in name and name.endswith(")") and name[:1] in ("W", "w")
            if len(idx) == 2 and (name in world.weight_glyphs or name == "x" or labelled):
                receiver, sender = idx if world.receiver_first or name == "x" else idx[::-1]
                links.append((receiver, sender, 1))
                limit(receiver, range(1, L + 1))
                layer = world.label_layer(name.split("^(", 1)[1][:-1]) if labelled else None
                if layer is not None:  # W^{(2)}_{kj}: k on layer 2, j on layer 1
                    limit(receiver, [layer])
                    limit(sender, [layer - 1])
            elif len(idx) == 2 and name in world.delta_glyphs:  # Kronecker δ_{jj'}
                links.append((idx[0], idx[1], 0))
            elif len(idx) == 1 and name == n.target:
                limit(idx[0], [L])
            elif len(idx) == 1 and (name in world.net_glyphs or name in world.delta_glyphs):
                limit(idx[0], range(1, L + 1))
        for call in e.atoms(sp.Function):  # g(net_k): k is on the layer g names
            layer = _named_layer(world, str(call.func), call.args)
            if layer is not None:
                _, idx = unit(call.args[0])
                if len(idx) == 1:
                    limit(idx[0], [layer])
        for d in e.atoms(sp.Derivative):  # ∂net_k/∂o_j: k receives from j; ∂o_j/∂net_j
            top = d.expr
            if not (isinstance(top, sp.Indexed) and len(d.variables) == 1):
                continue
            by = d.variables[0]
            if not isinstance(by, sp.Indexed):
                continue
            (a_name, a), (b_name, b) = unit(top), unit(by)
            if len(a) != 1 or len(b) != 1:
                continue
            if a_name in world.net_glyphs and b_name in world.output_glyphs:
                links.append((a[0], b[0], 1))
            elif a_name in world.output_glyphs and b_name in world.net_glyphs:
                links.append((a[0], b[0], 0))
    for a in generic:  # k' beside k: a second unit of k's layer (Σ_{k'} e^{net_{k'}})
        base = a.name.rstrip("'")
        if base != a.name:
            links += [(a, b, 0) for b in generic if b.name == base]
    return links, bounds


def _named_layer(world, name: str, args: tuple) -> int | None:
    """The one layer an activation's name stands for where the layers' activations
    differ (g the output's, f^{(1)} the first's), on a unit's net; None otherwise."""
    if len(args) != 1 or not isinstance(args[0], sp.Indexed):
        return None
    if len({a.name for a in world.network.activations}) == 1:
        return None  # one f for every layer: the unit's own
    if name in world.layer_functions:
        return world.label_layer(world.layer_functions[name])
    if name in world.activation_names:
        return world._layer_named(name)
    return None


def assignments(exprs, world, generic: list, allowed: dict | None = None) -> list[dict]:
    """Every assignment {index: layer} of the generic indices the relation allows
    (and ``allowed``, {index: layers}, the relation's own condition on them)."""
    L = world.network.depth
    links, bounds = _rules(exprs, world, set(generic))
    for i, layers in (allowed or {}).items():
        if i in generic:
            bounds[i] = bounds.get(i, set(range(L + 1))) & layers
    fixed = {}
    for a, b, _ in links:  # a fixed letter on one end of a link pins the other end
        for x in (a, b):
            if x not in generic and x.name.rstrip("'") in world.letters:
                fixed[x] = world.letters[x.name.rstrip("'")]
    out = []
    for layers in itertools.product(range(L + 1), repeat=len(generic)):
        at = dict(zip(generic, layers, strict=True)) | fixed
        if any(layer not in bounds.get(g, range(L + 1)) for g, layer in at.items()):
            continue
        if all(a not in at or b not in at or at[a] == at[b] + gap for a, b, gap in links):
            out.append({g: at[g] for g in generic})
    return out


_UNIT_SETS = {"outputs": "output", "output": "output", "output units": "output"}
_UNIT_SETS |= {"hidden": "hidden", "hidden units": "hidden", "inputs": "input", "input": "input"}


def condition_layers(condition: str, world) -> dict[sp.Symbol, set[int]]:
    r"""The layers a relation's condition allows each of its letters:
    ``k \in \text{outputs}`` -> {k: {L}}; ``j \notin \text{outputs}`` -> {j: {0..L-1}};
    ``\text{hidden}`` is layers 1..L-1.  ValueError names a set it does not know."""
    L = world.network.depth
    head, _, word = condition.rpartition("{")
    word = " ".join(word.rstrip("} ").split()).lower()
    kind = _UNIT_SETS.get(word)
    if kind is None:
        known = ", ".join(sorted(_UNIT_SETS))
        raise ValueError(f"'{word}' names no layer (known: {known})")
    layers = {"output": {L}, "hidden": set(range(1, L)), "input": {0}}[kind]
    negated = "notin" in head or "\u2209" in head
    if negated:
        layers = set(range(L + 1)) - layers
    letters = head.split("\\")[0].split("\u2208")[0].split("\u2209")[0]
    return {sp.Symbol(x.strip()): set(layers) for x in letters.split(",") if x.strip()}


def excluded(allowed: dict, generic: list, world) -> str:
    """A fixed letter (one that names its layer) whose layer the condition leaves out,
    described (``k in the output layer``); '' where there is none."""
    for i, layers in allowed.items():
        layer = world.letters.get(i.name.rstrip("'"))
        if i not in generic and layer is not None and layer not in layers:
            return describe({i: layer}, world)
    return ""


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

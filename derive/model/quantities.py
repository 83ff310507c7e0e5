"""Typed quantities: what a symbol of the derivation *is*, as data.

Every SymPy object the derivation uses for a quantity of the network
(``O``, ``net``, ``W``, ``b``, ``δ``, ``d``, ``E``, ``η``, the activation
``f`` and its derivative, node indices, widths) is made by
:mod:`derive.symbols`, which registers a :class:`Quantity` (kind, layer) or an
:class:`Index` (layer) for it here.  Printers and the checker ask
:func:`quantity_of` / :func:`index_of` and dispatch on the kind; nobody parses
a name such as ``O2``, ``net@l+1`` or ``W^{(l)}``.

Layers are numbered 0 (the input) to L (the output); weight layer l maps
layer l-1 to layer l.  A layer may also be symbolic: ``"l"``, ``"l+1"``,
``"l-1"`` (the recurrence for a general layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import sympy as sp


class Kind(str, Enum):
    """The kinds of quantity a notation names (one glyph each)."""

    INPUT = "input"
    """x: the outputs of layer 0."""
    PREACT = "preact"
    """net, z, a: the weighted sum into a node."""
    OUTPUT = "output"
    """O, a, h, z, o: a node's activation output."""
    WEIGHT = "weight"
    BIAS = "bias"
    TARGET = "target"
    LOSS = "loss"
    DELTA = "delta"
    """The error term of a node (its sign is a convention of the notation)."""
    ERROR = "error"
    """The output error -∂E/∂O (the book's e_k = t_k - o_k)."""
    LR = "lr"
    ACT = "act"
    """The activation function of a layer."""
    DACT = "dact"
    """Its derivative."""
    UPDATE_WEIGHT = "update_weight"
    """Δw: the change gradient descent makes to a weight."""
    UPDATE_BIAS = "update_bias"
    EXAMPLE = "example"
    """The per-example index (p, n, d)."""
    DECAY = "decay"
    """λ: the coefficient of the L2 weight-decay term (λ/2) Σ w² in the objective."""
    BATCH = "batch"
    """N: the number of examples in a batch, where the loss is their mean (batch_mean)."""


Layer = int | str | None


@dataclass(frozen=True)
class Quantity:
    kind: Kind
    layer: Layer = None

    @property
    def symbolic(self) -> bool:
        """True for a general layer (``"l"``, ``"l+1"``)."""
        return isinstance(self.layer, str)


@dataclass(frozen=True)
class Index:
    """The index that runs over the nodes of ``layer``; ``prime`` numbers further
    dummies over the same layer (j', j'', and 3 for the sum over outputs)."""

    layer: int
    prime: int = 0


@dataclass(frozen=True)
class Width:
    """The number of nodes of ``layer`` (a symbol: derivations never depend on it)."""

    layer: int


_REGISTRY: dict[object, Quantity | Index | Width] = {}


def register(obj: object, what: Quantity | Index | Width) -> object:
    """Record what a SymPy object stands for (called by :mod:`derive.symbols`)."""
    _REGISTRY[obj] = what
    return obj


def quantity_of(obj: object) -> Quantity | None:
    """The quantity a base (``IndexedBase``), an element (``Indexed``), a symbol
    (``E``, ``eta``) or an activation (``f``/``df`` class or call) stands for."""
    if isinstance(obj, sp.Indexed):
        obj = obj.base
    elif isinstance(obj, sp.Function) and not isinstance(obj, sp.Indexed):
        obj = obj.func
    try:
        what = _REGISTRY.get(obj)
    except TypeError:
        return None
    return what if isinstance(what, Quantity) else None


def index_of(obj: object) -> Index | None:
    try:
        what = _REGISTRY.get(obj)
    except TypeError:
        return None
    return what if isinstance(what, Index) else None


def width_of(obj: object) -> Width | None:
    try:
        what = _REGISTRY.get(obj)
    except TypeError:
        return None
    return what if isinstance(what, Width) else None


def kind_is(obj: object, *kinds: Kind) -> bool:
    q = quantity_of(obj)
    return q is not None and q.kind in kinds

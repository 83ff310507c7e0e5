"""Notation presets: how each note names the same quantities.

A preset is data for the printers (symbol names, index style, the order in
which a note writes the factors of a product) plus the network defaults its
note assumes.  Nothing here edits printed text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notation:
    name: str
    title: str
    letters: tuple[str, ...]
    """Index letter of each layer, input first (i, j, k)."""
    dummy: str
    """The letter a sum over the outputs uses when k is taken (note 000's n)."""
    index_sep: str
    outputs: tuple[str, ...]
    """Name of each layer's outputs (O, O, O or x, h, y)."""
    weights: tuple[str, ...]
    """Name of each weight layer (v, w)."""
    net: str = "net"
    target: str = "d"
    lr: str = r"\eta"
    delta: str = r"\delta"
    error: str = "e"
    activation: tuple[str, ...] = ("f", "f")
    prime: str = "call"
    """'call' prints f'(net_j); 'subscript' prints note 003's \\Phi'_{j}."""
    vectors: tuple[str, ...] = ()
    """Names of layer outputs in matrix form (the book's capital O)."""
    matrix_error: str = "e"
    matrix_weights: tuple[str, ...] = ()
    book_layout: bool = False
    """The book's weight matrices are (next layer) x (previous layer), and its
    learning rate absorbs the power rule's constant (see :func:`update_scale`)."""
    scalar_output: bool = False
    loss: str = "sse"
    activation_default: str = "sigmoid"
    output_activation_default: str | None = None
    order: tuple[str, ...] = (
        "const",
        "lr",
        "error",
        "fprime",
        "delta",
        "backsum",
        "weight",
        "input",
    )
    orders: tuple[tuple[str, ...], ...] = ()
    """Factor orders a note uses for products of exactly these roles."""
    local_names: tuple[str, ...] = ()
    """Names a note uses for its own local quantities (note 003's δ_{ij} = ∂y/∂W_{ij}),
    which the checker must not read as the network's δ."""
    weights_first: bool = True
    """``v_{ij} O_i`` (note 004) or ``x_i W_{ij}`` (note 003) inside a sum."""
    last_form_only: bool = False
    """Print only the final form of each result (note 003 states results)."""
    show: tuple[str, ...] = ()
    """Keys of the equations to print, in order ('*' expands per layer)."""


DOC004 = Notation(
    name="doc004",
    title="note 004: O_i = x_i, v_{ij}, w_{jk}, d_k, \\eta",
    letters=("i", "j", "k"),
    dummy="n",
    index_sep="",
    outputs=("O", "O", "O"),
    weights=("v", "w"),
    orders=(("const", "lr", "input", "fprime", "backsum"),),
    show=(
        "net1",
        "O1",
        "net2",
        "O2",
        "E",
        "delta2",
        "grad_W2",
        "update_W2",
        "delta1",
        "grad_W1",
        "update_W1",
        "update_W1_expanded",
        "matrix",
    ),
)

RASHID = Notation(
    name="rashid",
    title="notes 000-002: T. Rashid, Make Your Own Neural Network",
    letters=("i", "j", "k"),
    dummy="n",
    index_sep=",",
    outputs=("o", "o", "o"),
    weights=("W", "W"),
    target="t",
    lr=r"\alpha",
    error="e",
    vectors=("O", "O", "O"),
    matrix_error="E",
    matrix_weights=(r"W_{\text{ih}}", r"W_{\text{ho}}"),
    book_layout=True,
    loss="sum_sq",
    show=(
        "net2",
        "O2",
        "E",
        "grad_W2",
        "grad_W2_dropped",
        "update_W2",
        "matrix_book",
        "book_hidden",
        "grad_W1_exact",
    ),
)

DOC003 = Notation(
    name="doc003",
    title="note 003: row vectors, h = \\Phi(x W^1), y = h W^2",
    letters=("i", "j", "k"),
    dummy="n",
    index_sep="",
    outputs=("x", "h", "y"),
    weights=("W^{1}", "W^{2}"),
    lr=r"\alpha",
    activation=(r"\Phi", r"\Phi"),
    prime="subscript",
    scalar_output=True,
    activation_default="generic",
    output_activation_default="identity",
    order=("const", "lr", "error", "weight", "fprime", "delta", "backsum", "input"),
    last_form_only=True,
    weights_first=False,
    local_names=("delta",),
    show=("forward1", "forward2", "E", "update_W2_expanded", "update_W1_expanded"),
)

DEEP_LETTERS = ("i", "j", "k", "l", "m", "n", "p", "q", "r", "s", "u", "a", "b", "c", "g")


def for_depth(notation: Notation, depth: int) -> Notation:
    """The preset for a network of ``depth`` weight layers.

    The notes' names (v, w; O_i, O_j, O_k) cover two weight layers; deeper
    networks get ``W^{(l)}`` and one index letter per layer.
    """
    if depth == len(notation.weights):
        return notation
    from dataclasses import replace

    if depth + 1 > len(DEEP_LETTERS):
        raise ValueError(f"at most {len(DEEP_LETTERS) - 1} weight layers can be printed")
    out = notation.outputs[0]
    return replace(
        notation,
        letters=DEEP_LETTERS[: depth + 1],
        dummy="n'",
        outputs=(out,) * (depth + 1),
        vectors=(notation.vectors[0],) * (depth + 1) if notation.vectors else (),
        weights=tuple(f"W^{{({n})}}" for n in range(1, depth + 1)),
        matrix_weights=(),
        activation=(notation.activation[0],) * depth,
        scalar_output=False,
    )


PRESETS: dict[str, Notation] = {n.name: n for n in (DOC004, RASHID, DOC003)}


def network_for(notation: Notation, **options):
    """A network with the notation's defaults (loss, activations, one output
    node for note 003) where ``options`` leave them out (None counts as left out)."""
    from .network import build

    options = {k: v for k, v in options.items() if v is not None}
    hidden_given = "activation" in options
    options.setdefault("activation", notation.activation_default)
    if notation.output_activation_default and not hidden_given:
        options.setdefault("output_activation", notation.output_activation_default)
    options.setdefault("loss", notation.loss)
    options.setdefault("scalar_output", notation.scalar_output)
    return build(**options)


def update_scale(notation: Notation, loss):
    """What Δw means: ``Δw = -η · scale · ∂E/∂w``.  1 in the notes; the book
    (``rashid``) absorbs the power rule's constant c = ∂²ℓ/∂o² into α
    (c = 2 for Σ(t - o)^2), so its Δw is -α (∂E/∂w) / c."""
    import sympy as sp

    from .functions import o

    if not notation.book_layout:
        return sp.Integer(1)
    c = sp.diff(loss.term, o, 2)
    return 1 / c if c.is_number and c != 0 else sp.Integer(1)

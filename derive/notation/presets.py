"""Every preset, one entry each: a text's symbols, conventions and default network.

A preset is a :class:`~derive.notation.model.Notation`; adding one is one entry
in ``_ALL`` plus its test.
"""

from __future__ import annotations

from ..errors import InputError
from .model import Conventions, Notation

DOC004 = Notation(
    name="doc004",
    title="note 004: O_i = x_i, v_{ij}, w_{jk}, d_k, \\eta",
    source="study note 004 (the derivation with v_{ij}, w_{jk})",
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
    conventions=Conventions(update="absorb_constant"),
    loss="sum_sq",
    source="T. Rashid, Make Your Own Neural Network (2016), part 1; the study notes 000-002",
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
    source="study note 003 (row vectors, one output)",
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


NIELSEN = Notation(
    name="nielsen",
    title="M. Nielsen, Neural Networks and Deep Learning: z^l_j, a^l_j, w^l_{jk}, C",
    source="M. Nielsen, Neural Networks and Deep Learning (2015), ch. 2 (BP1-BP4)",
    layers="labels",
    label="^{%s}",
    first_layer=1,
    last_label="L",
    node_letters=("j", "k", "i"),
    letters=(),
    dummy="m",
    index_sep="",
    input="x",
    outputs=("a",),
    weights=("w",),
    net="z",
    target="y",
    loss_glyph="C",
    activation=(r"\sigma",),
    hadamard=r"\odot",
    conventions=Conventions(delta_sign=1, weight_order="receiver_first", index_base=1),
    bias_default=True,
)

_ALL = (DOC004, RASHID, DOC003, NIELSEN)

PRESETS: dict[str, Notation] = {n.name: n for n in _ALL}


def preset(name: str) -> Notation:
    """The preset called ``name``; an unknown name is one line listing the presets."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InputError(
            f"unknown notation '{name}'; choose from {', '.join(PRESETS)} or give a .toml file"
        ) from None

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
    output_activation_fixed=True,
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

MITCHELL = Notation(
    name="mitchell",
    title="T. Mitchell, Machine Learning: net_j, o_j, w_{ji}, t_k, delta = -dE_d/dnet",
    source="T. Mitchell, Machine Learning (1997), ch. 4, Table 4.2 and section 4.5.3",
    letters=("i", "h", "k"),
    dummy="m",
    index_sep="",
    outputs=("x", "o", "o"),
    weights=("w", "w"),
    target="t",
    activation=(r"\sigma", r"\sigma"),
    loss_glyph="E",
    example_index="d",
    order=("const", "lr", "fprime", "error", "delta", "backsum", "weight", "input"),
    conventions=Conventions(weight_order="receiver_first", bias="w0", index_base=1),
    bias_default=True,
)

BISHOP = Notation(
    name="bishop",
    title="C. Bishop, PRML: a_j, z_j = h(a_j), w_{ji}, y_k, t_k, delta = +dE_n/da",
    source="C. M. Bishop, Pattern Recognition and Machine Learning (2006), section 5.3.1-5.3.2",
    letters=("i", "j", "k"),
    dummy="m",
    index_sep="",
    outputs=("x", "z", "y"),
    weights=("w^{(1)}", "w^{(2)}"),
    net="a",
    target="t",
    activation=("h", "h"),
    unit_output="z",
    width_names=("D", "M", "K"),
    loss_glyph="E",
    example_index="n",
    activation_default="tanh",
    output_activation_default="identity",
    output_activation_fixed=True,
    order=("const", "lr", "error", "fprime", "delta", "backsum", "weight", "input"),
    conventions=Conventions(delta_sign=1, weight_order="receiver_first", bias="w0", index_base=1),
    bias_default=True,
)

RUMELHART = Notation(
    name="rumelhart",
    title="Rumelhart, Hinton, Williams: net_pj, o_pj, w_ji, t_pj, delta_pj = -dE_p/dnet_pj",
    source="D. Rumelhart, G. Hinton, R. Williams, Learning internal representations by error "
    "propagation, PDP vol. 1 (1986), ch. 8 (the generalized delta rule); Nature 323 (1986)",
    letters=("i", "j", "k"),
    dummy="m",
    index_sep="",
    outputs=("o", "o", "o"),
    weights=("w", "w"),
    target="t",
    loss_glyph="E",
    example_index="p",
    example_on="all",
    conventions=Conventions(weight_order="receiver_first", index_base=1, generic_units=True),
)

GOODFELLOW = Notation(
    name="goodfellow",
    title="Goodfellow, Bengio, Courville: a^(k) = b^(k) + W^(k) h^(k-1), h^(k) = f(a^(k)), "
    "gradients nabla_a J",
    source="I. Goodfellow, Y. Bengio, A. Courville, Deep Learning (2016), section 6.5.4, "
    "Algorithms 6.3 and 6.4",
    layers="labels",
    label="^{(%s)}",
    node_letters=("i", "j", "m"),
    letters=(),
    dummy="n",
    index_sep="",
    input="x",
    outputs=("h",),
    weights=("W",),
    net="a",
    target="y",
    loss_glyph="J",
    delta=r"\nabla",
    delta_glyph="nabla",
    activation=("f",),
    hadamard=r"\odot",
    activation_default="generic",
    output_activation_default="generic",
    conventions=Conventions(delta_sign=0, weight_order="receiver_first", index_base=1),
    bias_default=True,
)

CS231N = Notation(
    name="cs231n",
    title="CS231n: hidden = max(0, X W + b), scores = hidden W2 + b2, dscores, dW2, dhidden",
    source="Stanford CS231n notes, Neural Networks Case Study (a 2-layer network) and "
    "Backpropagation, Intuitions",
    letters=("i", "j", "k"),
    dummy="m",
    index_sep="",
    outputs=("X", "hidden", "probs"),
    weights=("W", "W2"),
    nets=("h", "scores"),
    deltas=("dh", "dscores"),
    biases=("b", "b2"),
    grad_prefix="d",
    vector_subscripts=False,
    times=r" \cdot ",
    target="y",
    lr=r"\mathrm{step\_size}",
    loss_glyph="L",
    activation=(r"\mathrm{ReLU}", r"\mathrm{softmax}"),
    activation_default="relu",
    output_activation_default="softmax",
    output_activation_fixed=True,
    loss="ce",
    weights_first=False,
    conventions=Conventions(delta_sign=1, layout="row", batch_mean=True, weight_decay="reg"),
    bias_default=True,
    aliases=(("f", "scores"), ("p", "probs")),  # the softmax section's f and p
    batch_size="N",
    example_loss="L_i",
    class_label="y_i",
)

MAZUR = Notation(
    name="mazur",
    title="M. Mazur, A Step by Step Backpropagation Example: out_h1, net_o1, w1..w8, E_total",
    source="M. Mazur, A Step by Step Backpropagation Example (2015), the 2-2-2 network",
    layers="numbered",
    letters=("i", "h", "o"),
    dummy="m",
    index_sep="",
    outputs=("out",),
    weights=("w",),
    target="target",
    loss_glyph=r"E_{\text{total}}",
    activation=(r"\sigma",),
    bias_default=True,
    widths_default=(2, 2, 2),
)

_ALL = (
    DOC004,
    RASHID,
    DOC003,
    NIELSEN,
    MITCHELL,
    BISHOP,
    RUMELHART,
    GOODFELLOW,
    CS231N,
    MAZUR,
)

PRESETS: dict[str, Notation] = {n.name: n for n in _ALL}


def preset(name: str) -> Notation:
    """The preset called ``name``; an unknown name is one line listing the presets."""
    try:
        return PRESETS[name]
    except KeyError:
        raise InputError(
            f"unknown notation '{name}'; choose from {', '.join(PRESETS)} or give a .toml file"
        ) from None

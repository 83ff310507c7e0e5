"""The notation model: a glyph and a layer-naming rule per quantity kind, and
the conventions of a text.  Data only: printers and the checker read it.

Two ways to name layers (``layers``):

- ``"letters"``: each layer has a fixed node letter (i, j, k) and the glyph of
  a layer's quantities comes from per-layer tables (``outputs``, ``weights``):
  the notes, Mitchell, Bishop, Rumelhart;
- ``"labels"``: a quantity carries its layer as a label (``label`` is the
  format: ``^{%s}`` Nielsen, ``^{(%s)}`` Goodfellow, ``^{[%s]}``), the last
  layer may be called ``L`` (``last_label``), and node letters are relative
  to the layer an equation is about (``node_letters``: that layer, a
  neighbour, a third layer).

Nothing here edits printed text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..model.quantities import Kind, Quantity

SIGNS = (-1, 0, 1)
WEIGHT_ORDERS = ("sender_first", "receiver_first")
LAYOUTS = ("column", "row")
LAYER_STYLES = ("letters", "labels", "numbered")
BIAS_STYLES = ("b", "w0")
UPDATES = ("descent", "absorb_constant")


def bare(glyph: str) -> str:
    r"""A glyph as the checker's parser names it: ``\mathrm{W2}`` -> ``W2``."""
    for wrap in (r"\mathrm{", r"\text{", r"\operatorname{"):
        if glyph.startswith(wrap) and glyph.endswith("}"):
            return glyph[len(wrap) : -1].replace(r"\_", "_")
    return glyph


def upright(glyph: str) -> str:
    """A multi-letter name (net, scores, W2) is one upright name, not a product of letters."""
    return rf"\mathrm{{{glyph}}}" if len(glyph) > 1 and glyph.isalnum() else glyph


@dataclass(frozen=True)
class Conventions:
    """What the symbols *mean*, beyond their names."""

    delta_sign: int = -1
    """δ = delta_sign · ∂E/∂net... -1: δ = -∂E/∂net (the notes, Mitchell, Rumelhart);
    +1: δ = +∂E/∂net (Nielsen, Bishop); 0: no δ, gradients ∇ instead (Goodfellow)."""
    weight_order: str = "sender_first"
    """``w_{jk}`` joins j (sender) to k, or ``w_{kj}`` (receiver first, most textbooks)."""
    layout: str = "column"
    """Column vectors (W x), or row vectors with the batch in rows (x W)."""
    index_base: int = 0
    """The first value of a node index in sums (0 or 1)."""
    batch_mean: bool = False
    """The loss is averaged over a batch of n examples (1/n: Nielsen, CS231n)."""
    update: str = "descent"
    """Δw = -η ∂E/∂w ("descent"), or the book's: the power rule's constant absorbed into η."""
    bias: str = "b"
    """A bias b_j, or a weight w_{j0} on a constant input x_0 = 1 (Mitchell, Bishop)."""
    generic_units: bool = False
    """Index letters name units of any layer, not one layer each (Rumelhart 1986: "j
    may be an output or a hidden unit"); the checker tries every layer a relation allows."""
    weight_decay: str = ""
    """The glyph of an L2 weight-decay coefficient in the objective (λ, reg), or none."""


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
    output_activation_fixed: bool = False
    """The text's output layer is its own choice, apart from its hidden units
    (Bishop's linear outputs, CS231n's softmax, note 003's linear y): one
    ``--activation`` changes the hidden layers only; a list still names every layer.
    Otherwise one ``--activation`` is every layer's (the notes' one f, Goodfellow's)."""
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
    # -- the model beyond the notes' tables -------------------------------------
    source: str = ""
    """The text (chapter, section) whose symbols and conventions this follows."""
    conventions: Conventions = field(default_factory=Conventions)
    layers: str = "letters"
    """How layers are named: "letters" (fixed node letters) or "labels"."""
    label: str = "^{(%s)}"
    """A layer label's format (labels style, and general layers l, l+1)."""
    first_layer: int = 0
    """The number the input layer gets (Nielsen: layer 1 is the input)."""
    last_label: str = ""
    """The label of the output layer ("L"), or "" for its number."""
    node_letters: tuple[str, ...] = ("j", "k", "i")
    """Labels style: the letter of the layer an equation is about, of a neighbour, of a third."""
    input: str = ""
    """The glyph of the inputs when it is not the outputs' glyph at layer 0 (x)."""
    loss_glyph: str = "E"
    example_index: str = ""
    """The per-example index (p, n, d), written on the loss (E_p) or on everything."""
    example_on: str = "loss"
    """Where the example index is written: "loss" (E_n) or "all" (o_{pj})."""
    delta_glyph: str = ""
    """With conventions.delta_sign 0: how the gradient w.r.t. a pre-activation is
    written ("nabla": ∇_{a^{(k)}} J)."""
    bias_default: bool = False
    """The text's network has biases."""
    widths_default: tuple[int, ...] = ()
    """The widths of the network the text works with (a worked example's 2-2-2)."""
    times: str = " "
    """Between the factors of a product: juxtaposition, or " \\cdot " where names are
    words (code names run together otherwise)."""
    hadamard: str = r"\circ"
    """The elementwise product (⊙ in Nielsen)."""
    nets: tuple[str, ...] = ()
    """Letters style: a name per layer for the pre-activations (CS231n's scores)."""
    deltas: tuple[str, ...] = ()
    """Letters style: a name per layer for the error terms (dhidden, dscores)."""
    biases: tuple[str, ...] = ()
    """Letters style: a name per layer for the biases (b, b2)."""
    grad_prefix: str = ""
    """Gradients written as code names: "d" prints ∂L/∂W2 as dW2."""
    vector_subscripts: bool = True
    """Whole-layer vectors carry their layer's letter (O_j) or not (hidden)."""
    hidden_activation: str = ""
    """Another glyph for the hidden layers' activation (Bishop's h; outputs keep theirs)."""
    unit_output: str = ""
    """Letters style: a glyph for the output of a unit on any layer, the layer told by
    its node letter (Bishop's z_i, "the activation of a unit which sends a connection
    to unit j": x_i where i is an input)."""
    width_names: tuple[str, ...] = ()
    """Letters style: the glyph of each layer's number of units, input first (Bishop's
    D, M, K); otherwise a capital node letter (K for k) names its layer's width."""
    aliases: tuple[tuple[str, ...], ...] = ()
    """Other glyphs a text uses for a declared quantity, as (alias, glyph) pairs: CS231n's
    softmax section writes the scores f and the probabilities p."""
    batch_size: str = ""
    """With conventions.batch_mean: the glyph of the number of examples in a batch (N)."""
    example_loss: str = ""
    """With conventions.batch_mean: the glyph of one example's loss (CS231n's L_i; the
    objective is the mean of L_i over the batch plus the weight-decay term)."""
    class_label: str = ""
    """The glyph of an example's correct class where targets are one-hot (CS231n's y_i):
    f_{y_i} is the component of f at that class, \\mathbb{1}(y_i = k) is y_k."""

    # -- the public API ------------------------------------------------------------

    def code_names(self) -> dict[str, tuple[Kind, int]]:
        """Letters style: every name declared per layer (CS231n's X, hidden, h, scores,
        dscores, W2, b2) and its aliases (f, p) -> (kind, layer).  Names that several
        layers share are left out; gradient names (dW2) are :meth:`gradient_of`'s."""
        if self.layers != "letters":
            return {}
        names: dict[str, tuple[Kind, int]] = {}
        tables = [
            (Kind.OUTPUT, self.outputs, 0),
            (Kind.WEIGHT, self.weights, 1),
            (Kind.PREACT, self.nets, 1),
            (Kind.DELTA, self.deltas, 1),
            (Kind.BIAS, self.biases, 1),
        ]
        for kind, table, first in tables:
            for layer, name in enumerate(table, start=first):
                if table.count(name) == 1:
                    input_ = kind == Kind.OUTPUT and layer == 0
                    names[bare(name)] = (Kind.INPUT if input_ else kind, layer)
        for alias, glyph in self.aliases:
            if bare(glyph) in names:
                names[bare(alias)] = names[bare(glyph)]
        return names

    def gradient_of(self, name: str) -> tuple[Kind, int] | None:
        """``dW2`` -> the quantity it is the loss's gradient by (grad_prefix), or None."""
        prefix = self.grad_prefix
        names = self.code_names()
        if not prefix or not name.startswith(prefix) or name in names:
            return None
        return names.get(name[len(prefix) :])

    def glyph(self, kind: Kind) -> str:
        """The base glyph of a kind of quantity (no layer, no indices)."""
        return {
            Kind.INPUT: self.input or self.outputs[0],
            Kind.PREACT: self.net,
            Kind.OUTPUT: self.outputs[-1],
            Kind.WEIGHT: self.weights[-1],
            Kind.BIAS: "b",
            Kind.TARGET: self.target,
            Kind.LOSS: self.loss_glyph,
            Kind.DELTA: self.delta,
            Kind.ERROR: self.error,
            Kind.LR: self.lr,
            Kind.ACT: self.activation[-1],
            Kind.DACT: self.activation[-1] + "'",
            Kind.UPDATE_WEIGHT: r"\Delta " + self.weights[-1],
            Kind.UPDATE_BIAS: r"\Delta b",
            Kind.EXAMPLE: self.example_index,
        }[kind]

    def glyphs(self) -> frozenset[str]:
        """Every glyph the notation writes (bare LaTeX, no layer labels or indices)."""
        names = {
            *self.outputs,
            *self.weights,
            *self.nets,
            *self.deltas,
            *self.biases,
            self.input,
            self.net,
            self.target,
            self.loss_glyph,
            self.delta,
            self.lr,
            *self.activation,
        }
        return frozenset(n for n in names if n)

    def layer_label(self, layer: int | str, depth: int) -> str | None:
        """The label of a layer (``L``, ``2``, ``l+1``), or None where layers are named
        by letters.  Symbolic layers (``l``) keep their name."""
        if isinstance(layer, str):
            return layer
        if self.layers != "labels":
            return None
        if layer == depth and self.last_label:
            return self.last_label
        return str(layer + self.first_layer)

    def labelled(self, glyph: str, layer: int | str, depth: int) -> str:
        """``glyph`` with the layer label of ``layer`` (braced when the glyph has one)."""
        label = self.layer_label(layer, depth)
        if label is None:
            return glyph
        if "^" in glyph:
            glyph = "{" + glyph + "}"
        return glyph + self.label % label

    def symbol(self, q: Quantity, depth: int) -> str:
        """The LaTeX name of a typed quantity at its layer, without node indices."""
        kind, layer = q.kind, q.layer
        if self.layers == "labels" or isinstance(layer, str):
            if kind == Kind.INPUT and self.input:
                return self.input
            if kind in (Kind.INPUT, Kind.OUTPUT):
                return self.labelled(self.outputs[-1], layer, depth)
            if kind in (Kind.LOSS, Kind.LR, Kind.TARGET, Kind.EXAMPLE, Kind.ERROR):
                return self.glyph(kind)
            glyph = upright(self.glyph(kind))
            if kind == Kind.UPDATE_WEIGHT:
                return r"\Delta " + self.labelled(self.weights[-1], layer, depth)
            if kind == Kind.UPDATE_BIAS:
                return r"\Delta " + self.labelled("b", layer, depth)
            return self.labelled(glyph, layer, depth)
        if kind in (Kind.INPUT, Kind.OUTPUT):
            return upright(self.outputs[min(layer, len(self.outputs) - 1)])
        if kind == Kind.WEIGHT:
            return upright(self.weights[min(layer, len(self.weights)) - 1])
        per_layer = {Kind.PREACT: self.nets, Kind.DELTA: self.deltas, Kind.BIAS: self.biases}
        if per_layer.get(kind):
            return upright(per_layer[kind][layer - 1])
        if kind == Kind.UPDATE_WEIGHT:
            return r"\Delta " + upright(self.weights[min(layer, len(self.weights)) - 1])
        if kind == Kind.UPDATE_BIAS and self.biases:
            return r"\Delta " + upright(self.biases[layer - 1])
        return upright(self.glyph(kind))

    def letter(
        self, layer: int, depth: int, focus: int | None = None, present: frozenset = frozenset()
    ) -> str:
        """The node letter of ``layer``; in labels style relative to ``focus``, the
        layer the equation's left side is about (``present``: the layers the
        equation names; the layer after the focus shares the neighbour's letter
        unless the layer before it is there too)."""
        if self.layers != "labels":
            return self.letters[layer] if layer < len(self.letters) else f"i_{{{layer}}}"
        first, neighbour, third = self.node_letters[:3]
        if focus is None or layer == focus:
            return first
        if layer == focus - 1:
            return neighbour
        if layer == focus + 1:
            return third if focus - 1 in present else neighbour
        return third

    def quantity_of_glyph(
        self, glyph: str, sup: str | None, subs: tuple[str, ...], depth: int
    ) -> Quantity | None:
        """Which quantity ``glyph`` with superscript ``sup`` and subscripts ``subs``
        names in this notation, or None.  Layers come from the label (labels style)
        or from the node letters (letters style)."""
        kind = None
        for k in (Kind.PREACT, Kind.DELTA, Kind.TARGET, Kind.LOSS, Kind.LR, Kind.ERROR):
            if glyph == self.glyph(k):
                kind = k
        if glyph in self.outputs or glyph == self.input:
            kind = Kind.OUTPUT
        if glyph in self.weights or glyph == self.glyph(Kind.WEIGHT):
            kind = Kind.WEIGHT
        if glyph == "b":
            kind = Kind.BIAS
        for kind_, names in ((Kind.PREACT, self.nets), (Kind.DELTA, self.deltas)):
            if glyph in names:  # a name per layer (CS231n's scores, dscores)
                return Quantity(kind_, names.index(glyph) + 1)
        if glyph in self.biases:
            return Quantity(Kind.BIAS, self.biases.index(glyph) + 1)
        if kind is None:
            return None
        if kind in (Kind.TARGET, Kind.LOSS, Kind.LR):
            return Quantity(kind)
        layer: int | str | None = None
        if self.layers == "labels" and sup is not None:
            if sup == self.last_label:
                layer = depth
            elif sup.isdigit():
                layer = int(sup) - self.first_layer
            else:
                layer = sup
        elif self.layers == "letters":
            if kind == Kind.OUTPUT and self.outputs.count(glyph) == 1:
                layer = self.outputs.index(glyph)
            elif kind == Kind.WEIGHT and self.weights.count(glyph) == 1:
                layer = self.weights.index(glyph) + 1
            elif subs:
                letters = [s for s in subs if s in self.letters]
                if letters:
                    receiver = (
                        letters[0]
                        if self.conventions.weight_order == "receiver_first"
                        else letters[-1]
                    )
                    layer = self.letters.index(receiver if kind == Kind.WEIGHT else letters[0])
        if kind == Kind.WEIGHT and "0" in subs and self.conventions.bias == "w0":
            return Quantity(Kind.BIAS, layer)  # w_{j0}: the bias on x_0 = 1
        if kind == Kind.OUTPUT and glyph == self.input and self.input:
            return Quantity(Kind.INPUT, 0)
        if kind == Kind.OUTPUT and layer == 0:
            return Quantity(Kind.INPUT, 0)
        return Quantity(kind, layer)


DEEP_LETTERS = ("i", "j", "k", "l", "m", "n", "p", "q", "r", "s", "u", "a", "b", "c", "g")


def for_depth(notation: Notation, depth: int) -> Notation:
    """The preset for a network of ``depth`` weight layers.

    The notes' names (v, w; O_i, O_j, O_k) cover two weight layers; deeper
    networks get ``W^{(l)}`` and one index letter per layer, and past the
    letters, layer labels with node letters relative to the layer.
    """
    if notation.layers in ("labels", "numbered"):
        acts = notation.activation
        if len(acts) != depth:
            acts = (acts[0],) * (depth - 1) + (acts[-1],)
        return replace(notation, activation=acts)
    if depth == len(notation.weights):
        return notation
    out = notation.outputs[0]
    if depth + 1 > len(DEEP_LETTERS):  # past the letters: layer labels
        return replace(
            notation,
            layers="labels",
            label="^{(%s)}",
            letters=(),
            dummy="n'",
            outputs=(out,),
            vectors=(notation.vectors[0],) if notation.vectors else (),
            weights=("W",),
            matrix_weights=(),
            nets=(),
            deltas=(),
            biases=(),
            grad_prefix="",
            activation=(notation.activation[0],) * depth,
            scalar_output=False,
        )
    first, hidden, last = (
        notation.outputs[0],
        notation.outputs[min(1, len(notation.outputs) - 1)],
        notation.outputs[-1],
    )
    return replace(
        notation,
        letters=DEEP_LETTERS[: depth + 1],
        dummy="n'",
        outputs=(first,) + (hidden,) * (depth - 1) + (last,),
        nets=(),
        deltas=(),
        biases=(),
        grad_prefix="",
        vectors=(notation.vectors[0],) * (depth + 1) if notation.vectors else (),
        weights=tuple(f"W^{{({n})}}" for n in range(1, depth + 1)),
        matrix_weights=(),
        activation=(notation.activation[0],) * depth,
        scalar_output=notation.scalar_output,  # note 003's one output stays y, net, d
        vector_subscripts=True,  # δ_l and δ_m: one name for the vectors of every layer
    )


def network_for(notation: Notation, **options):
    """A network with the notation's defaults (loss, activations, one output
    node for note 003) where ``options`` leave them out (None counts as left out)."""
    from ..network import build

    options = {k: v for k, v in options.items() if v is not None}
    hidden_given = "activation" in options
    options.setdefault("activation", notation.activation_default)
    output = notation.output_activation_default
    # one hidden activation keeps an output layer the text chooses apart from its hidden
    # units (output_activation_fixed); a list names every layer's
    one_hidden = hidden_given and "," not in str(options["activation"])
    if output and (not hidden_given or (one_hidden and notation.output_activation_fixed)):
        options.setdefault("output_activation", output)
    options.setdefault("loss", notation.loss)
    options.setdefault("scalar_output", notation.scalar_output)
    options.setdefault("weight_decay", bool(notation.conventions.weight_decay))
    options.setdefault("batch_mean", notation.conventions.batch_mean)
    if notation.bias_default:
        options.setdefault("bias", True)
    if notation.widths_default:
        options.setdefault("widths", notation.widths_default)
    network = build(**options)
    if notation.layers == "numbered" and network.depth + 1 > len(notation.letters):
        from ..errors import InputError

        raise InputError(
            f"notation {notation.name} names the nodes of {len(notation.letters) - 2} hidden "
            f"layer ({', '.join(notation.letters)}), not {network.depth - 1}; give --layers "
            f"{len(notation.letters)} widths or choose another notation"
        )
    return network


def update_scale(notation: Notation, loss):
    """What Δw means: ``Δw = -η · scale · ∂E/∂w``.  1 in the notes; the book
    (``rashid``) absorbs the power rule's constant c = ∂²ℓ/∂o² into α
    (c = 2 for Σ(t - o)^2), so its Δw is -α (∂E/∂w) / c."""
    import sympy as sp

    from ..functions import o

    if notation.conventions.update != "absorb_constant":
        return sp.Integer(1)
    c = sp.diff(loss.term, o, 2)
    return 1 / c if c.is_number and c != 0 else sp.Integer(1)

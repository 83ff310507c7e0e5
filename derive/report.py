"""What a derivation shows, in order: headings, prose and equations as data.

``build(derivation, notation, steps=...)`` picks and orders the equations a
notation's notes show (its ``show`` list), adds the matrix forms and, for the
book's notation, the book's own formulation; every output format (LaTeX,
Markdown, HTML) prints the same :class:`Report`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from . import symbols as S
from .derivation import Derivation
from .display import Decayed, Equation, Step
from .functions import ACTIVATIONS
from .matrix import Hadamard, MatVec, NotVectorizable, Outer, Vec, of_factors, outer
from .notation import Notation, for_depth
from .text import say


@dataclass(frozen=True)
class Heading:
    key: str
    names: tuple[tuple[str, str], ...] = ()
    """The values of the heading's placeholders (``{n}``: which hidden layer)."""

    def text(self, lang: str) -> str:
        return say(self.key, lang, dict(self.names) or None)


@dataclass(frozen=True)
class Prose:
    key: str


@dataclass(frozen=True)
class Report:
    notation: Notation
    derivation: Derivation
    blocks: tuple
    lang: str = "en"
    """The language of headings and captions when the report displays itself."""

    def _repr_latex_(self) -> str:
        """Jupyter: the equations as one LaTeX display."""
        from .printing.report_latex import notebook_latex

        return notebook_latex(self)

    def _repr_html_(self) -> str:
        """Jupyter: headings, captions and MathML."""
        from .printing.html import fragment

        return fragment(self, self.lang)


def matrix_equations(d: Derivation) -> tuple[Equation, ...]:
    """Δw = η O_j δ_kᵀ, δ_j = f'(net_j) ∘ (w δ_k), ... for every layer."""
    out = []
    for layer in range(d.depth, 0, -1):
        q, p = S.index(layer), S.index(layer - 1)
        if layer < d.depth:
            delta = d.delta(layer).shown
            try:
                out.append(
                    Equation(
                        f"matrix_delta{layer}", Vec(S.delta(layer)[q], q), (of_factors(delta, q),)
                    )
                )
            except NotVectorizable:
                pass
        step = d.update(S.W(layer))
        update = step.shown
        if d.network.scalar_output and layer == d.depth and not isinstance(update, Decayed):
            # one output node: its weights are a vector (note 003's Δw_l = α δ h_l, not h_l 1ᵀ)
            out.append(Equation(f"matrix_update_W{layer}", Vec(step.lhs, p), (Vec(update, p),)))
            continue
        if isinstance(update, Decayed):  # Δw = η O δᵀ - η λ w
            mat = replace(outer(update.data, p, q), decay=-S.eta * S.lam, weight=S.W(layer))
        else:
            mat = outer(update, p, q)
        out.append(Equation(f"matrix_update_W{layer}", S.Delta("W", layer), (mat,)))
    return tuple(out)


@dataclass(frozen=True)
class Batch:
    """An equation (or a step's matrix form) printed for a batch: rows are samples
    (Δ for δ, Oᵀ Δ for O δᵀ)."""

    equation: Equation | Step


def recurrence_equations(d: Derivation) -> tuple:
    """The layer recurrence, for one sample and for a batch, with a general layer l.

    It is shown only after checking that every hidden layer's derived δ has
    exactly this shape: ``f'(net^l) ∘ (W^{l+1} δ^{l+1})``.
    """
    out = []
    for layer in range(1, d.depth):
        q = S.index(layer)
        form = of_factors(d.delta(layer).chain, q)
        expected = Hadamard(
            (
                Vec(S.fprime(layer, S.net(layer)[q]), q),
                MatVec(
                    S.W(layer + 1),
                    Vec(S.delta(layer + 1)[S.index(layer + 1)], S.index(layer + 1)),
                    False,
                ),
            )
        )
        if form != expected:
            return ()
    p, q, m = S.index(0), S.index(1), S.index(2)  # placeholders: printed without indices
    l, nxt, prev = "l", "l+1", "l-1"
    delta = Equation(
        "recurrence",
        Vec(S.delta(l)[q], q),
        (
            Hadamard(
                (Vec(S.fprime(l, S.net(l)[q]), q), MatVec(S.W(nxt), Vec(S.delta(nxt)[m], m), False))
            ),
        ),
    )
    decay = {"decay": S.lam, "weight": S.W(l)} if d.network.weight_decay else {}
    grad = Equation(
        "grad_general",
        Partial(S.E, S.W(l)),
        (Outer(sp.Integer(-1), Vec(S.O(prev)[p], p), Vec(S.delta(l)[q], q), **decay),),
    )
    out = [delta, Batch(delta), grad, Batch(grad)]
    if d.network.bias:
        bias = Equation("grad_bias_general", Partial(S.E, S.b(l)), (Vec(-S.delta(l)[q], q),))
        out += [
            bias,
            Batch(Equation("grad_bias_batch", bias.lhs, (RowSum(Vec(-S.delta(l)[q], q)),))),
        ]
    return tuple(out)


@dataclass(frozen=True)
class Partial:
    """∂E/∂W^{(l)}: a derivative with respect to a whole layer's parameters."""

    of: sp.Expr
    wrt: sp.IndexedBase


@dataclass(frozen=True)
class RowSum:
    """The sum over the rows (samples) of a batch."""

    vec: Vec


def _sections(d: Derivation) -> dict[str, tuple[str, ...]]:
    L = d.depth
    keys = [e.key for e in d.equations]
    forward = [k for k in keys if k.startswith(("net", "O", "forward")) or k == "E"]
    per_layer = []
    for layer in range(L, 0, -1):
        per_layer.append(
            [
                k
                for k in keys
                if k == f"delta{layer}"
                or k.endswith((f"W{layer}", f"b{layer}"))
                or k == f"update_W{layer}_expanded"
            ]
        )
    return {"forward": tuple(forward), "layers": tuple(map(tuple, per_layer))}


def _names_used(glyphs: tuple[str, ...], acts: tuple) -> tuple[str, ...]:
    """The notation's glyph per layer, unless one names a function of the table
    (CS231n's ``\\mathrm{ReLU}``) over a layer that uses another: then the notes'
    generic names, f for a hidden layer and g for the output (f^{(l)} where the
    layers' names would not tell them apart)."""
    names = []
    for layer, act in enumerate(acts):
        glyph = glyphs[min(layer, len(glyphs) - 1)]
        named = glyph.removeprefix(r"\mathrm{").removesuffix("}").lower()
        if glyph.startswith(r"\mathrm{") and named in ACTIVATIONS and named != act.name:
            glyph = "g" if layer == len(acts) - 1 else "f"
        names.append(glyph)
    if tuple(names) == glyphs[: len(names)] or len(set(names)) == len(acts):
        return tuple(names)
    return ("f",) * len(acts)


def _activation_names(notation: Notation, d: Derivation) -> Notation:
    """One name for one activation everywhere (the notes' f); distinct names
    when layers differ (f and g for two layers, f^{(l)} for more; where the
    notation labels its layers, the label: Nielsen's σ^{(L)}(z^L))."""
    acts = d.network.activations
    names = _names_used(notation.activation, acts)
    if names != notation.activation[: len(names)]:  # CS231n's ReLU over a tanh layer
        notation = replace(notation, activation=names)
    if len({a.name for a in acts}) == 1 or len(set(notation.activation)) == len(acts):
        return notation  # one activation, or the notation names each layer's own
    base = notation.activation[0]
    if notation.layers == "labels":  # the layer's own label: σ^{(2)}(z^2), σ^{(L)}(z^L)
        labels = [notation.layer_label(n, d.depth) for n in range(1, d.depth + 1)]
        names = tuple(f"{base}^{{({label})}}" for label in labels)
    elif d.depth == 2:
        names = (base, "g" if base == "f" else base + "_{2}")
    else:
        names = tuple(f"{base}^{{({n})}}" for n in range(1, d.depth + 1))
    return replace(notation, activation=names)


def _layer_heading(n: int, depth: int) -> Heading:
    """The heading of the n-th layer's block back from the output; deep networks number
    their hidden layers (the same words over each read as one layer twice)."""
    if n == 0:
        return Heading("output_layer")
    if depth == 2:
        return Heading("hidden_layer")
    return Heading("hidden_layer_back", (("n", str(n)),))


def build(d: Derivation, notation: Notation, steps: bool = False, lang: str = "en") -> Report:
    notation = _activation_names(for_depth(notation, d.depth), d)
    blocks: list = []
    equations = {e.key: e for e in d.equations}
    show = set(notation.show) if d.depth == 2 and notation.show else None
    if show and "matrix_book" in show:
        from .book import equations as book_equations

        if d.network.weight_decay:
            from .errors import UsageError

            raise UsageError(
                f"notation {notation.name} prints the book's own rules, which have no "
                "weight decay: give --weight-decay off, or another notation"
            )
        book = {e.key: e for e in book_equations(d)}
    else:
        book = {}

    def add(keys):
        for key in keys:
            if show is None and key.startswith("forward"):
                continue  # net and O already say it
            if show is None or key in show:
                eq = book.get(key) or equations[key]
                if key in (f"O{d.depth}", f"forward{d.depth}") and d.network.activations[-1].vector:
                    eq = replace(eq, scope="output")  # the softmax: output units only
                if notation.last_form_only and eq.kind == "result":
                    eq = eq.last_form_only()
                blocks.append(eq)
                if f"{key}_dropped" in book:
                    blocks.append(book[f"{key}_dropped"])

    sections = _sections(d)
    blocks.extend(_activation_blocks(d, notation))
    blocks.append(Heading("forward"))
    add(sections["forward"])
    for n, keys in enumerate(sections["layers"]):
        if show is None or show & set(keys):
            blocks.append(_layer_heading(n, d.depth))
        add(keys)
    if show is None or "matrix" in show:
        matrices = matrix_equations(d)
        rows = notation.conventions.layout == "row"
        blocks.append(Heading("matrix_rows" if rows else "matrix"))
        if rows:  # the text's vectors are rows, a batch one sample per row
            matrices = tuple(Batch(eq) for eq in matrices)
        blocks.extend(matrices)
    if d.depth > 2:
        blocks.append(Heading("recurrence"))
        blocks.extend(recurrence_equations(d))
    if book:
        blocks.append(Heading("book"))
        for key in (
            "matrix_book",
            "book_hidden_error",
            "book_hidden",
            "book_hidden_e",
            "grad_W1_exact",
        ):
            blocks.append(book[key])
    if steps:
        from .notation import update_scale
        from .steps import hidden_steps, output_steps

        scale = update_scale(notation, d.network.loss)
        rows = notation.conventions.layout == "row"

        def laid_out(step):  # a matrix form in the text's layout: a batch, rows are samples
            return Batch(step) if rows and step.rule == "matrix_form" else step

        blocks.append(Heading("steps_output"))
        blocks.extend(map(laid_out, output_steps(d, scale)))
        if d.depth >= 2:
            blocks.append(Heading("steps_hidden"))
            blocks.extend(map(laid_out, hidden_steps(d, scale)))
    from .notation.translate import translate

    blocks = [translate(b, notation) for b in blocks]
    if notation.layers == "numbered":  # a worked example's names: node 1 of each layer
        from .notation.numbered import check_budget, instantiate

        widths = d.network.widths
        check_budget(widths)
        blocks = [one for b in blocks for one in instantiate(b, widths)]
    # a section with nothing to show (deep doc003's recurrence: its one output's δ is
    # no vector) prints no heading
    blocks = [b for n, b in enumerate(blocks) if not _empty_heading(blocks, n)]
    return Report(notation, d, tuple(blocks), lang)


def _activation_blocks(d: Derivation, notation: Notation) -> list:
    """The header: every activation's f(x), f'(x) and output form (see
    :mod:`derive.activation_facts`), in a variable the notation leaves free."""
    from .activation_facts import equations, variable

    taken = frozenset(g.replace(r"\mathrm{", "").strip("{}") for g in notation.glyphs())
    eqs = equations(d, variable(taken | {notation.input, notation.outputs[0]}))
    return [Heading("activations"), *eqs] if eqs else []


def _empty_heading(blocks: list, n: int) -> bool:
    return isinstance(blocks[n], Heading) and (
        n + 1 == len(blocks) or isinstance(blocks[n + 1], Heading)
    )

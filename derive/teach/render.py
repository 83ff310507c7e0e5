"""A :class:`~derive.teach.worked.Worked` example printed: LaTeX, Markdown, HTML, JSON.

Every line is printed twice by the notation's own LaTeX printer: once with the
nodes numbered (``net_{j_{1}}`` is ``net`` at node 1 of the layer the
notation indexes with j), once with every quantity replaced by its number.
Nodes are numbered from 1 in print; the JSON's arrays are indexed from 0.
"""

from __future__ import annotations

import html
import json

import numpy as np
import sympy as sp

from .. import symbols as S
from ..display import Factors
from ..printing.latex import NotationLatexPrinter
from .worked import NewValue, Numbered, Worked

LANGS = ("en", "zh")
FORMATS = ("latex", "markdown", "html", "json")

TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "A worked example with numbers", "zh": "带数字的算例"},
    "forward": {"en": "Forward pass, {layer}", "zh": "正向计算：{layer}"},
    "error": {"en": "The error", "zh": "误差"},
    "delta": {"en": "Error terms of {layer}", "zh": "{layer}的误差项"},
    "gradient": {
        "en": "Gradients and updates of the weights into {layer}",
        "zh": "进入{layer}的权重的梯度与更新",
    },
    "new": {"en": "New weights into {layer}", "zh": "进入{layer}的新权重"},
    # a layer by the notation's own name for it: its label where layers are
    # labelled (Nielsen's input is layer 1), else its role
    "layer_label": {"en": "layer {label}", "zh": "第 {label} 层"},
    "layer_output": {"en": "the output layer", "zh": "输出层"},
    "layer_hidden": {"en": "the hidden layer", "zh": "隐藏层"},
    "layer_hidden_n": {"en": "hidden layer {n}", "zh": "第 {n} 隐藏层"},
    "network": {
        "en": "Network {widths} ({acts}), loss {loss}, learning rate {lr} = {eta}; "
        "notation {notation}; nodes are numbered from 1.",
        "zh": "网络 {widths}（{acts}），损失函数 {loss}，学习率 {lr} = {eta}；"
        "记号 {notation}；结点从 1 开始编号。",
    },
    "orientation": {
        "en": "{w} is the weight from the node with output {p} (the sending node; a row of W "
        "in the numbers file) to the node with output {q} (the receiving node; a column).",
        "zh": "{w} 是从输出为 {p} 的结点（发送结点，数字文件中 W 的行）"
        "到输出为 {q} 的结点（接收结点，列）的权重。",
    },
    "chain": {
        "en": "The chain rule for one weight: the nodes and edges its gradient multiplies "
        "through (highlighted)",
        "zh": "一个权重的链式法则：其梯度所经过的结点与边（高亮）",
    },
    "biases_fixed": {
        "en": "The biases are not updated.",
        "zh": "偏置不更新。",
    },
}


def say(key: str, lang: str, **values) -> str:
    return TEXT[key][lang].format(**values)


def layer_role(layer: int, depth: int, lang: str) -> str:
    """A layer of nodes (1 = the first hidden one, ``depth`` the output) by its
    role, in words every notation agrees with."""
    if layer == depth:
        return say("layer_output", lang)
    if depth == 2:
        return say("layer_hidden", lang)
    return say("layer_hidden_n", lang, n=layer)


def fmt(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, positional (0.000438568, not 4.39e-04)."""
    if value == 0:
        return "0"
    text = np.format_float_positional(
        value, precision=digits, unique=False, fractional=False, trim="-"
    )
    return text.rstrip(".")


# -- printers -------------------------------------------------------------------------


class Node(sp.Symbol):
    """Node ``number`` (0-based) of ``layer`` as an index: printed ``j_{1}`` (letters
    style) or ``1`` (where a layer label names the layer, as Nielsen's ``w^{l}_{12}``)."""

    def __new__(cls, layer: int, number: int):
        obj = super().__new__(cls, f"node:{layer}:{number}", integer=True, nonnegative=True)
        obj.layer, obj.number = layer, number
        return obj

    def __getnewargs__(self):
        return (self.layer, self.number)


def node_index(notation, layer: int, number: int):
    """The index of a concrete node: a :class:`Node`, or the plain number where the
    notation numbers nodes itself (``out_{h1}``, ``w_{5}``: layers = "numbered")."""
    if getattr(notation, "layers", "") == "numbered":
        return sp.Integer(number)
    return Node(layer, number)


def _node_layers(base) -> tuple[int, ...]:
    """The layer of each index of an indexed quantity (weights: sender, receiver)."""
    from ..model import quantities as Q

    q = Q.quantity_of(base)
    if q is None:
        return ()
    if q.kind in (Q.Kind.WEIGHT, Q.Kind.UPDATE_WEIGHT):
        return (q.layer - 1, q.layer)
    return (q.layer,)


def numbered(expr, depth: int):
    """``expr`` with every concrete index replaced by the :class:`Node` it names."""

    def swap(e: sp.Indexed):
        layers = _node_layers(e.base) or (depth,) * len(e.indices)
        if str(e.base) == "d":
            layers = (depth,)
        idx = [
            Node(layer, int(i)) if i.is_Integer else i
            for layer, i in zip(layers, e.indices, strict=True)
        ]
        return e.base[tuple(idx)]

    if isinstance(expr, Factors):
        from ..display import Factor

        return Factors(
            tuple(Factor(numbered(f.expr, depth), f.role) for f in expr.factors), expr.sign
        )
    if isinstance(expr, NewValue):
        return NewValue(numbered(expr.old, depth), numbered(expr.change, depth))
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.replace(
        lambda e: isinstance(e, sp.Indexed) and any(i.is_Integer for i in e.indices), swap
    )


class NodePrinter(NotationLatexPrinter):
    """The notation's printer, with concrete nodes (:class:`Node`) numbered from 1;
    with ``values``, every quantity at a concrete node printed as its number."""

    _default_settings = {**NotationLatexPrinter._default_settings, "values": None, "digits": 6}

    def _print_Node(self, node: Node) -> str:
        if self.notation.layers == "labels":
            return str(node.number + 1)
        return f"{self._layer_letter(node.layer)}_{{{node.number + 1}}}"

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        values = self._settings["values"]
        concrete = all(isinstance(i, Node) or i.is_Integer for i in expr.indices)
        if values is None or not concrete or not expr.indices:
            return super()._print_Indexed(expr)
        where = tuple(i.number if isinstance(i, Node) else int(i) for i in expr.indices)
        return self._number(values[str(expr.base)][where])

    def _number(self, value: float) -> str:
        text = fmt(float(value), self._settings["digits"])
        return rf"\left({text}\right)" if text.startswith("-") else text

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        if self._settings["values"] is not None and expr == S.eta:
            return self._number(self._settings["values"]["eta"])
        return super()._print_Symbol(expr, style=style)

    def _print_Mul(self, expr: sp.Mul) -> str:
        if self._settings["values"] is None:
            return super()._print_Mul(expr)
        coeff, rest = expr.as_coeff_Mul()
        parts = [self._paren(f) for f in sorted(sp.Mul.make_args(rest), key=self._rank)]
        if coeff not in (1, -1):
            parts.insert(0, self._print(abs(coeff)))
        body = r" \cdot ".join(parts)
        return ("-" if coeff < 0 else "") + body

    def _rank(self, factor: sp.Expr):
        """The order the notation's printer writes a product in, so that the
        numbers stand where their symbols stood."""
        from ..printing import latex as base

        rank = getattr(
            base, "_factor_rank" if self.notation.weights_first else "_inputs_first_rank", None
        )
        return rank(factor) if rank is not None else 0

    def _print_NewValue(self, node: NewValue) -> str:
        return f"{self._print(node.old)} + {self._print(node.change)}"

    def _print_Factors(self, form: Factors) -> str:
        if self._settings["values"] is None:
            return super()._print_Factors(form)
        order = self.notation.order
        parts = []
        for factor in form.ordered(order).factors:
            text = self._print(factor.expr)
            if isinstance(factor.expr, sp.Add) and len(form.factors) > 1:
                text = rf"\left({text}\right)"
            parts.append(text)
        body = r" \cdot ".join(parts) if parts else "1"
        return ("-" if form.sign < 0 else "") + body


def _tidy_signs(form):
    """``-a (-δ w - δ w)`` -> ``a (δ w + δ w)``: a sum written out term by term whose
    every term is negative gives its minus to the product's sign."""
    if not isinstance(form, Factors):
        return form
    from ..display import Factor

    sign, out = form.sign, []
    for f in form.factors:
        e = f.expr
        if isinstance(e, sp.Add) and all(t.could_extract_minus_sign() for t in e.args):
            sign, e = -sign, sp.Add(*(-t for t in e.args))
        out.append(Factor(e, f.role))
    return Factors(tuple(out), sign)


def _values(worked: Worked) -> dict:
    """Internal base name -> array, and ``eta``: what the numbers printer looks up."""
    return {**worked.arrays, "eta": worked.numbers.eta}


class Printed:
    """LaTeX strings of a worked example's lines, in a notation."""

    def __init__(self, worked: Worked, notation, digits: int) -> None:
        from ..notation import for_depth

        self.worked = worked
        self.notation = for_depth(notation, worked.depth)
        self.digits = digits
        settings = {
            "notation": self.notation,
            "digits": digits,
            "depth": worked.depth,
            "widths": worked.numbers.widths,
        }
        self.plain = getattr(self.notation, "layers", "") == "numbered"
        self.symbols = NodePrinter(settings)
        conventions = getattr(self.notation, "conventions", None)
        self.flip = getattr(conventions, "delta_sign", -1) != -1
        """The notation's δ is +∂E/∂net (or it writes ∇): the derivation's δ negated."""
        values = _values(worked)
        if self.flip:
            values = {k: -v if k.startswith("delta") else v for k, v in values.items()}
        self.numbers = NodePrinter({**settings, "values": values})

    def nodes(self, obj):
        """``obj`` with its concrete indices as the notation prints them."""
        return obj if self.plain else numbered(obj, self.worked.depth)

    def form(self, form) -> str:
        if isinstance(form, Numbered):
            return self.numbers.doprint(self.nodes(form.form))
        return self.symbols.doprint(self.nodes(form))

    def translated(self, line) -> tuple[object, tuple, float]:
        """The line in the notation's meaning (its sign of δ): left side, forms, value."""
        value = -line.value if self.flip and line.key.startswith("delta") else line.value
        if not self.flip:
            return line.lhs, line.forms, value
        from ..display import Equation
        from ..notation.translate import translate

        plain = tuple(f.form if isinstance(f, Numbered) else f for f in line.forms)
        if any(isinstance(f, NewValue) for f in plain):
            return line.lhs, line.forms, value
        eq = translate(Equation(line.key, line.lhs, plain), self.notation)
        forms = tuple(
            Numbered(_tidy_signs(new)) if isinstance(old, Numbered) else _tidy_signs(new)
            for old, new in zip(line.forms, eq.rhs, strict=True)
        )
        return eq.lhs, forms, value

    def parts(self, line) -> tuple[str, str, str]:
        """(left side, relation, right sides joined by =)."""
        lhs, forms, value = self.translated(line)
        parts = [self.form(f) for f in forms]
        parts.append(fmt(value, self.digits))
        return self.symbols.doprint(self.nodes(lhs)), line.rel, " = ".join(parts)

    def split(self, line) -> tuple[str, str, str, str]:
        """(left side, relation, symbolic forms, numbers = value), for two-row layouts."""
        lhs, forms, value = self.translated(line)
        symbolic = " = ".join(self.form(f) for f in forms if not isinstance(f, Numbered))
        numbers = [self.form(f) for f in forms if isinstance(f, Numbered)]
        left = self.symbols.doprint(self.nodes(lhs))
        return left, line.rel, symbolic, " = ".join([*numbers, fmt(value, self.digits)])

    def line(self, line) -> str:
        return " ".join(self.parts(line))

    def heading(self, section, lang: str) -> str:
        return say(section.key, lang, layer=self.layer_name(section.layer, lang))

    def layer_name(self, layer: int, lang: str) -> str:
        """A layer of nodes (1 = the first hidden one) as the notation names it:
        by its label (``layer 2``, ``layer L`` for Nielsen, whose input is layer 1),
        else by its role, so that a heading never numbers layers another way than
        the formulas under it."""
        depth = self.worked.depth
        label = self.notation.layer_label(layer, depth)
        if label is not None:
            return say("layer_label", lang, label=label)
        return layer_role(layer, depth, lang)

    def preamble(self, lang: str) -> list[tuple[str, str]]:
        """Sentences with inline math: (text, kind) pairs, kind 'text' or 'math'."""
        w = self.worked
        net = w.network
        acts = "/".join(dict.fromkeys(a.name for a in net.activations))
        widths = "-".join(str(n) for n in w.numbers.widths)
        intro = say(
            "network",
            lang,
            widths=widths,
            acts=acts,
            loss=net.loss.name,
            lr="\x00lr\x00",
            eta=fmt(w.numbers.eta, self.digits),
            notation=self.notation.name,
        )
        out = [*_split(intro, {"lr": self.symbols.doprint(S.eta)})]
        L = w.depth
        p = node_index(self.notation, L - 1, 0)
        q = node_index(self.notation, L, 1 if w.numbers.widths[L] > 1 else 0)
        orient = say(
            "orientation",
            lang,
            w="\x00w\x00",
            p="\x00p\x00",
            q="\x00q\x00",
        )
        math = {
            "w": self.symbols.doprint(S.W(L)[p, q]),
            "p": self.symbols.doprint(S.O(L - 1)[p]),
            "q": self.symbols.doprint(S.O(L)[q]),
        }
        out += [("text", " ")] + _split(orient, math)
        if w.numbers.b is not None and not w.numbers.update_biases:
            out += [("text", " " + say("biases_fixed", lang))]
        return out


def _split(text: str, math: dict) -> list[tuple[str, str]]:
    """``"a \\x00lr\\x00 b"`` -> [('text', 'a '), ('math', ...), ('text', ' b')]."""
    out = []
    for n, part in enumerate(text.split("\x00")):
        if n % 2:
            out.append(("math", math[part]))
        elif part:
            out.append(("text", part))
    return out


# -- formats ---------------------------------------------------------------------------


def latex(worked: Worked, notation, lang: str = "en", digits: int = 6) -> str:
    """The example's paragraphs and ``align*`` blocks, for a LaTeX document."""
    return _latex_body(Printed(worked, notation, digits), lang, comment=True)


def _latex_body(pr: Printed, lang: str, comment: bool = False) -> str:
    head = f"% {say('title', lang)}: python -m derive example --format latex"
    out = [head, ""] if comment else []
    out.append("".join(_tex_text(t) if k == "text" else f"${t}$" for k, t in pr.preamble(lang)))
    for section in pr.worked.sections:
        out += ["", f"\\paragraph{{{_tex_text(pr.heading(section, lang))}}}", r"\begin{align*}"]
        rows = []
        for ln in section.lines:
            lhs, rel, first, rest = pr.split(ln)
            rows.append(f"{lhs} &{rel} {first} \\\\\n  &= {rest}")
        out.append(" \\\\\n".join(rows))
        out.append(r"\end{align*}")
    return "\n".join(out) + "\n"


def _tex_text(text: str) -> str:
    from ..printing.report_latex import code_words

    return code_words(text, _tex_plain)  # sum_sq in typewriter, with a real underscore


def _tex_plain(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&")):
        text = text.replace(a, b)
    text = text.replace("#", r"\#")
    return text


def document(worked: Worked, notation, lang: str = "en", digits: int = 6) -> str:
    """A complete document: pdflatex, or xelatex with ctex for Chinese."""
    from ..templating import render_template

    pr = Printed(worked, notation, digits)
    picture = _tikz(worked, pr)
    body = (picture + "\n" if picture else "") + _latex_body(pr, lang)
    return render_template(
        "teach/example.tex.j2",
        lang=lang,
        title=_tex_text(say("title", lang)),
        body=body,
        picture=bool(picture),
    )


def _tikz(worked: Worked, pr: Printed) -> str:
    try:
        from .picture import tikz
    except ImportError:  # pragma: no cover - pictures land separately
        return ""
    return tikz(worked, pr)


def markdown(worked: Worked, notation, lang: str = "en", digits: int = 6) -> str:
    pr = Printed(worked, notation, digits)
    out = [f"# {say('title', lang)}", ""]
    out.append("".join(t if k == "text" else f"${t}$" for k, t in pr.preamble(lang)))
    for section in worked.sections:
        out += ["", f"## {pr.heading(section, lang)}", ""]
        for ln in section.lines:
            out += ["$$", pr.line(ln), "$$", ""]
        out.pop()
    return "\n".join(out) + "\n"


def html_page(
    worked: Worked, notation, lang: str = "en", digits: int = 6, fragment: bool = False
) -> str:
    """A self-contained page (MathML, SVG, no script); ``fragment``: its content only."""
    from ..templating import render_template

    pr = Printed(worked, notation, digits)
    convert = _converter()
    intro = "".join(
        html.escape(t) if k == "text" else convert(t, display="inline")
        for k, t in pr.preamble(lang)
    )
    sections = [
        {
            "heading": pr.heading(s, lang),
            "lines": [convert(pr.line(ln), display="block") for ln in s.lines],
        }
        for s in worked.sections
    ]
    return render_template(
        "teach/example.html.j2",
        lang="zh-CN" if lang == "zh" else "en",
        title=say("title", lang),
        intro=intro,
        sections=sections,
        picture=_picture(worked, pr),
        chain=_chain(worked, pr, convert),
        chain_title=say("chain", lang),
        fragment=fragment,
        e=html.escape,
    )


def _picture(worked: Worked, pr: Printed) -> str:
    try:
        from .picture import svg
    except ImportError:  # pragma: no cover - pictures land separately
        return ""
    return svg(worked, pr)


def _chain(worked: Worked, pr: Printed, convert) -> dict:
    from .picture import chain_svg

    picture, latex = chain_svg(worked, pr)
    return {"picture": picture, "math": convert(latex, display="block")}


def _converter():
    try:
        from latex2mathml.converter import convert
    except ImportError as err:  # pragma: no cover - the teach extra is missing
        from ..errors import missing_extra

        raise missing_extra(["latex2mathml"], "--format html") from err
    return convert


def as_json(worked: Worked, notation=None) -> str:
    return json.dumps(data(worked, notation), indent=2) + "\n"


def data(worked: Worked, notation=None) -> dict:
    """Every value of the example (full float64 precision, 0-based indices)."""
    n, a, L = worked.numbers, worked.arrays, worked.depth
    net = worked.network
    layers = range(1, L + 1)

    def per_layer(prefix: str) -> list:
        return [a[f"{prefix}{layer}"].tolist() for layer in layers]

    out = {
        "schema": "derive-example/1",
        "notation": getattr(notation, "name", None),
        "orientation": "W[l][p][q]: weight layer l+1, from node p of layer l (sending, row) "
        "to node q of layer l+1 (receiving, column)",
        "network": {
            "layers": list(n.widths),
            "activations": [act.name for act in net.activations],
            "loss": net.loss.name,
            "bias": n.b is not None,
            "update_biases": n.update_biases,
        },
        "eta": n.eta,
        "x": list(n.x),
        "d": list(n.d),
        "W": per_layer("W"),
        "b": per_layer("b") if n.b is not None else None,
        "net": per_layer("net"),
        "O": per_layer("O"),
        "E": worked.E,
        "delta": per_layer("delta"),
        "gradients": {"W": per_layer("gradW")},
        "updates": {"W": per_layer("DeltaW")},
        "new": {"W": per_layer("newW")},
    }
    if n.b is not None and n.update_biases:
        out["gradients"]["b"] = per_layer("gradb")
        out["updates"]["b"] = per_layer("Deltab")
        out["new"]["b"] = per_layer("newb")
    return out

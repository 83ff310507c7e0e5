"""A :class:`~derive.report.Report` as LaTeX: equations on stdout, or a document."""

from __future__ import annotations

import re

import sympy as sp

from .. import symbols as S
from ..display import Equation, Step
from ..model import quantities as Q
from ..report import Batch, Heading, Prose, Report
from ..text import placeholders, say
from .latex import focus_of, free_indices, layers_named, printer


def _printer(report: Report, item):
    notation = report.notation
    batch = isinstance(item, Batch)
    if batch:
        item = item.equation
    free = free_indices(item.lhs)
    depth = report.derivation.depth
    p = printer(
        notation,
        free=free,
        batch=batch,
        depth=depth,
        focus=focus_of(free),
        present=layers_named(item) if notation.layers == "labels" else frozenset(),
        widths=report.derivation.network.widths,
    )
    return p, item


def equation_latex(report: Report, item: Equation | Step, align: bool = False) -> str:
    """``lhs = rhs_1 = rhs_2`` in the report's notation (``lhs &= ...`` to align)."""
    p, item = _printer(report, item)
    rel = f" {getattr(item, 'rel', '=')} "
    first = (" &" + rel.lstrip()) if align else rel
    text = p.doprint(item.lhs) + first + rel.join(p.doprint(r) for r in item.rhs)
    return text + _scope(report, item, p)


def chain_rows(report: Report, item: Equation | Step) -> str:
    """``lhs &= a \\\\ &= b \\\\ &= c`` for ``align*``: a chain that on one line runs past
    the page (cs231n's update, 255 pt too wide) breaks before each relation, as the
    HTML page sets it in rows."""
    p, item = _printer(report, item)
    rel = getattr(item, "rel", "=")
    rows = [f"{p.doprint(item.lhs)} &{rel} {p.doprint(item.rhs[0])}"]
    rows += [f"&{rel} {p.doprint(r)}" for r in item.rhs[1:]]
    return " \\\\\n".join(rows) + _scope(report, item, p)


_UNITS = {"output": r"\text{outputs}", "hidden": r"\text{hidden}"}


def _scope(report: Report, item, p) -> str:
    """``, \\quad k \\in \\text{outputs}`` after a relation that holds for output (or
    hidden) units only, where the notation's unit letters name no layer (Rumelhart's
    "j may be an output or a hidden unit"); elsewhere the letter already says it."""
    scope = getattr(item, "scope", "")
    if not scope or not report.notation.conventions.generic_units:
        return ""
    units = [s for s in getattr(item.lhs, "atoms", set)(sp.Symbol) if Q.index_of(s) is not None]
    letters = sorted({p.doprint(i) for i in units})
    if not letters:
        return ""
    return rf", \quad {', '.join(letters)} \in {_UNITS[scope]}"


def caption(report: Report, item, lang: str, symbol=None) -> str | None:
    """The sentence above an equation; ``symbol`` writes each symbol it names from
    the symbol's LaTeX (plain text by default: ``O_j``)."""
    if isinstance(item, Batch) and isinstance(item.equation, Step):
        item = item.equation  # a step in the text's row layout: the step's own caption
    elif isinstance(item, Batch):
        return None if report.notation.conventions.layout == "row" else say("batch", lang)
    key = item.rule if isinstance(item, Step) else getattr(item, "note", "")
    if not key:
        return None
    names = _names(report, item, placeholders(key, lang))
    return say(key, lang, {k: (symbol or plain)(v) for k, v in names.items()})


def _names(report: Report, item, wanted: tuple[str, ...]) -> dict[str, str]:
    """The symbols a caption names, printed as the item's equation prints them."""
    if not wanted:
        return {}
    p, _ = _printer(report, item)
    L = report.derivation.depth
    k, j = S.index(L), S.index(L - 1)
    exprs = {
        "E": S.E,
        "O_j": S.O(L - 1)[j],
        "k": k,
        "d_k": S.d[k],
        "O_k": S.O(L)[k],
        "d_k - O_k": S.d[k] - S.O(L)[k],
        "e_j": S.e(L - 1)[j],
        "K": S.width(L),
        "N": S.batch,
    }
    if report.notation.layers == "numbered":  # a worked example names node 1
        exprs = {key: e if key == "k" else e.xreplace({j: 0, k: 0}) for key, e in exprs.items()}
    if "one_hot" in wanted:
        exprs["one_hot"] = _one_hot(report)
    if isinstance(item, Step):
        exprs |= _step_names(item)
    names = {key: p.doprint(expr) for key, expr in exprs.items() if key in wanted}
    if "E_k" in wanted:
        names["E_k"] = p._vector(S.e(L)[k])
    return names


def _one_hot(report: Report):
    """The output layer's δ where the targets sum to 1 (one-hot), in the notation's sign
    of δ: ``d_k - O_k`` (δ = -∂E/∂net), ``(1/N)(probs_k - y_k)`` in CS231n's."""
    value = report.derivation.delta(report.derivation.depth).value
    value = value.replace(
        lambda e: isinstance(e, sp.Sum) and getattr(e.function, "base", None) == S.d,
        lambda e: sp.Integer(1),
    )
    if report.notation.conventions.delta_sign == -1:
        return value
    factors = sp.Mul.make_args(value)
    if sum(isinstance(f, sp.Add) for f in factors) == 1:  # -(d - O)/N: (O - d)/N
        return sp.Mul(*[sp.expand(-f) if isinstance(f, sp.Add) else f for f in factors])
    return -value


def _step_names(step: Step) -> dict[str, sp.Expr]:
    """What a step that sums the chain rule names, read from the step itself: the
    quantity its left side differentiates by ({O_j}: O_j, or net_k under a softmax,
    which couples the outputs) and the dummy of the sum on its right ({k})."""
    names = {}
    wrt = [v for e in sp.Add.make_args(-step.lhs) for v in _variables(e)]
    if len(wrt) == 1:
        names["O_j"] = wrt[0]
    sums = [e for r in step.rhs if isinstance(r, sp.Basic) for e in r.find(sp.Sum)]
    if sums:
        names["k"] = sums[0].limits[0][0]
    return names


def _variables(expr: sp.Expr) -> list[sp.Expr]:
    return [v for d in expr.find(sp.Derivative) for v in d.variables]


_PLAIN = (
    (r"\mathrm", ""),
    (r"\left(", "("),
    (r"\right)", ")"),
    (r"\delta", "δ"),
    (r"\eta", "η"),
    (r"\alpha", "α"),
    (r"\sigma", "σ"),
    (r"\Phi", "Φ"),
    (r"\nabla", "∇"),
    (r"\text", ""),
    ("{", ""),
    ("}", ""),
)


def plain(latex: str) -> str:
    """A symbol's LaTeX as plain prose text (``O_{j}`` -> ``O_j``, ``\\delta`` -> ``δ``)."""
    latex = re.sub(r"\\frac\{(\w+)\}\{(\w+)\} ?", r"\1/\2 ", latex)  # 1/N (p - y)
    for a, b in _PLAIN:
        latex = latex.replace(a, b)
    return latex


def render(report: Report, lang: str = "en") -> str:
    """Plain LaTeX: a ``%`` comment for every heading and caption, one ``\\[ \\]`` per line."""
    lines = []
    for item in report.blocks:
        if isinstance(item, Heading):
            lines.append(f"% {item.text(lang)}")
        elif isinstance(item, Prose):
            lines.append(f"% {say(item.key, lang)}")
        else:
            text = caption(report, item, lang)
            if text:
                lines.append(f"% {text}")
            lines.append(rf"\[ {equation_latex(report, item)} \]")
    return "\n".join(lines) + "\n"


_CODE_WORD = re.compile(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+")


def code_words(text: str, escape) -> str:
    """``text`` for text mode, ``escape`` applied around names written with an
    underscore (``sum_sq``, ``leaky_relu``): those are code, set in typewriter with
    the font's own underscore (``{\\char95}``: OT1's ``\\_`` is a rule that reads
    as a space when the PDF is searched or copied)."""
    out, last = [], 0
    for m in _CODE_WORD.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(r"\texttt{" + m.group(0).replace("_", "{\\char95}") + "}")
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _tex_escape(text: str) -> str:
    """Our own prose for text mode (names with underscores as code, see
    :func:`code_words`)."""
    return code_words(text, _escape_plain)


def _escape_plain(text: str) -> str:
    """The Greek letters prose names go into math mode, since text fonts (Latin
    Modern) have no Greek glyphs."""
    for a, b in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("_", r"\_"),
        ("#", r"\#"),
        ("$", r"\$"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("δ", r"$\delta$"),
        ("η", r"$\eta$"),
        ("α", r"$\alpha$"),
        ("Σ", r"$\Sigma$"),
    ):
        text = text.replace(a, b)
    return text


def document(report: Report, lang: str = "en") -> str:
    """A complete document (pdflatex + amsmath; xelatex + ctex for Chinese)."""
    from ..templating import render_template

    body = []
    for item in report.blocks:
        if isinstance(item, Heading):
            body.append(("section", _tex_escape(item.text(lang))))
        elif isinstance(item, Prose):
            body.append(("text", _tex_escape(say(item.key, lang))))
        else:
            symbols: list[str] = []

            def math(latex: str, symbols=symbols) -> str:
                symbols.append(latex)
                return f"\x00{len(symbols) - 1}\x00"

            text = caption(report, item, lang, symbol=math)
            if text:
                text = _tex_escape(text[:1].upper() + text[1:]) + _STOP[lang]
                for n, latex in enumerate(symbols):  # symbols set as math, never escaped
                    text = text.replace(f"\x00{n}\x00", f"${latex}$")
                body.append(("text", text))
            inner = getattr(item, "equation", item)
            if len(inner.rhs) >= 2:  # a chain: one relation a row, as the notes break it
                body.append(("rows", chain_rows(report, item)))
            else:
                body.append(("math", equation_latex(report, item)))
    from ..teach.picture import report_tikz
    from .html import summary

    return render_template(
        "latex/document.tex.j2",
        lang=lang,
        picture=report_tikz(report),
        body=body,
        summary=_tex_escape(summary(report, lang)) + _STOP[lang],
        title=_tex_escape(say("title", lang)),
    )


_STOP = {"en": ".", "zh": "。"}
"""The full stop after a caption: a Chinese sentence ends with the ideographic one."""


def notebook_latex(report: Report, lang: str = "en") -> str:
    """One ``$$\\begin{aligned} ... \\end{aligned}$$`` block for Jupyter's LaTeX display."""
    rows = [
        equation_latex(report, item, align=True)
        for item in report.blocks
        if isinstance(item, (Equation, Step, Batch))
    ]
    return "$$\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}$$"

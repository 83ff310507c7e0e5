"""A :class:`~derive.report.Report` as one self-contained HTML page with MathML.

Each equation's LaTeX comes from :func:`~derive.printing.report_latex.equation_latex`
(the same string the LaTeX output prints) and is converted by latex2mathml into a
MathML element tree; browsers render MathML natively, so the page needs no
script, font or network.  A few adjustments work on that tree, never on the
LaTeX, and change layout only:

- ``\\mathrm{net}`` arrives as three upright one-letter identifiers; a run of
  them becomes one identifier ``<mi>net</mi>``, the way MathML writes a name;
- a sum inside ``\\left( \\right)`` keeps its limits below it, and a minus right after
  a relation or an opening parenthesis is a sign;
- a chain ``lhs = a = b = c`` becomes a table with one relation a row, left
  side right-aligned, as the notes break long derivations with ``\\\\``.

``render(report, lang)`` is the whole page (``python -m derive latex --format html``);
``fragment(report, lang)`` is the same content without ``<html>``, for Jupyter.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from ..display import Equation, Step
from ..report import Heading, Prose, Report
from ..text import say
from .report_latex import caption, equation_latex

RELATIONS = {"=": "=", r"\approx": "\u2248"}
"""``Equation.rel`` as LaTeX -> the character latex2mathml writes for it."""
PRIMES = ("\u2032", "\u2033", "\u2034")


def _converter():
    try:
        from latex2mathml.converter import convert_to_element
    except ImportError as err:  # pragma: no cover - the teach extra is missing
        from ..errors import missing_extra

        raise missing_extra(["latex2mathml"], "--format html") from err
    return convert_to_element


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _unescape(node: ET.Element) -> None:
    """latex2mathml stores characters as entity text (``&#x0003D;``); make them characters
    so that serializing escapes them once."""
    if node.text:
        node.text = html.unescape(node.text)
    for child in node:
        _unescape(child)


def _merge_upright_names(node: ET.Element) -> None:
    """``<mi mathvariant="normal">n</mi><mi ...>e</mi><mi ...>t</mi>`` -> ``<mi>net</mi>``."""
    for child in list(node):
        _merge_upright_names(child)
    if _local(node.tag) != "mrow":
        return
    runs: list[list[ET.Element]] = []
    last = None
    for child in list(node):
        upright = (
            _local(child.tag) == "mi"
            and child.get("mathvariant") == "normal"
            and len(child.text or "") == 1
            and not len(child)
        )
        if upright and last is not None and runs and runs[-1][-1] is last:
            runs[-1].append(child)
        elif upright:
            runs.append([child])
        last = child
    for run in runs:
        if len(run) < 2:
            continue
        first = run[0]
        first.text = "".join(mi.text for mi in run)
        del first.attrib["mathvariant"]  # a multi-letter <mi> is upright already
        for mi in run[1:]:
            node.remove(mi)


def _primes_on_baseline(node: ET.Element) -> None:
    """``<msup><mi>f</mi><mi>′</mi></msup>`` -> ``<mi>f</mi><mo>′</mo>``: the prime glyph
    is already raised, and as a superscript it lands tiny and too high (with a
    subscript too, ``\\Phi'_{j}``: the subscript goes on the primed name)."""
    for child in node:
        _primes_on_baseline(child)
        if (
            _local(child.tag) == "msup"
            and len(child) == 2
            and not len(child[1])
            and (child[1].text or "").strip() in PRIMES
        ):
            prime = child[1]
            child.tag = "mrow"
            child.attrib.clear()
            prime.tag = "mo"
            prime.attrib.update(lspace="0", rspace="0")
        elif (
            _local(child.tag) == "msubsup"
            and len(child) == 3
            and not len(child[2])
            and (child[2].text or "").strip() in PRIMES
        ):  # Φ'_j: <msub><mrow>Φ ′</mrow> j</msub>, the prime on the base, j below it
            base, _, prime = list(child)
            child.remove(prime)
            child.remove(base)
            primed = ET.Element("mrow")
            primed.extend([base, prime])
            prime.tag = "mo"
            prime.attrib.update(lspace="0", rspace="0")
            child.tag = "msub"
            child.insert(0, primed)


TALL = ("mfrac", "munder", "mover", "munderover", "mtable")


def _tight_fences(node: ET.Element) -> None:
    """No space inside ``\\left( \\right)``, and a fence around nothing tall keeps its
    normal size (Chromium pads a stretched parenthesis even around ``d_k - O_k``);
    around a fraction or a sum it still stretches, as TeX's ``\\left`` does."""
    for row in node.iter():
        fences = [c for c in row if _local(c.tag) == "mo" and c.get("fence") == "true"]
        for fence in fences:
            fence.set("lspace", "0")
            fence.set("rspace", "0")
        if fences and not any(_local(d.tag) in TALL for d in row.iter()):
            for fence in fences:
                fence.set("stretchy", "false")


LARGE_OPERATORS = ("\u2211", "\u220f")
"""∑ and ∏, whose limits go below them in display math."""


def _limits_below(node: ET.Element) -> None:
    """``<msub><mo>∑</mo>…`` -> ``<munder>``: latex2mathml sets a sum inside
    ``\\left( \\right)`` with its index at the side, where TeX's display style (and the
    same sum outside the parentheses) puts it below."""
    for child in node.iter():
        if (
            _local(child.tag) == "msub"
            and len(child) == 2
            and _local(child[0].tag) == "mo"
            and (child[0].text or "").strip() in LARGE_OPERATORS
        ):
            child.tag = "munder"


def _unary_signs(node: ET.Element) -> None:
    """A minus right after a relation or an opening parenthesis is a sign, as TeX sets it
    (``= -\\delta``, ``\\left(-\\sum``), not a binary operator with space on both sides."""
    previous = None
    for child in node:
        _unary_signs(child)
        if (
            _local(child.tag) == "mo"
            and child.text in ("\u2212", "+")
            and previous is not None
            and _local(previous.tag) == "mo"
            and (previous.get("fence") != "true" or previous.get("form") == "prefix")
        ):
            child.set("form", "prefix")
        previous = child


def _sub(parent: ET.Element, tag: str, **attrib: str) -> ET.Element:
    # plain tags, as latex2mathml makes them: the namespace is the <math> element's xmlns
    return ET.SubElement(parent, tag, attrib)


def _as_rows(math: ET.Element, relation: str, count: int) -> None:
    """Split ``lhs R a R b ...`` (``count`` top-level relations) into table rows."""
    (row,) = list(math) if len(math) == 1 and _local(math[0].tag) == "mrow" else (None,)
    if row is None:
        return
    parts: list[list[ET.Element]] = [[]]
    for child in list(row):
        if _local(child.tag) == "mo" and child.text == relation and not len(child):
            parts.append([])
        else:
            parts[-1].append(child)
    if len(parts) != count + 1 or any(not p for p in parts):
        return  # not the chain we expected: leave it on one line
    math.remove(row)
    table = _sub(
        math, "mtable", displaystyle="true", columnalign="right center left", columnspacing="0"
    )
    table.set("class", "chain")
    for n, part in enumerate(parts[1:]):
        tr = _sub(table, "mtr")
        left = _sub(tr, "mtd", columnalign="right")
        if n == 0:
            _sub(left, "mrow").extend(parts[0])
        mid = _sub(tr, "mtd", columnalign="center")
        _sub(mid, "mo").text = relation
        right = _sub(tr, "mtd", columnalign="left")
        _sub(right, "mrow").extend(part)


def _element(latex: str, display: str) -> ET.Element:
    """LaTeX as a ``<math>`` element, with the layout adjustments above."""
    math = _converter()(latex, display=display)
    _unescape(math)
    _merge_upright_names(math)
    _primes_on_baseline(math)
    if display == "block":
        _limits_below(math)
    _tight_fences(math)
    _unary_signs(math)
    return math


def mathml(report: Report, item: Equation | Step) -> str:
    """One equation as a ``<math display="block">`` element (serialized)."""
    math = _element(equation_latex(report, item), "block")
    inner = getattr(item, "equation", item)  # a Batch prints its equation
    rel = RELATIONS.get(getattr(inner, "rel", "="), None)
    if rel is not None and len(inner.rhs) >= 2:
        _as_rows(math, rel, len(inner.rhs))
    return ET.tostring(math, encoding="unicode", short_empty_elements=False)


def _items(report: Report, lang: str) -> list[dict]:
    """Sections, each a heading and its entries (caption + MathML), for the templates."""
    sections: list[dict] = [{"heading": None, "entries": [], "steps": False}]
    for block in report.blocks:
        if isinstance(block, Heading):
            sections.append(
                {
                    "heading": block.text(lang),
                    "entries": [],
                    "steps": block.key.startswith("steps_"),
                }
            )
        elif isinstance(block, Prose):
            sections[-1]["entries"].append({"prose": say(block.key, lang)})
        else:
            sections[-1]["entries"].append(
                {
                    "caption": caption_html(report, block, lang),
                    "kind": getattr(block, "kind", "step"),
                    "math": mathml(report, block),
                    "latex": equation_latex(report, block),
                }
            )
    return [s for s in sections if s["heading"] or s["entries"]]


def caption_html(report: Report, item, lang: str) -> str:
    """The caption as HTML: its words escaped, each symbol it names (``O_j``, ``net_k``)
    an inline ``<math>`` printed from the symbol's LaTeX, as the equation below sets it."""
    symbols: list[str] = []

    def mark(latex: str) -> str:
        symbols.append(latex)
        return f"\x00{len(symbols) - 1}\x00"

    text = caption(report, item, lang, symbol=mark)
    if not text:
        return ""
    text = html.escape(text[:1].upper() + text[1:], quote=False)
    for n, latex in enumerate(symbols):
        math = ET.tostring(
            _element(latex, "inline"), encoding="unicode", short_empty_elements=False
        )
        text = text.replace(f"\x00{n}\x00", math)
    return text


def summary(report: Report, lang: str) -> str:
    """``notation doc004, activation sigmoid, loss sse`` in the chosen language."""
    net = report.derivation.network
    acts = "/".join(dict.fromkeys(a.name for a in net.activations))
    sep = "，" if lang == "zh" else ", "
    colon = "：" if lang == "zh" else " "
    return sep.join(
        [
            f"{say('notation_is', lang)}{colon}{report.notation.name}",
            f"{say('activation_is', lang)}{colon}{acts}",
            f"{say('loss_is', lang)}{colon}{net.loss.name}",
        ]
    )


def _context(report: Report, lang: str) -> dict:
    from ..text import LANGS

    if lang not in LANGS:
        raise ValueError(f"unknown language '{lang}'; choose from {', '.join(LANGS)}")
    return {
        "lang": "zh-CN" if lang == "zh" else "en",
        "title": say("title", lang),
        "summary": summary(report, lang),
        "sections": _items(report, lang),
        "intro": say("intro", lang),
        "picture": _picture(report),
        "e": html.escape,
    }


def _picture(report: Report) -> str:
    """The network drawn in the notation's labels (SVG; :mod:`derive.teach.picture`)."""
    from ..teach.picture import report_svg

    return report_svg(report)


def render(report: Report, lang: str = "en") -> str:
    """The whole page: ``<!DOCTYPE html>`` ... with inline style and MathML."""
    from ..templating import render_template

    return render_template("teach/page.html.j2", **_context(report, lang))


def fragment(report: Report, lang: str = "en") -> str:
    """The page's content in one ``<div>`` with its own style, for Jupyter's HTML output."""
    from ..templating import render_template

    return render_template("teach/fragment.html.j2", **_context(report, lang))

"""The teaching formats: Markdown note and MathML page, in English and Chinese; bad input."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import derive
from derive.display import Equation, Step
from derive.printing import html, markdown
from tests.helpers import run_cli as run

pytest.importorskip("latex2mathml")

MATHML = "{http://www.w3.org/1998/Math/MathML}"
ZH_TERMS = ("链式法则", "幂规则", "学习率", "误差", "隐藏层", "输出层", "激活函数")
EN_TERMS = (
    "chain rule",
    "power rule",
    "learning rate",
    "error",
    "Hidden layer",
    "Output layer",
    "activation function",
)


@pytest.fixture(scope="module")
def report():
    return derive.explain("doc004", steps=True).report


def equations(report):
    return [b for b in report.blocks if isinstance(b, (Equation, Step))]


# -- Markdown ---------------------------------------------------------------------


def test_markdown_is_a_note_with_display_blocks(report):
    text = markdown.render(report, "zh")
    # one $$ block per equation, alone between blank lines, as viewers need
    blocks = re.findall(r"(?<=\n\n)\$\$\n([^\n]+)\n\$\$\n(?=\n|\Z)", text)
    assert len(blocks) == len(equations(report))
    # after the activation header (f, f', f' in O) and the forward pass (net, O, net, O, E)
    assert r"\delta_{k} = -\frac{\partial E}{\partial \mathrm{net}_{k}}" in blocks[8]
    assert re.search(r"^# 反向传播推导$", text, re.M)
    assert re.search(r"^## 逐步推导：输出层权重$", text, re.M)
    for term in ZH_TERMS:
        assert term in text, term


def test_markdown_english_and_numbered_steps(report):
    text = markdown.render(report, "en")
    for term in EN_TERMS:
        assert term in text or term.lower() in text.lower(), term
    assert "**1.** Expand the error function" in text
    assert "**2.** Drop the terms" in text


def test_markdown_prose_escapes_only_what_markdown_would_eat():
    assert markdown.escape("E_k is t_k - o_k") == "E_k is t_k - o_k"
    assert markdown.escape("a*b _x [y]") == r"a\*b \_x \[y\]"


def test_markdown_flags_the_books_approximation():
    text = markdown.render(derive.explain("rashid").report, "en")
    assert "**⚠** APPROXIMATION" in text
    assert r"\approx" in text


# -- HTML -------------------------------------------------------------------------


def parse_page(text: str) -> ET.Element:
    body = text.split("<body>", 1)[1].split("</body>", 1)[0]
    return ET.fromstring(f"<body>{body}</body>")


def test_html_page_is_self_contained(report):
    text = html.render(report, "zh")
    assert text.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in text and '<meta charset="utf-8">' in text
    assert not re.search(r"(src|href)=|<script|@import|url\(", text)
    body = parse_page(text)  # well-formed: the MathML is XML
    pictures = [m for f in body.iter("figure") for m in f.iter(f"{MATHML}math")]
    maths = [m for m in body.iter(f"{MATHML}math") if m not in pictures]
    blocks = [m for m in maths if m.get("display") == "block"]
    assert len(blocks) == len(equations(report))
    assert pictures  # the network, labelled in MathML
    captions = [m for p in body.iter("p") if p.get("class") == "caption" for m in p]
    assert all(m.get("display") == "inline" for m in captions)  # a caption's symbols
    assert len(blocks) + len(captions) == len(maths)
    for term in ZH_TERMS:
        assert term in text, term


def test_html_mathml_reads_like_the_latex(report):
    text = html.render(report, "en")
    assert "<mi>net</mi>" in text  # \mathrm{net} as one name, not three letters
    assert 'mathvariant="normal">n<' not in text
    assert "<mi>f</mi><mo" in text and "′" in text  # f' with the prime on the baseline
    assert "&amp;#x" not in text  # characters escaped once
    assert "∘" in text and "∑" in text and "Δ" in text and "<munder>" in text
    assert "<mfrac>" in text and "<msubsup>" in text  # \frac, δ_k^{T}
    # a chain lhs = a = b becomes rows, one relation each
    body = parse_page(text)
    tables = body.findall(f".//{MATHML}mtable")
    assert tables
    assert all(len(t) >= 2 for t in tables)


def test_html_english_captions(report):
    text = html.render(report, "en")
    assert '<html lang="en">' in text
    for term in EN_TERMS:
        assert term.lower() in text.lower(), term
    assert '<ol class="steps">' in text


def _captions(*options: str) -> list[ET.Element]:
    code, out, err = run("latex", "--steps", "--format", "html", *options)
    assert code == 0, err
    return [p for p in parse_page(out).iter("p") if p.get("class") == "caption"]


def _words(p: ET.Element) -> str:
    """A paragraph's text outside its <math> elements."""
    return (p.text or "") + "".join(child.tail or "" for child in p)


def _math_text(m: ET.Element) -> str:
    return "".join(m.itertext())


@pytest.mark.parametrize(
    "options, symbols",
    [
        ((), ("E", "Oj", "k")),  # E depends on O_j through every output k
        (
            ("--notation", "rumelhart", "--output-activation", "softmax", "--loss", "ce"),
            ("Ep", "netpk", "m", "tpk", "tpk−opk"),  # ... (sum of t_pk = 1) this is t_pk - o_pk
        ),
        (("--notation", "nielsen", "--layers", "3,4,4,2"), ("C", "aj3", "k")),
    ],
)
def test_html_captions_set_their_symbols_as_math(options, symbols):
    """A caption's symbols are inline MathML, as the PDF sets them in $…$: never the
    raw ``O_j``, ``net_pk``, ``a^3_j`` of plain text beside typeset equations."""
    captions = _captions(*options)
    named = {_math_text(m) for p in captions for m in p if m.tag == f"{MATHML}math"}
    assert set(symbols) <= named, named
    for p in captions:
        assert not re.search(r"[_^]", _words(p)), _words(p)
        assert all(m.get("display") == "inline" for m in p)


def test_html_sum_in_parentheses_keeps_its_limits_below():
    """``\\left(-\\sum_{n} …\\right)`` (ce's expanded loss): the sum's index goes below it,
    as TeX and the same sum outside parentheses set it, and the minus is a sign."""
    code, out, err = run(
        "latex", "--steps", "--format", "html", "--output-activation", "softmax", "--loss", "ce"
    )
    assert code == 0, err
    maths = [m for m in parse_page(out).iter(f"{MATHML}math") if m.get("display") == "block"]
    sums = [n for m in maths for n in m.iter() if n.tag.endswith(("msub", "munder"))]
    sums = [n for n in sums if len(n) and (n[0].text or "").strip() == "\u2211"]
    assert sums and all(n.tag == f"{MATHML}munder" for n in sums)
    signs = [
        b
        for m in maths
        for row in m.iter()
        for a, b in zip(row, row[1:])
        if a.get("fence") == "true" and a.get("form") == "prefix" and b.text == "\u2212"
    ]
    assert signs and all(b.get("form") == "prefix" for b in signs)


@pytest.mark.parametrize("notation", ["doc003", "nielsen", "doc004"])
def test_html_primes_are_never_superscripts(notation):
    """``f'``, ``{\\Phi_2}'`` and note 003's ``\\Phi'_{j}``: the prime glyph is raised
    already; as a superscript (``<msubsup>Φ j ′``) Chromium set it tiny, above the j."""
    code, out, err = run("latex", "--steps", "--format", "html", "--notation", notation)
    assert code == 0, err
    primes = 0
    for node in parse_page(out).iter():
        if node.tag in (f"{MATHML}msup", f"{MATHML}msubsup"):
            assert (node[-1].text or "").strip() not in html.PRIMES, ET.tostring(node)
        if node.tag == f"{MATHML}mo" and (node.text or "").strip() in html.PRIMES:
            primes += 1
    assert primes >= 3


def test_html_text_escapes_and_relation_approx():
    text = html.render(derive.explain("rashid", steps=True).report, "en")
    parse_page(text)
    assert "≈" in text and 'class="approximation"' in text
    assert "<mtext>ho</mtext>" in text  # \text{ho}


def test_fragment_for_jupyter(report):
    frag = report._repr_html_()
    assert frag.startswith('<div class="derive-report"')
    assert "<html" not in frag and "<math" in frag
    assert html.fragment(report, "zh").count("<math") == frag.count("<math")
    assert "链式法则" in html.fragment(report, "zh")


@pytest.mark.parametrize("fmt", ["markdown", "html"])
@pytest.mark.parametrize("notation", ["doc004", "rashid", "doc003"])
def test_every_notation_prints(fmt, notation):
    code, out, err = run(
        "latex", "--format", fmt, "--lang", "zh", "--steps", "--notation", notation
    )
    assert code == 0, err
    assert out


# -- bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, word",
    [
        (("latex", "--lang", "fr"), "--lang"),
        (("latex", "--format", "pdf"), "--format"),
        (("latex", "--format", "html", "--document"), "--document"),
    ],
)
def test_bad_lang_or_format_is_one_line_exit_2(argv, word):
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and word in err


def test_printers_refuse_an_unknown_language(report):
    with pytest.raises(ValueError, match="language"):
        html.render(report, "fr")
    with pytest.raises(ValueError, match="language"):
        markdown.render(report, "fr")

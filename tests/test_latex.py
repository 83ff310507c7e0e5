"""`derive latex`: golden output per notation, the notes' lines, compiling, bad input."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import compile_tex
from tests.helpers import run_cli as run

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]


CASES = {
    "doc004.tex": ("latex", "--notation", "doc004"),
    "rashid.tex": ("latex", "--notation", "rashid"),
    "doc003.tex": ("latex", "--notation", "doc003"),
    "doc004_steps.tex": ("latex", "--steps"),
    "rashid_steps_zh.tex": ("latex", "--steps", "--lang", "zh", "--notation", "rashid"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    code, out, err = run(*CASES[name])
    assert code == 0, err
    if os.environ.get("UPDATE_GOLDEN"):
        (GOLDEN / name).write_text(out, encoding="utf-8")
    assert out == (GOLDEN / name).read_text(encoding="utf-8")


# lines transcribed from the notes (in the tool's spacing)
NOTE_LINES = {
    "doc004": [
        r"\delta_{k} = -\frac{\partial E}{\partial \mathrm{net}_{k}} = \left(d_{k} - O_{k}\right) f'\left(\mathrm{net}_{k}\right) = \left(d_{k} - O_{k}\right) O_{k} \left(1 - O_{k}\right)",
        r"\delta_{j} = -\frac{\partial E}{\partial \mathrm{net}_{j}} = f'\left(\mathrm{net}_{j}\right) \sum_{k} \delta_{k} w_{jk} = O_{j} \left(1 - O_{j}\right) \sum_{k} \delta_{k} w_{jk}",
        r"\frac{\partial E}{\partial w_{jk}} = -\delta_{k} O_{j}",
        r"\frac{\partial E}{\partial v_{ij}} = -\delta_{j} O_{i}",
        r"\Delta w_{jk} = \eta \delta_{k} O_{j}",
        r"\Delta v_{ij} = \eta O_{i} f'\left(\mathrm{net}_{j}\right) \sum_{k} \delta_{k} w_{jk}",
        r"\Delta w = \eta O_{j} \delta_{k}^{T}",
        r"\Delta v = \eta O_{i} \delta_{j}^{T}",
        r"\delta_{j} = O_{j} \circ \left(1 - O_{j}\right) \circ \left(w \delta_{k}\right)",
    ],
    "rashid": [
        r"\frac{\partial E}{\partial W_{j,k}} = -2 \left(t_{k} - o_{k}\right) o_{k} \left(1 - o_{k}\right) o_{j}",
        r"\Delta W_{j,k} = \alpha \left(t_{k} - o_{k}\right) o_{k} \left(1 - o_{k}\right) o_{j}",
        r"e_{\text{hidden}} = W_{\text{ho}}^{T} \cdot E_{k}",
        r"\cdot O_{j}^{T}",
        r"\approx",
    ],
    "doc003": [
        r"h_{j} = \Phi\left(\sum_{i} x_{i} W^{1}_{ij}\right)",
        r"E = \frac{1}{2} \left(d - y\right)^{2}",
        r"\Delta W^{2}_{j} = \alpha \left(d - y\right) h_{j}",
        r"\Delta W^{1}_{ij} = \alpha \left(d - y\right) W^{2}_{j} \Phi'_{j} x_{i}",
    ],
}


@pytest.mark.parametrize("notation", sorted(NOTE_LINES))
def test_results_as_the_notes_write_them(notation):
    code, out, _ = run("latex", "--notation", notation)
    assert code == 0
    for line in NOTE_LINES[notation]:
        assert line in out, line


def test_standard_macros_only():
    for args in CASES.values():
        _, out, _ = run(*args)
        for bad in (r"\part ", r"\part{", r"\bold", r"\operatorname"):
            assert bad not in out


def test_options_change_the_derivation():
    _, tanh, _ = run("latex", "--activation", "tanh")
    assert r"1 - O_{k}^{2}" in tanh
    _, ident, _ = run("latex", "--activation", "identity")
    assert r"f'\left(\mathrm{net}_{k}\right) = d_{k} - O_{k} \]" in ident
    assert r"\delta_{j} = w \delta_{k}" in ident
    _, book, _ = run("latex", "--loss", "sum_sq")
    assert r"2 \left(d_{k} - O_{k}\right)" in book
    _, user, _ = run("latex", "--activation", "x/(1+abs(x))")
    assert r"f'\left(\mathrm{net}_{j}\right) \sum_{k}" in user


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["latex", "--activation", "sigmod"], "sigmoid, tanh, identity"),
        (["latex", "--loss", "l1"], "sse, sum_sq, mse, bce, ce"),
        (["latex", "--notation", "kelly"], "doc004"),
        (["latex", "--frobnicate"], "unrecognized arguments"),
        (["latex", "--activation", "__import__('os')"], "allowed"),
        (["latex", "--loss", "bce", "--activation", "tanh"], "sigmoid or softmax"),
        (["latex", "--lang", "fr"], "en"),
        (["nope"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, needle):
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and needle in err, err
    assert "Traceback" not in err


def test_bad_input_from_a_real_process():
    proc = subprocess.run(
        [sys.executable, "-m", "derive", "latex", "--activation", "foo"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert proc.stdout == "" and len(proc.stderr.splitlines()) == 1


def _engine(name: str) -> str | None:
    found = shutil.which(name)
    if found is None and os.environ.get("CI"):
        pytest.fail(f"{name} is not installed; CI installs it in .ci/run")
    return found


@pytest.mark.parametrize("notation", ["doc004", "rashid", "doc003", "nielsen", "goodfellow"])
def test_document_compiles_with_pdflatex(tmp_path, notation):
    engine = _engine("pdflatex")
    if engine is None:
        pytest.skip("pdflatex not installed")
    code, out, _ = run("latex", "--document", "--steps", "--notation", notation)
    assert code == 0 and out.startswith("% Generated by `python -m derive latex --document`")
    proc = compile_tex(engine, tmp_path, out)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "d.pdf").stat().st_size > 1000
    if notation == "rashid" and shutil.which("pdftotext"):
        # a name with an underscore is code: OT1's \_ is a rule, read back as "sum sq"
        text = subprocess.run(
            ["pdftotext", "d.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, timeout=60
        ).stdout
        assert "loss sum_sq" in text, text[:300]


def test_document_draws_the_network_in_its_notation():
    """`--document` opens with a TikZ picture of the network: every shown unit named as the
    notation names it (Nielsen: x, a^l, a^L), a wide layer elided with its first and last."""
    code, out, _ = run("latex", "--document", "--notation", "nielsen", "--layers", "3,12,2")
    assert code == 0 and r"\usepackage{tikz}" in out
    picture = out[out.index(r"\begin{tikzpicture}") : out.index(r"\end{tikzpicture}")]
    units = re.findall(r"\\node\[unit\] \(n(\d)x(\d+)\) at [^{]*\{\$(.*)\$\};", picture)
    assert [(int(a), int(b)) for a, b, _ in units] == [
        (0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (1, 10), (1, 11), (2, 0), (2, 1)
    ]  # fmt: skip
    names = [name for _, _, name in units]
    assert names[0] == "x_{1}" and names[7] == "a^{2}_{12}" and names[-1] == "a^{L}_{2}"
    assert r"\vdots" in picture and out.index(r"\begin{tikzpicture}") < out.index(r"\subsection")


@pytest.mark.parametrize(
    "lang, stop, summary", [("zh", "。", "记号：doc003，"), ("en", ".", "notation doc003, ")]
)
def test_document_prose_ends_sentences_in_its_language(lang, stop, summary):
    """A Chinese caption ends with 。 (``定义误差项（局部梯度）.`` read as a typo), and the
    summary line is the one the Markdown and HTML print, with its own punctuation."""
    code, out, err = run("latex", "--document", "--steps", "--notation", "doc003", "--lang", lang)
    assert code == 0, err
    body = re.sub(
        r"\\begin\{align\*\}.*?\\end\{align\*\}",
        "",
        out[out.index(r"\end{tikzpicture}") :],
        flags=re.S,
    )
    prose = [
        line
        for line in body.splitlines()
        if line and not line.startswith(("\\", "%", "<"))  # captions: not math, not markup
    ]
    assert len(prose) >= 15, prose
    assert all(line.endswith(stop) for line in prose), [p for p in prose if not p.endswith(stop)]
    lines = out.splitlines()
    after_title = lines[
        next(n for n, line in enumerate(lines) if line.startswith(r"\section*")) + 1
    ]
    assert after_title.startswith(summary) and after_title.endswith(stop)


def _numerators(latex: str) -> list[str]:
    """The numerator of every ``\\frac{…}{…}`` (braces balanced)."""
    out = []
    for m in re.finditer(r"\\frac\{", latex):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(latex[i], 0)
            i += 1
        out.append(latex[m.end() : i - 1])
    return out


@pytest.mark.parametrize(
    "options",
    [
        ("--output-activation", "softmax", "--loss", "ce"),
        ("--notation", "cs231n"),
        ("--notation", "rumelhart", "--output-activation", "softmax", "--loss", "ce"),
        ("--notation", "bishop", "--output-activation", "softmax", "--loss", "ce"),
    ],
)
def test_a_derivative_is_never_set_inside_a_numerator(options):
    """ce's loss derivative is ``-\\sum_n \\frac{d_n}{O_n} \\frac{\\partial O_n}{\\partial
    net_k}``: one fraction with ∂O_n/∂net_k in its numerator set it at a third of the size."""
    code, out, err = run("latex", "--steps", *options)
    assert code == 0, err
    numerators = _numerators(out)
    assert any(n.startswith(r"\partial") for n in numerators)
    nested = [n for n in numerators if r"\partial" in n and not n.startswith(r"\partial")]
    assert not nested, nested
    step = out[out.index("% derivative of the error function") :].splitlines()[1]
    rhs = step.split(" = ", 1)[1]
    assert [n for n in _numerators(rhs) if r"\partial" not in n], step  # d_n over O_n ...
    assert re.search(r"\} (\\cdot )?\\frac\{\\partial", rhs), step  # ... times ∂O_n/∂net_k


@pytest.mark.parametrize(
    "options", [("--notation", "cs231n"), ("--notation", "nielsen", "--layers", "3,4,4,2")]
)
def test_document_breaks_a_chain_into_rows_and_fits_the_page(tmp_path, options):
    """A chain ``lhs = a = b = c`` is an ``align*``, one relation a row (on one line
    cs231n's hidden update ran 255 pt past the page); compiled, no line is overfull."""
    code, out, err = run("latex", "--document", "--steps", *options)
    assert code == 0, err
    chains = re.findall(r"\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", out, re.S)
    assert len(chains) >= 5
    for chain in chains:
        rows = chain.split(" \\\\\n")
        assert len(rows) >= 2 and all(row.count("&=") == 1 for row in rows), chain
    for line in re.findall(r"^\\\[ (.*) \\\]$", out, re.M):
        assert line.count(" = ") <= 1, line  # one relation: no chain on one line
    engine = _engine("pdflatex")
    if engine is None:
        pytest.skip("pdflatex not installed")
    proc = compile_tex(engine, tmp_path, out)
    assert proc.returncode == 0, proc.stdout[-2000:]
    log = (tmp_path / "d.log").read_text(encoding="utf-8", errors="replace")
    assert "Overfull \\hbox" not in log, log[log.find("Overfull") :][:300]


def test_document_captions_start_at_one_margin(tmp_path):
    """Every caption starts at the left margin: the first after a heading did, the rest
    were indented as new paragraphs, so the steps' captions zigzagged down the page."""
    engine = _engine("pdflatex")
    if engine is None or not shutil.which("pdftotext"):
        pytest.skip("pdflatex or pdftotext not installed")
    code, out, err = run("latex", "--document", "--steps")
    assert code == 0, err
    proc = compile_tex(engine, tmp_path, out)
    assert proc.returncode == 0, proc.stdout[-2000:]
    subprocess.run(["pdftotext", "-bbox-layout", "d.pdf", "d.html"], cwd=tmp_path, timeout=60)
    lines = re.findall(
        r'<line xMin="([0-9.]+)"[^>]*>(.*?)</line>', (tmp_path / "d.html").read_text(), re.S
    )
    captions = {
        float(x)
        for x, words in lines
        if " ".join(re.findall(r">([^<]+)</word>", words))
        in ("Chain rule.", "Power rule.", "Matrix form.", "Expand the error function.")
    }
    assert captions and max(captions) - min(captions) < 0.5, sorted(captions)

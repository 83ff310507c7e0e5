"""Markdown prints every equation the LaTeX output prints, and no heading without one.

The Markdown note once left out every batch line (CS231n's whole "Matrix form (a
batch, one sample per row)" section and the batch recurrence of deep networks), and
deep note-003 printed a recurrence heading with nothing under it.
"""

from __future__ import annotations

import re

import pytest

from derive.derivation import derive
from derive.notation import PRESETS, network_for
from derive.printing import markdown, report_latex
from derive.report import build

CASES = [
    ("cs231n", {}),  # the batch section
    ("doc004", {"widths": (3, 4, 3, 2), "activation": "tanh"}),  # the batch recurrence
    ("doc003", {"widths": (3, 4, 3, 1), "activation": "tanh"}),  # no recurrence to show
]


@pytest.mark.parametrize("name, options", CASES, ids=[c[0] for c in CASES])
def test_markdown_prints_what_latex_prints_under_headings_that_have_it(name, options):
    notation = PRESETS[name]
    report = build(derive(network_for(notation, **options)), notation)
    tex = re.findall(r"^\\\[ (.*) \\\]$", report_latex.render(report), re.M)
    md = markdown.render(report)
    assert re.findall(r"^\$\$\n(.*)\n\$\$$", md, re.M) == tex
    sections = re.split(r"^## .*$", md, flags=re.M)[1:]
    assert sections and all("$$" in body for body in sections), md

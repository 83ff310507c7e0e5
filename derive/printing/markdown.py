"""A :class:`~derive.report.Report` as a Markdown note, like the study notes.

Headings, prose, and one ``$$`` display block per equation, its LaTeX from
:func:`~derive.printing.report_latex.equation_latex`: GitHub, GitLab, VS Code,
Typora, Obsidian and Jupyter render ``$$`` blocks that stand alone between
blank lines.  The steps of a step-by-step derivation are numbered in bold
(``**1.** 链式法则``) rather than as a list, because a ``$$`` block inside a
list item is where viewers disagree.
"""

from __future__ import annotations

import re

from ..display import Equation, Step
from ..report import Batch, Heading, Prose, Report
from ..text import LANGS, say
from .html import summary
from .report_latex import caption, equation_latex

_SPECIAL = re.compile(r"[\\`*\[\]<>|$]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def escape(text: str) -> str:
    """Prose as literal Markdown text.  An underscore between two letters (``d_k``)
    never starts emphasis in CommonMark, so it stays as the notes write it."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _sections(report: Report, lang: str):
    sections = [{"heading": None, "steps": False, "entries": []}]
    for block in report.blocks:
        if isinstance(block, Heading):
            sections.append(
                {
                    "heading": escape(block.text(lang)),
                    "steps": block.key.startswith("steps_"),
                    "entries": [],
                }
            )
        elif isinstance(block, Prose):
            sections[-1]["entries"].append({"prose": escape(say(block.key, lang)), "math": ""})
        elif isinstance(block, (Equation, Step, Batch)):  # a batch: as LaTeX and HTML
            text = caption(report, block, lang) or ""
            sections[-1]["entries"].append(
                {
                    "prose": escape(text[:1].upper() + text[1:]),
                    "math": equation_latex(report, block),
                    "approximation": getattr(block, "kind", "") == "approximation",
                }
            )
    return [s for s in sections if s["heading"] or s["entries"]]


def render(report: Report, lang: str = "en") -> str:
    """The note: ``# title``, a summary line, ``## section``, captions and ``$$`` blocks."""
    from ..templating import render_template

    if lang not in LANGS:
        raise ValueError(f"unknown language '{lang}'; choose from {', '.join(LANGS)}")
    return render_template(
        "teach/note.md.j2",
        title=escape(say("title", lang)),
        summary=escape(summary(report, lang)),
        intro=escape(say("intro", lang)),
        sections=_sections(report, lang),
        colon="：" if lang == "zh" else ":",
    )

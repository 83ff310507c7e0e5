"""One Jinja environment for every template; project files found in one place."""

from __future__ import annotations

from functools import cache
from pathlib import Path


def project_dir(name: str) -> Path:
    """``templates/`` or ``generated/``: beside the package in a checkout, or
    installed as package data (``derive/_data/NAME``) from a wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / name, here / "_data" / name):
        if candidate.is_dir():
            return candidate
    return here.parent / name


@cache
def environment(kind: str = "tex"):
    import jinja2

    # LaTeX is full of braces: .tex templates use <% %> and << >> instead
    delimiters = (
        dict(
            block_start_string="<%",
            block_end_string="%>",
            variable_start_string="<<",
            variable_end_string=">>",
            comment_start_string="<#",
            comment_end_string="#>",
        )
        if kind == "tex"
        else {}
    )
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(project_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        **delimiters,
    )


def render_template(name: str, **context) -> str:
    kind = "tex" if name.endswith(".tex.j2") else "other"
    return environment(kind).get_template(name).render(**context)

"""Generated NumPy update code: combination -> derivation -> statements -> template -> file.

::

    spec.Combo            what module: activations, loss, widths, biases
      |  (canonical: user expressions printed again from their parsed form)
    context.context       the one builder: derivation -> printed statements
      |  statements.Statement / needed / wrap   the statement IR
    templates/numpy/module.py.j2               arranges them into functions
      |
    files                 header + hash, atomic writes, --check

:func:`render` is the whole pipeline in memory; :data:`COMMITTED` lists the
modules kept in ``generated/``.
"""

from __future__ import annotations

from pathlib import Path

from ..templating import project_dir, render_template
from .files import HASH_PREFIX, EditedFileError, edited, header_line, with_hash, write
from .files import check as _check
from .spec import (
    COMMITTED,
    HIDDEN_ACTIVATIONS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    TEMPLATE,
    Combo,
    canonical,
)
from .statements import LINE_LENGTH, Statement, needed, wrap

__all__ = [
    "COMMITTED",
    "HASH_PREFIX",
    "HIDDEN_ACTIVATIONS",
    "LINE_LENGTH",
    "LOSSES",
    "OUTPUT_ACTIVATIONS",
    "TEMPLATE",
    "Combo",
    "EditedFileError",
    "Statement",
    "canonical",
    "check",
    "edited",
    "generated_dir",
    "needed",
    "project_root",
    "render",
    "templates_dir",
    "wrap",
    "write",
]

NOQA_LONG_LINES = "# ruff: noqa: E501"


def render(combo: Combo) -> str:
    """The module's full text: header, hash line, body.

    Every activation is printed from its parsed form (:meth:`Combo.canonical`),
    never as the caller typed it.
    """
    from .context import context

    combo = combo.canonical()
    body = render_template(TEMPLATE, **context(combo, header_line(combo)))
    head, _, rest = body.partition("\n")
    if max(len(line) for line in body.splitlines()) > LINE_LENGTH:
        rest = f"{NOQA_LONG_LINES}\n{rest}"  # a long user expression or equation
    return with_hash(f"{head}\n{rest}")


def check(combos: tuple[Combo, ...], directory: Path) -> list[str]:
    """Unified diffs between ``directory`` and a fresh render (empty: up to date)."""
    return _check(combos, directory, render)


def project_root() -> Path:
    """The checkout (or installed package) that holds ``templates/`` and ``generated/``."""
    return Path(__file__).resolve().parent.parent.parent


def templates_dir() -> Path:
    """The Jinja templates: ``templates/`` of a checkout, else the installed data."""
    return project_dir("templates")


def generated_dir() -> Path:
    """The committed modules: ``generated/`` of a checkout, else the installed data.

    Read-only for the command line, which writes to ``./generated`` or ``--out``.
    """
    return project_dir("generated")

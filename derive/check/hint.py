"""A hint when a note reads as mostly "not checked": the notation whose glyphs it uses.

Each preset's glyphs (its outputs, weights, target, learning rate, activation
names) are compared with the names the note writes; a glyph that only one preset
has counts for that preset.  Nothing is re-checked: the hint is a suggestion.
"""

from __future__ import annotations

import re

from ..notation import PRESETS, Notation

_COMMAND = re.compile(r"\\([A-Za-z]+)")
_NAME = re.compile(r"\\?[A-Za-z]+")


def glyphs(notation: Notation) -> frozenset[str]:
    """The names a notation writes for its quantities (``\\alpha`` -> ``alpha``)."""
    names = {
        *notation.outputs,
        *notation.vectors,
        *notation.weights,
        notation.target,
        notation.lr,
        notation.error,
        notation.matrix_error,
        *notation.activation,
    }
    out = set()
    for name in names:
        m = _NAME.match(name.replace("{", "").replace("}", ""))
        if m:
            out.add(m.group(0).lstrip("\\"))
    return frozenset(out)


def _names_in(latex: str) -> set[str]:
    """Letters and commands a formula writes, roughly: ``w_{jk}`` -> {w, j, k}."""
    text = _COMMAND.sub(lambda m: f" {m.group(1)} ", latex)
    return set(re.findall(r"[A-Za-z]+", text)) | set(re.findall(r"[A-Za-z]", text))


def notation_hint(current: str, relations: list, verdicts: list) -> str:
    """A one-line suggestion of ``--notation``, or ``""`` when none is needed."""
    if not verdicts:
        return ""
    unchecked = sum(v.status == "not checked" for v in verdicts)
    if len(verdicts) < 5 or unchecked * 2 <= len(verdicts):
        return ""
    marks = {name: glyphs(n) for name, n in PRESETS.items()}
    own = {
        name: g - frozenset().union(*(o for other, o in marks.items() if other != name))
        for name, g in marks.items()
    }
    used: dict[str, int] = {}
    for rel in relations:
        names = _names_in(f"{rel.lhs} {rel.rhs}")
        for name, mine in own.items():
            used[name] = used.get(name, 0) + len(names & mine)
    best = max(used, key=lambda n: (used[n], n == current))
    if best == current or used[best] < 2 or used[best] <= used.get(current, 0):
        return ""
    shown = ", ".join(sorted(own[best]))
    return (
        f"{unchecked} of {len(verdicts)} relations were not checked under --notation {current}; "
        f"the note writes the glyphs of notation {best} ({shown}): try --notation {best}"
    )

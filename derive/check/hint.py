"""A hint when a note reads as mostly "not checked": the notation whose glyphs it uses.

A sample of the note's relations is read (parsed and given a meaning, nothing
computed) under every preset; the preset that reads the most is suggested, with
the glyphs of its that the note writes.
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
        notation.net,
        notation.loss_glyph,
        notation.input,
    } - {""}
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


SAMPLE = 24
"""Relations of the note read under each preset to find the one it is written in."""


def readable(notation: Notation, relations: list) -> int:
    """How many of ``relations`` have a meaning in ``notation``: both sides parse and
    translate (no derivative is computed and nothing is evaluated)."""
    from .evaluate import Partial
    from .verify import Checker

    checker = Checker(notation)
    world = checker.world
    world.partial = lambda a, b: Partial(a, b)  # the names are what is asked, not values
    count = 0
    for rel in relations:
        try:
            for side in (rel.lhs, rel.rhs):
                world.translate(checker.parse(side))
        except Exception:  # noqa: BLE001 - anything unreadable counts as not read
            continue
        count += 1
    return count


def notation_hint(current: str, relations: list, verdicts: list) -> str:
    """A one-line suggestion of ``--notation``, or ``""`` when none is needed."""
    if not verdicts:
        return ""
    unchecked = sum(v.status == "not checked" for v in verdicts)
    if len(verdicts) < 5 or unchecked * 2 <= len(verdicts):
        return ""
    sample = relations[:: max(1, len(relations) // SAMPLE)][:SAMPLE]
    read = {name: readable(n, sample) for name, n in PRESETS.items()}
    order = list(read)  # ties go to the first preset (the notes' own come first)
    best = max(order, key=lambda n: (read[n], -order.index(n)))
    if best == current or read[best] < 2 or read[best] <= read.get(current, 0):
        return ""
    marks = {name: glyphs(n) for name, n in PRESETS.items()}
    names = set().union(*(_names_in(f"{r.lhs} {r.rhs}") for r in relations))
    others = set().union(*(m for n, m in marks.items() if n != best))
    shown = ", ".join(sorted((marks[best] & names) - others) or sorted(marks[best] & names))
    return (
        f"{unchecked} of {len(verdicts)} relations were not checked under --notation {current}; "
        f"the note writes the glyphs of notation {best} ({shown}): try --notation {best}"
    )

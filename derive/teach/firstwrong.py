"""Find my first wrong number: a note's numeric equations checked against its network.

A note declares its network's numbers in a ``[numbers]`` table of its TOML front
matter (the keys of a numbers file).  Every display formula whose left side names
one quantity at concrete nodes and whose last side is a plain number
(``net_{h1} = ... = 0.3775``) is a *written number*.  It is right when it equals
the true value (the derivation's result at the declared numbers) rounded to the
digits written.  A wrong one is also compared with what follows from the note's
own earlier numbers (the same formula evaluated with them in place of the true
values): equal means the number only carries an earlier slip forward, and it is
reported as "consistent with line N".

Names are read in the worked examples' usual styles: nodes ``i1, h1, o1`` (input,
hidden, output of a two-layer network) or the notation's letter and number
(``j_1``, ``j1``); quantities ``net``/``z``, ``out``/``O``/``o``/``a``, ``\\delta``,
``E`` (``E_{total}``); weights numbered across the network (``w_5``: layer by
layer, by receiving node, then by sending node) or by their two nodes
(``w_{j_1 k_2}``, in the notation's index order); ``\\frac{\\partial E}{\\partial w_5}``,
``\\Delta w_5`` and the new weight ``w_5^{+}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .. import symbols as S
from ..errors import InputError

NUMBER = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.(\d*))?|\.\d+)\s*$")


@dataclass(frozen=True)
class Written:
    line: int
    text: str
    """The left side as written."""
    key: tuple
    """(base name, node indices): ``("net1", (0,))``, ``("gradW2", (0, 1))``, ``("E", ())``."""
    value: float
    decimals: int


@dataclass(frozen=True)
class Finding:
    written: Written
    right: float
    """The true value."""
    status: str
    """'right', 'wrong' or 'consistent' (wrong, but follows from earlier written numbers)."""
    because: int | None = None
    """For 'consistent': the line of the earliest wrong number it follows from."""

    def describe(self, where: str) -> str:
        w = self.written
        shown = f"{w.text} = {_fmt(w.value, w.decimals)}"
        right = _fmt(self.right, w.decimals)
        if self.status == "right":
            return f"{where}:{w.line}: right: {shown}"
        if self.status == "consistent":
            return (
                f"{where}:{w.line}: consistent with line {self.because}: {shown} follows from "
                f"the note's earlier numbers (the true value is {right})"
            )
        out = f"{where}:{w.line}: wrong: {shown}; the right value is {right}"
        if w.key[0].startswith("delta") and rounds_to(-self.right, w.value, w.decimals):
            out += " (the sign: this notation's δ has the other sign; declare its notation)"
        return out


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def rounds_to(true: float, written: float, decimals: int) -> bool:
    """``written`` is ``true`` rounded to ``decimals`` places (half a unit either way)."""
    return abs(true - written) <= 0.5 * 10.0**-decimals * (1 + 1e-9)


# -- reading left sides ------------------------------------------------------------------

_STRIP = re.compile(r"\\(?:mathrm|text|mathit|operatorname|boldsymbol|mathbf)\s*")


def _clean(text: str) -> str:
    text = _STRIP.sub("", text)
    text = text.replace("\\left", "").replace("\\right", "").replace("\\,", "")
    return re.sub(r"[\s{}]", "", text)


class Reader:
    """Reads a left side into the key of a quantity at concrete nodes, or None."""

    def __init__(self, notation, widths: tuple[int, ...]) -> None:
        self.widths = widths
        self.depth = len(widths) - 1
        n = notation
        self.receiver_first = n.conventions.weight_order == "receiver_first"
        self.delta_sign = n.conventions.delta_sign
        self.letters = {}
        for layer, letter in enumerate(getattr(n, "letters", ())[: len(widths)]):
            self.letters.setdefault(letter, layer)
        self.preact = {"net", "z", _clean(n.net)}
        self.outputs = {"out", "O", "o", "a", "y"} | {_clean(o) for o in n.outputs}
        self.outputs -= self.preact
        self.delta = {r"\delta", _clean(n.delta)}

    def node(self, label: str) -> tuple[int, int] | None:
        """``h1`` -> (1, 0); ``j_1``/``j1`` -> (layer of j, 0)."""
        m = re.fullmatch(r"([A-Za-z])_?(\d+)", label)
        if not m:
            return None
        letter, number = m.group(1), int(m.group(2)) - 1
        if self.depth == 2 and letter in "iho":
            layer = {"i": 0, "h": 1, "o": 2}[letter]
        elif letter in self.letters:
            layer = self.letters[letter]
        else:
            return None
        if not 0 <= number < self.widths[layer]:
            return None
        return layer, number

    def weight(self, label: str) -> tuple[int, int, int] | None:
        """``5`` (numbered across the network) or ``j_1k_2`` -> (layer, sender, receiver)."""
        if label.isdigit():
            n = int(label) - 1
            for layer in range(1, self.depth + 1):
                size = self.widths[layer - 1] * self.widths[layer]
                if n < size:
                    receiver, sender = divmod(n, self.widths[layer - 1])
                    return layer, sender, receiver
                n -= size
            return None
        parts = re.findall(r"[A-Za-z]_?\d+", label)
        if len(parts) != 2 or "".join(parts) != label.replace(",", ""):
            return None
        nodes = [self.node(p) for p in parts]
        if None in nodes:
            return None
        if self.receiver_first:
            nodes.reverse()
        (la, p), (lb, q) = nodes
        if lb != la + 1:
            return None
        return lb, p, q

    def read(self, lhs: str) -> tuple | None:
        text = _clean(lhs)
        if re.fullmatch(r"E(_(total|tot))?", text):
            return ("E", ())
        m = re.fullmatch(r"\\frac\\partialE(?:_total)?\\partialw_?(.+)", text)
        if m:
            w = self.weight(m.group(1))
            return (f"gradW{w[0]}", (w[1], w[2])) if w else None
        m = re.fullmatch(r"\\Deltaw_?(.+)", text)
        if m:
            w = self.weight(m.group(1))
            return (f"DeltaW{w[0]}", (w[1], w[2])) if w else None
        m = re.fullmatch(r"w_?(.+?)\^(?:\+|new|\(new\))", text)
        if m:
            w = self.weight(m.group(1))
            return (f"newW{w[0]}", (w[1], w[2])) if w else None
        m = re.fullmatch(r"(\\?[A-Za-z]+)_(.+)", text)
        if not m:
            return None
        glyph, label = m.groups()
        node = self.node(label)
        if node is None:
            return None
        layer, number = node
        if glyph in self.preact and layer:
            return (f"net{layer}", (number,))
        if glyph in self.outputs:
            return (f"O{layer}", (number,))
        if glyph in self.delta and layer:
            return (f"delta{layer}", (number,))
        return None


# -- the check --------------------------------------------------------------------------


def written_numbers(text: str, reader: Reader) -> list[Written]:
    """Every display formula ``name = ... = number`` of a Markdown note, in order."""
    from ..check.extract import find_formulas, split_relations

    out = []
    for formula in find_formulas(text, markdown=True):
        chains: list[list] = []
        for rel in split_relations(formula):
            if rel.op != "=":
                chains.append([])
                continue
            if chains and chains[-1] and chains[-1][-1].rhs == rel.lhs:
                chains[-1].append(rel)  # a = b = c: the chain goes on
            else:
                chains.append([rel])
        for chain in chains:
            if not chain:
                continue
            m = NUMBER.match(chain[-1].rhs)
            key = reader.read(chain[0].lhs) if m else None
            if key is None:
                continue
            sign, digits, decimals = m.groups()
            value = float(sign + digits)
            out.append(
                Written(chain[0].line, chain[0].lhs.strip(), key, value, len(decimals or ""))
            )
    return _first_per_chain(out)


def _first_per_chain(found: list[Written]) -> list[Written]:
    """One written number per (line, quantity): a chain ``a = b = 0.3`` splits into
    several relations; keep the one whose last side is the number."""
    seen, out = set(), []
    for w in found:
        if (w.line, w.key) in seen:
            continue
        seen.add((w.line, w.key))
        out.append(w)
    return out


def check_note(text: str, where: str = "note") -> list[Finding] | None:
    """The findings for a note with a ``[numbers]`` table, or None when it has none."""
    from ..notation import PRESETS
    from ..notation.files import front_matter, notation_from_front_matter

    table = front_matter(text)
    if not table or "numbers" not in table:
        return None
    from . import numbers as N  # only now: the worked example is not needed for other notes
    from .worked import work

    if not isinstance(table["numbers"], dict):
        raise InputError("front matter: [numbers] must be a table")
    values = N.from_table(table["numbers"], where="front matter [numbers]")
    notation = notation_from_front_matter(text) or PRESETS["doc004"]
    worked = work(values)
    reader = Reader(_for_depth(notation, worked.depth), values.widths)
    return judge(worked, written_numbers(text, reader), reader.delta_sign)


def _for_depth(notation, depth: int):
    from ..notation import for_depth

    return for_depth(notation, depth)


def judge(worked, written: list[Written], delta_sign: int = -1) -> list[Finding]:
    """Right, wrong, or consistent with an earlier wrong number."""
    from ..numeric import Point, evaluate

    true = dict(worked.arrays)
    lines = _lines(worked)
    flip = -delta_sign  # the derivation's δ is -∂E/∂net; the notation's is delta_sign ∂E/∂net
    noted = {name: np.array(a, dtype=float, copy=True) for name, a in true.items()}
    wrong_at: dict[tuple, int] = {}  # key -> line of the wrong number it carries
    findings = []
    for w in written:
        name, idx = w.key
        scale = flip if name.startswith("delta") else 1.0
        right = float(true[name][idx]) * scale if name != "E" else worked.E
        if rounds_to(right, w.value, w.decimals):
            status, because = "right", None
        else:
            status, because = "wrong", None
            line = lines.get(w.key)
            if line is not None and wrong_at:
                point = Point(
                    worked.numbers.widths,
                    worked.network.activations,
                    noted,
                    {S.eta: worked.numbers.eta},
                )
                carried = evaluate(_expr_of(line.forms[0]), point) * scale
                earlier = [n for k, n in wrong_at.items() if k != w.key]
                if earlier and rounds_to(carried, w.value, w.decimals):
                    status, because = "consistent", min(earlier)
            wrong_at.setdefault(w.key, w.line)
        if name != "E":  # the note's own number stands in for the true one from here on
            noted[name][idx] = w.value / scale
        findings.append(Finding(w, right, status, because))
    return findings


def _expr_of(form):
    from .worked import NewValue

    if isinstance(form, NewValue):
        import sympy as sp

        return sp.Add(form.old, form.change)
    return getattr(form, "expr", form)


def _lines(worked) -> dict:
    """(base name, indices) -> the worked example's line that computes it."""
    import sympy as sp

    out = {}
    for section in worked.sections:
        for line in section.lines:
            lhs = line.lhs
            if line.key.startswith("new"):
                key = (line.key, tuple(int(i) for i in lhs.indices))
            elif isinstance(lhs, sp.Derivative):
                inner = lhs.variables[0]
                key = (line.key.replace("grad_", "grad"), tuple(int(i) for i in inner.indices))
            elif isinstance(lhs, sp.Indexed):
                name = str(lhs.base)
                key = (name, tuple(int(i) for i in lhs.indices))
            else:
                key = ("E", ())
            out[key] = line
    return out


def report(findings: list[Finding], where: str) -> tuple[list[str], int]:
    """Lines to print and the exit status (1 when a number is wrong)."""
    lines = [f.describe(where) for f in findings]
    wrong = [f for f in findings if f.status == "wrong"]
    if wrong:
        first = wrong[0]
        lines.append(
            f"first wrong number: line {first.written.line}, {first.written.text} = "
            f"{_fmt(first.written.value, first.written.decimals)}; "
            f"the right value is {_fmt(first.right, first.written.decimals)}"
        )
    right = sum(f.status == "right" for f in findings)
    lines.append(
        f"{right} right, {len(wrong)} wrong, "
        f"{sum(f.status == 'consistent' for f in findings)} consistent with an earlier slip"
    )
    return lines, 1 if wrong else 0


def check_file(path, as_json: bool = False) -> int | None:
    """``derive check --file NOTE`` for a note with a ``[numbers]`` table: print the
    findings and return the exit status; None when the note has no such table."""
    import json
    import sys

    from ..commands.check import read_note
    from ..errors import printable

    text = read_note(path)
    findings = check_note(text, str(path))
    if findings is None:
        return None
    where = printable(str(path))
    if not findings:
        raise InputError(
            f"{where} declares [numbers] but no formula states a number of its network "
            "(such as net_{h1} = 0.3775)"
        )
    lines, code = report(findings, where)
    if as_json:
        out = {
            "numbers": [
                {
                    "line": f.written.line,
                    "quantity": f.written.text,
                    "written": f.written.value,
                    "right": f.right,
                    "status": f.status,
                    "consistent_with_line": f.because,
                }
                for f in findings
            ]
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write("\n".join(printable(line) for line in lines) + "\n")
    return code

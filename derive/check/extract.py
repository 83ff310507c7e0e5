r"""Find the formulas in a note and split them into relations.

``find_formulas(text)`` returns every display and inline formula of a Markdown
note (or, with ``markdown=False``, a ``.tex`` file): ``$$…$$``, ``$…$``,
``\[…\]``, ``\(…\)`` and the ``equation``/``align``/``gather``/``split``/
``multline`` environments (``*`` forms too). Fenced and inline code and HTML
comments are skipped in Markdown; ``%`` comments in TeX. ``Formula.latex`` is the
exact text between the delimiters (the whole ``\begin…\end`` for an
environment), so line numbers inside it can be recovered; only the ``>`` marks of
a ``$$`` block inside a Markdown blockquote are blanked out.

``split_relations(formula)`` returns every relation in a formula, one per
relation symbol (``=``, ``≈``, ``⇒``, ``<``, ``>``, ``≤``, ``≥`` and their TeX
commands). ``a = b = c`` gives ``a = b`` and ``b = c``. Rows (``\\``) are
separate; a row that starts with a relation (``&= B``) continues from the last
expression of the row before, and a formula that starts with one (note style
``$$= B$$``) gives a relation whose ``lhs`` is ``''``: the caller decides what it
continues. Relation symbols count only at the top level, not inside braces,
parentheses, ``\left…\right`` or environments such as ``pmatrix``.

Prose is not math: runs of CJK characters and punctuation (and ``\text{…}``
that contains them) split a row into segments, and only segments with a relation
give relations, so ``第一项: A = B`` gives ``A = B`` and ``即 A = B`` drops the
``即``. A relation whose left side is prose is dropped. A top-level ``,`` or
``;`` splits a segment when both sides hold a relation (``a = b, c = d``); a
comma part without a relation next to prose belongs to the prose and is
dropped. Compound assignments (``+=``, ``-=``) are not relations.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = ["Formula", "Relation", "find_formulas", "link_continuations", "split_relations"]


@dataclass(frozen=True)
class Formula:
    """One formula: ``line`` is the 1-based line of its opening delimiter."""

    line: int
    latex: str
    display: bool


@dataclass(frozen=True)
class Relation:
    """``lhs op rhs`` from one row of a formula; ``source`` is that row as written."""

    line: int
    lhs: str
    op: str
    rhs: str
    source: str
    alternatives: tuple[str, ...] = ()
    """Other left sides a continued formula may mean (see ``link_continuations``)."""
    condition: str = ""
    """Which units the relation is about, where it says so at its end
    (``k \\in \\text{outputs}``): see :data:`UNIT_CONDITION`."""


# --------------------------------------------------------------------------------------
# find_formulas

_ENVS = r"equation|align|gather|split|multline|eqnarray|alignat|flalign"
_ENV_BEGIN = re.compile(r"\\begin\s*\{((?:" + _ENVS + r")\*?)\}")
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_QUOTED = re.compile(r"[ \t]*>[ \t>]*\Z")  # the text before $$ on its line: a blockquote
_QUOTE_MARKS = re.compile(r"(?<=\n)[ \t]*>[ \t>]*")


def _blank(m: re.Match) -> str:
    return " " * len(m.group(0))


def find_formulas(text: str, *, markdown: bool = True) -> list[Formula]:
    """Every formula in ``text`` in order of appearance; see the module docstring."""
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(pos: int) -> int:
        return bisect.bisect_left(newlines, pos) + 1

    out: list[Formula] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if markdown and (i == 0 or text[i - 1] == "\n"):
            m = _FENCE.match(text, i)
            if m:
                i = _skip_fence(text, m)
                continue
        if markdown and c == "`":
            i = _skip_code_span(text, i)
            continue
        if markdown and text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            i = n if end < 0 else end + 3
            continue
        if not markdown and c == "%":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt in ("[", "("):
                closer = "\\]" if nxt == "[" else "\\)"
                end = _scan_math(text, i + 2, closer)
                if end >= 0:
                    out.append(Formula(line_of(i), text[i + 2 : end], nxt == "["))
                    i = end + 2
                    continue
            elif nxt == "b":
                m = _ENV_BEGIN.match(text, i)
                if m:
                    end = _env_end(text, m)
                    if end >= 0:
                        out.append(Formula(line_of(i), text[i:end], True))
                        i = end
                        continue
            i += 2  # an escaped character: \$, \\, \{
            continue
        if c == "$":
            if text.startswith("$$", i):
                end = _scan_math(text, i + 2, "$$")
                if end >= 0:
                    latex = text[i + 2 : end]
                    if markdown and _QUOTED.match(text, text.rfind("\n", 0, i) + 1, i):
                        latex = _QUOTE_MARKS.sub(_blank, latex)
                    out.append(Formula(line_of(i), latex, True))
                    i = end + 2
                    continue
                i += 2
                continue
            end = _inline_dollar_end(text, i)
            if end >= 0:
                out.append(Formula(line_of(i), text[i + 1 : end], False))
                i = end + 1
                continue
        i += 1
    return out


def _skip_fence(text: str, m: re.Match) -> int:
    fence = m.group(1)
    closing = re.compile(
        r"^[ \t]*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$", re.M
    )
    line_end = text.find("\n", m.end())
    if line_end < 0:
        return len(text)
    close = closing.search(text, line_end + 1)
    if close is None:
        return len(text)
    return close.end()


def _skip_code_span(text: str, i: int) -> int:
    j = i
    while j < len(text) and text[j] == "`":
        j += 1
    ticks = text[i:j]
    m = re.compile(r"(?<!`)" + ticks + r"(?!`)").search(text, j)
    return m.end() if m else j


def _scan_math(text: str, start: int, closer: str) -> int:
    """Index of ``closer`` after ``start``, skipping escaped characters; -1 if none."""
    j, n = start, len(text)
    while j < n:
        if text.startswith(closer, j):
            return j
        j += 2 if text[j] == "\\" else 1
    return -1


def _inline_dollar_end(text: str, i: int) -> int:
    """Pandoc's rule: no space after the opening $, none before the closing $, and the
    closing $ not followed by a digit; an inline formula does not cross a blank line."""
    start = i + 1
    if start >= len(text) or text[start].isspace():
        return -1
    j, n = start, len(text)
    while j < n:
        ch = text[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "\n" and _BLANK_LINE.match(text, j):
            return -1
        if ch == "$":
            if text[j - 1].isspace() or text[j + 1 : j + 2].isdigit():
                return -1
            return j
        j += 1
    return -1


def _env_end(text: str, m: re.Match) -> int:
    # search from m.start() in place: slicing the rest of the text for every
    # environment made a note's extraction quadratic in its length
    pattern = re.compile(r"\\(begin|end)\s*\{" + re.escape(m.group(1)) + r"\}")
    depth = 0
    for t in pattern.finditer(text, m.start()):
        depth += 1 if t.group(1) == "begin" else -1
        if depth == 0:
            return t.end()
    return -1


# --------------------------------------------------------------------------------------
# split_relations

#: Prose: CJK ideographs, kana, hangul, CJK and full-width punctuation, curly quotes.
CJK = re.compile(
    r"[\u2018-\u201f\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
    r"\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+"
)
_PROSE_MARK = "\u3002"  # 。 stands in for prose that is blanked out

_ALIGN_ENVS = re.compile(r"(?:" + _ENVS + r"|aligned|gathered|alignedat|multlined)\*?")
_TEXTLIKE = re.compile(r"\\(?:text[a-z]*|mbox|mathrm|operatorname\*?)\s*\{")
_BOLDLIKE = re.compile(r"\\(?:bold|mathbf|boldsymbol|bm|pmb)\s*\{")
_ALIGN_WRAPPER = re.compile(
    r"\\(?:begin|end)\s*\{(?:" + _ENVS + r"|aligned|gathered|alignedat|multlined)\*?\}"
)
_BEGIN_END = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}(\s*\[[a-z]\]|\s*\{\d+\})?")
_LEFT_RIGHT = re.compile(r"\\(left|right)(?![a-zA-Z])\s*(\\[a-zA-Z]+|\\.|.)?", re.S)
_DROP = re.compile(r"\\(?:tag\*?|label)\s*\{[^{}]*\}|\\(?:nonumber|notag)(?![a-zA-Z])")

_RELATION_COMMANDS = {
    "approx": "≈",
    "equiv": "≡",
    "Rightarrow": "⇒",
    "implies": "⇒",
    "Longrightarrow": "⇒",
    "lt": "<",
    "gt": ">",
    "le": "≤",
    "leq": "≤",
    "leqslant": "≤",
    "ge": "≥",
    "geq": "≥",
    "geqslant": "≥",
}
_RELATION_CHARS = {
    "=": "=",
    "<": "<",
    ">": ">",
    "≈": "≈",
    "≡": "≡",
    "⇒": "⇒",
    "≤": "≤",
    "≥": "≥",
}

#: A condition on units at the end of a relation, after a comma or a space
#: (``\quad``), optionally "for"/"if"/"where" and parentheses:
#: ``o_{pk} = \frac{…}{…}, \quad k \in \text{outputs}``; ``(j \notin \text{outputs})``.
#: Rumelhart's units are generic ("j may be an output or a hidden unit"), so a rule
#: that holds for output units only says so; what the set means is the checker's.
UNIT_CONDITION = re.compile(
    r"(?:,|\\q?quad(?![a-zA-Z]))"
    r"(?:\s|\\q?quad(?![a-zA-Z])|\\[,;: ]|~)*"
    r"(?:\\(?:text|mathrm)\s*\{\s*(?:for|if|where)\s*\}\s*)?"
    r"(?P<open>\(|\\left\s*\()?\s*"
    r"(?P<condition>[a-zA-Z]'*(?:\s*,\s*[a-zA-Z]'*)*\s*(?:\\in|\\notin|∈|∉)(?![a-zA-Z])"
    r"\s*\\(?:text|mathrm)\s*\{[a-zA-Z ]+\})"
    r"\s*(?(open)(?:\)|\\right\s*\)))\s*[.,;]?\s*$"
)


def _unit_condition(piece: str) -> tuple[str, str]:
    """(``piece`` without a trailing unit condition, the condition or '')."""
    m = UNIT_CONDITION.search(piece)
    if not m:
        return piece, ""
    return piece[: m.start()], " ".join(m.group("condition").split())


# One token of a row for depth tracking.
_TOKEN = re.compile(
    r"\\left\s*(?:\\[a-zA-Z]+|\\.|.)"
    r"|\\right\s*(?:\\[a-zA-Z]+|\\.|.)"
    r"|\\(?:begin|end)\s*\{[^{}]*\}"
    r"|\\[a-zA-Z]+"
    r"|\\."
    r"|[{}()\[\],;=<>≈≡⇒≤≥]",
    re.S,
)

_TRIM = re.compile(
    r"^(?:\s|[,.;:]|~|\\[,;:! ]|\\(?:q?quad|tiny|small|normalsize|large|Large|LARGE|huge|Huge"
    r"|displaystyle|textstyle)(?![a-zA-Z]))+"
)
_TRIM_END = re.compile(
    r"(?:\s|[,.;:]|~|\\[,;:! ]|\\(?:q?quad|tiny|small|normalsize|large|Large|LARGE|huge|Huge"
    r"|displaystyle|textstyle)(?![a-zA-Z]))+$"
)


def split_relations(formula: Formula | str) -> list[Relation]:
    """Every relation in ``formula``; see the module docstring."""
    if isinstance(formula, str):
        formula = Formula(1, formula, True)
    text = formula.latex
    buf, breaks = _prepare(text)
    rows = []
    start = 0
    for b in breaks + [len(buf)]:
        rows.append((start, b))
        start = b
    out: list[Relation] = []
    previous = ""  # the last expression of the row before
    for a, b in rows:
        row = buf[a:b]
        lead = len(row) - len(row.lstrip())
        line = formula.line + text.count("\n", 0, a + lead)
        source = _ALIGN_WRAPPER.sub(" ", text[a:b]).strip()
        if source.startswith("\\\\"):
            source = source[2:].strip()
        previous = _row_relations(row, line, source, previous, out)
    return out


def _prepare(text: str) -> tuple[str, list[int]]:
    """Blank what is not math (keeping offsets) and find the top-level row breaks."""
    buf = list(_strip_comments(text))
    s = "".join(buf)
    for m in _DROP.finditer(s):
        buf[m.start() : m.end()] = " " * (m.end() - m.start())
    s = "".join(buf)
    breaks: list[int] = []
    stack: list[str] = []  # '{', 'bold', 'env', 'left'
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            m = _TEXTLIKE.match(s, i)
            if m:
                end = _match_brace(s, m.end() - 1)
                if CJK.search(s, m.end(), end):
                    buf[i:end] = _PROSE_MARK * (end - i)
                i = end
                continue
            m = _BOLDLIKE.match(s, i)
            if m and not stack:
                buf[i : m.end()] = " " * (m.end() - i)
                stack.append("bold")
                i = m.end()
                continue
            m = _BEGIN_END.match(s, i)
            if m:
                if _ALIGN_ENVS.fullmatch(m.group(2)):
                    buf[i : m.end()] = " " * (m.end() - i)
                elif m.group(1) == "begin":
                    stack.append("env")
                elif stack and stack[-1] == "env":
                    stack.pop()
                i = m.end()
                continue
            m = _LEFT_RIGHT.match(s, i)
            if m:
                if m.group(1) == "left":
                    stack.append("left")
                elif stack and stack[-1] == "left":
                    stack.pop()
                i = m.end()
                continue
            if s.startswith("\\\\", i):
                if not stack:
                    buf[i] = buf[i + 1] = " "
                    breaks.append(i)
                i += 2
                continue
            i += 2
            continue
        if c == "{":
            stack.append("{")
        elif c == "}":
            if stack and stack[-1] in ("{", "bold"):
                if stack.pop() == "bold":
                    buf[i] = " "
        elif c == "&" and "env" not in stack:
            buf[i] = " "
        i += 1
    return "".join(buf), breaks


def _strip_comments(text: str) -> str:
    """Blank TeX comments: an unescaped % to the end of its line."""
    return re.sub(
        r"(?<!\\)((?:\\\\)*)%[^\n]*",
        lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))),
        text,
    )


def _match_brace(s: str, open_at: int) -> int:
    depth = 0
    i = open_at
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(s)


def _row_relations(row: str, line: int, source: str, previous: str, out: list[Relation]) -> str:
    """Append the relations of one row to ``out``; return the row's last expression."""
    segments = []  # (start, end) of the math between prose
    pos = 0
    for m in CJK.finditer(row):
        segments.append((pos, m.start()))
        pos = m.end()
    segments.append((pos, len(row)))
    last = previous
    row_start = True  # nothing but space so far in this row
    for k, (a, b) in enumerate(segments):
        seg = row[a:b]
        after_prose = k > 0
        before_prose = k < len(segments) - 1
        if not seg.strip():
            if after_prose:
                row_start = False
            continue
        for statement in _statements(seg, after_prose, before_prose):
            pieces, ops = _split_at_relations(statement)
            pieces[-1], condition = _unit_condition(pieces[-1]) if ops else (pieces[-1], "")
            pieces = [_trim(p) for p in pieces]
            if not ops:
                if pieces[0]:
                    last = pieces[0]
                    row_start = False
                continue
            for j, op in enumerate(ops):
                lhs, rhs = pieces[j], pieces[j + 1]
                if j == 0 and not lhs:
                    if not row_start or after_prose:
                        continue  # the left side is prose
                    lhs = last  # '&= B' continues the row before
                if not rhs:
                    continue
                if op == "=" and lhs.endswith(("+", "-")):
                    continue  # v += dv is an assignment
                out.append(Relation(line, lhs, op, rhs, source, condition=condition))
            if pieces[-1]:
                last = pieces[-1]
            row_start = False
        if after_prose:
            row_start = False
    return last if not row_start else previous


def _trim(piece: str) -> str:
    piece = _TRIM.sub("", piece)
    return _TRIM_END.sub("", piece)


def _tokens_at_top(s: str):
    """(kind, start, end, op) for top-level commas and relation symbols of ``s``."""
    depth = 0
    for m in _TOKEN.finditer(s):
        tok = m.group(0)
        if tok in ("{", "(", "[") or tok.startswith("\\left") or tok.startswith("\\begin"):
            depth += 1
        elif tok in ("}", ")", "]") or tok.startswith("\\right") or tok.startswith("\\end"):
            depth = max(depth - 1, 0)
        elif depth == 0:
            if tok in (",", ";"):
                yield "comma", m.start(), m.end(), None
            elif tok in _RELATION_CHARS:
                yield "rel", m.start(), m.end(), _RELATION_CHARS[tok]
            elif tok[1:] in _RELATION_COMMANDS:
                yield "rel", m.start(), m.end(), _RELATION_COMMANDS[tok[1:]]


def _has_relation(part: str) -> bool:
    return any(k == "rel" for k, *_ in _tokens_at_top(_unwrap_parens(part)))


def _unwrap_parens(part: str) -> str:
    """'(\\eta>0)' -> '\\eta>0' when the parentheses enclose the whole part."""
    s = part.strip()
    if not (s.startswith("(") and s.endswith(")")):
        return part
    depth = 0
    for m in _TOKEN.finditer(s):
        tok = m.group(0)
        if tok in ("{", "(", "[") or tok.startswith("\\left") or tok.startswith("\\begin"):
            depth += 1
        elif tok in ("}", ")", "]") or tok.startswith("\\right") or tok.startswith("\\end"):
            depth -= 1
            if depth == 0 and m.end() < len(s):
                return part
    return s[1:-1]


def _statements(seg: str, after_prose: bool, before_prose: bool) -> list[str]:
    """Split a segment at top-level commas where both sides hold a relation."""
    cuts = [start for kind, start, _, _ in _tokens_at_top(seg) if kind == "comma"]
    bounds = [0] + [c + 1 for c in cuts]
    ends = [c for c in cuts] + [len(seg)]
    parts = [seg[a:b] for a, b in zip(bounds, ends, strict=False)]
    flags = [_has_relation(p) for p in parts]
    if after_prose:
        while len(parts) > 1 and not flags[0]:
            parts.pop(0)
            flags.pop(0)
    if before_prose:
        while len(parts) > 1 and not flags[-1]:
            parts.pop()
            flags.pop()
    statements: list[list[str]] = []
    has: list[bool] = []
    for part, flag in zip(parts, flags, strict=False):
        if statements and not (flag and has[-1]):
            statements[-1].append(part)
            has[-1] = has[-1] or flag
        else:
            statements.append([part])
            has.append(flag)
    out = []
    for group in statements:
        text = ",".join(group)
        if (
            len(group) == 1
            and _has_relation(text)
            and not any(k == "rel" for k, *_ in _tokens_at_top(text))
        ):
            text = _unwrap_parens(text)
        out.append(text)
    return out


def _split_at_relations(statement: str) -> tuple[list[str], list[str]]:
    pieces, ops = [], []
    pos = 0
    for kind, start, end, op in _tokens_at_top(statement):
        if kind == "rel":
            pieces.append(statement[pos:start])
            ops.append(op)
            pos = end
    pieces.append(statement[pos:])
    return pieces, ops


def link_continuations(formulas: list[Formula], reach: int = 4) -> list[Relation]:
    """Every relation of ``formulas``; a formula that starts with its relation
    (note 001's ``$$= W_{h-o}^T e_o$$``) continues an earlier one: its left side
    is the last expression of the formula before it, and the last expressions
    of the ``reach`` formulas before are kept as ``alternatives`` (notes
    interleave side calculations, so the verifier tries each)."""
    out: list[Relation] = []
    previous: list[str] = []
    for formula in formulas:
        relations = split_relations(formula)
        for n, rel in enumerate(relations):
            if n == 0 and not rel.lhs.strip() and previous:
                rel = Relation(
                    rel.line,
                    previous[-1],
                    rel.op,
                    rel.rhs,
                    rel.source,
                    tuple(reversed(previous[-reach:-1])),
                    rel.condition,
                )
            out.append(rel)
        if formula.display:  # an inline $o_k$ in the prose is no step of a chain
            previous.append(relations[-1].rhs if relations else formula.latex.strip())
    return out

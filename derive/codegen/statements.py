"""The statement IR: ``target = code`` lines, dead-code removal, ruff-shaped wrapping."""

from __future__ import annotations

import ast
from dataclasses import dataclass

LINE_LENGTH = 100
"""The project's ruff line length (pyproject.toml)."""


@dataclass(frozen=True)
class Statement:
    target: str
    code: str
    comment: str = ""

    @property
    def uses(self) -> frozenset[str]:
        tree = ast.parse(self.code, mode="eval")
        return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))

    def line(self, indent: int = 4, width: int = LINE_LENGTH) -> str:
        """``target = code``, wrapped the way ``ruff format`` wraps a long one."""
        text = f"{self.target} = {self.code}"
        if len(text) + indent <= width:
            return text
        return f"{self.target} = (\n{' ' * (indent + 4)}{self.code}\n{' ' * indent})"


def needed(statements: list[Statement], names: set[str]) -> list[Statement]:
    """The statements that compute ``names``, in order (dead ones dropped)."""
    want = set(names)
    keep = []
    for st in reversed(statements):
        if st.target in want:
            keep.append(st)
            want |= st.uses
    return keep[::-1]


def wrap(head: str, items: list[str], tail: str, indent: int, tuple_: bool = False) -> str:
    """``head + items + tail`` laid out as ``ruff format`` lays it out.

    One line if it fits; else the items on one indented line between ``head``
    and ``tail``; else one item a line with a trailing comma.  ``return`` and
    a tuple-unpacking target (``head`` or ``tail`` without its parenthesis)
    get parentheses when they wrap.  ``tuple_``: a one-item tuple keeps its comma.
    """
    body = ", ".join(items) + ("," if tuple_ and len(items) == 1 else "")
    one = f"{head}{body}{tail}"
    if indent + len(one) <= LINE_LENGTH:
        return one
    if head == "return ":
        head, tail = "return (", ")"
    elif head == "":
        head, tail = "(", ")" + tail
    pad, inner = " " * indent, " " * (indent + 4)
    middle = f"{inner}{', '.join(items)}"
    if len(middle) <= LINE_LENGTH:
        return f"{head}\n{middle}\n{pad}{tail}"
    lines = "".join(f"{inner}{item},\n" for item in items)
    return f"{head}\n{lines}{pad}{tail}"

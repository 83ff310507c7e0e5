"""A note's time grows linearly with its size (issue 11).

Measured as counts of work, not seconds: the number of relations the checker
judged, of sides it parsed and of nodes its numbers visited, for a note of N
distinct formulas and one of 4N.  Quadratic behaviour anywhere in the pipeline
(extraction, caches, memo tables) shows up as a ratio far above 4.  The
seconds are in bench/bench_check.py.  Extraction alone is also checked on
large notes, where a quadratic scan shows only at sizes the checker would
take minutes to judge.
"""

from __future__ import annotations

import time

from derive.check import evaluate, parse
from derive.check.extract import find_formulas, link_continuations
from derive.check.verify import Checker

FORMS = [
    r"\delta_k = {n}(d_k - O_k) O_k (1 - O_k)",
    r"\Delta w_{{jk}} = \eta \delta_k O_j + {n} - {n}",
    r"net_j = {n}\sum_i v_{{ij}} O_i",
    r"\frac{{\partial E}}{{\partial w_{{jk}}}} = -\delta_k O_j {n}/{n}",
]


def note(n: int, env: bool = False, prose: str = "") -> str:
    wrap = (r"\begin{align}", r"\end{align}") if env else ("$$", "$$")
    return "\n\n".join(
        f"Step {i}: {prose}{wrap[0]}" + FORMS[i % 4].format(n=i // 4 + 2) + wrap[1]
        for i in range(n)
    )


class Counter:
    """Counts calls of the checker's stages by wrapping them (no timing)."""

    def __init__(self, monkeypatch) -> None:
        self.calls = {"parse": 0, "compile": 0, "check": 0}
        for module, name, key in [
            (parse, "_tree", "parse"),
            (evaluate, "compile_dual", "compile"),
        ]:
            original = getattr(module, name)
            monkeypatch.setattr(module, name, self.counting(original, key))
        original_check = Checker._check
        counter = self

        def check(self, rel, *args):
            counter.calls["check"] += 1
            return original_check(self, rel, *args)

        monkeypatch.setattr(Checker, "_check", check)

    def counting(self, fn, key):
        def wrapped(*args, **kwargs):
            self.calls[key] += 1
            return fn(*args, **kwargs)

        return wrapped


def work(n: int, monkeypatch) -> dict:
    counter = Counter(monkeypatch)
    parse.clear_cache()
    checker = Checker("doc004")
    for rel in link_continuations(find_formulas(note(n))):
        checker.check(rel)
    monkeypatch.undo()
    return counter.calls


def test_checking_4x_the_formulas_is_at_most_5x_the_work(monkeypatch):
    small, large = work(40, monkeypatch), work(160, monkeypatch)
    for key in small:
        assert large[key] <= 5 * small[key], (key, small, large)
    assert large["check"] == 160


def test_extraction_is_linear_in_the_note_length():
    def seconds(n: int) -> float:
        text = note(n, env=True, prose="Some prose between the formulas. " * 8)
        start = time.process_time()
        rels = link_continuations(find_formulas(text))
        assert len(rels) == n
        return time.process_time() - start

    seconds(500)  # warm up
    small = min(seconds(2000) for _ in range(2))
    large = min(seconds(8000) for _ in range(2))
    # 4x the size: linear is 4x (3.8x measured on a quiet machine, 5.1x beside other
    # work); quadratic is 16x.  Loose on purpose: the figures are in bench_check.py
    assert large <= 8 * small, (small, large)

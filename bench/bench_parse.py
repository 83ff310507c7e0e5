"""Time the LaTeX front end on the seed notes: every relation of the five notes, 50 times.

Run: python3 bench/bench_parse.py [NOTES_DIR]

NOTES_DIR defaults to ../shared/seeds beside the repository, or examples/ in a clone.

"cold" clears the memo before each round, so every round really lexes, parses and
builds SymPy; "warm" keeps it, as a long note with repeated formulas would. The last
line runs the whole front end (find, split, parse) over a 1 MB note made of copies of
the five notes, clearing the memo before each copy so that no formula is free.
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from derive.check.extract import find_formulas, split_relations  # noqa: E402
from derive.check.parse import (  # noqa: E402
    LatexSyntaxError,
    Unsupported,
    clear_cache,
    parse_latex,
)

ROUNDS = 50
LAYERS = frozenset({"W", "b", "delta", "net", "O", "h"})


def sides(seeds: Path) -> list[str]:
    out = []
    for path in sorted(p for p in seeds.iterdir() if p.suffix in (".txt", ".md", ".tex")):
        for formula in find_formulas(path.read_text(encoding="utf-8")):
            for rel in split_relations(formula):
                out.extend(s for s in (rel.lhs, rel.rhs) if s)
    return out


def run(items: list[str], cold: bool) -> float:
    start = time.perf_counter()
    for _ in range(ROUNDS):
        if cold:
            clear_cache()
        for s in items:
            try:
                parse_latex(s, layer_bases=LAYERS)
            except (LatexSyntaxError, Unsupported):
                pass
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    default = ROOT.parent / "shared" / "seeds"
    if not default.is_dir():  # a clone: the example note the repository carries
        default = ROOT / "examples"
    seeds = Path(argv[0]) if argv else default
    start = time.perf_counter()
    items = sides(seeds)
    extract_s = time.perf_counter() - start
    parse_latex("x")  # build the LALR tables once, outside the timing
    print(f"{len(items)} relation sides from {seeds}; extraction {extract_s * 1000:.1f} ms")
    for cold in (True, False):
        total = run(items, cold)
        per = total / (ROUNDS * len(items)) * 1e6
        label = "cold" if cold else "warm"
        print(f"{label}: {ROUNDS} rounds in {total:.2f} s ({per:.0f} us per side)")
    texts = [
        p.read_text(encoding="utf-8")
        for p in sorted(seeds.iterdir())
        if p.suffix in (".txt", ".md", ".tex")
    ]
    size = sum(len(t.encode("utf-8")) for t in texts)
    copies = -(-1_000_000 // size)
    start = time.perf_counter()
    count = 0
    for _ in range(copies):
        clear_cache()
        for text in texts:
            for formula in find_formulas(text):
                for rel in split_relations(formula):
                    for s in (rel.lhs, rel.rhs):
                        if s:
                            count += 1
                            try:
                                parse_latex(s, layer_bases=LAYERS)
                            except (LatexSyntaxError, Unsupported):
                                pass
    total = time.perf_counter() - start
    print(f"1 MB note ({copies} copies, {count} sides, memo cleared per copy): {total:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

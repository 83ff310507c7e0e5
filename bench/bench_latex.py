"""Benchmark: `python -m derive latex` as a whole process, and width independence.

Run: python bench/bench_latex.py [--runs N]
Prints medians; the width figure is a ratio measured side by side in one run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def process_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv], cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def derivation_seconds(widths: tuple[int, ...], runs: int, bias: bool = False) -> float:
    from derive.derivation import derive
    from derive.functions import output_form
    from derive.network import build

    times = []
    for _ in range(runs):
        output_form.cache_clear()
        start = time.perf_counter()
        derive(build(widths=widths, bias=bias))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    sympy_only = process_seconds(["-c", "import sympy"], runs)
    latex = process_seconds(["-m", "derive", "latex"], runs)
    print(f"import sympy alone (process)         {sympy_only:6.3f} s")
    print(f"python -m derive latex (process)     {latex:6.3f} s")
    small, large = [], []
    for _ in range(runs):  # interleaved, so drift hits both alike
        small.append(derivation_seconds((3, 4, 2), 1))
        large.append(derivation_seconds((784, 100, 10), 1))
    s, lg = statistics.median(small), statistics.median(large)
    print(f"derive (3,4,2)                       {s:6.3f} s")
    print(f"derive (784,100,10)                  {lg:6.3f} s   ratio {lg / s:4.2f}")
    base = None
    for depth in (2, 4, 8, 16):
        widths = (5,) * (depth + 1)
        t = derivation_seconds(widths, max(1, runs // 2))
        base = base or t
        print(f"derive L={depth:<2d} weight layers          {t:6.3f} s   x{t / base:5.2f} of L=2")


if __name__ == "__main__":
    main()

"""Benchmark `derive check`: each note whole (a process each), and a 1 MB note.

Run: python bench/bench_check.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
NOTATION = {"000": "rashid", "001": "rashid", "003": "doc003", "004": "doc004"}


def seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "derive", *argv], cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def big_note(target: int = 1_000_000) -> str:
    """Copies of the notes with small variations (a changed factor, a renamed index)."""
    notes = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("00[04]_*.txt"))]
    parts, n = [], 0
    while sum(map(len, parts)) < target:
        for text in notes:
            variant = text.replace("\\eta", "2\\eta") if n % 3 == 1 else text
            variant = variant.replace("O_j", "O_i") if n % 5 == 2 else variant
            parts.append(variant)
            n += 1
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    for prefix, notation in NOTATION.items():
        (path,) = SEEDS.glob(f"{prefix}_*.txt")
        t = seconds(["check", "--notation", notation, "--file", str(path)], runs)
        print(f"check note {prefix} ({notation:6s}) whole process   median {t:6.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.md"
        path.write_text(big_note(), encoding="utf-8")
        size = path.stat().st_size
        t = seconds(["check", "--file", str(path)], 1)
        print(f"check a {size / 1e6:.1f} MB note (doc004)                   {t:6.2f} s")


if __name__ == "__main__":
    main()

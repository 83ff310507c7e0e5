"""CI smoke test of the speed benchmark: ``bench/bench_speed.py --quick`` runs and prints its table.

Not a timing test: it only checks that every configuration, network and case
of the matrix was measured and printed (figures are in the README).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_bench_prints_the_whole_matrix():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_speed.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "| configuration | network | case | generated | hand-written | gen/hand |" in out
    for config in ("CORETYPE as set", "CORETYPE unset", "OPENBLAS_NUM_THREADS=1"):
        for net in ("784-100-10", "784-256-128-10+b"):
            for cell in ("per sample, float64", "batch 128, float32"):
                assert f"| {net} | {cell} |" in out and config in out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "x |" in line]
    assert len(rows) >= 3 * 2 * 4  # every cell has its ratios
    assert "| derive train, batch 1 |" in out and "samples/s" in out


def test_every_printout_bench_check_times_is_built_as_the_cli_builds_it():
    """bench_check times each printed relation against the network it was printed for;
    each of its printouts must print, and its network be the CLI's."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import bench_check
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from tests.helpers import run_cli

    for notation, extra in bench_check.PRINTOUTS:
        code, out, err = run_cli("latex", "--notation", notation, *extra)
        assert code == 0, (notation, extra, err)
        network = bench_check._network(notation, tuple(extra))
        widths = (
            [int(w) for w in extra[extra.index("--layers") + 1].split(",")]
            if ("--layers" in extra)
            else None
        )
        assert widths is None or list(network.widths) == widths
        assert "--bias" not in extra or network.bias

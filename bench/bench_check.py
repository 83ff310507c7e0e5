"""Benchmark `derive check`: notes whole, every relation alone, notes of N formulas, and
the hostile inputs of issue 11 (time and peak memory of each process).

Run: python bench/bench_check.py [--runs N] [--sizes 1000,4000,10000] [--quick] [--notes-only]
     python bench/bench_check.py --against OTHER_CHECKOUT [--runs N]   (the notes, side by side)

Works from a clone: without the study notes beside the repository
(../shared/seeds) it uses the example note examples/note004_en.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SEEDS = ROOT.parent / "shared" / "seeds"
EXAMPLE = ROOT / "examples" / "note004_en.md"
NOTATION = {"000": "rashid", "001": "rashid", "003": "doc003", "004": "doc004"}

FORMS = [
    r"\delta_k = {n}(d_k - O_k) O_k (1 - O_k)",
    r"\Delta w_{{jk}} = \eta \delta_k O_j + {n} - {n}",
    r"net_j = {n}\sum_i v_{{ij}} O_i",
    r"\frac{{\partial E}}{{\partial w_{{jk}}}} = -\delta_k O_j {n}/{n}",
]
"""Distinct formulas (the number n makes each one new): fails, holds, fails, holds."""

HOSTILE = [
    "x = 10^{10^{10}}",
    r"\eta = 9^{9^{9}}",
    r"\eta = \sum_{n=0}^{K^{30}} \eta",
    r"\eta = " + r"\tanh(" * 50 + "x" + ")" * 50,
    r"\eta = " + r"\sigma(" * 200 + "x" + ")" * 200,
    "y = " + "x" * 100_000,
    r"A = \begin{pmatrix}1 & 1\\ 1 & 0\end{pmatrix}^{1000000}",
    r"\eta = e^{1000}",
    r"\eta = \sum_{n=0}^{e^{1000} K} \eta",
    r"\eta = net_k^{100000}",
    "f(x,y) = x^{2} + y^{2}",
]


def notes() -> list[tuple[str, str, Path]]:
    """(label, notation, path) of the notes to time."""
    if SEEDS.is_dir():
        return [(f"note {p}", n, next(SEEDS.glob(f"{p}_*.txt"))) for p, n in NOTATION.items()]
    return [("example note004_en.md", "doc004", EXAMPLE)]


def process(argv: list[str], tree: Path = ROOT) -> tuple[float, float, float]:
    """Seconds, peak resident MB and CPU seconds of ``derive ARGV`` in its own process,
    run from ``tree`` (a checkout of derive), with bytecode caching on as for an installed
    package (this machine sets PYTHONDONTWRITEBYTECODE, which adds compiling every module)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "derive", *argv],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, _, usage = os.wait4(proc.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, usage.ru_maxrss / 1024, cpu


def whole_notes() -> list[tuple[str, str, Path]]:
    """The notes checked whole, side by side: the study notes, note 002 (its formulas are
    images: it ends in "nothing checkable", the cost of starting) and the example note."""
    out = notes()
    if SEEDS.is_dir():
        out.insert(2, ("note 002", "rashid", next(SEEDS.glob("002_*.txt"))))
        out.append(("example note004_en.md", "doc004", EXAMPLE))
    return out


def compare_notes(runs: int, against: Path) -> None:
    """Each note checked by this tree and by ``against`` (another checkout, e.g. an older
    commit in a git worktree), alternately, so that both see the same load: medians of
    wall and CPU seconds and the ratios."""
    print(f"median of {runs} runs each, alternating; here / {against}")
    for label, notation, path in whole_notes():
        argv = ["check", "--notation", notation, "--file", str(path)]
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(process(argv))
            theirs.append(process(argv, against))
        (aw, ac), (bw, bc) = (
            (statistics.median(t for t, _, _ in xs), statistics.median(c for _, _, c in xs))
            for xs in (ours, theirs)
        )
        print(
            f"check {label}: wall {aw:5.2f} s here, {bw:5.2f} s there ({aw / bw:.2f}x); "
            f"CPU {ac:5.2f} s here, {bc:5.2f} s there ({ac / bc:.2f}x)"
        )


def big_note(n: int) -> str:
    return "\n\n".join(f"Step {i}: $$" + FORMS[i % 4].format(n=i // 4 + 2) + "$$" for i in range(n))


def check_in_process(text: str) -> tuple[int, float, float]:
    """(relations, wall seconds, CPU seconds of this process)."""
    from derive.check.extract import find_formulas, link_continuations
    from derive.check.verify import Checker

    start, cpu = time.perf_counter(), time.process_time()
    checker = Checker("doc004")
    rels = link_continuations(find_formulas(text))
    for rel in rels:
        checker.check(rel)
    return len(rels), time.perf_counter() - start, time.process_time() - cpu


PRINTOUTS: list[tuple[str, list[str]]] = [
    ("doc004", []),
    ("rashid", []),
    ("doc003", []),
    ("doc004", ["--layers", "3,4,4,4,2", "--bias"]),
    # beyond the notes' defaults: a softmax output with biases (the costliest unrolled
    # loss at 2 layers), deep, and another book's conventions
    (
        "doc004",
        ["--activation", "tanh", "--output-activation", "softmax", "--loss", "ce", "--bias"],
    ),
    (
        "doc004",
        ["--activation", "tanh,relu,sigmoid,softmax", "--loss", "ce", "--layers", "5,4,3,6,2"],
    ),
    (
        "nielsen",
        ["--activation", "relu", "--output-activation", "sigmoid", "--loss", "bce", "--bias"],
    ),
]
"""(notation, options) of the `derive latex --steps` printouts whose relations are timed."""


def relations_to_time() -> list[tuple[str, str, tuple, object]]:
    """(origin, notation, network options, relation): the notes', the README's, the
    tool's own output (each checked against the network it was printed for)."""
    from derive.check.extract import Relation, find_formulas, split_relations

    out = []
    for label, notation, path in notes():
        for f in find_formulas(path.read_text(encoding="utf-8")):
            out += [(label, notation, (), r) for r in split_relations(f)]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in readme.splitlines():
        if line.startswith("python -m derive check '") and line.endswith("'"):
            text = line.split(" '", 1)[1][:-1].replace("'\"'\"'", "'")
            out += [("README", "doc004", (), r) for r in split_relations(text)]
    for notation, extra in PRINTOUTS:
        printed = subprocess.run(
            [sys.executable, "-m", "derive", "latex", "--notation", notation, "--steps", *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        label = f"latex {notation} {' '.join(extra)}".strip()
        for f in find_formulas(printed, markdown=False):
            out += [(label, notation, tuple(extra), r) for r in split_relations(f)]
    general = [
        (r"\delta^{(l)}_j", r"f'(net^{(l)}_j) \sum_k \delta^{(l+1)}_k W^{(l+1)}_{jk}"),
        (r"\frac{\partial E}{\partial W^{(l)}_{ij}}", r"-O^{(l)}_i \delta^{(l)}_j"),
        (r"\frac{\partial E}{\partial b^{(l)}_j}", r"\delta^{(l)}_j"),
    ]
    out += [("general layer", "doc004", (), Relation(1, a, "=", b, "")) for a, b in general]
    return out


def _network(notation: str, extra: tuple):
    """The network ``derive latex --notation NOTATION *extra`` printed (as the CLI builds it)."""
    from derive.commands.latex import network_from
    from derive.notation import PRESETS

    rest = [a for a in extra if a != "--bias"]
    opts = dict(zip(rest[::2], rest[1::2]))
    args = argparse.Namespace(
        activation=opts.get("--activation"),
        output_activation=opts.get("--output-activation"),
        loss=opts.get("--loss"),
        layers=opts.get("--layers"),
        bias="--bias" in extra,
        weight_decay=None,
    )
    return network_from(args, PRESETS[notation])


def slowest_relations(top: int = 5) -> None:
    from derive.check.verify import Checker

    checkers: dict = {}
    times = []
    for origin, notation, extra, rel in relations_to_time():
        key = (notation, extra)
        if key not in checkers:
            checkers[key] = Checker(notation, network=_network(notation, extra))
        start = time.perf_counter()
        v = Checker(notation).check(rel) if origin.startswith("general") else None
        if v is None:
            v = checkers[key].check(rel)
        times.append((time.perf_counter() - start, origin, v.status, f"{rel.lhs} = {rel.rhs}"))
    times.sort(reverse=True)
    print(f"{len(times)} relations timed one by one; the slowest:")
    for t, origin, status, text in times[:top]:
        print(f"  {t:6.2f} s  {status:11s} {origin}: {text[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,4000", help="formulas per generated note")
    parser.add_argument("--quick", action="store_true", help="one run, small sizes")
    parser.add_argument("--notes-only", action="store_true", help="only the notes, whole")
    parser.add_argument("--against", type=Path, help="another checkout to compare the notes with")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    sizes = [100, 400] if args.quick else [int(n) for n in args.sizes.split(",")]

    if args.against:
        compare_notes(runs, args.against)
        return
    for label, notation, path in notes():
        argv = ["check", "--notation", notation, "--file", str(path)]
        wall, cpu = zip(*((t, c) for t, _, c in (process(argv) for _ in range(runs))))
        print(
            f"check {label} ({notation}) whole process: median of {runs} "
            f"{statistics.median(wall):6.2f} s wall, {statistics.median(cpu):6.2f} s CPU"
        )
    if args.notes_only:
        return

    slowest_relations()

    base = None
    for n in sizes:
        count, t, cpu = check_in_process(big_note(n))
        base = base or (n, cpu)
        ratio = (cpu / base[1]) / (n / base[0])
        print(
            f"a note of {count} distinct formulas ({len(big_note(n)) / 1e3:.0f} KB): "
            f"{t:7.1f} s wall, {cpu:7.1f} s CPU ({cpu / count * 1e3:.1f} ms each; "
            f"CPU ratio / size ratio = {ratio:.2f})"
        )

    worst = (0.0, "")
    for argv in [["check", h] for h in HOSTILE] + [["check", "--file", "/dev/zero"]]:
        t, mb, _ = process(argv)
        worst = max(worst, (mb, argv[-1][:40]))
        print(f"  hostile {argv[-1][:40]!r:44s} {t:5.2f} s  {mb:6.0f} MB peak")
    print(f"worst peak memory: {worst[0]:.0f} MB ({worst[1]!r})")


if __name__ == "__main__":
    main()

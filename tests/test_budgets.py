"""Hostile --activation expressions and --layers: refused (or answered) quickly.

The real inputs from the issue run through ``derive.cli.main`` in ONE worker
subprocess under a 1 GiB address-space limit; each must finish within 10 s
(measured per input inside the worker) with one line on stderr and exit 2, or
with a normal answer, and never a traceback.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GIB = 1 << 30

REFUSED = [
    "exp(x)**64",
    "sigmoid(sigmoid(sigmoid(sigmoid(x))))",
    "exp(exp(exp(exp(exp(exp(exp(exp(x))))))))",
    "(x**64)**64",
    "x**0.1234567890123456789",
    "x**64",
    "x/0",
    "0**(-x)",
    "x*1e309",
    "x**x",
    "x" + "+x" * 300,
]

ANSWERED = ["exp(1000*x)", "x**16", "sigmoid(sigmoid(sigmoid(x)))", "2**x", "x**(1/3)"]

_WORKER = r"""
import io, json, sys, time
from contextlib import redirect_stderr, redirect_stdout
from derive.cli import main
out = []
for argv in json.loads(sys.stdin.read()):
    o, e = io.StringIO(), io.StringIO()
    t = time.perf_counter()
    with redirect_stdout(o), redirect_stderr(e):
        code = main(argv)
    out.append([code, o.getvalue(), e.getvalue(), time.perf_counter() - t])
print(json.dumps(out))
"""


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("out")
    deep = ",".join(["3"] * 30000)
    runs = [["latex", "--activation", e] for e in REFUSED + ANSWERED]
    runs += [["latex", "--layers", deep], ["codegen", "--layers", deep, "--out", str(out_dir)]]
    done = subprocess.run(
        [sys.executable, "-c", _WORKER],
        input=json.dumps(runs),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=10 * len(runs),
        preexec_fn=_limit,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answers = json.loads(done.stdout)
    return {tuple(argv): answer for argv, answer in zip(runs, answers)}, out_dir


@pytest.mark.parametrize("expr", REFUSED)
def test_refused_in_one_line(expr, results):
    code, out, err, seconds = results[0][("latex", "--activation", expr)]
    assert code == 2, err
    assert err.startswith("derive latex: error: ")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == ""
    assert seconds < 10


@pytest.mark.parametrize("expr", ANSWERED)
def test_answered_within_the_budget(expr, results):
    code, out, err, seconds = results[0][("latex", "--activation", expr)]
    assert code == 0, err
    assert r"\delta_{k}" in out
    assert seconds < 10


def test_layers_checked_before_deriving(results):
    by_argv, out_dir = results
    for (command, *rest), (code, _out, err, seconds) in by_argv.items():
        if command == "codegen" or "--layers" in rest:
            limit = "at most 14" if command == "codegen" else "at most 32"
            assert code == 2 and limit in err and err.count("\n") == 1
            assert seconds < 1
    assert not any(out_dir.iterdir())

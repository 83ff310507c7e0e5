"""Fuzzing `derive check` (and the options it shares with `latex`): whatever the
input, one line and exit 2, or verdicts; never a traceback, never slower than
the budget, never more than 1 GiB.

Hypothesis, derandomized (the same cases in every run).  The cases run in a
worker process of their own under ``RLIMIT_AS`` = 1 GiB: a case that blew up
memory kills the worker, one that hangs is noticed by the parent's clock.
The inputs are real hostile LaTeX built from the tokens the reproducers of
issue 11 are made of; nothing is mocked.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
CASE_SECONDS = 30.0
"""Far above any answer (the budgets answer in well under a second); a case past it hangs."""

WORKER = r"""
import resource  # the limit first, in the worker itself (no preexec_fn: the parent may have threads)
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
import io, json, sys, time
from contextlib import redirect_stderr, redirect_stdout
from derive.cli import main
for line in sys.stdin:
    argv = json.loads(line)
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:  # noqa: BLE001 - report, do not die
        code, err = -1, io.StringIO(f"escaped: {type(exc).__name__}: {exc}")
    reply = {"code": code, "out": out.getvalue()[-2000:], "err": err.getvalue()[-2000:],
             "seconds": time.perf_counter() - start}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
"""


class Worker:
    """One process under a 1 GiB address-space limit that runs ``derive`` argv after argv."""

    def __init__(self) -> None:
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )

    def run(self, argv: list[str]) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.proc.stdin.write(json.dumps(argv) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], CASE_SECONDS)
        if not ready:
            self.stop()
            pytest.fail(f"no answer in {CASE_SECONDS:.0f} s for derive {argv!r}")
        line = self.proc.stdout.readline()
        if not line:
            self.stop()
            pytest.fail(f"the worker died (memory over 1 GiB?) on derive {argv!r}")
        return json.loads(line)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.stop()


def assert_clean(argv: list[str], reply: dict) -> None:
    code, out, err = reply["code"], reply["out"], reply["err"]
    assert code in (0, 1, 2), (argv, reply)
    assert "Traceback" not in out + err and "internal error" not in err, (argv, reply)
    if code == 2 and err:
        assert err.count("\n") == 1 and err.startswith("derive "), (argv, reply)
    assert "\x1b" not in out + err, (argv, reply)


# -- LaTeX from the reproducers' own tokens ---------------------------------------------

TOKENS = [
    "x", "y", "K", "E", r"\eta", "O_j", "O_k", "net_k", "net_j", "d_k", "w_{jk}", "v_{ij}",
    r"\delta_k", r"\delta^{(l)}_j", "W^{(l+1)}_{jk}", r"\Delta w_{jk}", "f'(net_j)", "f(x)",
    "^{", "}", "_{", "{", "(", ")", r"\left(", r"\right)", "+", "-", r"\cdot", "/", "'",
    r"\frac{", "}{", r"\partial ", r"\sum_{k=0}^{", r"\sum_{n=0}^{", r"\Sigma_", r"\prod_{i}",
    r"\tanh", r"\sigma(", r"\exp(", "e^{", r"\sqrt[", "]{", "10", "9", "2", "0.5", "1000",
    "10^{10^{10}}", r"\begin{pmatrix}", "&", r"\\", r"\end{pmatrix}", r"\infty", r"\circ",
    "^T", r"\nabla", r"\text{sigmoid}", r"\max(", ",", "=", r"\approx", "<", r"\dots",
    "\x1b[31m", "é", "中", "$", "%", "#",
]  # fmt: skip


def latex() -> st.SearchStrategy[str]:
    glued = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=24).map("".join)
    nested = st.tuples(
        st.sampled_from([r"\tanh(", r"\sigma(", "{", "(", r"\exp(", "e^{", "9^{"]),
        st.sampled_from([2, 7, 9, 12, 41, 50, 200]),
    ).map(lambda t: t[0] * t[1] + "x" + ("}" if t[0].endswith("{") else ")") * t[1])
    return st.one_of(glued, nested, st.text(max_size=40))


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lhs=latex(), rhs=latex())
@example(lhs="x", rhs="10^{10^{10}}")
@example(lhs=r"\eta", rhs="9^{9^{9}}")
@example(lhs=r"\eta", rhs=r"\sum_{n=0}^{K^{30}} \eta")
@example(lhs=r"\eta", rhs=r"\sum_{n=0}^{e^{1000} K} \eta")
@example(lhs=r"\eta", rhs=r"\tanh(" * 9 + "x" + ")" * 9)
@example(lhs=r"\eta", rhs=r"\tanh " * 50 + "x")
@example(lhs=r"\eta", rhs=r"\sigma(" * 200 + "x" + ")" * 200)
@example(lhs="y", rhs="x" * 100_000)
@example(lhs="A", rhs=r"\begin{pmatrix}1 & 1\\ 1 & 0\end{pmatrix}^{1000000}")
@example(lhs=r"\eta", rhs="net_k^{100000}")
@example(lhs="E", rhs=r"e^{800}\eta")
@example(lhs="f(K)", rhs="1")
@example(lhs="f'(K)", rhs="1")
@example(lhs="f(x,y)", rhs="x^{2} + y^{2}")
@example(lhs=r"\frac{\partial E}{\partial W^{(l)}_{ij}}", rhs=r"-O^{(l)}_i \delta^{(l)}_j")
def test_check_of_any_equation_answers_cleanly(worker, lhs, rhs):
    argv = ["check", f"{lhs} = {rhs}"]
    assert_clean(argv, worker.run(argv))


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.lists(latex(), min_size=1, max_size=6), style=st.sampled_from(["$$", "$", "tex"]))
def test_check_of_any_note_answers_cleanly(worker, tmp_path_factory, body, style):
    path = tmp_path_factory.mktemp("fuzz") / ("note.tex" if style == "tex" else "note.md")
    if style == "tex":
        text = "\n".join(rf"\begin{{align}} {b} \end{{align}}" for b in body)
    else:
        text = "\n\n".join(f"{style}{b}{style}" for b in body)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    argv = ["check", "--file", str(path)]
    assert_clean(argv, worker.run(argv))


OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "--notation": st.sampled_from(["doc004", "rashid", "doc003", "nope", ""]),
        "--activation": st.sampled_from(
            ["sigmoid", "tanh", "relu", "softmax", "x**64", "exp(1000*x)", "x/0", "(x", "zz"]
        ),
        "--output-activation": st.sampled_from(["identity", "softmax", "sigmoid(x)"]),
        "--loss": st.sampled_from(["sse", "ce", "bce", "mse", "nope"]),
        "--layers": st.sampled_from(["3,4,2", "2,3,3,2", "-1,2", "3,x", "1", "", "2," * 40 + "2"]),
        "--file": st.sampled_from(["/dev/null", "no/such/note.md", "/", "/dev/zero"]),
    },
)


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    options=OPTIONS,
    flags=st.lists(st.sampled_from(["--bias", "--json"]), unique=True),
    equation=st.sampled_from(
        [r"\delta_k = (d_k - O_k) O_k (1 - O_k)", r"\eta = e^{1000}", "x = 10^{10^{10}}", ""]
    ),
)
def test_the_options_answer_cleanly(worker, options, flags, equation):
    argv = ["check", *flags]
    for name, value in options.items():
        argv += [f"{name}={value}"]
    if equation:
        argv.append(equation)
    assert_clean(argv, worker.run(argv))

"""The sweep: every printed gradient, recurrence and update line holds, read from the text.

Networks: hidden activations (the table's, two users' expressions, a per-layer
mixed list) x output activation (identity, sigmoid, softmax) x every loss the
output allows x depth (2 and 4 weight layers) x with and without biases; each
printed with and without ``--steps`` as LaTeX and as Markdown.  The printed text
is parsed and evaluated with the tests' own oracle (tests/printed_eval.py);
nothing printed may fail or be unreadable.

In CI (``CI=true``) or with ``DERIVE_FULL_SWEEP=1`` every combination runs;
otherwise a seeded sample of :data:`LOCAL_SAMPLE` networks.  The number run is
printed at the end of the session (``-s`` or the terminal summary).
"""

from __future__ import annotations

import itertools
import os
import random

import pytest

from tests.helpers import run_cli
from tests.printed_eval import Model, Reader, check_text

HIDDEN = [
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "softplus",
    "identity",
    "x/(1+abs(x))",
    "atan(x)",
    "tanh,relu,sigmoid",  # one per hidden layer (4 weight layers only)
]
OUTPUT_LOSSES = [
    ("identity", "sse"),
    ("identity", "sum_sq"),
    ("identity", "mse"),
    ("sigmoid", "sse"),
    ("sigmoid", "sum_sq"),
    ("sigmoid", "mse"),
    ("sigmoid", "bce"),
    ("softmax", "ce"),
]
WIDTHS = {2: (3, 4, 2), 4: (5, 4, 3, 6, 2)}  # all different: matrix shapes tell products apart
VARIANTS = [(steps, fmt) for steps in (False, True) for fmt in ("latex", "markdown")]
LOCAL_SAMPLE = 12


def _networks() -> list[tuple]:
    out = []
    for hidden, (output, loss), depth, bias in itertools.product(
        HIDDEN, OUTPUT_LOSSES, (2, 4), (False, True)
    ):
        acts = hidden.split(",")
        if len(acts) > 1 and len(acts) != depth - 1:
            continue
        out.append((hidden, output, loss, depth, bias))
    return out


def _selected() -> list[tuple]:
    every = _networks()
    if os.environ.get("CI") == "true" or os.environ.get("DERIVE_FULL_SWEEP"):
        return every
    return sorted(random.Random(20261127).sample(every, LOCAL_SAMPLE))


NETWORKS = _selected()
RAN: list[int] = []


def _id(net: tuple) -> str:
    hidden, output, loss, depth, bias = net
    return f"{hidden}-{output}-{loss}-L{depth}" + ("-bias" if bias else "")


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    line = f"sweep: {sum(RAN)} printed combinations checked ({len(NETWORKS)} networks)"
    if reporter is not None:
        reporter.write_line(line)
    else:  # pragma: no cover
        print(line)


@pytest.mark.parametrize("net", NETWORKS, ids=_id)
def test_every_printed_line_holds(net):
    hidden, output, loss, depth, bias = net
    widths = WIDTHS[depth]
    acts = hidden.split(",")
    acts = acts * (depth - 1) if len(acts) == 1 else acts
    model = Model(widths, (*acts, output), loss, bias)
    reader = Reader(model)  # one oracle (and its finite differences) per network
    options = ["--activation", hidden, "--output-activation", output, "--loss", loss]
    options += ["--layers", ",".join(map(str, widths))] if depth != 2 else []
    options += ["--bias"] if bias else []
    problems = []
    for steps, fmt in VARIANTS:
        argv = ["latex", *options, "--format", fmt] + (["--steps"] if steps else [])
        code, out, err = run_cli(*argv)
        assert code == 0, err
        tally = check_text(out, model, markdown=fmt == "markdown", reader=reader)
        if tally.failed or tally.unreadable or tally.held < 8:
            problems.append((" ".join(argv), tally.failed[:3], tally.unreadable[:3], tally.held))
        RAN.append(1)
    assert not problems, problems

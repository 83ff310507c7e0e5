"""The sweep: every printed gradient, recurrence and update line holds, read from the text.

Networks: hidden activations (the table's, two users' expressions, a per-layer
mixed list) x output activation (identity, sigmoid, softmax) x every loss the
output allows x depth (2 and 4 weight layers) x with and without biases; each
printed with and without ``--steps`` as LaTeX and as Markdown.  The printed text
is parsed and evaluated with the tests' own oracle (tests/printed_eval.py);
nothing printed may fail or be unreadable.

With ``DERIVE_FULL_SWEEP=1`` every combination runs (1,088); in CI (``CI=true``)
every two-layer network and a seeded sample of four-layer ones (608); otherwise
a seeded sample of :data:`LOCAL_SAMPLE` networks (48).  The number run is
printed in the terminal summary (tests/conftest.py).
"""

from __future__ import annotations

import functools
import itertools
import os
import random

import pytest

from derive import derivation
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


CI_DEEP_SAMPLE = 24


def _selected() -> list[tuple]:
    """Everything with DERIVE_FULL_SWEEP=1; in CI every two-layer network and a
    seeded sample of the four-layer ones (mixed lists always); locally a sample."""
    every = _networks()
    rng = random.Random(20261127)
    if os.environ.get("DERIVE_FULL_SWEEP"):
        return every
    if os.environ.get("CI") == "true":
        shallow = [n for n in every if n[3] == 2]
        mixed = [n for n in every if "," in n[0]]
        deep = [n for n in every if n[3] == 4 and n not in mixed]
        return shallow + mixed + sorted(rng.sample(deep, CI_DEEP_SAMPLE - len(mixed)))
    return sorted(rng.sample(every, LOCAL_SAMPLE))


NETWORKS = _selected()
RAN: list[int] = []


def _id(net: tuple) -> str:
    hidden, output, loss, depth, bias = net
    return f"{hidden}-{output}-{loss}-L{depth}" + ("-bias" if bias else "")


@pytest.fixture(scope="module", autouse=True)
def _derive_each_network_once():
    """The four printouts of a network share one derivation (it is immutable data)."""
    original = derivation.derive
    derivation.derive = functools.cache(original)
    yield
    derivation.derive = original


@pytest.mark.parametrize("net", NETWORKS, ids=_id)
def test_every_printed_line_holds(net):
    hidden, output, loss, depth, bias = net
    widths = WIDTHS[depth]
    acts = hidden.split(",")
    acts = acts * (depth - 1) if len(acts) == 1 else acts
    model = Model(widths, (*acts, output), loss, bias)
    reader = Reader(model)  # one oracle (and its finite differences) per network
    if "," in hidden:  # a list names every weight layer's activation, the output's last
        options = ["--activation", f"{hidden},{output}", "--loss", loss]
    else:
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

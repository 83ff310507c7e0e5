"""What the tool prints, read back from the text and evaluated with the tests' oracle.

See tests/printed_eval.py: the printed LaTeX/Markdown is parsed (the SymPy
objects behind it are never used) and every relation is evaluated on a network
whose quantities come from tests/oracle_np.py and finite differences.
"""

from __future__ import annotations

import pytest

from tests.helpers import run_cli
from tests.printed_eval import Model, check_text

CASES = [
    # (latex options, widths, activations, loss, bias)
    ([], (3, 4, 2), ("sigmoid", "sigmoid"), "sse", False),
    (["--activation", "tanh"], (3, 4, 2), ("tanh", "tanh"), "sse", False),
    (["--activation", "softplus"], (3, 4, 2), ("softplus", "softplus"), "sse", False),
    (["--activation", "log(1+exp(x))"], (3, 4, 2), ("log(1+exp(x))",) * 2, "sse", False),
    (
        ["--activation", "tanh", "--output-activation", "softmax", "--loss", "ce"],
        (3, 4, 2),
        ("tanh", "softmax"),
        "ce",
        False,
    ),
    (
        ["--layers", "3,4,5,2", "--activation", "tanh,relu,sigmoid", "--bias"],
        (3, 4, 5, 2),
        ("tanh", "relu", "sigmoid"),
        "sse",
        True,
    ),
    (
        ["--layers", "2,5,4,3", "--activation", "softplus", "--loss", "sum_sq"],
        (2, 5, 4, 3),
        ("softplus",) * 3,
        "sum_sq",
        False,
    ),
]


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: " ".join(c[0]) or "default")
def test_every_printed_relation_holds(case, fmt):
    options, widths, acts, loss, bias = case
    code, out, err = run_cli("latex", *options, "--format", fmt)
    assert code == 0, err
    tally = check_text(out, Model(widths, acts, loss, bias), markdown=fmt == "markdown")
    assert not tally.failed, tally.failed
    assert not tally.unreadable, tally.unreadable
    assert tally.held >= 10


def test_one_output_notation_refuses_wider_output_layers():
    """doc003 writes one output node y: --layers 4,5,3 was silently printed as 4,5,1."""
    code, out, err = run_cli("latex", "--notation", "doc003", "--layers", "4,5,3")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "must end in 1" in err
    code, out, _ = run_cli("latex", "--notation", "doc003", "--layers", "4,5,1")
    assert code == 0 and "y" in out

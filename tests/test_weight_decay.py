"""Weight decay: the objective's L2 term (λ/2) Σ w², carried into every weight's
gradient and update, read from the PRINTED text and judged against the tests' own
objective (tests/oracle_np.py adds the term itself) by central differences."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_cli
from tests.printed_eval import Model, Reader, check_text


@pytest.mark.parametrize(
    "options",
    [
        (),
        ("--steps",),
        ("--bias", "--activation", "tanh", "--output-activation", "identity", "--steps"),
        ("--layers", "3,4,3,2", "--bias"),
    ],
)
def test_printed_gradients_with_weight_decay_hold(options):
    """Every printed line (E, gradients, updates, matrix forms, steps) against finite
    differences of the oracle's objective, λ included."""
    code, out, err = run_cli("latex", "--weight-decay", "on", "--format", "markdown", *options)
    assert code == 0, err
    widths = (3, 4, 3, 2) if "--layers" in options else (3, 4, 2)
    acts = ("tanh", "identity") if "tanh" in options else ("sigmoid",) * (len(widths) - 1)
    model = Model(widths, acts, "sse", "--bias" in options, decay=True)
    tally = check_text(out, model, markdown=True, reader=Reader(model))
    assert not tally.failed and not tally.unreadable, (tally.failed[:3], tally.unreadable[:3])
    decay_lines = out.count(r"\lambda")
    assert decay_lines >= 5 and tally.held >= 12, (decay_lines, tally.held)


def test_the_oracle_sees_a_missing_decay_term():
    """The same printout judged without decay fails: the λ lines are not vacuous."""
    code, out, _ = run_cli("latex", "--weight-decay", "on", "--format", "markdown")
    model = Model((3, 4, 2), ("sigmoid", "sigmoid"), "sse", False, decay=False)
    tally = check_text(out, model, markdown=True, reader=Reader(model))
    assert len(tally.failed) >= 4


@pytest.mark.parametrize("notation", ["doc004", "nielsen"])
def test_the_checker_reads_weight_decay(tmp_path, notation):
    code, out, _ = run_cli(
        "latex", "--notation", notation, "--weight-decay", "on", "--format", "markdown"
    )
    note = tmp_path / "note.md"
    note.write_text(out, encoding="utf-8")
    code, out, _ = run_cli(
        "check", "--notation", notation, "--weight-decay", "on", "--file", str(note), "--json"
    )
    relations = json.loads(out)["relations"]
    # entries and E; the whole-matrix lines (Δw = ...) the checker does not read yet,
    # with or without decay
    decay = [r for r in relations if r"\lambda" in r["source"]]
    decay = [r for r in decay if "_{" in r["lhs"] or r["lhs"] in ("E", "C")]
    assert len(decay) >= 6
    for r in decay:
        assert r["status"] in ("holds", "definition"), (r["source"], r["status"])


def test_the_notation_decides_and_the_option_overrides():
    _, out, _ = run_cli("latex", "--notation", "cs231n")
    assert r"\mathrm{reg}" in out  # CS231n's objective has 0.5 reg |W|^2
    _, out, _ = run_cli("latex", "--notation", "cs231n", "--weight-decay", "off")
    assert r"\mathrm{reg}" not in out
    _, out, _ = run_cli("latex")
    assert r"\lambda" not in out


@pytest.mark.parametrize(
    "argv, needle",
    [
        (("--weight-decay", "maybe"), "invalid choice: 'maybe' (choose from 'on', 'off')"),
        (("--notation", "rashid", "--weight-decay", "on"), "--weight-decay off"),
    ],
)
def test_bad_weight_decay_is_one_line(argv, needle):
    code, out, err = run_cli("latex", *argv)
    assert code == 2 and out == "" and needle in err and err.count("\n") == 1, err

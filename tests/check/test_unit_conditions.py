r"""A relation that holds for some units only says which: ``…, \quad k \in \text{outputs}``.

Rumelhart's unit letters name no layer ("j may be an output or a hidden unit"), so
the checker reads ``o_{pk} = e^{net_{pk}} / Σ_{k'} e^{net_{pk'}}`` for k on every
layer and failed it on the hidden one, where the units are not a softmax; and the
one-term chain rule ``-∂E_p/∂net_{pj} = -∂E_p/∂o_{pj} ∂o_{pj}/∂net_{pj}``, true for
hidden units only beside a softmax output, failed for j on the output layer.  The
printout now states the condition (Mitchell's ``k \in outputs``), the checker judges
the relation on the layers the condition allows, and still fails one that is false
there.
"""

from __future__ import annotations

import json

import pytest

from derive.check.extract import split_relations
from tests.helpers import run_cli

SOFTMAX = ["--notation", "rumelhart", "--output-activation", "softmax", "--loss", "ce"]
SM = r"\frac{e^{\mathrm{net}_{pk}}}{\sum_{k'} e^{\mathrm{net}_{pk'}}}"
CHAIN = (
    r"-\frac{\partial E_{p}}{\partial \mathrm{net}_{pj}} = -\frac{\partial E_{p}}"
    r"{\partial o_{pj}} \frac{\partial o_{pj}}{\partial \mathrm{net}_{pj}}"
)
JACOBIAN = r"\frac{\partial o_{pm}}{\partial \mathrm{net}_{pk}} = o_{pm} \left(\delta_{k m} - o_{pk}\right)"

LINES = [  # (line, status under SOFTMAX)
    (rf"o_{{pk}} = {SM}", "fails"),  # read for k on the hidden layer too
    (rf"o_{{pk}} = {SM}, \quad k \in \text{{outputs}}", "definition"),
    (rf"o_{{pk}} = {SM} \qquad (k \in \text{{output units}})", "definition"),
    (rf"o_{{pk}} = {SM}, \quad k \in \text{{hidden}}", "fails"),  # false where it claims
    (rf"o_{{pk}} = {SM}, \quad k \notin \text{{outputs}}", "fails"),
    (rf"o_{{pk}} = {SM.replace('e^', '2 e^', 1)}, \quad k \in \text{{outputs}}", "fails"),
    (JACOBIAN, "fails"),
    (rf"{JACOBIAN}, \quad k, m \in \text{{outputs}}", "holds"),
    (rf"{JACOBIAN.replace('- o_{pk}', '+ o_{pk}')}, \quad k, m \in \text{{outputs}}", "fails"),
    (CHAIN, "fails"),  # for j on the output layer o_{pm} depends on every net_{pk}
    (rf"{CHAIN}, \quad j \in \text{{hidden}}", "holds"),
    (rf"{CHAIN} \quad (j \notin \text{{outputs}})", "holds"),
    (rf"{CHAIN}, \quad j \in \text{{outputs}}", "fails"),
    (r"\delta_{pj} = t_{pj} - o_{pj}, \quad j \in \text{hidden}", "not checked"),  # t: outputs
    (rf"o_{{pk}} = {SM}, \quad k \in \text{{downstream}}", "not checked"),  # names no layer
]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> list[dict]:
    note = tmp_path_factory.mktemp("cond") / "note.md"
    note.write_text("".join(f"$$\n{line}\n$$\n\n" for line, _ in LINES), encoding="utf-8")
    code, out, err = run_cli("check", "--file", str(note), "--json", *SOFTMAX)
    relations = json.loads(out)["relations"]
    assert len(relations) == len(LINES), relations
    return relations


@pytest.mark.parametrize("n", range(len(LINES)), ids=[s for _, s in LINES])
def test_a_condition_restricts_the_units_a_relation_is_judged_on(verdicts, n):
    line, status = LINES[n]
    assert verdicts[n]["status"] == status, (line, verdicts[n])


def test_the_verdict_names_the_condition(verdicts):
    assert verdicts[1]["how"].endswith(r"for k \in \text{outputs}"), verdicts[1]
    assert "names no layer" in verdicts[-1]["how"], verdicts[-1]


def test_a_fixed_letter_outside_its_condition_is_not_judged():
    """Note 004's k is the output layer: ``k \\in hidden`` asserts nothing there."""
    line = r"O_k = \frac{e^{net_k}}{\sum_{k'} e^{net_{k'}}}, \quad k \in \text{hidden}"
    code, out, _ = run_cli(
        "check", "--json", "--output-activation", "softmax", "--loss", "ce", line
    )
    (relation,) = json.loads(out)["relations"]
    assert relation["status"] == "not checked"
    assert "leaves out k in the output layer" in relation["how"]


@pytest.mark.parametrize(
    "latex, rhs, condition",
    [
        (r"a = b, \quad k \in \text{outputs}", "b", r"k \in \text{outputs}"),
        (r"a = b = c \qquad (k, m \in \text{outputs}).", "c", r"k, m \in \text{outputs}"),
        (r"a = b \quad \text{for } j \notin \text{outputs}", "b", r"j \notin \text{outputs}"),
        (r"a = \left(b, k \in \text{outputs}\right)", r"\left(b, k \in \text{outputs}\right)", ""),
        (r"\sum_{k \in \text{outputs}} a_k = b", "b", ""),
    ],
)
def test_the_condition_is_split_off_every_relation_of_its_row(latex, rhs, condition):
    relations = split_relations(latex)
    assert relations[-1].rhs == rhs
    assert {r.condition for r in relations} == {condition}


def _printed(*options: str) -> str:
    code, out, err = run_cli("latex", "--steps", *options)
    assert code == 0, err
    return out


def test_the_printout_states_which_units_a_softmax_relation_is_about():
    out = _printed(*SOFTMAX)
    lines = [line for line in out.splitlines() if r"\in \text{" in line]
    assert len(lines) == 3, lines
    assert (
        lines[0].startswith(r"\[ o_{pk} = \frac{e^{") and r"\quad k \in \text{outputs}" in lines[0]
    )
    assert r"\quad k, m \in \text{outputs}" in lines[1]
    assert lines[2].endswith(r"\quad j \in \text{hidden} \]"), lines[2]


@pytest.mark.parametrize(
    "options",
    [
        ["--notation", "rumelhart", "--output-activation", "sigmoid"],  # no coupled units
        ["--output-activation", "softmax", "--loss", "ce"],  # note 004's k is the output
    ],
)
def test_no_condition_where_the_units_need_none(options):
    assert r"\in \text{" not in _printed(*options)

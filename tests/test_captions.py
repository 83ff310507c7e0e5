"""Each step's caption says what its own equation does (issue 10, "smaller" items).

The captions are read from the printed Markdown, as a reader sees them: a caption that
sums the chain rule names the sum its equation takes, a network with one output is not
told about "every output", and two different steps never share one caption.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import run_cli

COMBOS = {
    "doc004": (),
    "deep": ("--layers", "3,4,4,2"),
    "softmax": ("--output-activation", "softmax", "--loss", "ce"),
    "doc003": ("--notation", "doc003"),
    "nielsen": ("--notation", "nielsen"),
    "mazur": ("--notation", "mazur"),
    "zh": ("--notation", "doc003", "--lang", "zh"),
}
STEP = re.compile(r"^\*\*(\d+)\.\*\* (.*?)\n\n\$\$\n(.*?)\n\$\$", re.M | re.S)
SUMMED = re.compile(r"depends on (\S+) through every output (\S+): sum the chain rule over (\S+)")


def steps(*options: str) -> list[tuple[int, str, str]]:
    code, out, err = run_cli("latex", "--steps", "--format", "markdown", *options)
    assert code == 0, err
    found = [(int(n), caption, math) for n, caption, math in STEP.findall(out)]
    assert len(found) >= 10, out[:500]
    return found


@pytest.mark.parametrize("name", sorted(COMBOS))
def test_no_two_steps_in_a_row_share_a_caption(name):
    found = steps(*COMBOS[name])
    for (n, a, _), (m, b, _) in zip(found, found[1:]):
        if m == n + 1 and a != "Matrix form":  # the δ's matrix form, then the update's
            assert a != b, (name, n, a)


@pytest.mark.parametrize("name", ["doc004", "deep", "softmax", "nielsen"])
def test_a_caption_that_sums_names_the_sum_its_equation_takes(name):
    summed = [(c, m) for _, c, m in steps(*COMBOS[name]) if SUMMED.search(c)]
    assert summed, name
    for caption, math in summed:
        _, dummy, again = SUMMED.search(caption).groups()
        assert dummy == again
        assert rf"\sum_{{{dummy}}}" in math, (caption, math)


@pytest.mark.parametrize(
    "name, through", [("doc004", r"\partial O_{j}"), ("softmax", r"\partial \mathrm{net}_{k}")]
)
def test_the_summed_step_names_what_E_is_differentiated_by(name, through):
    """A softmax couples the outputs: the output layer's sum is ∂E/∂net_k over every O_n."""
    summed = [(c, m) for _, c, m in steps(*COMBOS[name]) if SUMMED.search(c)]
    named = [SUMMED.search(c).group(1) for c, m in summed if through in m.split("=")[0]]
    assert named and all(q.split("_")[-1] in through for q in named), summed


@pytest.mark.parametrize("name", ["doc003", "zh"])
def test_one_output_is_not_told_about_every_output(name):
    found = steps(*COMBOS[name])
    text = " ".join(c for _, c, _ in found)
    assert "every output" not in text and "only output" not in text
    assert "每个输出" not in text and "只有输出" not in text
    one = [c for _, c, _ in found if "one output" in c or "唯一的输出" in c]
    assert len(one) == 1, text


OUTPUT_FORM = "Write the activation's derivative in terms of the node's output"
CONSTANT = "The activation's derivative is a constant: put in its value"


@pytest.mark.parametrize(
    "options, output_form, constant",
    [
        ((), 2, 0),  # sigmoid: O_k(1 - O_k), O_j(1 - O_j)
        (("--activation", "identity"), 0, 2),  # f' = 1 says nothing of the output
        (("--notation", "bishop"), 1, 1),  # tanh hidden layer, identity output
        (("--notation", "doc003"), 0, 1),  # its identity output (Φ stays Φ')
        (("--activation", "tanh", "--output-activation", "identity"), 1, 1),
    ],
)
def test_a_constant_derivative_is_not_written_in_terms_of_the_output(
    options, output_form, constant
):
    """Bishop's and note 003's identity output put in f' = 1: a caption "in terms of the
    node's output" over ``(y_k - t_k) z_j`` said what the step does not do."""
    found = steps(*options)
    captions = [c for _, c, _ in found]
    assert captions.count(OUTPUT_FORM) == output_form, captions
    assert captions.count(CONSTANT) == constant, captions
    for n, (_, caption, math) in enumerate(found):
        if caption in (OUTPUT_FORM, CONSTANT):
            before = found[n - 1][2]
            assert "'" in before.split(" = ", 1)[1] and "'" not in math.split(" = ", 1)[1]


def test_a_batch_mean_is_captioned_with_the_notations_batch_size():
    """CS231n's L is the mean over N examples: the caption above it names N, as printed."""
    code, out, err = run_cli("latex", "--notation", "cs231n", "--format", "markdown")
    assert code == 0, err
    (line,) = [ln for ln in out.splitlines() if "mean over the batch" in ln]
    assert "batch's N examples" in line and "1/N included" in line, line


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_deep_networks_hidden_layers_have_headings_of_their_own(lang):
    code, out, err = run_cli(
        "latex", "--layers", "3,4,4,4,2", "--format", "markdown", "--lang", lang
    )
    assert code == 0, err
    headings = [ln for ln in out.splitlines() if ln.startswith("## ")]
    assert len(headings) == len(set(headings)), headings
    assert sum(("back from the output" in h or "往回" in h) for h in headings) == 3, headings


@pytest.mark.parametrize("name", sorted(COMBOS))
def test_a_chain_rule_step_writes_derivatives_a_substitution_does_not_claim_it(name):
    """A step captioned chain rule writes a product of derivatives on its right side;
    a step that puts an earlier result in (∂net_k/∂w_jk = O_j, or δ_j) says so."""
    found = steps(*COMBOS[name])
    chained = [(n, m) for n, c, m in found if c in ("Chain rule", "链式法则")]
    assert chained, name
    for n, math in chained:
        rhs = math.split("=", 1)[1]
        assert rhs.count(r"\partial") >= 2, (name, n, math)  # a product of ∂ quotients

"""The header: every activation printed as f(x), f'(x) and, where one exists, its output form.

The header is read from the PRINTED text (``derive.check.parse`` reads text only)
and judged numerically: the printed f(x) against the tests' own NumPy activation
(tests/oracle_np.py), the printed f'(x) against central differences of the printed
f(x), and the printed output form g(O) against the same differences at O = f(x).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from derive.check.parse import parse_latex
from tests import oracle_np as oracle
from tests.helpers import run_cli
from tests.latex_eval import equation_sides

TABLE = ["sigmoid", "tanh", "identity", "relu", "leaky_relu", "softplus", "exp"]
USERS = ["x/(1+abs(x))", "x*sigmoid(x)"]
POINTS = np.array([-2.1, -0.9, -0.3, 0.45, 1.2, 2.6])  # no kink (0) among them
H = 1e-6
OUTPUT_FORMS = {  # the forms every textbook writes (sigmoid, tanh)
    "sigmoid": r"f'\left(\mathrm{net}_{j}\right) = O_{j} \left(1 - O_{j}\right)",
    "tanh": r"f'\left(\mathrm{net}_{j}\right) = 1 - O_{j}^{2}",
}


def header(*argv: str) -> list[list[str]]:
    """The sides of every relation between the header's heading and the forward pass."""
    code, out, err = run_cli("latex", *argv)
    assert code == 0, err
    lines = out.splitlines()
    if "% The activation functions" not in lines:
        return []
    start = lines.index("% The activation functions")
    end = lines.index("% Forward pass and error")
    return [equation_sides(line) for line in lines[start:end] if line.startswith(r"\[")]


def _function(side: str, var: str = "x"):
    """A printed right side as a NumPy function of the variable."""
    expr = parse_latex(side)
    sym = sp.Symbol(var)
    expr = expr.subs(sp.Symbol("pi"), sp.pi)
    assert expr.free_symbols <= {sym}, side
    return sp.lambdify(sym, expr, modules="numpy")


def _groups(rels: list[list[str]]) -> list[list[list[str]]]:
    """One group per activation: its f(x) line and the lines after it."""
    groups: list = []
    for rel in rels:
        if "'" not in rel[0]:
            groups.append([])
        groups[-1].append(rel)
    return groups


def _judge(group: list[list[str]], oracle_name: str, var: str = "x") -> None:
    (f_lhs, f_rhs), (d_lhs, d_rhs), *form = group
    assert f_lhs.endswith(rf"\left({var}\right)") and d_lhs.endswith(rf"'\left({var}\right)")
    f = _function(f_rhs, var)
    printed_f = np.asarray(f(POINTS), dtype=float) * np.ones_like(POINTS)
    np.testing.assert_allclose(
        printed_f, oracle.activate(oracle_name, POINTS), rtol=1e-12, atol=1e-12
    )
    slope = (f(POINTS + H) - f(POINTS - H)) / (2 * H)
    printed_d = np.asarray(_function(d_rhs, var)(POINTS), dtype=float) * np.ones_like(POINTS)
    np.testing.assert_allclose(printed_d, slope, rtol=1e-6, atol=1e-7)
    o = sp.Symbol("o")
    for _, rhs in form:  # f'(net_j) = g(O_j): O_j is the node's output f(net_j)
        g = parse_latex(rhs, layer_bases={"a"}, bare_labels={"a"})  # Nielsen's a^{2}_{j}
        g = g.xreplace({e: o for e in g.atoms(sp.Indexed)})
        values = sp.lambdify(o, g, modules="numpy")(printed_f)
        np.testing.assert_allclose(values, slope, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("act", TABLE + USERS)
def test_header_derivative_agrees_with_the_printed_function(act):
    (group,) = _groups(header("--activation", act))
    _judge(group, act)
    has_form = act in ("sigmoid", "tanh", "softplus", "exp")
    assert len(group) == 3 if has_form else len(group) == 2, group
    if act in OUTPUT_FORMS:
        assert " = ".join(group[2]) == OUTPUT_FORMS[act]


def test_one_group_per_distinct_activation_named_as_the_layers_are():
    rels = header("--layers", "3,4,4,3,2", "--activation", "tanh,relu,tanh,sigmoid")
    groups = _groups(rels)
    assert [g[0][0] for g in groups] == [
        r"f^{(1)}\left(x\right)",
        r"f^{(2)}\left(x\right)",
        r"f^{(4)}\left(x\right)",
    ]
    for group, act in zip(groups, ("tanh", "relu", "sigmoid")):
        _judge(group, act)
    two = _groups(header("--activation", "tanh", "--output-activation", "sigmoid"))
    assert [g[0][0][:1] for g in two] == ["f", "g"]  # as the forward pass names them


def test_the_notation_names_the_activation_and_the_variable():
    """Nielsen writes σ, and x is his input: the variable is another letter."""
    (group,) = _groups(header("--notation", "nielsen"))
    assert group[0][0] == r"\sigma\left(u\right)"
    _judge(group, "sigmoid", var="u")
    assert header("--notation", "goodfellow") == []  # a generic f: nothing to state
    softmax = _groups(
        header("--activation", "tanh", "--output-activation", "softmax", "--loss", "ce")
    )
    assert len(softmax) == 1  # softmax's definition is the forward pass's


@pytest.mark.parametrize(
    "options, lines",
    [
        (("--activation", "sigmoid"), 2),
        (("--activation", "relu"), 2),
        (("--activation", "x/(1+abs(x))"), 2),
        (("--activation", "tanh", "--output-activation", "sigmoid"), 4),  # f and g
        (("--layers", "3,4,4,2", "--activation", "tanh,relu,sigmoid"), 6),  # f^{(l)}
        (("--notation", "nielsen", "--activation", "tanh", "--output-activation", "sigmoid"), 4),
        (("--notation", "bishop"), 4),  # h (tanh) and h_2 (identity)
        (("--notation", "cs231n"), 2),  # ReLU
        (("--notation", "cs231n", "--activation", "tanh", "--output-activation", "softmax"), 2),
    ],
)
def test_the_checker_reads_the_header(tmp_path, options, lines):
    """f(x) = ... is the activation's definition, f'(x) = ... holds (not 'not checked'),
    each judged against the layer the printout names."""
    code, out, _ = run_cli("latex", *options, "--format", "markdown")
    note = tmp_path / "note.md"
    note.write_text(out, encoding="utf-8")
    code, out, err = run_cli("check", *options, "--file", str(note), "--json")
    verdicts = {v["source"]: v["status"] for v in json.loads(out)["relations"]}
    header_lines = [k for k in verdicts if r"\left(x\right) =" in k or r"\left(u\right) =" in k]
    assert len(header_lines) == lines, verdicts
    for latex in header_lines:
        want = "holds" if "'" in latex.split("=")[0] else "definition"
        assert verdicts[latex] == want, (latex, verdicts[latex])


def test_one_output_is_not_indexed_in_the_header(tmp_path):
    """Note 003's ONE output y: its output form is {Φ_2}' = y(1 - y), as its steps write
    it; ``{Φ_2}'_k = y_k (1 - y_k)`` put an index on it that the checker cannot read."""
    options = ["--notation", "doc003", "--activation", "tanh", "--output-activation", "sigmoid"]
    options += ["--layers", "3,4,1"]
    code, out, _ = run_cli("latex", *options, "--format", "markdown")
    forms = [line for line in out.splitlines() if line.startswith("{\\Phi_{2}}' =")]
    assert forms == ["{\\Phi_{2}}' = y \\left(1 - y\\right)"], forms
    note = tmp_path / "note.md"
    note.write_text(out, encoding="utf-8")
    code, out, err = run_cli("check", *options, "--file", str(note), "--json")
    verdicts = {v["source"]: v["status"] for v in json.loads(out)["relations"]}
    assert verdicts[forms[0]] == "holds", verdicts
    assert "not checked" not in verdicts.values() and "fails" not in verdicts.values()


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_every_format_has_the_header(fmt):
    code, out, _ = run_cli("latex", "--format", fmt, "--activation", "tanh")
    assert code == 0
    assert out.index("The activation functions") < out.index("Forward pass and error")
    code, out, _ = run_cli("latex", "--document", "--activation", "tanh")
    assert out.index(r"\subsection*{The activation functions}") < out.index("Forward pass")


@pytest.mark.parametrize(
    "options, names",
    [
        (("--activation", "tanh", "--output-activation", "softmax"), ["f"]),
        (
            ("--activation", "relu", "--output-activation", "identity", "--loss", "sse"),
            [r"\mathrm{ReLU}", "g"],
        ),
        (("--activation", "relu", "--output-activation", "softmax"), [r"\mathrm{ReLU}"]),
        (
            ("--layers", "3,4,2,2", "--activation", "relu", "--output-activation", "softmax"),
            ["f^{(1)}"],
        ),
    ],
)
def test_a_named_activation_is_the_one_the_layer_uses(options, names):
    """CS231n names its hidden activation ReLU: over a tanh layer that name would be false,
    so the layer is the notes' generic f (g for the output, f^{(l)} per layer where deep)."""
    groups = _groups(header("--notation", "cs231n", *options))
    assert [g[0][0].removesuffix(r"\left(x\right)") for g in groups] == names
    acts = [options[options.index(flag) + 1] for flag in ("--activation", "--output-activation")]
    for group, act in zip(groups, acts):
        _judge(group, act)

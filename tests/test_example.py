"""``derive example``: worked numbers checked against a NumPy forward pass written here
and central finite differences of that pass's loss (nothing imported from derive)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers import numeric_gradient
from tests.helpers import run_cli as run

# -- the oracle: a forward pass and losses written independently ------------------------

ACT = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "identity": lambda z: z,
    "softplus": lambda z: np.log1p(np.exp(z)),
    "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(),
}
LOSS = {
    "sse": lambda d, o: 0.5 * np.sum((d - o) ** 2),
    "sum_sq": lambda d, o: np.sum((d - o) ** 2),
    "mse": lambda d, o: 0.5 * np.mean((d - o) ** 2),
    "bce": lambda d, o: -np.sum(d * np.log(o) + (1 - d) * np.log(1 - o)),
    "ce": lambda d, o: -np.sum(d * np.log(o)),
}


def forward(acts, W, b, x):
    nets, outs = [], [np.asarray(x, float)]
    for n, act in enumerate(acts):
        z = outs[-1] @ W[n] + (b[n] if b is not None else 0.0)
        nets.append(z)
        outs.append(ACT[act](z))
    return nets, outs


def loss(acts, lossname, W, b, x, d):
    return LOSS[lossname](np.asarray(d, float), forward(acts, W, b, x)[1][-1])


def fd(fn, array):
    return numeric_gradient(fn, array, h=1e-6)


def toml_of(table: dict) -> str:
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, np.ndarray):
            return value(v.tolist())
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(e) for e in v) + "]"
        return repr(float(v)) if isinstance(v, float) else str(v)

    return "".join(f"{k} = {value(v)}\n" for k, v in table.items())


def example_json(tmp_path, table: dict, *extra: str) -> dict:
    path = tmp_path / "numbers.toml"
    path.write_text(toml_of(table), encoding="utf-8")
    code, out, err = run("example", "--file", str(path), "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


# -- a published worked example -----------------------------------------------------------

PUBLISHED = {
    "layers": [2, 2, 2],
    "activation": "sigmoid",
    "loss": "sse",
    "eta": 0.5,
    "x": [0.05, 0.10],
    "d": [0.01, 0.99],
    # w1 (i1->h1), w3 (i1->h2); w2 (i2->h1), w4 (i2->h2): rows are the sending node
    "W": [[[0.15, 0.25], [0.20, 0.30]], [[0.40, 0.50], [0.45, 0.55]]],
    "b": [0.35, 0.60],
    "update_biases": False,
}


def test_the_published_2_2_2_example_to_8_digits(tmp_path):
    """M. Mazur, 'A Step by Step Backpropagation Example' (2015): its printed numbers."""
    data = example_json(tmp_path, PUBLISHED)
    assert data["net"][0] == pytest.approx([0.3775, 0.3925], abs=1e-12)
    assert data["O"][0] == pytest.approx([0.593269992, 0.596884378], abs=5e-10)
    assert data["O"][1] == pytest.approx([0.75136507, 0.772928465], abs=5e-9)
    assert data["E"] == pytest.approx(0.298371109, abs=5e-10)
    (w1, w3), (w2, w4) = data["new"]["W"][0]
    (w5, w7), (w6, w8) = data["new"]["W"][1]
    published = [0.149780716, 0.19956143, 0.24975114, 0.29950229]
    published += [0.35891648, 0.408666186, 0.511301270, 0.561370121]
    assert [w1, w2, w3, w4, w5, w6, w7, w8] == pytest.approx(published, abs=5e-9)
    assert data["b"] == [[0.35, 0.35], [0.6, 0.6]]  # a shared bias, given once
    assert "b" not in data["new"]  # biases not updated


def test_the_printed_text_carries_the_published_numbers(tmp_path):
    path = tmp_path / "n.toml"
    path.write_text(toml_of(PUBLISHED), encoding="utf-8")
    code, out, _ = run("example", "--file", str(path), "--format", "markdown", "--digits", "9")
    assert code == 0
    assert "= 0.298371109\n" in out
    assert "= 0.35891648\n" in out
    # the orientation, in doc004's terms: w_{jk} joins O_j (sending) to O_k (receiving)
    assert (
        "$w_{j_{1}k_{2}}$ is the weight from the node with output $O_{j_{1}}$ (the sending" in out
    )
    code, out, _ = run(
        "example", "--file", str(path), "--notation", "nielsen", "--format", "markdown"
    )
    # Nielsen writes the receiving node first: w^l_{jk} joins a^{l-1}_k to a^l_j
    assert "$w^{L}_{21}$ is the weight from the node with output $a^{2}_{1}$ (the sending" in out


# -- any network: against the oracle ---------------------------------------------------------

CASES = [
    (["sigmoid", "sigmoid"], "sse", True, True),
    (["tanh", "identity"], "mse", True, False),
    (["softplus", "sigmoid"], "bce", False, False),
    (["tanh", "sigmoid", "softmax"], "ce", True, True),
]


@pytest.mark.parametrize(("acts", "lossname", "bias", "update_biases"), CASES)
def test_every_value_matches_an_independent_forward_pass(
    tmp_path, acts, lossname, bias, update_biases
):
    rng = np.random.default_rng(len(acts) * 7 + len(lossname))
    widths = [3, 2, 2] if len(acts) == 2 else [2, 3, 2, 3]
    W = [rng.normal(0, 0.8, (widths[n], widths[n + 1])) for n in range(len(acts))]
    b = [rng.normal(0, 0.5, widths[n + 1]) for n in range(len(acts))] if bias else None
    x = rng.normal(0, 1, widths[0])
    if lossname == "ce":
        d = rng.dirichlet(np.ones(widths[-1]))
    else:
        d = rng.uniform(0.1, 0.9, widths[-1])
    eta = 0.3
    table = {
        "layers": widths,
        "activation": acts,
        "loss": lossname,
        "eta": eta,
        "x": x,
        "d": d,
        "W": W,
    }
    if bias:
        table["b"] = b
        table["update_biases"] = update_biases
    data = example_json(tmp_path, table)

    nets, outs = forward(acts, W, b, x)
    for n in range(len(acts)):
        assert data["net"][n] == pytest.approx(nets[n], abs=1e-12)
        assert data["O"][n] == pytest.approx(outs[n + 1], abs=1e-12)
    assert data["E"] == pytest.approx(loss(acts, lossname, W, b, x, d), abs=1e-12)

    def E():
        return loss(acts, lossname, W, b, x, d)

    for n in range(len(acts)):
        grad = fd(E, W[n])
        assert np.array(data["gradients"]["W"][n]) == pytest.approx(grad, abs=1e-7)
        assert np.array(data["updates"]["W"][n]) == pytest.approx(-eta * grad, abs=1e-7)
        assert np.array(data["new"]["W"][n]) == pytest.approx(W[n] - eta * grad, abs=1e-7)
        if bias:  # δ = -∂E/∂net = -∂E/∂b, by differences of the oracle's loss
            assert np.array(data["delta"][n]) == pytest.approx(-fd(E, b[n]), abs=1e-7)
            if update_biases:
                assert np.array(data["new"]["b"][n]) == pytest.approx(
                    b[n] + eta * np.array(data["delta"][n]), abs=1e-12
                )


def test_every_format_and_notation_prints(tmp_path):
    for notation in ("doc004", "rashid"):
        for fmt, marker in (("latex", r"\begin{align*}"), ("markdown", "## "), ("html", "<math")):
            code, out, err = run("example", "--notation", notation, "--format", fmt)
            assert code == 0, err
            assert marker in out
    code, out, _ = run("example", "--lang", "zh", "--format", "markdown")
    assert "正向计算" in out and "发送结点" in out
    _, text, _ = run("example", "--format", "json")
    E = json.loads(text)["E"]
    for digits in ("3", "9"):
        code, out, _ = run("example", "--digits", digits, "--format", "markdown")
        error = out.split("## ")[3]  # the default 2-3-2 network: two forward sections first
        assert error.startswith("The error")
        assert error.rstrip().endswith(f"= {float(f'{E:.{digits}g}')}\n$$".rstrip())


def test_every_preset_prints_the_same_numbers():
    from derive.notation import PRESETS

    _, text, _ = run("example", "--format", "json")
    E = json.loads(text)["E"]
    for name in PRESETS:
        code, out, err = run("example", "--notation", name, "--format", "markdown")
        assert code == 0, (name, err)
        assert f"= {float(f'{E:.6g}')}\n$$" in out, name


def test_the_default_example_is_the_issue_network():
    code, out, _ = run("example", "--format", "json")
    data = json.loads(out)
    assert data["network"]["layers"] == [2, 3, 2]
    assert data["b"][0] == [0.25, 0.25, 0.25]
    assert data["schema"] == "derive-example/1"


# -- bad numbers files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"W": [[[0.15, 0.25]], [[0.4, 0.5], [0.45, 0.55]]]}, "W[0]"),
        ({"x": [0.05]}, "x"),
        ({"colour": "red"}, "colour"),
        ({"eta": float("inf")}, "eta"),
        ({"d": [0.01, float("nan")]}, "d[1]"),
        ({"b": [0.35]}, "b"),
        ({"layers": [2, 2000, 2]}, "at most"),
    ],
)
def test_a_bad_numbers_file_is_one_line_exit_2(tmp_path, change, named):
    table = {**PUBLISHED, **change}
    path = tmp_path / "bad.toml"
    path.write_text(toml_of(table), encoding="utf-8")
    code, out, err = run("example", "--file", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("derive example: error: ")
    assert named in err


def test_a_missing_key_and_an_unreadable_file(tmp_path):
    table = dict(PUBLISHED)
    del table["d"]
    path = tmp_path / "bad.toml"
    path.write_text(toml_of(table), encoding="utf-8")
    code, _, err = run("example", "--file", str(path))
    assert code == 2 and "missing key 'd'" in err
    path.write_bytes(b"\xff\xfe layers = 1")
    code, _, err = run("example", "--file", str(path))
    assert code == 2 and "UTF-8" in err
    code, _, err = run("example", "--file", str(tmp_path / "none.toml"))
    assert code == 2 and err.count("\n") == 1


def test_a_users_notation_file_and_an_unknown_notation(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('extends = "doc004"\nname = "mine"\nweights = ["u", "m"]\n', encoding="utf-8")
    code, out, err = run("example", "--notation", str(path), "--format", "markdown")
    assert code == 0, err
    assert "m_{j_{1}k_{1}}" in out and "notation mine" in out
    code, out, err = run("example", "--notation", "knuth")
    assert code == 2 and "knuth" in err and "doc004" in err and err.count("\n") == 1


def test_a_notation_that_numbers_its_nodes_prints_the_published_names(tmp_path):
    from derive.notation import PRESETS

    if "mazur" not in PRESETS:
        pytest.skip("no numbered-names preset")
    path = tmp_path / "n.toml"
    path.write_text(toml_of(PUBLISHED), encoding="utf-8")
    code, out, err = run(
        "example",
        "--file",
        str(path),
        "--notation",
        "mazur",
        "--format",
        "markdown",
        "--digits",
        "9",
    )
    assert code == 0, err
    assert r"\mathrm{net}_{h1} = w_{1} i_{1} + w_{2} i_{2} + b_{h1}" in out
    assert r"w_{5} \leftarrow w_{5} + \Delta w_{5} = 0.4 + " in out and "= 0.35891648\n" in out


def _sections(markdown: str) -> dict[str, str]:
    """Heading -> the text under it, for the ``## `` sections of a Markdown example."""
    parts = markdown.split("\n## ")[1:]
    return {p.split("\n", 1)[0]: p.split("\n", 1)[1] for p in parts}


@pytest.mark.parametrize(
    ("notation", "hidden", "output", "hidden_glyph", "output_glyph"),
    [
        # Nielsen's input is layer 1: his hidden layer is 2, his output L
        ("nielsen", "layer 2", "layer L", "a^{2}_{", "a^{L}_{"),
        ("goodfellow", "layer 1", "layer 2", "h^{(1)}_{", "h^{(2)}_{"),
        ("doc004", "the hidden layer", "the output layer", "O_{j", "O_{k"),
    ],
)
def test_headings_name_layers_as_the_formulas_under_them_do(
    notation, hidden, output, hidden_glyph, output_glyph
):
    code, out, err = run("example", "--notation", notation, "--format", "markdown")
    assert code == 0, err
    sections = _sections(out)
    forward_hidden = sections[f"Forward pass, {hidden}"]
    forward_output = sections[f"Forward pass, {output}"]
    assert hidden_glyph in forward_hidden and output_glyph not in forward_hidden
    assert output_glyph in forward_output
    assert f"Error terms of {output}" in sections
    assert f"Gradients and updates of the weights into {hidden}" in sections
    _, zh, _ = run("example", "--notation", notation, "--format", "markdown", "--lang", "zh")
    assert len(_sections(zh)) == len(sections)


def test_the_explorable_page_offers_every_preset():
    from derive.notation import PRESETS

    code, page, err = run("example", "--format", "explore")
    assert code == 0, err
    for name in PRESETS:
        assert f"<option>{name}</option>" in page, name
        assert f'class="n n-{name}"' in page, name

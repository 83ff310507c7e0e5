"""Find my first wrong number: `derive check` on a note that declares its numbers.

The true values come from a NumPy forward pass written here (the published 2-2-2
example), never from derive."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers import run_cli as run

FRONT = """+++
{notation}[numbers]
layers = [2, 2, 2]
eta = 0.5
x = [0.05, 0.10]
d = [0.01, 0.99]
W = [[[0.15, 0.25], [0.20, 0.30]], [[0.40, 0.50], [0.45, 0.55]]]
b = [0.35, 0.60]
+++

"""


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def truth():
    x, d = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    W1 = np.array([[0.15, 0.25], [0.20, 0.30]])
    W2 = np.array([[0.40, 0.50], [0.45, 0.55]])
    net_h = x @ W1 + 0.35
    out_h = sigmoid(net_h)
    net_o = out_h @ W2 + 0.60
    out_o = sigmoid(net_o)
    E = 0.5 * np.sum((d - out_o) ** 2)
    dE_dnet_o = (out_o - d) * out_o * (1 - out_o)
    return {
        "net_h": net_h,
        "out_h": out_h,
        "net_o": net_o,
        "out_o": out_o,
        "E": E,
        "dE_dnet_o": dE_dnet_o,
        "dE_dw5": dE_dnet_o[0] * out_h[0],
    }


def note(tmp_path, body: str, notation: str = "") -> str:
    path = tmp_path / "note.md"
    path.write_text(FRONT.format(notation=notation) + body, encoding="utf-8")
    return str(path)


def eq(lhs: str, value: float, digits: int = 9) -> str:
    return f"$${lhs} = {value:.{digits}f}$$\n\n"


def test_a_planted_slip_is_named_with_its_right_value(tmp_path):
    t = truth()
    slip = t["net_o"][0] + 0.1  # the classic: a term added twice
    body = (
        eq("net_{h1}", t["net_h"][0])
        + "$$out_{h1} = \\frac{1}{1+e^{-net_{h1}}} = "
        + f"{t['out_h'][0]:.9f}$$\n\n"
        + eq("out_{h2}", t["out_h"][1])
        + eq("net_{o1}", slip)  # line of the slip
        + eq("out_{o1}", sigmoid(slip))  # carries the slip forward
        + eq("out_{o2}", t["out_o"][1])
        + eq("E_{total}", t["E"] + 0.01)  # an independent later slip
        + eq("\\frac{\\partial E_{total}}{\\partial w_5}", t["dE_dw5"])
    )
    path = note(tmp_path, body)
    code, out, err = run("check", "--file", path)
    assert code == 1, err
    lines = out.splitlines()
    assert sum(": right: " in ln for ln in lines) == 5
    slip_line = next(ln for ln in lines if "net_{o1}" in ln)
    assert ": wrong: " in slip_line and f"the right value is {t['net_o'][0]:.9f}" in slip_line
    n = int(slip_line.split(":")[1])
    carried = next(ln for ln in lines if "out_{o1}" in ln)
    assert f"consistent with line {n}" in carried
    later = next(ln for ln in lines if "E_{total}" in ln)
    assert ": wrong: " in later and f"{t['E']:.9f}" in later
    assert lines[-2].startswith(f"first wrong number: line {n}, net_{{o1}}")
    assert lines[-1] == "5 right, 2 wrong, 1 consistent with an earlier slip"


def test_a_number_is_right_when_it_is_the_true_value_rounded(tmp_path):
    t = truth()
    v = t["out_h"][0]  # 0.5932699921...
    body = eq("out_{h1}", v, 4) + eq("out_{h2}", t["out_h"][1] + 0.0001, 4)
    code, out, _ = run("check", "--file", note(tmp_path, body))
    assert code == 1
    assert f"right: out_{{h1}} = {v:.4f}" in out
    assert "wrong: out_{h2}" in out and f"the right value is {t['out_h'][1]:.4f}" in out


def test_delta_follows_the_declared_notations_sign(tmp_path):
    t = truth()
    body = eq("\\delta_{o1}", t["dE_dnet_o"][0], 4)  # +∂E/∂net, as Nielsen and Mazur write it
    code, out, _ = run("check", "--file", note(tmp_path, body))
    assert code == 1 and "the other sign" in out  # doc004's δ is -∂E/∂net
    code, out, _ = run("check", "--file", note(tmp_path, body, 'notation = "nielsen"\n'))
    assert code == 0 and "right: \\delta_{o1}" in out


def test_json_and_a_bad_numbers_table(tmp_path):
    t = truth()
    path = note(tmp_path, eq("net_{h1}", t["net_h"][0]))
    code, out, _ = run("check", "--file", path, "--json")
    assert code == 0 and json.loads(out)["numbers"][0]["status"] == "right"
    bad = tmp_path / "bad.md"
    bad.write_text(FRONT.format(notation="").replace("eta = 0.5", "eta = inf") + "$$E = 1$$\n")
    code, out, err = run("check", "--file", str(bad))
    assert code == 2 and "eta" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("lhs", ["net_{j_1}", "net_{j1}", "\\mathrm{net}_{j_{1}}"])
def test_the_notations_own_node_names(tmp_path, lhs):
    t = truth()
    code, out, _ = run("check", "--file", note(tmp_path, eq(lhs, t["net_h"][0])))
    assert code == 0 and ": right: " in out

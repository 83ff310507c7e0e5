"""A worked example's numbered names (Mazur): out_{h1}, net_{o2}, b_{h1}, i_{1}, w_5.

A node is its layer's letter and its number from 1; the weights are numbered across
the network receiver by receiver (in the 2-2-2 network w_5 joins h1 to o1, w_6 h2 to
o1, w_7 h1 to o2).  Every such line was "not checked" before.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_cli


def _status(tmp_path, line: str, *options: str) -> str:
    note = tmp_path / "note.md"
    note.write_text(f"$$\n{line}\n$$\n", encoding="utf-8")
    code, out, err = run_cli(
        "check", "--file", str(note), "--json", "--notation", "mazur", *options
    )
    (relation,) = json.loads(out)["relations"]
    return relation["status"]


@pytest.mark.parametrize(
    "line, status",
    [
        (
            r"\mathrm{net}_{o1} = w_{5} \mathrm{out}_{h1} + w_{6} \mathrm{out}_{h2} + b_{o1}",
            "definition",
        ),
        (
            r"\mathrm{net}_{o1} = w_{5} \mathrm{out}_{h1} + w_{7} \mathrm{out}_{h2} + b_{o1}",
            "fails",
        ),
        (r"\mathrm{net}_{h2} = w_{3} i_{1} + w_{4} i_{2} + b_{h2}", "definition"),
        (
            r"\frac{\partial E_{\text{total}}}{\partial w_{5}} = -\delta_{o1} \mathrm{out}_{h1}",
            "holds",
        ),
        (
            r"\frac{\partial E_{\text{total}}}{\partial w_{6}} = -\delta_{o1} \mathrm{out}_{h1}",
            "fails",
        ),
        (
            r"\delta_{h1} = \mathrm{out}_{h1} \left(1 - \mathrm{out}_{h1}\right) \left(\delta_{o1} w_{5} + \delta_{o2} w_{7}\right)",
            "holds",
        ),
        (
            r"\delta_{h1} = \mathrm{out}_{h1} \left(1 - \mathrm{out}_{h1}\right) \left(\delta_{o1} w_{5} + \delta_{o2} w_{6}\right)",
            "fails",
        ),
        (r"\Delta b_{o2} = \eta \delta_{o2}", "holds"),
        (
            r"E_{\text{total}} = \frac{1}{2} \left(\mathrm{target}_{o1} - \mathrm{out}_{o1}\right)^{2} + \frac{1}{2} \left(\mathrm{target}_{o2} - \mathrm{out}_{o2}\right)^{2}",
            "definition",
        ),
    ],
)
def test_numbered_names_read_as_the_nodes_and_weights_they_number(tmp_path, line, status):
    assert _status(tmp_path, line) == status


def test_weights_are_numbered_in_the_network_given(tmp_path):
    """In a 3-4-2 network w_13 is the first output weight (12 hidden weights before it)."""
    line = r"\frac{\partial E_{\text{total}}}{\partial w_{13}} = -\delta_{o1} \mathrm{out}_{h1}"
    assert _status(tmp_path, line, "--layers", "3,4,2") == "holds"
    assert _status(tmp_path, line) == "not checked"  # 2-2-2 has no w_13

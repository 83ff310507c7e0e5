"""A generic unit index under a function that names one layer is on that layer.

Rumelhart's j and k name any unit; where the layers' activations differ the printout
writes f for the hidden layer's and g for the output's (f^{(l)} when deep), so
``g'(net_{pk})`` is about an output unit only.  It was also judged with k on the
hidden layer, where g' reads as f', and failed.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_cli

OPTIONS = [
    "--notation",
    "rumelhart",
    "--activation",
    "x/(1+abs(x))",
    "--output-activation",
    "sigmoid",
    "--loss",
    "bce",
]


def _status(tmp_path, line: str, options: list[str] = OPTIONS) -> str:
    note = tmp_path / "note.md"
    note.write_text(f"$$\n{line}\n$$\n", encoding="utf-8")
    code, out, err = run_cli("check", "--file", str(note), "--json", *options)
    (relation,) = json.loads(out)["relations"]
    return relation["status"]


@pytest.mark.parametrize(
    "line, status",
    [
        (r"g'\left(\mathrm{net}_{pk}\right) = o_{pk} \left(1 - o_{pk}\right)", "holds"),
        (r"g'\left(\mathrm{net}_{pj}\right) = o_{pj} \left(1 - o_{pj}\right)", "holds"),
        (r"g'\left(\mathrm{net}_{pk}\right) = 1 - o_{pk}^{2}", "fails"),
        (
            r"f'\left(\mathrm{net}_{pk}\right) = \frac{1}{\left(1 + \left|\mathrm{net}_{pk}\right|\right)^{2}}",
            "holds",
        ),
        (r"f'\left(\mathrm{net}_{pk}\right) = o_{pk} \left(1 - o_{pk}\right)", "fails"),
    ],
)
def test_a_layers_own_function_fixes_its_units_layer(tmp_path, line, status):
    assert _status(tmp_path, line) == status


DEEP = ["--notation", "rumelhart", "--activation", "tanh,relu,sigmoid,identity"]
DEEP += ["--loss", "sse", "--layers", "5,4,3,6,2"]


@pytest.mark.parametrize(
    "line, status",
    [
        (r"\mathrm{net}_{pk} = \sum_{j} W^{(2)}_{kj} o_{pj}", "definition"),
        (r"\mathrm{net}_{pm} = \sum_{l} W^{(4)}_{ml} o_{pl}", "definition"),
        (r"\mathrm{net}_{pk} = 2 \sum_{j} W^{(2)}_{kj} o_{pj}", "fails"),
    ],
)
def test_a_labelled_weight_fixes_its_units_layers(tmp_path, line, status):
    """Deep Rumelhart: W^{(2)}_{kj} joins layer 1 to layer 2 (it was tried with j on
    the input layer and failed)."""
    assert _status(tmp_path, line, DEEP) == status

r"""Goodfellow's batch lines: ``\Delta^{(l)}`` holds the gradients ∇_{a^{(l)}} J, one
sample per row (his notation has no δ).  They were "not checked" (symbol Delta is
not defined), once Markdown printed them too."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_cli

OPTIONS = ["--notation", "goodfellow", "--activation", "tanh", "--bias"]
OPTIONS += ["--layers", "3,4,3,2", "--loss", "sse", "--output-activation", "identity"]


@pytest.mark.parametrize(
    "line, status",
    [
        (
            r"\Delta^{(l)} = {f^{(l)}}'\left(a^{(l)}\right) \odot \left(\Delta^{(l+1)} W^{(l+1)}\right)",
            "holds",
        ),
        (r"\frac{\partial J}{\partial b^{(l)}} = \sum_{\text{rows}} \Delta^{(l)}", "holds"),
        (r"\frac{\partial J}{\partial b^{(l)}} = -\sum_{\text{rows}} \Delta^{(l)}", "fails"),
        (r"\frac{\partial J}{\partial W^{(l)}} = {\Delta^{(l)}}^{T} h^{(l-1)}", "holds"),
        (r"\frac{\partial J}{\partial W^{(l)}} = 2 {\Delta^{(l)}}^{T} h^{(l-1)}", "fails"),
    ],
)
def test_goodfellows_batch_of_gradients(tmp_path, line, status):
    note = tmp_path / "note.md"
    note.write_text(f"$$\n{line}\n$$\n", encoding="utf-8")
    code, out, err = run_cli("check", "--file", str(note), "--json", *OPTIONS)
    (relation,) = json.loads(out)["relations"]
    assert relation["status"] == status, relation

"""examples/derivation.ipynb runs top to bottom (nbclient) and displays the derivation."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "derivation.ipynb"


def test_example_notebook_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the checkout's derive, installed or not
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    htmls = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<math" in h and "Step by step" in h for h in htmls)
    assert any("链式法则" in h for h in htmls)
    latex = [o["data"]["text/latex"] for o in outputs if "text/latex" in o.get("data", {})]
    assert any(r"\begin{aligned}" in t for t in latex)
    assert any(r"\delta_{k}" in t and "O_{k}^{2}" in t for t in latex)  # tanh.delta()
    assert any("worked example" in h and "0.35891648" in h for h in htmls)
    # only the public API: no module of derive other than the package itself
    code = "".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "from derive" not in code and "derive.printing" not in code and ".blocks" not in code

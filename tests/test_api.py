"""The public Python API: derive.explain and derive.example print themselves and refuse
unknown choices with a clear error."""

from __future__ import annotations

import json

import pytest

import derive
from derive.errors import InputError


@pytest.fixture(scope="module")
def tanh():
    return derive.explain("doc004", activation="tanh")


def test_explain_prints_itself_in_every_format(tanh):
    latex, markdown, page = tanh.latex(), tanh.markdown(), tanh.html()
    assert tanh.delta() in latex  # the output δ, as the whole derivation prints it
    assert "$$\n" + tanh.delta() + "\n$$" in markdown
    assert page.startswith("<!DOCTYPE html>") and "<math" in page
    assert r"\documentclass" in tanh.latex(document=True)
    # tanh's δ_k: f'(net) written in the output, 1 - O_k^2
    assert r"\left(1 - O_{k}^{2}\right)" in tanh.delta()
    assert tanh.delta(1).startswith(r"\delta_{j}")
    assert tanh.delta()._repr_latex_() == f"$${tanh.delta()}$$"


def test_repr_is_one_short_line(tanh):
    text = repr(tanh)
    assert "\n" not in text and len(text) < 250
    assert "doc004" in text and "tanh" in text and ".latex()" in text
    ex = derive.example()
    assert "\n" not in repr(ex) and len(repr(ex)) < 250 and "E = " in repr(ex)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: derive.explain("knuth"), "unknown notation 'knuth'; choose from doc004"),
        (lambda: derive.explain(lang="fr"), "unknown language 'fr'; choose from en, zh"),
        (lambda: derive.explain(colour="red"), "unknown network option 'colour'"),
        (lambda: derive.explain(activation="nope"), "nope"),
        (lambda: derive.example(notation="knuth"), "unknown notation 'knuth'"),
        (lambda: derive.example(lang="fr"), "unknown language 'fr'"),
        (lambda: derive.example(digits=0), "digits"),
        (lambda: derive.example({"layers": [2, 2]}), "missing key 'x'"),
    ],
)
def test_unknown_choices_are_clear_errors(call, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(")):
        call()


def test_example_api_matches_the_command(tmp_path):
    numbers = {
        "layers": [2, 2, 1],
        "x": [0.5, -0.2],
        "d": [0.7],
        "W": [[[0.1, 0.2], [0.3, 0.4]], [[0.5], [-0.6]]],
        "eta": 0.1,
    }
    ex = derive.example(numbers, digits=4)
    path = tmp_path / "n.toml"
    path.write_text(
        "layers = [2, 2, 1]\nx = [0.5, -0.2]\nd = [0.7]\neta = 0.1\n"
        "W = [[[0.1, 0.2], [0.3, 0.4]], [[0.5], [-0.6]]]\n",
        encoding="utf-8",
    )
    from tests.helpers import run_cli

    code, out, _ = run_cli("example", "--file", str(path), "--format", "json")
    assert code == 0
    assert json.loads(out) == json.loads(ex.json()) == ex.data
    assert ex.data["E"] == ex.E
    assert derive.example(path).data == ex.data
    assert f"{ex.E:.4g}" in ex.markdown()
    assert "<math" in ex._repr_html_() and "<html" not in ex._repr_html_()

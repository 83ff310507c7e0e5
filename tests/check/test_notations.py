"""The checker reads the notation model: any preset, a notation file, a note's front
matter; textbook syntax (bare layer labels, 1-based sums, ≡, ≈ with a computed verdict)."""

from __future__ import annotations

import pytest

from derive.check.extract import Relation
from derive.check.verify import Checker
from derive.notation import PRESETS
from tests.helpers import run_cli


def verdict(notation: str, lhs: str, rhs: str, op: str = "="):
    return Checker(PRESETS[notation]).check(Relation(1, lhs, op, rhs, f"{lhs} {op} {rhs}"))


@pytest.mark.parametrize(
    "notation, lhs, rhs, status",
    [
        # Nielsen ch. 2: delta = +dC/dz, receiver-first w^l_{jk}, layer 1 the input
        ("nielsen", r"\delta^L_j", r"(a^L_j - y_j) \sigma'(z^L_j)", "holds"),  # BP1
        ("nielsen", r"\delta^L_j", r"(y_j - a^L_j) \sigma'(z^L_j)", "fails"),  # the notes' sign
        (
            "nielsen",
            r"\delta^l_j",
            r"\sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)",
            "holds",
        ),  # BP2
        ("nielsen", r"\frac{\partial C}{\partial b^l_j}", r"\delta^l_j", "holds"),  # BP3
        ("nielsen", r"\frac{\partial C}{\partial w^l_{jk}}", r"a^{l-1}_k \delta^l_j", "holds"),
        ("nielsen", r"\frac{\partial C}{\partial w^l_{jk}}", r"a^{l}_k \delta^l_j", "fails"),
        ("nielsen", r"z^l_j", r"\sum_k w^l_{jk} a^{l-1}_k + b^l_j", "definition"),
        ("nielsen", "C", r"\frac{1}{2} \sum_j (y_j - a^L_j)^2", "definition"),
        # Mitchell ch. 4: hidden letter h, receiver-first w_{kh}
        ("mitchell", r"\delta_h", r"o_h (1 - o_h) \sum_k w_{kh} \delta_k", "holds"),
        ("mitchell", r"\Delta w_{kh}", r"\eta \delta_k o_h", "holds"),
        ("mitchell", r"\Delta w_{kh}", r"\eta \delta_h o_k", "fails"),
        # Bishop 5.3: delta = +dE/da, a_j the pre-activation, h the hidden activation
        ("bishop", r"\delta_k", r"y_k - t_k", "holds"),
        ("bishop", r"\delta_j", r"h'(a_j) \sum_k w_{kj} \delta_k", "holds"),
        # Rumelhart 1986: the pattern p on every quantity, E_p the pattern's error
        ("rumelhart", r"\frac{\partial E_p}{\partial w_{ji}}", r"-\delta_{pj} o_{pi}", "holds"),
        ("rumelhart", r"\frac{\partial E_p}{\partial w_{ji}}", r"\delta_{pj} o_{pi}", "fails"),
    ],
)
def test_textbook_equations_in_their_own_notation(notation, lhs, rhs, status):
    assert verdict(notation, lhs, rhs).status == status


@pytest.mark.parametrize(
    "lhs, rhs, status, diagnosis",
    [
        (r"\delta^L", r"\nabla_a C \odot \sigma'(z^L)", "holds", ""),  # BP1a
        (r"\delta^L", r"(a^L - y) \odot \sigma'(z^L)", "holds", ""),
        (r"\delta^l", r"((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)", "holds", ""),  # BP2
        (r"\delta^l", r"(w^{l+1} \delta^{l+1}) \odot \sigma'(z^l)", "fails", "transposed"),
        (r"\nabla_a C", r"y - a^L", "fails", "sign"),
        (r"z^l", r"w^l a^{l-1} + b^l", "definition", ""),
    ],
)
def test_whole_layer_vectors_are_read_element_by_element(lhs, rhs, status, diagnosis):
    v = verdict("nielsen", lhs, rhs)
    assert v.status == status and diagnosis in v.diagnosis, v
    assert "'" not in v.diagnosis  # no internal summation names (k'0)


@pytest.mark.parametrize(
    "lhs, rhs, status, diagnosis",
    [
        # Goodfellow 6.5.4: the general layer is k, no delta, gradients by \nabla
        (r"a^{(k)}", r"b^{(k)} + W^{(k)} h^{(k-1)}", "definition", ""),
        (r"h^{(k)}", r"f(a^{(k)})", "definition", ""),
        (r"\nabla_{b^{(k)}} J", r"\nabla_{a^{(k)}} J", "holds", ""),
        (r"\nabla_{h^{(k-1)}} J", r"W^{(k)} \nabla_{a^{(k)}} J", "fails", "for k = 1"),
    ],
)
def test_goodfellow_general_layer_k(lhs, rhs, status, diagnosis):
    v = verdict("goodfellow", lhs, rhs)
    assert v.status == status and diagnosis in v.diagnosis, v


def test_one_based_sums_run_over_the_layer():
    v = verdict("doc004", r"\frac{\partial E}{\partial O_j}", r"-\sum_{k=1}^{K} \delta_k w_{jk}")
    assert v.status == "holds"


def test_an_approximation_gets_a_computed_verdict():
    exact = verdict("doc004", r"\Delta w_{jk}", r"\eta \delta_k O_j", op="≈")
    assert exact.status == "holds"
    rough = verdict("doc004", r"\Delta w_{jk}", r"1.01 \eta \delta_k O_j", op="≈")
    assert rough.status == "approximation" and "0.0099 relative" in rough.how


def test_equiv_is_a_definition():
    v = verdict("doc004", r"\delta_k", r"-\frac{\partial E}{\partial net_k}", op="≡")
    assert v.status == "definition"
    code, out, _ = run_cli("check", r"\delta_k \equiv -\frac{\partial E}{\partial net_k} ")
    assert "definition" in out and code == 2  # nothing but a definition: nothing checked


def test_any_preset_or_a_notation_file_or_the_front_matter(tmp_path):
    bp1 = r"\delta^L_j = (a^L_j - y_j) \sigma'(z^L_j)"
    assert run_cli("check", "--notation", "nielsen", bp1)[0] == 0
    toml = tmp_path / "mine.toml"
    toml.write_text('extends = "nielsen"\nloss_glyph = "J"\n', encoding="utf-8")
    code, out, _ = run_cli("check", "--notation", str(toml), r"J = \frac12 \sum_j (y_j - a^L_j)^2")
    assert "definition (agrees" in out
    note = tmp_path / "note.md"
    note.write_text(f'+++\nnotation = "nielsen"\n+++\n\nBP1: $${bp1}$$\n', encoding="utf-8")
    code, out, _ = run_cli("check", "--file", str(note))
    assert code == 0 and "holds" in out
    code, _, err = run_cli("check", "--notation", "knuth", "x = 1")
    assert code == 2 and "nielsen" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "notation, lhs, rhs, named, suggested",
    [
        # a capital for the book's own lower-case activation
        ("nielsen", "C", r"\frac12 \sum_j (y_j - A^L_j)^2", "A_{j}", "did you mean a?"),
        ("doc004", "Q_j", "O_j", "Q_{j}", ""),
        # a glyph the notation has, used without its index
        ("bishop", "E_n", r"\frac12 \sum_k (y_k - t_k)^2 + a", "symbol a without an index", ""),
    ],
)
def test_an_undefined_symbol_is_named_with_the_notations_own(notation, lhs, rhs, named, suggested):
    v = verdict(notation, lhs, rhs)
    assert v.status == "not checked"
    assert f"{named} " in v.how and f"notation {notation}" in v.how, v.how
    if "without an index" not in named:  # the list of what the notation writes
        assert "its symbols: " in v.how
        assert all(g in v.how for g in PRESETS[notation].glyphs()), v.how
    assert suggested in v.how, v.how

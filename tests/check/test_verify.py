"""`derive check`: the notes as a corpus, textbook facts, and the tool's own output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.check.extract import Relation, find_formulas, split_relations
from derive.check.verify import Checker
from tests.check.notes import EXAMPLE, SEEDS, needs_seeds
from tests.helpers import run_cli as run


def verdict(notation: str, lhs: str, rhs: str):
    return Checker(notation).check(Relation(1, lhs, "=", rhs, f"{lhs} = {rhs}"))


def note(prefix: str) -> Path:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


def verdicts_of(path: Path, notation: str) -> dict[int, list]:
    checker = Checker(notation)
    out: dict[int, list] = {}
    for formula in find_formulas(path.read_text(encoding="utf-8")):
        for rel in split_relations(formula):
            out.setdefault(rel.line, []).append(checker.check(rel))
    return out


# -- the notes --------------------------------------------------------------------


@needs_seeds
def test_note_004_results_hold_and_slips_fail():
    v = verdicts_of(note("004"), "doc004")
    statuses = {line: [x.status for x in vs] for line, vs in v.items()}
    assert statuses[65] == ["holds"]  # Δw_jk = η δ_k O_j
    assert statuses[63] == ["holds"]  # δ_k = (d_k - O_k) f'(net_k)
    assert statuses[60] == ["holds", "holds"]  # f'(net) = O(1 - O)
    assert "holds" in statuses[53]  # Δv_ij = η O_i f'(net_j) Σ_k δ_k w_jk
    (slip,) = v[67]  # Σ_{i=0}^{K-1} δ_k w_jk
    assert slip.status == "fails" and "wrong summation index" in slip.diagnosis
    by_text = {x.rhs.strip(): x for x in v[53]}
    w_for_v = [x for x in v[53] if "w_{ij}" in x.rhs]
    assert w_for_v and w_for_v[0].status == "fails"
    assert "w is written where v belongs" in w_for_v[0].diagnosis
    wrong_chain = [
        x for x in v[53] if x.rhs.strip().startswith("-\\frac{\\partial E}{\\partial net_j}f'")
    ]
    assert wrong_chain and wrong_chain[0].status == "fails"
    assert by_text  # the chain was split into links
    defs = [x for x in v[41]]
    assert defs[0].status == "definition"


@needs_seeds
def test_note_000_and_001_the_dropped_two_and_other_slips():
    v = verdicts_of(note("000"), "rashid")
    assert [x.status for x in v[111]] == ["fails"]
    assert "factor 2 was dropped" in v[111][0].diagnosis
    assert v[211][0].status == "fails"  # ∂x/∂y = 2y should be ∂f/∂y
    assert v[58][0].status == "fails" and "only the term" in v[58][0].diagnosis
    assert v[100][0].status == "fails"  # 1 - sigmoid(Σ_j W_jk) lost its O_j
    assert all(x.status == "holds" for x in v[79])  # power rule
    assert v[95][0].status == "holds"  # sigmoid' = sigmoid (1 - sigmoid)
    w = verdicts_of(note("001"), "rashid")
    assert w[81][0].status == "holds"  # the book's ΔW, the 2 absorbed into α
    assert w[86][0].status == "fails" and "factor 2" in w[86][0].diagnosis


@needs_seeds
def test_note_003():
    v = verdicts_of(note("003"), "doc003")
    assert v[141][0].status == "holds"  # ΔW¹_ij = α(d - y) W²_j Φ'_j x_i
    assert v[132][0].status == "holds"  # ∂h_j/∂W¹_ij = Φ'_j x_i
    summed = [x for x in v[136] if x.status == "fails"]
    assert summed and "keeps free" in summed[0].diagnosis
    assert v[66][0].status == "fails"  # E = (d - y)^2, the ½ is added later


@needs_seeds
def test_note_002_has_its_formulas_as_images():
    code, out, err = run("check", "--file", str(note("002")))
    assert code == 2 and "nothing checkable" in err


def test_the_example_note_has_note_004s_results_and_its_three_slips():
    """examples/note004_en.md, which the repository carries, checks like note 004."""
    checker = Checker("doc004")
    rels = [
        r for f in find_formulas(EXAMPLE.read_text(encoding="utf-8")) for r in split_relations(f)
    ]
    verdicts = [checker.check(r) for r in rels]
    counts = {s: sum(v.status == s for v in verdicts) for s in ("holds", "fails")}
    assert counts == {"holds": 16, "fails": 3}
    got = {(v.lhs.strip(), v.rhs.strip()): v for v in verdicts}
    # Δw = η(-∂E/∂net_k) O_j is derived (holds); only Δw = -η ∂E/∂w defines the update
    assert (
        got[(r"\Delta{w_{jk}}", r"\eta(-\frac{\partial{E}}{\partial{net_k}})O_j")].status == "holds"
    )
    assert got[(r"\Delta{w_{jk}}", r"-\eta\frac{\partial E }{\partial w_{jk} }")].status == (
        "definition"
    )
    assert got[("f(x)", r"1/(1+\exp(-x))")].status == "definition"  # what f is, and agrees
    assert got[(r"\Delta w_{jk}", r"\eta\delta_kO_j")].status == "holds"
    assert got[(r"\delta_k", r"(d_k-O_k)f'(net_k)")].status == "holds"
    slips = [v.diagnosis for v in got.values() if v.status == "fails"]
    assert "w is written where v belongs" in slips[0]
    assert "∂E/∂net_{j} is written where ∂E/∂O_{j} belongs" in slips[1]
    assert "wrong summation index" in slips[2]


@needs_seeds
def test_the_example_note_has_the_formulas_of_note_004():
    def formulas(text: str) -> list[tuple[str, str]]:
        return [
            (r.lhs.strip(), r.rhs.strip()) for f in find_formulas(text) for r in split_relations(f)
        ]

    seed = formulas(note("004").read_text(encoding="utf-8"))
    example = formulas(EXAMPLE.read_text(encoding="utf-8"))
    assert example == seed


# -- textbook facts beyond the notes, and broken variants -----------------------


@pytest.mark.parametrize(
    "notation, lhs, rhs, status",
    [
        ("doc004", r"\frac{\partial E}{\partial w_{jk}}", r"-\delta_k O_j", "holds"),
        ("doc004", r"\frac{\partial E}{\partial w_{jk}}", r"\delta_k O_j", "fails"),
        ("doc004", r"\delta_j", r"O_j(1-O_j)\sum_k \delta_k w_{jk}", "holds"),
        ("doc004", r"\delta_j", r"O_j(1-O_j)\sum_k \delta_k w_{kj}", "fails"),
        ("doc004", r"\frac{d}{dx}\tanh(x)", r"1 - \tanh(x)^2", "holds"),
        ("doc004", r"\frac{d}{dx}\tanh(x)", r"1 - \tanh(x)", "fails"),
        ("doc004", r"\frac{\partial E}{\partial O_k}", r"O_k - d_k", "holds"),
        ("rashid", r"\frac{\partial E}{\partial o_k}", r"-2(t_k - o_k)", "holds"),
        ("rashid", r"\frac{\partial E}{\partial o_k}", r"-(t_k - o_k)", "fails"),
    ],
)
def test_textbook_facts(notation, lhs, rhs, status):
    assert verdict(notation, lhs, rhs).status == status


def test_diagnoses():
    assert (
        "sign"
        in verdict("doc004", r"\frac{\partial E}{\partial w_{jk}}", r"\delta_k O_j").diagnosis
    )
    assert (
        "factor"
        in verdict("doc004", r"\frac{\partial E}{\partial w_{jk}}", r"-2\delta_k O_j").diagnosis
    )
    assert "missing factor" in verdict("doc004", r"\delta_k", r"d_k - O_k").diagnosis
    assert (
        "w is written where v belongs"
        in verdict(
            "doc004",
            r"\frac{\partial E}{\partial v_{ij}}",
            r"-\delta_j \frac{\partial net_j}{\partial w_{ij}}",
        ).diagnosis
    )
    assert (
        "transposed index: w_{kj} should be w_{jk}"
        in verdict("doc004", r"\delta_j", r"O_j(1-O_j)\sum_k \delta_k w_{kj}").diagnosis
    )
    assert (
        "j and k are swapped"
        in verdict("doc004", r"\Delta w_{jk}", r"\eta \delta_{j} O_{k}").diagnosis
    )


# -- the tool's own output -----------------------------------------------------


@pytest.mark.parametrize("notation", ["doc004", "rashid", "doc003"])
def test_everything_the_tool_prints_holds(notation, tmp_path):
    code, out, _ = run("latex", "--notation", notation, "--steps")
    assert code == 0
    path = tmp_path / "out.tex"
    path.write_text(out, encoding="utf-8")
    code, report, _ = run("check", "--notation", notation, "--file", str(path), "--json")
    data = json.loads(report)
    statuses = [r["status"] for r in data["relations"]]
    assert "fails" not in statuses, [r for r in data["relations"] if r["status"] == "fails"]
    assert statuses.count("holds") >= 5
    assert code == 0
    unchecked = [r["lhs"] for r in data["relations"] if r["status"] == "not checked"]
    assert unchecked == []  # matrix forms, steps, the book's e_hidden = W_ho^T E_k included
    if notation == "rashid":  # the book's own names; its approximation (≈) gets a verdict
        assert "approximation" in statuses


@pytest.mark.parametrize("change", ["factor", "sign"])
def test_a_perturbed_printed_equation_fails(change):
    code, out, _ = run("latex")
    lines = [ln[3:-3] for ln in out.splitlines() if ln.startswith(r"\[ \Delta v_{ij} = \eta")]
    lhs, rhs = lines[0].split(" = ", 1)
    rhs = rhs.split(" = ")[0]
    broken = f"2 {rhs}" if change == "factor" else f"-{rhs}"
    v = verdict("doc004", lhs, broken)
    assert v.status == "fails"
    assert ("factor" if change == "factor" else "sign") in v.diagnosis


def test_matrix_forms_are_read_element_by_element():
    assert verdict("doc004", r"\Delta w", r"\eta O_{j} \delta_{k}^{T}").status == "holds"
    assert verdict("doc004", r"\Delta w", r"\eta O_{k} \delta_{j}^{T}").status == "fails"
    assert (
        verdict("doc004", r"\delta_{j}", r"O_{j} \circ (1 - O_{j}) \circ (w \delta_{k})").status
        == "holds"
    )
    assert verdict(
        "doc004", r"\delta_{j}", r"O_{j} \circ (1 - O_{j}) \circ (w^{T} \delta_{k})"
    ).status in ("fails", "not checked")
    book = verdict(
        "rashid", r"\Delta W", r"\alpha (E_{k} \circ O_{k} \circ (1 - O_{k})) \cdot O_{j}^{T}"
    )
    assert book.status == "holds"


def test_a_transposed_index_fails():
    v = verdict("doc004", r"\Delta w_{jk}", r"\eta \delta_{j} O_{k}")
    assert v.status == "fails" and "swapped" in v.diagnosis


# -- the command line -----------------------------------------------------------


def test_cli_exit_codes():
    assert run("check", r"\Delta w_{jk} = \eta \delta_k O_j")[0] == 0
    assert run("check", r"\Delta w_{jk} = -\eta \delta_k O_j")[0] == 1
    code, _, err = run("check", r"x = \frac{a}{")
    assert code == 2 and err.count("\n") == 1 and "column" in err
    code, _, err = run("check", "--file", "no/such/note.md")
    assert code == 2 and "no such file" in err
    code, out, _ = run("check", r"\Delta w_{jk} \approx \eta \delta_k O_j")
    assert code == 0 and "holds" in out  # an approximation that is exact
    code, out, _ = run("check", r"\Delta w_{jk} \approx 1.01 \eta \delta_k O_j")
    assert code == 0 and "approximation (off the exact value by up to 0.0099 relative)" in out


def test_json_output():
    code, out, _ = run("check", "--json", r"\delta_k = (d_k - O_k) O_k (1 - O_k)")
    data = json.loads(out)
    assert code == 0 and data["relations"][0]["status"] == "holds"


# -- other activations and losses, and a general layer l -------------------------


def network_verdict(options: dict, lhs: str, rhs: str, notation: str = "doc004"):
    from derive.notation import PRESETS, network_for

    checker = Checker(notation, network=network_for(PRESETS[notation], **options))
    return checker.check(Relation(1, lhs, "=", rhs, f"{lhs} = {rhs}"))


@pytest.mark.parametrize(
    "options, lhs, rhs, status",
    [
        ({"activation": "tanh"}, r"\delta_j", r"(1 - O_j^2)\sum_k \delta_k w_{jk}", "holds"),
        ({"activation": "tanh"}, r"\delta_j", r"O_j(1 - O_j)\sum_k \delta_k w_{jk}", "fails"),
        (
            {"output_activation": "softmax", "loss": "ce"},
            r"\frac{\partial E}{\partial net_k}",
            r"O_k - d_k",
            "holds",
        ),
        (
            {"output_activation": "softmax", "loss": "ce"},
            r"\frac{\partial E}{\partial net_k}",
            r"O_k(1 - O_k)(O_k - d_k)",
            "fails",
        ),
        ({"output_activation": "sigmoid", "loss": "bce"}, r"\delta_k", r"d_k - O_k", "holds"),
        ({"loss": "sse"}, r"\delta_k", r"d_k - O_k", "fails"),
        (
            {"activation": "relu", "output_activation": "identity"},
            r"\delta_k",
            r"d_k - O_k",
            "holds",
        ),
        (
            {"activation": "relu", "output_activation": "identity"},
            r"\delta_j",
            r"\sum_k \delta_k w_{jk}",
            "fails",
        ),  # ReLU's f' is 0 for net_j < 0
    ],
)
def test_textbook_facts_of_other_networks(options, lhs, rhs, status):
    assert network_verdict(options, lhs, rhs).status == status


@pytest.mark.parametrize(
    "lhs, rhs, status, diagnosis",
    [
        (r"\delta^{(l)}_j", r"f'(net^{(l)}_j) \sum_k \delta^{(l+1)}_k W^{(l+1)}_{jk}", "holds", ""),
        (
            r"\delta^{(l)}_j",
            r"f'(net^{(l)}_j) \sum_k \delta^{(l+1)}_k W^{(l)}_{jk}",
            "fails",
            "W^(1) is written where W^(2) belongs",
        ),
        (r"\frac{\partial E}{\partial W^{(l)}_{ij}}", r"-O^{(l-1)}_i \delta^{(l)}_j", "holds", ""),
        (
            r"\frac{\partial E}{\partial W^{(l)}_{ij}}",
            r"-O^{(l)}_i \delta^{(l)}_j",
            "fails",
            "l = 1",
        ),
        (r"\frac{\partial E}{\partial b^{(l)}_j}", r"-\delta^{(l)}_j", "holds", ""),
        (r"\frac{\partial E}{\partial b^{(l)}_j}", r"\delta^{(l)}_j", "fails", "sign"),
    ],
)
def test_the_general_layer_recurrence(lhs, rhs, status, diagnosis):
    v = verdict("doc004", lhs, rhs)
    assert v.status == status
    assert diagnosis in v.diagnosis
    if status == "holds":
        assert "every l = 1, 2, 3" in v.how


def test_printed_results_parse_back_to_finite_differences():
    """The LaTeX printed for a user activation, parsed back, equals central differences."""
    import numpy as np

    from derive import symbols as S
    from derive.check.meaning import World
    from derive.check.parse import parse_latex
    from derive.notation import PRESETS, network_for
    from derive.numeric import Point, evaluate, forward
    from tests.helpers import finite_difference, random_point

    code, out, _ = run("latex", "--activation", "x/(1+abs(x))")
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.startswith(r"\[ \Delta v_{ij} = \eta O_{i} f'"))
    lhs, *forms = line[3:-3].split(" = ")
    widths = (3, 4, 2)
    network = network_for(PRESETS["doc004"], activation="x/(1+abs(x))", widths=widths)
    world = World(PRESETS["doc004"], network)
    params, x, d = random_point(network, widths, seed=5)
    pt = Point(widths, network.activations, {"O0": x, "d": d, **params}, {S.eta: 0.1})
    forward(pt)
    fd = finite_difference(network, params, x, d, "W1")
    i, j = (parse_latex(r"O_{i}").indices[0], parse_latex(r"O_{j}").indices[0])
    for form in forms:
        expr = world.translate(parse_latex(form))
        got = np.array([[evaluate(expr, pt, {i: a, j: b}) for b in range(4)] for a in range(3)])
        assert np.allclose(got, -0.1 * fd, rtol=1e-6, atol=1e-10)


@needs_seeds
def test_continued_formulas_and_written_out_matrices_in_note_001():
    code, out, _ = run("check", "--notation", "rashid", "--json", "--file", str(note("001")))
    rows = {(r["line"], r["status"]) for r in json.loads(out)["relations"]}
    assert (8, "holds") in rows  # (1 2; 3 4)(5 6; 7 8) = ... = (19 22; 43 50)
    assert (24, "holds") in rows  # W e = (e1 w11 + e2 w12; ...), entry by entry
    assert (77, "definition") in rows  # the ΔW matrix names its entries
    assert (38, "holds") in rows  # "$$= \frac{\partial}{\partial w} (t_k - o_k)^2$$" continues
    assert (64, "holds") in rows  # continues the chain of line 51, not the side calculation


def test_matrix_entry_that_differs():
    v = verdict(
        "doc004",
        r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
        r"\begin{pmatrix} 1 & 2 \\ 3 & 5 \end{pmatrix}",
    )
    assert v.status == "fails" and "entry (2, 2)" in v.diagnosis


def test_a_failure_asked_only_whether_it_holds_is_explained_when_asked_again():
    """Continued formulas are tried against other left sides with explain=False: such a
    failure has no diagnosis, and checking the same relation later (explained) gives
    what a checker that never skipped would give, and leaves the random draws of the
    relations after it unchanged."""
    slips = [
        (r"\frac{\partial E}{\partial w_{jk}}", r"-2\delta_k O_j"),
        (r"\Delta w_{jk}", r"\eta \delta_{j} O_{k}"),
        (r"\delta_j", r"O_j(1-O_j)\sum_k \delta_k w_{kj}"),
    ]
    rels = [Relation(1, lhs, "=", rhs, f"{lhs} = {rhs}") for lhs, rhs in slips]
    plain = Checker("doc004")
    want = [plain.check(rel) for rel in rels]
    skipping = Checker("doc004")
    quick = skipping.check(rels[0], explain=False)
    assert quick.status == "fails" and not quick.diagnosis and not quick.difference
    got = [skipping.check(rel) for rel in rels]
    assert "factor" in got[0].diagnosis
    assert [g.as_dict() for g in got] == [w.as_dict() for w in want]


def test_checking_in_this_process_leaves_the_garbage_collector_as_it_was():
    """`derive check` loads its modules with the collector off and freezes what they made;
    a caller in the same process gets the collector back on, nothing left frozen, also
    when the check ends in an error."""
    import gc

    assert gc.isenabled() and gc.get_freeze_count() == 0
    code, out, _ = run("check", r"\delta_k = (d_k - O_k) f'(net_k)")
    assert code == 0 and "holds" in out
    assert gc.isenabled() and gc.get_freeze_count() == 0
    code, _, err = run("check", r"\delta_k = (")
    assert code == 2 and "error" in err
    assert gc.isenabled() and gc.get_freeze_count() == 0

"""find_formulas and split_relations: delimiters, rows, chains, prose, line numbers."""

import pytest

from derive.check.extract import Formula, Relation, find_formulas, split_relations
from tests.check.notes import SEEDS, needs_seeds


def rels(latex: str) -> list[tuple[str, str, str]]:
    return [(r.lhs, r.op, r.rhs) for r in split_relations(Formula(1, latex, True))]


# -- find_formulas ---------------------------------------------------------------------


def test_display_dollars():
    assert find_formulas("a\n$$\nx = 1\n$$\n") == [Formula(2, "\nx = 1\n", True)]


def test_inline_dollars():
    assert find_formulas("so $a=b$ and $c$.") == [Formula(1, "a=b", False), Formula(1, "c", False)]


def test_escaped_dollar_is_not_a_formula():
    assert find_formulas(r"costs \$5, or $x$") == [Formula(1, "x", False)]


def test_prices_are_not_formulas():
    assert find_formulas("from $5 to $6 each") == []


def test_brackets_and_parens():
    assert find_formulas(r"\[ a \] and \(b\)") == [Formula(1, " a ", True), Formula(1, "b", False)]


@pytest.mark.parametrize("env", ["equation", "equation*", "align", "align*", "gather", "split"])
def test_environments(env):
    text = f"x\n\\begin{{{env}}} a = b \\end{{{env}}}\n"
    assert find_formulas(text) == [Formula(2, f"\\begin{{{env}}} a = b \\end{{{env}}}", True)]


def test_split_inside_dollars_is_one_formula():
    text = "$$\n\\begin{split}\na &= b\n\\end{split}\n$$"
    assert find_formulas(text) == [Formula(1, "\n\\begin{split}\na &= b\n\\end{split}\n", True)]


def test_code_is_skipped():
    text = "```\n$$a = b$$\n```\n`$c = d$` $e = f$\n~~~\n$g$\n~~~\n"
    assert find_formulas(text) == [Formula(4, "e = f", False)]


def test_tex_comments_are_skipped_outside_markdown():
    text = "% $a = b$\n$c = d$ 100\\% \n"
    assert find_formulas(text, markdown=False) == [Formula(2, "c = d", False)]


def test_formula_line_is_the_opening_delimiter():
    text = "one\ntwo $x$\n\nthree\n\\[\ny\n\\]"
    assert [f.line for f in find_formulas(text)] == [2, 5]


def test_blockquote_marks_are_blanked():
    text = "> $$\n> a = b\n> $$\n"
    assert find_formulas(text) == [Formula(1, "\n  a = b\n  ", True)]


def test_unclosed_delimiters_are_text():
    assert find_formulas("$$ a = b") == []


# -- split_relations -------------------------------------------------------------------


def test_one_relation():
    assert rels("a = b") == [("a", "=", "b")]


def test_chain():
    assert rels("a = b = c") == [("a", "=", "b"), ("b", "=", "c")]


@pytest.mark.parametrize(
    "latex, op",
    [
        (r"a \approx b", "≈"),
        ("a ≈ b", "≈"),
        (r"a \Rightarrow b", "⇒"),
        ("a < b", "<"),
        ("a > b", ">"),
        (r"a \le b", "≤"),
        (r"a \leq b", "≤"),
        ("a ≤ b", "≤"),
        (r"a \geq b", "≥"),
        ("a ≥ b", "≥"),
    ],
)
def test_ops(latex, op):
    assert rels(latex) == [("a", op, "b")]


def test_rows_continue_with_ampersand_equals():
    assert rels(r"X &= A \\ &= B") == [("X", "=", "A"), ("A", "=", "B")]


def test_rows_are_separate():
    assert rels(r"a = b \\ c = d") == [("a", "=", "b"), ("c", "=", "d")]


def test_row_without_relation_starts_a_chain():
    assert rels(r"\begin{split} X \\ &= A \\ &= B \end{split}") == [
        ("X", "=", "A"),
        ("A", "=", "B"),
    ]


def test_leading_relation_of_a_formula_has_empty_lhs():
    assert rels(r"= W^T e") == [("", "=", "W^T e")]


def test_row_line_numbers():
    f = Formula(10, "\n\\begin{align}\nX &= A \\\\\n  &= B\n\\end{align}\n", True)
    assert [r.line for r in split_relations(f)] == [12, 13]


def test_relation_fields():
    f = Formula(3, " a &= b ", True)
    assert split_relations(f) == [Relation(3, "a", "=", "b", "a &= b")]


@pytest.mark.parametrize(
    "latex",
    [
        r"f\left(a = b\right)",
        r"\frac{a = b}{c}",
        r"g{a = b}",
        r"\text{a = b}",
        r"\begin{pmatrix} a = b \end{pmatrix}",
    ],
)
def test_only_top_level_relations(latex):
    assert rels(latex) == []


def test_matrix_ampersands_and_rows_stay():
    latex = r"M = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"
    assert rels(latex) == [("M", "=", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}")]


def test_prose_prefix_disappears():
    assert rels(r"第一项: \frac{\part E}{\part O_k} = -2(t_k - o_k)") == [
        (r"\frac{\part E}{\part O_k}", "=", "-2(t_k - o_k)")
    ]


@pytest.mark.parametrize("prefix", ["即", "所以", "设", "同理", r"\text{即 }"])
def test_prefixes(prefix):
    assert rels(prefix + r"\delta_k = x") == [(r"\delta_k", "=", "x")]


def test_prose_between_math_splits_segments():
    assert rels(r"如果 f = y^2;y=x") == [("f", "=", "y^2"), ("y", "=", "x")]


def test_prose_only_gives_nothing():
    latex = r"\part E与\part W_{j,k}的关系为\frac{目标值与实际值之差的平方}{\part W_{j,k}的权重}"
    assert rels(latex) == []


def test_relation_with_prose_on_one_side_is_dropped():
    assert rels(r"误差 = (目标值 - 实际值)^2") == []


def test_comma_splits_when_both_sides_hold_a_relation():
    latex = r"\delta_k = (d_k-O_k)f'(net_k), \Delta{w_{jk}} = \eta\delta_kO_j"
    assert rels(latex) == [
        (r"\delta_k", "=", "(d_k-O_k)f'(net_k)"),
        (r"\Delta{w_{jk}}", "=", r"\eta\delta_kO_j"),
    ]


def test_comma_inside_arguments_does_not_split():
    assert rels("f(x,y) = x + y") == [("f(x,y)", "=", "x + y")]


def test_comma_part_that_belongs_to_the_prose_is_dropped():
    assert rels(r"E=\frac{1}{2}(d-O)^2, d为期望输出") == [("E", "=", r"\frac{1}{2}(d-O)^2")]


def test_parenthesised_condition():
    assert rels(r"w = -\eta g,(\eta>0)时") == [("w", "=", r"-\eta g"), (r"\eta", ">", "0")]


def test_compound_assignment_is_not_a_relation():
    assert rels(r"v_{ij}+=\Delta v_{ij}") == []


def test_trailing_punctuation_and_spacing_are_trimmed():
    assert rels(r"\large a = b \quad.") == [("a", "=", "b")]


def test_bold_wrapper_is_unwrapped():
    assert rels(r"\huge\bold{a = b}") == [("a", "=", "b")]


def test_tags_and_labels_are_dropped():
    assert rels(r"a = b \tag{1}\label{eq:x}") == [("a", "=", "b")]


def test_plain_string_is_accepted():
    assert [(r.lhs, r.rhs) for r in split_relations("a = b")] == [("a", "b")]


# -- the notes -------------------------------------------------------------------------


def note(prefix: str) -> list[Relation]:
    (path,) = SEEDS.glob(prefix + "_*")
    text = path.read_text(encoding="utf-8")
    return [r for f in find_formulas(text) for r in split_relations(f)]


@needs_seeds
@pytest.mark.parametrize(
    "prefix, count", [("000", 23), ("001", 24), ("002", 0), ("003", 45), ("004", 34)]
)
def test_relation_counts(prefix, count):
    assert len(note(prefix)) == count


@needs_seeds
def test_note_000_chain_with_prose_prefix():
    got = [(r.line, r.lhs, r.rhs) for r in note("000") if r.line == 79]
    assert got == [
        (79, r"\frac{\part E}{\part O_k}", r"\frac{\part}{\part O_k}(t_k - o_k)^2"),
        (79, r"\frac{\part}{\part O_k}(t_k - o_k)^2", "-2(t_k - o_k)"),
    ]


@needs_seeds
def test_note_000_split_rows():
    got = [(r.line, r.lhs[:6], r.rhs[:6]) for r in note("000") if r.line in (100, 102)]
    assert got == [(100, r"\frac{", "-2(t_k"), (102, "-2(t_k", "-2(t_k")]


@needs_seeds
def test_note_004_comma_pair():
    got = [(r.lhs, r.rhs) for r in note("004") if r.lhs == r"\Delta{w_{jk}}"]
    assert (r"\Delta{w_{jk}}", r"\eta\delta_kO_j") in got


@needs_seeds
def test_note_001_formula_that_continues_the_one_before():
    rhs = (
        r"-2(t_k - o_k) \cdot \frac{\partial}{\partial w_{j,k}} "
        r"\text{sigmoid}(\sum_j w_{j,k} \cdot o_j)"
    )
    assert [r.lhs for r in note("001") if r.rhs == rhs] == [""]

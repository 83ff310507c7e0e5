"""Notation files, front matter, the `notations` command, and their bad input."""

from __future__ import annotations

import pytest

from derive.errors import InputError
from derive.model.quantities import Kind, Quantity
from derive.notation import PRESETS, load_notation, notation_from_front_matter
from derive.notation.files import from_toml, to_toml
from tests.helpers import run_cli as run


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_round_trips_through_its_notation_file(name):
    back = from_toml(to_toml(PRESETS[name]))
    assert back == PRESETS[name]


def test_extends_changes_only_what_it_names(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('extends = "nielsen"\nloss_glyph = "J"\n[conventions]\ndelta_sign = -1\n')
    mine = load_notation(str(path))
    assert mine.loss_glyph == "J" and mine.conventions.delta_sign == -1
    assert mine.net == "z" and mine.conventions.weight_order == "receiver_first"
    code, out, err = run("latex", "--notation", str(path))
    assert code == 0, err
    assert r"\delta^{L}_{j} = -\frac{\partial J}{\partial z^{L}_{j}}" in out


@pytest.mark.parametrize(
    "text, words",
    [
        ('extends = "nielsen"\ncolour = "red"\n', ["unknown key 'colour'"]),
        ('extends = "nobody"\n', ["extends", "nielsen"]),
        ('name = "x"\ntitle = "x"\n', ["missing field"]),
        ('extends = "nielsen"\nnet = "a"\n', ["glyph 'a'", "net", "outputs"]),
        ('extends = "nielsen"\n[conventions]\ndelta_sign = 2\n', ["delta_sign", "-1, 0, 1"]),
        ('extends = "nielsen"\n[conventions]\nsign = 1\n', ["conventions.sign"]),
        ('extends = "nielsen"\nlayers = "rows"\n', ["layers", "letters, labels"]),
        ('extends = "nielsen"\noutputs = "a"\n', ["outputs must be a list"]),
        ("extends = \n", ["not valid TOML"]),
        (
            'extends = "nielsen"\noutput_activation_fixed = true\n',
            ["output_activation_fixed", "output_activation_default names none"],
        ),
        ('extends = "bishop"\noutput_activation_fixed = "yes"\n', ["must be true or false"]),
    ],
)
def test_a_bad_notation_file_is_one_line_naming_the_key(tmp_path, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_notation(str(path))
    for word in words:
        assert word in str(err.value)
    code, out, err_text = run("latex", "--notation", str(path))
    assert code == 2 and out == ""
    assert err_text.count("\n") == 1 and err_text.startswith("derive latex: error:")


@pytest.mark.parametrize(
    "lines, output",
    [
        (['extends = "bishop"', "output_activation_fixed = false"], "sigmoid"),  # every layer's
        (['extends = "bishop"'], "identity"),  # Bishop's linear outputs stay
        (
            ['extends = "doc004"', 'loss = "ce"', 'output_activation_default = "softmax"']
            + ["output_activation_fixed = true"],
            "softmax",
        ),
    ],
)
def test_whether_one_activation_keeps_the_output_is_the_notations(tmp_path, lines, output):
    """output_activation_fixed, not a rule on the output's name, decides whether one
    --activation leaves the text's output layer alone."""
    path = tmp_path / "mine.toml"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run("latex", "--notation", str(path), "--activation", "sigmoid")
    assert code == 0, err
    header = out.split("% Forward pass")[0]
    shown = {"sigmoid", output} - {"softmax"}  # softmax's definition is the forward pass's
    assert header.count("% the activation function") == len(shown)
    from derive.notation import network_for

    net = network_for(load_notation(str(path)), activation="sigmoid")
    assert [a.name for a in net.activations] == ["sigmoid", output]


def test_unknown_preset_lists_the_presets():
    code, out, err = run("latex", "--notation", "knuth")
    assert code == 2 and out == ""
    assert all(name in err for name in PRESETS) and err.count("\n") == 1


def test_front_matter_in_markdown_and_tex():
    md = '+++\n[notation]\nextends = "nielsen"\nloss_glyph = "J"\n[numbers]\nx = [1]\n+++\n# note\n'
    assert notation_from_front_matter(md).loss_glyph == "J"
    tex = '% [notation]\n% extends = "nielsen"\n% target = "t"\n\\[ a = b \\]\n'
    assert notation_from_front_matter(tex).target == "t"
    assert notation_from_front_matter('+++\nnotation = "doc003"\n+++\n') is PRESETS["doc003"]
    assert notation_from_front_matter("# a note without front matter\n") is None
    assert notation_from_front_matter("% just a comment\n\\[ x \\]") is None
    with pytest.raises(InputError, match="closing"):
        notation_from_front_matter("+++\n[notation]\n")


def test_the_model_names_quantities_both_ways():
    n = PRESETS["nielsen"]
    assert n.glyph(Kind.PREACT) == "z"
    assert n.symbol(Quantity(Kind.WEIGHT, 2), depth=2) == "w^{L}"
    assert n.symbol(Quantity(Kind.OUTPUT, 1), depth=2) == "a^{2}"
    assert n.quantity_of_glyph("w", "L", ("j", "k"), depth=2) == Quantity(Kind.WEIGHT, 2)
    assert n.quantity_of_glyph("z", "2", ("j",), depth=2) == Quantity(Kind.PREACT, 1)
    d = PRESETS["doc004"]
    assert d.symbol(Quantity(Kind.WEIGHT, 1), depth=2) == "v"
    assert d.quantity_of_glyph("O", None, ("j",), depth=2) == Quantity(Kind.OUTPUT, 1)
    assert d.quantity_of_glyph("w", None, ("j", "k"), depth=2) == Quantity(Kind.WEIGHT, 2)
    m = PRESETS["mitchell"]
    assert m.quantity_of_glyph("w", None, ("k", "h"), depth=2) == Quantity(Kind.WEIGHT, 2)
    assert m.quantity_of_glyph("w", None, ("h", "0"), depth=2) == Quantity(Kind.BIAS, 1)
    assert m.quantity_of_glyph("o", None, ("h",), depth=2) == Quantity(Kind.OUTPUT, 1)
    r = PRESETS["rumelhart"]
    assert r.quantity_of_glyph("o", None, ("p", "i"), depth=2) == Quantity(Kind.INPUT, 0)
    c = PRESETS["cs231n"]
    assert c.quantity_of_glyph("dscores", None, ("k",), depth=2) == Quantity(Kind.DELTA, 2)
    assert c.quantity_of_glyph("W2", None, ("j", "k"), depth=2) == Quantity(Kind.WEIGHT, 2)
    assert PRESETS["nielsen"].quantity_of_glyph("a", "1", ("k",), 2) == Quantity(Kind.INPUT, 0)


def test_notations_lists_every_preset_with_its_source():
    code, out, _ = run("notations")
    assert code == 0
    for n in PRESETS.values():
        assert n.name in out and n.source in out


def test_a_deep_network_prints_past_the_letters():
    """Past 14 weight layers: layer labels, not an error after the derivation."""
    code, out, err = run("latex", "--layers", ",".join(["2"] * 17))
    assert code == 0, err
    assert r"\frac{\partial E}{\partial W^{(16)}_{kj}}" in out


def test_the_readme_table_of_hidden_deltas_is_current():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- notations-delta:begin -->\n")[1].split("<!-- notations-delta")[0]
    code, out, _ = run("notations", "--delta")
    assert code == 0 and block == out


def test_the_readme_table_of_presets_is_current():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- notations-table:begin -->\n")[1].split("<!-- notations-table")[0]
    code, out, _ = run("notations")
    assert code == 0 and block == f"```\n$ python -m derive notations\n{out}```\n"


def test_closest_preset_names_the_notation_whose_glyphs_a_note_uses():
    from derive.notation import closest_preset

    assert closest_preset({"z", "a", "C", "w", r"\sigma"}) == "nielsen"
    assert closest_preset({"dscores", "W2", "hidden"}) == "cs231n"
    assert closest_preset({"O", "v", "w", "net", "d"}) == "doc004"
    assert closest_preset({"qqq"}) is None


def test_numbered_names_refuse_a_wide_network_before_writing_sums_out(tmp_path):
    code, out, err = run("latex", "--notation", "mazur", "--layers", "2,100,2")
    assert code == 2 and out == "" and "at most 16 nodes" in err
    path = tmp_path / "wide.toml"
    path.write_text('extends = "mazur"\nwidths_default = [2, 1000000000, 2]\n')
    code, out, err = run("latex", "--notation", str(path))
    assert code == 2 and "widths_default" in err and err.count("\n") == 1

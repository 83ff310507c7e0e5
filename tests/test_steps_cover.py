"""What `derive latex` prints without --steps, it prints with --steps too.

tests/test_selfcheck.py checks every line of the --steps printout of every preset with
the checker, and never the printout without --steps: that is covered because --steps
prints the whole derivation first and the steps after it (report.build). This keeps it
so: a line only the short form printed would escape the sweep.
"""

from __future__ import annotations

import re

import pytest

from derive.notation import PRESETS
from tests.helpers import run_cli

OPTIONS = {
    "defaults": (),
    "tanh-softmax-ce-deep-bias": (
        "--activation", "tanh", "--output-activation", "softmax", "--loss", "ce",
        "--layers", "5,4,3,6,2", "--bias",
    ),
}  # fmt: skip
MATH = {
    "markdown": re.compile(r"^\$\$\n(.*?)\n\$\$", re.M | re.S),
    "latex": re.compile(r"^\\\[ (.*?) \\\]$", re.M),
}


def options_for(preset: str, name: str) -> tuple[str, ...]:
    """OPTIONS[name], as the preset can draw it: one output node (note 003's y, no
    softmax over it), or one hidden layer (a worked example's numbered nodes)."""
    options = list(OPTIONS[name])
    if PRESETS[preset].scalar_output and "--layers" in options:
        options[options.index("softmax")], options[options.index("ce")] = "sigmoid", "bce"
        options[options.index("--layers") + 1] = "5,4,3,6,1"
    if PRESETS[preset].layers == "numbered" and "--layers" in options:
        del options[options.index("--layers") : options.index("--layers") + 2]
    return tuple(options)


def equations(preset: str, fmt: str, *options: str) -> set[str]:
    code, out, err = run_cli("latex", "--notation", preset, "--format", fmt, *options)
    assert code == 0, err
    found = set(MATH[fmt].findall(out))
    assert len(found) >= 6, out[:400]
    return found


@pytest.mark.parametrize("fmt", sorted(MATH))
@pytest.mark.parametrize("options", sorted(OPTIONS))
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_short_printout_is_part_of_the_steps_printout(preset, options, fmt):
    short = equations(preset, fmt, *options_for(preset, options))
    steps = equations(preset, fmt, *options_for(preset, options), "--steps")
    assert not short - steps, sorted(short - steps)[:3]

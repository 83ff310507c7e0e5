"""The command line's contract: one line per error, one prefix, exit codes mapped in one place."""

from __future__ import annotations

import pytest

from derive import cli
from derive.errors import EXIT_INTERNAL, InputError, printable

from .helpers import run_cli as run


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "argv, words",
    [
        (["latex", "--activation", "nonsense"], ["nonsense", "sigmoid"]),
        (["latex", "--loss", "nope"], ["nope", "sse"]),
        (["latex", "--notation", "nielsen_typo"], ["doc004"]),
        (["check"], ["--file"]),
        (["codegen", "-a", "x/(1+"], ["expression"]),
    ],
)
def test_bad_input_is_one_prefixed_line_exit_2(argv, words):
    code, out, err = run(*argv)
    assert code == 2, err
    lines = _lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith(f"derive {argv[0]}: error: "), lines[0]
    assert lines[0].count("error:") == 1 and lines[0].count(f"derive {argv[0]}") <= 2
    for word in words:
        assert word in lines[0]


def test_no_command_is_a_usage_error():
    code, _out, err = run()
    assert code == 2 and _lines(err)[0].startswith("derive: error: ")


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("derive ")


def test_internal_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    from derive.commands import latex

    def broken(args):
        raise KeyError("an invariant")

    monkeypatch.setattr(latex, "run", broken)
    assert cli.main(["latex"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert _lines(err) == [_lines(err)[0]]
    assert "internal error" in err and "--debug" in err and "Traceback" not in err
    with pytest.raises(KeyError):
        cli.main(["--debug", "latex"])


def test_derive_errors_keep_their_exit_code(monkeypatch, capsys):
    from derive.commands import latex

    def bad(args):
        raise InputError("derive latex: the widths are wrong")

    monkeypatch.setattr(latex, "run", bad)
    assert cli.main(["latex"]) == 2
    assert capsys.readouterr().err == "derive latex: error: the widths are wrong\n"


def test_control_characters_never_reach_the_terminal():
    assert printable("a\x1b[2Jb\x07") == "a\\x1b[2Jb\\x07"
    assert printable("one\ntwo") == "one\\ntwo"
    assert printable("one\ntwo", newlines=True) == "one\ntwo"
    code, _out, err = run("latex", "--activation", "\x1b[31mred")
    assert code == 2 and "\x1b" not in err and "\\x1b" in err


def test_broken_pipe_is_quiet(monkeypatch, capsys):
    # `derive check ... | head -1`: the reader goes away; no "[Errno 32]" on stderr
    from derive.commands import latex

    def write_to_closed_pipe(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(latex, "run", write_to_closed_pipe)
    assert cli.main(["latex"]) == 141
    assert capsys.readouterr().err == ""


def test_a_negative_value_gets_its_own_message():
    # argparse alone says "expected one argument" for `--layers -1,2`
    code, _out, err = run("latex", "--layers", "-1,2")
    assert code == 2 and "expected one argument" not in err
    assert "-1,2" in err

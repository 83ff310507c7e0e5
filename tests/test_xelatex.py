"""`derive latex --document --lang zh` compiles with xelatex and ctex.

Skips without xelatex/ctex unless ``CI`` is set (``.ci/run`` installs
texlive-xetex and texlive-lang-chinese).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout

import pytest

from derive.cli import main
from tests.helpers import compile_tex

XELATEX = shutil.which("xelatex")
HAVE_CTEX = (
    bool(shutil.which("kpsewhich"))
    and subprocess.run(
        ["kpsewhich", "ctexart.cls"], capture_output=True, text=True, check=False
    ).stdout.strip()
)
if not (XELATEX and HAVE_CTEX) and not os.environ.get("CI"):
    pytest.skip(
        "no xelatex + ctex (Debian: texlive-xetex texlive-lang-chinese)", allow_module_level=True
    )


def document(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["latex", "--document", "--lang", "zh", *argv])
    assert code == 0, err.getvalue()
    return out.getvalue()


def xelatex(tmp_path, text: str) -> str:
    assert XELATEX and HAVE_CTEX, "CI is set but xelatex or ctex is missing"
    result = compile_tex(XELATEX, tmp_path, text, name="note", timeout=180)
    log = (tmp_path / "note.log").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, log[-3000:]
    pdf = (tmp_path / "note.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    return log


@pytest.mark.parametrize("notation", ["doc004", "rashid"])
def test_chinese_document_compiles(tmp_path, notation):
    text = document("--steps", "--notation", notation)
    assert r"\documentclass[11pt]{ctexart}" in text and "链式法则" in text
    log = xelatex(tmp_path, text)
    assert "ctexart" in log


def test_no_missing_glyphs(tmp_path):
    log = xelatex(tmp_path, document("--steps"))
    assert not re.findall(r"Missing character: There is no (\S+)", log)

"""The checker's meaning is its own: a fault in the derivation shows up as a disagreement.

The checker builds the forward pass and the loss from the activation/loss table
(derive/functions.py); it never imports derive/derivation.py.  So when the
derivation's loss is doubled (a mutation, as a bug would), the checker still
judges E by the table, and the E that `derive latex` then prints fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

import derive.derivation as derivation
from derive.check.extract import Relation
from derive.check.verify import Checker
from tests.helpers import run_cli

CHECK = Path(__file__).resolve().parents[2] / "derive" / "check"


def check(lhs: str, rhs: str):
    return Checker("doc004").check(Relation(1, lhs, "=", rhs, f"{lhs} = {rhs}"))


def printed_loss() -> str:
    code, out, _ = run_cli("latex")
    assert code == 0
    (line,) = [ln for ln in out.splitlines() if ln.startswith(r"\[ E = ")]
    return line[3:-3].split(" = ", 1)[1]


def test_no_module_of_the_checker_imports_the_derivation():
    for path in sorted(CHECK.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert "derivation" not in (node.module or ""), path.name
                assert all("derivation" not in a.name for a in node.names), path.name


def test_a_doubled_loss_in_the_derivation_is_caught(monkeypatch):
    assert check("E", printed_loss()).status == "definition"  # today they agree

    original = derivation.loss_of
    monkeypatch.setattr(derivation, "loss_of", lambda network: 2 * original(network))

    # the checker still reads E by the table ...
    v = check("E", r"\frac12\sum_k (d_k - O_k)^2")
    assert (v.status, v.how) == ("definition", "agrees with the notation's definition")
    # ... so the doubled E that derive latex now prints fails, with the factor named
    doubled = printed_loss()
    assert doubled != r"\frac{1}{2} \sum_{k} \left(d_{k} - O_{k}\right)^{2}"
    v = check("E", doubled)
    assert v.status == "fails" and "factor" in v.diagnosis, (doubled, v)

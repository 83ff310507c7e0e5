"""Steps are a record of the derivation: the step-by-step printout reads the
derivatives the derivation took (``Derivation.record``) and differentiates nothing
again, so the two cannot drift apart."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from derive import symbols as S
from derive.derivation import derive
from derive.display import Step
from derive.network import build
from derive.steps import hidden_steps, output_steps


def _symbols(steps) -> set:
    out = set()
    for step in steps:
        for side in (step.lhs, *step.rhs):
            if isinstance(side, sp.Basic):
                out |= side.free_symbols
            elif hasattr(side, "factors"):
                for f in side.factors:
                    out |= f.expr.free_symbols
    return out


def test_the_steps_print_what_the_derivation_recorded():
    d = derive(build())
    marked = replace(d, record=dict(d.record))
    here, there = sp.Symbol("recorded_here"), sp.Symbol("recorded_there")
    marked.record["weighted_sum_W2"] = Step(here, (here,), "weighted_sum")
    marked.record["dnet_dO1"] = Step(there, (there,), "")
    assert here in _symbols(output_steps(marked))
    assert there in _symbols(hidden_steps(marked))
    assert here not in _symbols(output_steps(d))  # the derivation's own record is untouched


def test_the_record_holds_the_derivatives_taken():
    d = derive(build(activation="tanh", output_activation="softmax", loss="ce"))
    j, k, n = S.index(1), S.index(2), S.index(2, 3)
    assert d.record["weighted_sum_W2"].rhs[-1] == S.O(1)[j]  # ∂net_k/∂w_jk = O_j
    assert d.record["dnet_dO1"].rhs[0] == S.W(2)[j, k]  # ∂net_k/∂O_j = w_jk
    jacobian = d.record["softmax_jacobian"].rhs[0]  # differentiated, not typed in
    assert sp.expand(jacobian - S.O(2)[n] * (sp.KroneckerDelta(n, k) - S.O(2)[k])) == 0

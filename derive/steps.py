"""Step-by-step derivations laid out as the notes lay them out.

Each :class:`~derive.display.Step` holds SymPy objects taken from the
derivation's record (:mod:`derive.record`), read through its accessors: δ of a
layer (``d.delta(l)``), a gradient and an update (``d.gradient(S.W(l))``,
``d.update(S.W(l))``) and the derivatives it took on its way
(``d.derivative(What.WEIGHTED_SUM, l, "W")``, ``What.NET_BY_OUTPUT``, the
softmax's Jacobian and the sum it enters, the loss's derivative ``d.output_error``);
no typed-in results and no second differentiation: here they are only ordered
and combined.  The printers turn rules into words in either language
(:mod:`derive.text`).
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from . import symbols as S
from .derivation import Derivation, batch_out, decay_of
from .display import Decayed, Factor, Factors, Step
from .functions import LOSSES
from .record import What
from .report import matrix_equations


def _form_rule(rewritten: Factors) -> str:
    """The rule of the step that puts in f'(net), read from δ as the derivation rewrote
    it: its output form (``O(1 - O)``), or, where f' was a number (identity: 1, gone
    from the product), its value, which says nothing of the output."""
    slopes = [f.expr for f in rewritten.factors if f.role == "fprime"]
    return "output_form" if any(not e.is_number for e in slopes) else "constant_derivative"


def _D(expr: sp.Expr, wrt: sp.Expr) -> sp.Derivative:
    return sp.Derivative(expr, wrt, evaluate=False)


def _chain(*pairs: tuple[sp.Expr, sp.Expr], sign: int = 1) -> Factors:
    return Factors(tuple(Factor(_D(a, b), "chain") for a, b in pairs), sign)


def _with(form: Factors, *replacements: Factor, sign: int = 1) -> Factors:
    """``form`` with its first chain factors replaced by ``replacements``."""
    rest = tuple(f for f in form.factors if f.role == "chain")[len(replacements) :]
    out = []
    for factor in replacements:
        if isinstance(factor, Factors):
            out.extend(factor.factors)
            sign *= factor.sign
        else:
            out.append(factor)
    return Factors(tuple(out) + rest, sign * form.sign)


def _one_output(steps: list[Step], d: Derivation) -> tuple[Step, ...]:
    """Note 003's single output node: index 0, no sum over outputs."""
    if not d.network.scalar_output:
        return tuple(steps)
    from .derivation import one_output

    def sc(item):
        if isinstance(item, Factors):
            return Factors(
                tuple(Factor(one_output(f.expr, d.network), f.role) for f in item.factors),
                item.sign,
            )
        return one_output(item, d.network) if isinstance(item, sp.Basic) else item

    def rule(step: Step) -> str:  # one output: the sum over outputs has one term
        return "through_one_output" if step.rule == "sum_over_outputs" else step.rule

    # with one output there are no other outputs' terms to drop
    kept = [s for s in steps if s.rule != "drop_independent"]
    return tuple(Step(sc(s.lhs), tuple(sc(r) for r in s.rhs), rule(s), s.scope) for s in kept)


def _plus_decay(d: Derivation, form, weight: sp.Expr):
    """``form`` (the error's part of ∂E/∂w) with the weight-decay term's ``λ w`` beside
    it, when the objective has one: E = error + (λ/2) Σ w², and only the decay term
    depends on w directly."""
    if not d.network.weight_decay:
        return form
    if isinstance(form, Factors):
        return Decayed(form, S.lam * weight)
    return form + S.lam * weight


def _scaled(chain: tuple, scale: sp.Expr) -> tuple:
    """An update chain under a notation whose Δw carries a constant (the book's ½)."""
    if scale == 1:
        return chain
    return tuple(
        Factors((Factor(scale, "const"),) + f.factors, f.sign)
        if isinstance(f, Factors)
        else scale * f
        for f in chain
    )


def _scaled_outer(chain: tuple, scale: sp.Expr) -> tuple:
    from .matrix import Outer

    return tuple(replace(n, scale=scale * n.scale) if isinstance(n, Outer) else n for n in chain)


def output_steps(d: Derivation, scale: sp.Expr = sp.S.One) -> tuple[Step, ...]:
    """∂E/∂W^L_{jk}, from the expanded error to the matrix update."""
    L = d.depth
    j, k, n = S.index(L - 1), S.index(L), S.index(L, 3)
    w, O, net = S.W(L)[j, k], S.O(L)[k], S.net(L)[k]
    dE = _D(S.E, w)
    steps = []
    E_n = d.loss_expr.xreplace({S.index(L, 1): n})
    plus = lambda form: _plus_decay(d, form, w)  # noqa: E731
    if d.network.weight_decay:
        steps.append(Step(dE, (_D(E_n + decay_of(d.network), w),), "expand_loss"))
        steps.append(Step(dE, (plus(_D(E_n, w)),), "decay_derivative"))
    else:
        steps.append(Step(dE, (_D(E_n, w),), "expand_loss"))
    if d.network.activations[-1].vector:
        return _one_output(steps + _softmax_output_steps(d, scale), d)
    # which output's term depends on w_jk: the Kronecker delta of ∂net_m/∂w_jk says
    any_node = d.derivative(What.WEIGHTED_SUM_ANY, L, "W")
    local = any_node.result.xreplace({any_node.lhs.expr.indices[0]: n})
    (kd,) = [f for f in sp.Mul.make_args(local) if isinstance(f, sp.KroneckerDelta)]
    survivor = kd.args[0] if kd.args[1] == n else kd.args[1]
    E_k = E_n.replace(lambda e: isinstance(e, sp.Sum), lambda e: e.function).xreplace({n: survivor})
    steps.append(Step(dE, (plus(_D(E_k, w)),), "drop_independent"))
    chain = _chain((S.E, O), (O, net), (net, w))
    steps.append(Step(dE, (plus(chain),), "chain_rule"))
    loss_rule = (
        "power_rule"
        if d.network.loss in (LOSSES["sse"], LOSSES["sum_sq"], LOSSES["mse"])
        else "loss_derivative"
    )
    from .display import factors as _factors

    grad_O = _factors((d.output_error, "error"), sign=-1)  # -∂E/∂O_k, as derived
    step = _with(chain, grad_O)
    steps.append(Step(dE, (plus(step),), loss_rule))
    fprime = S.fprime(L, net)
    step = _with(chain, grad_O, Factor(fprime, "fprime"))
    steps.append(Step(dE, (plus(step),), "activation_derivative"))
    weighted = d.derivative(What.WEIGHTED_SUM, L, "W")  # ∂net_k/∂w_jk, as the derivation took it
    local = weighted.result
    steps.append(weighted.step)
    combined = _with(chain, grad_O, Factor(fprime, "fprime"), Factor(local, "input"))
    steps.append(Step(dE, (plus(combined),), "substitute_weighted_sum"))
    delta = d.delta(L)
    if delta.rewritten:
        last = delta.shown  # δ = -∂E/∂net, so ∂E/∂w = -(δ's own sign) δ O
        rewritten = Factors(last.factors + (Factor(local, "input"),), -last.sign)
        steps.append(Step(dE, (plus(rewritten),), _form_rule(last)))
    steps += _results(d, L, scale)
    return _one_output(steps, d)


def _results(d: Derivation, L: int, scale: sp.Expr) -> list[Step]:
    """δ of the output layer, the gradient, the update and its matrix form, as derived."""
    delta = d.delta(L)
    dE = _D(S.E, S.W(L)[S.index(L - 1), S.index(L)])
    steps = [Step(delta.lhs, delta.rhs, "define_delta")]
    steps.append(Step(dE, d.gradient(S.W(L)).rhs, "gradient_by_delta"))
    upd = d.update(S.W(L))
    steps.append(Step(upd.lhs, _scaled((-S.eta * dE,) + upd.rhs, scale), "update_rule"))
    if not d.network.scalar_output:
        (mat,) = [e for e in matrix_equations(d) if e.key == f"matrix_update_W{L}"]
        steps.append(Step(mat.lhs, _scaled_outer(mat.rhs, scale), "matrix_form"))
    return steps


def _softmax_output_steps(d: Derivation, scale: sp.Expr) -> list[Step]:
    """A softmax output couples the outputs: E depends on net_k through EVERY
    output O_n, so the chain rule sums over n (no single output is "joined")."""
    L = d.depth
    j, k, n = S.index(L - 1), S.index(L), S.index(L, 3)
    w, net = S.W(L)[j, k], S.net(L)[k]
    dE, dE_dnet = _D(S.E, w), _D(S.E, net)
    limits = (n, 0, S.width(L) - 1)
    steps = [Step(dE, (_plus_decay(d, _chain((S.E, net), (net, w)), w),), "chain_rule")]
    O_n = S.O(L)[n]
    steps.append(Step(dE_dnet, (sp.Sum(_D(S.E, O_n) * _D(O_n, net), limits),), "sum_over_outputs"))
    g = -d.output_error.xreplace({k: n})  # ∂E/∂O_n = -d_n / O_n, as the derivation took it
    steps.append(Step(dE_dnet, (batch_out(sp.Sum(g * _D(O_n, net), limits)),), "loss_derivative"))
    # ∂O_n/∂net_k and the sum it enters, as the derivation took and contracted them
    # true for output units only: a notation of generic units says so
    steps.append(replace(d.derivative(What.SOFTMAX_JACOBIAN, L).step, scope="output"))
    steps.append(d.derivative(What.SOFTMAX_CHAIN, L).step)
    return steps + _results(d, L, scale)


def hidden_steps(d: Derivation, scale: sp.Expr = sp.S.One) -> tuple[Step, ...]:
    """∂E/∂W^{L-1}_{ij}: the error term of the hidden layer and its update."""
    L = d.depth
    h = L - 1
    i, j, k = S.index(h - 1), S.index(h), S.index(L)
    v, Oj, netj = S.W(h)[i, j], S.O(h)[j], S.net(h)[j]
    dE = _D(S.E, v)
    steps = [Step(dE, (_plus_decay(d, _chain((S.E, netj), (netj, v)), v),), "chain_rule")]
    steps.append(d.derivative(What.WEIGHTED_SUM, h, "W").step)
    # one term: O_j depends on net_j alone, which a softmax output's units do not
    coupled = "hidden" if d.network.activations[-1].vector else ""
    one_term = _chain((S.E, Oj), (Oj, netj), sign=-1)
    steps.append(Step(-_D(S.E, netj), (one_term,), "chain_rule", coupled))
    local = d.derivative(What.NET_BY_OUTPUT, h).result  # ∂net_k/∂O_j = w_jk, as taken
    summed = sp.Sum(-_D(S.E, S.net(L)[k]) * _D(S.net(L)[k], Oj), (k, 0, S.width(L) - 1))
    result = sp.Sum(S.delta(L)[k] * local, (k, 0, S.width(L) - 1))
    steps.append(Step(-_D(S.E, Oj), (summed, result), "sum_over_outputs"))
    delta = d.delta(h)
    steps.append(Step(delta.lhs, (delta.definition, delta.chain), "define_delta"))
    if delta.rewritten:
        steps.append(Step(delta.lhs, delta.rewritten, _form_rule(delta.shown)))
    steps.append(Step(dE, d.gradient(S.W(h)).rhs, "gradient_by_delta"))
    upd = d.update(S.W(h))
    chain = (-S.eta * dE,) + upd.rhs + upd.expanded
    steps.append(Step(upd.lhs, _scaled(chain, scale), "update_rule"))
    if not d.network.scalar_output:
        for eq in matrix_equations(d):
            if eq.key in (f"matrix_delta{h}", f"matrix_update_W{h}"):
                steps.append(Step(eq.lhs, _scaled_outer(eq.rhs, scale), "matrix_form"))
    return _one_output(steps, d)

"""Steps are a record of the derivation: every step the derivation took is kept as
typed data (``Derivation.record``), the step-by-step printout and every consumer
read it through named accessors, and each recorded step holds at numbers.

The numbers come from the tests' own oracle (:mod:`tests.oracle_np`, which imports
nothing from ``derive``): forward values from its forward pass, every derivative
(δ, ∂E/∂w, ∂net/∂w, ∂O/∂net, ...) from central finite differences of its
functions in float64.  ``derive.numeric.evaluate`` only reads the recorded SymPy
expressions; the activation and its derivative it needs come from the oracle too.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import numpy as np
import pytest
import sympy as sp

from derive import symbols as S
from derive.book import hidden_rule_values
from derive.derivation import derive
from derive.display import Factor, Step
from derive.model.quantities import index_of
from derive.network import build
from derive.numeric import Point, evaluate
from derive.record import DeltaStep, Derivative, ParamStep, What
from derive.report import matrix_equations, recurrence_equations
from derive.steps import hidden_steps, output_steps
from tests import oracle_np as oracle

H = 1e-6
ETA, LAM = 0.1, 0.03

NETWORKS = {
    # softmax + ce with biases: the softmax Jacobian and the sum over outputs
    "tanh-softmax-ce-bias": dict(
        widths=(2, 3, 3),
        names=("tanh", "softmax"),
        kw=dict(activation="tanh", output_activation="softmax", loss="ce", bias=True),
    ),
    # four weight layers, mixed activations, a mean loss and weight decay
    "deep-mixed-mse-decay": dict(
        widths=(2, 3, 2, 3, 2),
        names=("softplus", "sigmoid", "tanh", "identity"),
        kw=dict(
            activation="softplus,sigmoid,tanh,identity",
            loss="mse",
            weight_decay=True,
        ),
    ),
    # the notes' sigmoid + sse network
    "sigmoid-sse": dict(
        widths=(3, 4, 2), names=("sigmoid", "sigmoid"), kw=dict(activation="sigmoid", loss="sse")
    ),
}


@dataclass
class OraclePoint(Point):
    """derive's evaluator reading the record; f and f' come from the oracle."""

    names: tuple = field(default=())

    def activation(self, layer: int, value: float, derivative: bool = False) -> float:
        fn = lambda z: float(oracle.activate(self.names[layer - 1], np.array([z]))[0])  # noqa: E731
        if not derivative:
            return fn(value)
        return (fn(value + H) - fn(value - H)) / (2 * H)


@dataclass
class Case:
    """One network at one sample, with everything the oracle says about it."""

    widths: tuple
    names: tuple
    bias: bool
    decay: float
    loss: str
    params: list
    x: np.ndarray
    d: np.ndarray

    def weights(self, layer: int) -> np.ndarray:
        return self.params[(2 if self.bias else 1) * (layer - 1)]

    def biases(self, layer: int) -> np.ndarray:
        return self.params[2 * (layer - 1) + 1]

    def nets_outs(self, params=None) -> tuple[list, list]:
        params = self.params if params is None else params
        nets, outs = [None], [self.x]
        step = 2 if self.bias else 1
        for n, name in enumerate(self.names):
            z = outs[-1] @ params[step * n] + (params[step * n + 1] if self.bias else 0)
            nets.append(z)
            outs.append(oracle.activate(name, z[None, :])[0])
        return nets, outs

    def objective(self) -> float:
        return oracle.loss(
            self.x[None, :],
            self.d[None, :],
            self.params,
            self.names,
            self.loss,
            self.bias,
            self.decay,
        )

    def loss_from(self, layer: int, net: np.ndarray) -> float:
        """E (no decay) with layer's weighted sum set to ``net``, forward from there."""
        o = oracle.activate(self.names[layer - 1], net[None, :])[0]
        for n in range(layer + 1, len(self.widths)):
            z = o @ self.weights(n) + (self.biases(n) if self.bias else 0)
            o = oracle.activate(self.names[n - 1], z[None, :])[0]
        return oracle.output_loss(self.loss, self.d[None, :], o[None, :])

    def delta(self, layer: int) -> np.ndarray:
        """δ^l = -∂E/∂net^l by central differences."""
        net = self.nets_outs()[0][layer]
        out = np.zeros_like(net)
        for q in range(len(net)):
            up, down = net.copy(), net.copy()
            up[q] += H
            down[q] -= H
            out[q] = -(self.loss_from(layer, up) - self.loss_from(layer, down)) / (2 * H)
        return out

    def grad(self, index: int) -> np.ndarray:
        """∂E/∂params[index] by central differences of the oracle's objective."""
        return oracle.finite_differences(lambda _: self.objective(), self.params, H)[index]


def _case(spec: dict, seed: int = 7) -> Case:
    kw = spec["kw"]
    bias = kw.get("bias", False)
    params, x, d = oracle.random_case(spec["widths"], bias, kw["loss"], seed, batch=1)
    decay = LAM if kw.get("weight_decay") else 0.0
    return Case(spec["widths"], spec["names"], bias, decay, kw["loss"], params, x[0], d[0])


def _point(case: Case, network) -> OraclePoint:
    nets, outs = case.nets_outs()
    arrays = {"O0": case.x, "d": case.d}
    for layer in range(1, len(case.widths)):
        arrays[f"W{layer}"] = case.weights(layer)
        if case.bias:
            arrays[f"b{layer}"] = case.biases(layer)
        arrays[f"net{layer}"], arrays[f"O{layer}"] = nets[layer], outs[layer]
        arrays[str(S.delta(layer))] = case.delta(layer)
    return OraclePoint(
        case.widths,
        network.activations,
        arrays,
        {S.eta: ETA, S.lam: case.decay},
        names=case.names,
    )


def _fd(fn, x: np.ndarray, at: tuple) -> float:
    up, down = x.copy(), x.copy()
    up[at] += H
    down[at] -= H
    return (fn(up) - fn(down)) / (2 * H)


def _expected(entry, case: Case, env: dict) -> float | None:  # noqa: C901 - one branch per kind
    """What the oracle says the entry's left side is at the node indices ``env``."""
    nets, outs = case.nets_outs()
    at = lambda *syms: tuple(env[s] for s in syms)  # noqa: E731
    layer = entry.layer
    L = len(case.widths) - 1
    if isinstance(entry, DeltaStep):
        return case.delta(layer)[env[S.index(layer)]]
    if isinstance(entry, ParamStep):
        p, q = S.index(layer - 1), S.index(layer)
        step = 2 if case.bias else 1
        index = step * (layer - 1) + (1 if entry.param == "b" else 0)
        where = at(q) if entry.param == "b" else at(p, q)
        grad = case.grad(index)[where]
        return grad if entry.kind == "grad" else -ETA * grad
    what = entry.what
    if what == What.NET:
        return nets[layer][env[S.index(layer)]]
    if what in (What.OUTPUT, What.FORWARD):
        return outs[layer][env[S.index(layer)]]
    if what == What.LOSS:
        return case.objective()
    if what == What.ERROR:  # -∂E/∂O^L_k (the loss of the outputs, no decay)
        fn = lambda o: oracle.output_loss(case.loss, case.d[None, :], o[None, :])  # noqa: E731
        return -_fd(fn, outs[L], at(S.index(L)))
    if what in (What.WEIGHTED_SUM, What.WEIGHTED_SUM_ANY):
        node = entry.lhs.expr.indices[0]
        if entry.param == "b":
            fn = lambda b: (outs[layer - 1] @ case.weights(layer) + b)[env[node]]  # noqa: E731
            return _fd(fn, case.biases(layer), at(S.index(layer)))
        fn = lambda w: (outs[layer - 1] @ w)[env[node]]  # noqa: E731
        return _fd(fn, case.weights(layer), at(S.index(layer - 1), S.index(layer)))
    if what == What.NET_BY_OUTPUT:  # ∂net^{l+1}_m/∂O^l_p
        m = S.index(layer + 1)
        fn = lambda o: (o @ case.weights(layer + 1))[env[m]]  # noqa: E731
        return _fd(fn, outs[layer], at(S.index(layer)))
    if what == What.SOFTMAX_JACOBIAN:  # ∂O_n/∂net_k
        n, k = S.index(L, 3), S.index(L)
        fn = lambda z: oracle.softmax(z[None, :])[0][env[n]]  # noqa: E731
        return _fd(fn, nets[L], at(k))
    if what == What.SOFTMAX_CHAIN:  # ∂E/∂net_k
        return -case.delta(L)[env[S.index(L)]]
    raise AssertionError(f"no oracle for {entry}")


def _values(entry) -> list:
    """Every evaluable form the entry records for its left side."""
    out = []
    for form in entry.rhs:
        expr = form if isinstance(form, sp.Basic) else form.expr  # Factors, Decayed
        if isinstance(expr, sp.Basic) and not expr.has(sp.Derivative):
            out.append(expr)
    if isinstance(entry, (DeltaStep, ParamStep)) and entry.value is not None:
        out.append(entry.value)
    if isinstance(entry, ParamStep):
        out += [f.expr for f in entry.expanded]
    return out


def _indices(entry) -> list:
    syms = set()
    for expr in (entry.lhs.expr if isinstance(entry.lhs, sp.Derivative) else entry.lhs,):
        syms |= {s for s in expr.free_symbols if index_of(s) is not None}
    if isinstance(entry.lhs, sp.Derivative):
        syms |= {s for v in entry.lhs.variables for s in v.free_symbols if index_of(s)}
    return sorted(syms, key=str)


def _check_record(d, case: Case) -> int:
    pt = _point(case, d.network)
    checked = 0
    for entry in d.record:
        assert _values(entry), f"nothing to check in {entry}"
        idx = _indices(entry)
        ranges = [range(case.widths[index_of(s).layer]) for s in idx]
        for where in itertools.product(*ranges):
            env = dict(zip(idx, where, strict=True))
            want = _expected(entry, case, env)
            for expr in _values(entry):
                got = evaluate(expr, pt, env)
                assert got == pytest.approx(want, rel=1e-5, abs=1e-7), (entry, env, expr)
                checked += 1
    return checked


@pytest.mark.parametrize("name", NETWORKS)
def test_every_recorded_step_holds_against_finite_differences(name):
    spec = NETWORKS[name]
    d = derive(build(widths=spec["widths"], **spec["kw"]))
    case = _case(spec)
    kinds = {(type(e).__name__, getattr(e, "what", None)) for e in d.record}
    assert ("DeltaStep", None) in kinds and ("ParamStep", None) in kinds
    assert _check_record(d, case) > 50


def test_the_networks_cover_every_kind_of_step():
    seen = set()
    for spec in NETWORKS.values():
        d = derive(build(widths=spec["widths"], **spec["kw"]))
        seen |= {getattr(e, "what", type(e).__name__) for e in d.record}
        seen |= {(e.kind, e.param) for e in d.record if isinstance(e, ParamStep)}
    assert set(What) | {"DeltaStep", ("grad", "W"), ("grad", "b"), ("update", "b")} <= seen


def test_a_broken_record_is_caught():
    """The check above has teeth: one recorded step made wrong fails it."""
    spec = NETWORKS["sigmoid-sse"]
    d = derive(build(widths=spec["widths"], **spec["kw"]))
    bad = tuple(
        replace(e, value=2 * e.value) if isinstance(e, DeltaStep) and e.layer == 1 else e
        for e in d.record
    )
    with pytest.raises(AssertionError):
        _check_record(replace(d, record=bad), _case(spec))


# -- the accessors return what the printers show -------------------------------


def _network():
    return derive(build(widths=(3, 4, 5, 2), activation="tanh,relu,sigmoid", bias=True))


def test_the_equations_are_the_record_as_printed():
    d = _network()
    for layer in range(1, d.depth + 1):
        delta = d.delta(layer)
        assert d.equation(f"delta{layer}").rhs == (delta.definition, delta.chain, *delta.rewritten)
        assert d.deltas[layer] == delta.value
        for base, key in ((S.W(layer), "W"), (S.b(layer), "b")):
            grad, upd = d.gradient(base), d.update(base)
            assert d.equation(f"grad_{key}{layer}").rhs == (grad.shown,)
            assert d.equation(f"update_{key}{layer}").rhs == (upd.shown,)
            assert d.gradients[f"{key}{layer}"] == grad.value
        if layer < d.depth:
            assert d.equation(f"update_W{layer}_expanded").rhs == d.update(S.W(layer)).expanded
    assert d.equation("E").rhs == (d.definition(What.LOSS).result,)
    assert d.equation("net2").rhs == (d.definition(What.NET, 2).result,)


def test_the_matrix_forms_print_the_accessors():
    """report's matrix and recurrence lines are built from d.delta(l) and d.update(W)."""
    d = _network()
    shown = {e.key: e for e in matrix_equations(d)}
    marker = sp.Symbol("marker")
    delta = d.delta(1)
    marked_delta = replace(
        delta, forms=tuple(f.times(Factor(marker, "const")) for f in delta.forms)
    )
    record = tuple(marked_delta if e is delta else e for e in d.record)
    marked = replace(d, record=record)
    again = {e.key: e for e in matrix_equations(marked)}
    assert shown["matrix_delta1"] != again["matrix_delta1"]
    assert "marker" in str(again["matrix_delta1"]) and "marker" not in str(shown["matrix_delta1"])
    assert recurrence_equations(d) and not recurrence_equations(marked)  # its shape changed


def test_the_book_reads_the_record():
    d = derive(build(activation="sigmoid", loss="sum_sq"))
    book, exact = hidden_rule_values(d)
    delta = d.delta(2)
    marker = sp.Symbol("marker")
    changed = replace(
        delta,
        forms=(*delta.forms[:-1], delta.shown.times(Factor(marker, "error"))),
    )
    record = tuple(changed if e is delta else e for e in d.record)
    _, exact2 = hidden_rule_values(replace(d, record=record))
    assert marker not in exact.free_symbols and marker in exact2.free_symbols


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


def _mark(d, what: What, layer: int, symbol: sp.Symbol, param: str = ""):
    old = d.derivative(what, layer, param)
    new = replace(old, lhs=symbol, rhs=(symbol,))
    return replace(d, record=tuple(new if e is old else e for e in d.record))


def test_the_steps_print_what_the_derivation_recorded():
    d = derive(build())
    here, there = sp.Symbol("recorded_here"), sp.Symbol("recorded_there")
    marked = _mark(d, What.WEIGHTED_SUM, 2, here, "W")
    assert here in _symbols(output_steps(marked))
    marked = _mark(d, What.NET_BY_OUTPUT, 1, there)
    assert there in _symbols(hidden_steps(marked))
    assert here not in _symbols(output_steps(d))  # the derivation's own record is untouched
    soft = derive(build(activation="tanh", output_activation="softmax", loss="ce"))
    marked = _mark(soft, What.SOFTMAX_CHAIN, 2, here)
    assert Step(here, (here,), "substitute_jacobian") in output_steps(marked)


def test_the_record_holds_the_derivatives_taken():
    d = derive(build(activation="tanh", output_activation="softmax", loss="ce"))
    j, k, n = S.index(1), S.index(2), S.index(2, 3)
    assert d.derivative(What.WEIGHTED_SUM, 2, "W").result == S.O(1)[j]  # ∂net_k/∂w_jk = O_j
    assert d.derivative(What.NET_BY_OUTPUT, 1).result == S.W(2)[j, k]  # ∂net_k/∂O_j = w_jk
    jacobian = d.derivative(What.SOFTMAX_JACOBIAN, 2).result  # differentiated, not typed in
    assert sp.expand(jacobian - S.O(2)[n] * (sp.KroneckerDelta(n, k) - S.O(2)[k])) == 0
    with pytest.raises(KeyError):
        d.gradient(S.O(1))  # not a parameter
    assert isinstance(d.definition(What.ERROR), Derivative)


def test_the_worked_example_reads_the_record():
    """The worked example evaluates d.gradient(W).shown: a changed record changes it."""
    from derive.teach.numbers import DEFAULT, from_table
    from derive.teach.worked import network_of, work

    numbers = from_table(DEFAULT)
    d = derive(network_of(numbers))
    grad = d.gradient(S.W(2))
    doubled = replace(grad, shown=grad.shown.times(Factor(sp.Integer(2), "const")))
    marked = replace(d, record=tuple(doubled if e is grad else e for e in d.record))
    plain, twice = work(numbers, d).arrays["gradW2"], work(numbers, marked).arrays["gradW2"]
    assert np.allclose(twice, 2 * plain) and not np.allclose(plain, 0)
    assert np.allclose(work(numbers, marked).arrays["gradW1"], work(numbers, d).arrays["gradW1"])


@pytest.mark.parametrize("notation", ["doc004", "nielsen"])
def test_the_printed_report_shows_what_the_accessors_return(notation):
    """Each accessor's form is what `derive latex` prints for it (in the preset's
    conventions), so reading the record and reading the printout agree."""
    from derive.display import Equation
    from derive.notation import PRESETS, network_for
    from derive.notation.translate import translate
    from derive.printing.report_latex import equation_latex, render
    from derive.report import build as build_report

    preset = PRESETS[notation]
    d = derive(network_for(preset, activation="tanh", widths=(3, 4, 5, 2), bias=True))
    report = build_report(d, preset)
    text = render(report)
    forms = []
    for layer in range(1, d.depth + 1):
        delta = d.delta(layer)
        forms += [(delta.lhs, delta.chain), (delta.lhs, delta.shown)]
        forms += [(s.lhs, s.shown) for s in (d.gradient(S.W(layer)), d.update(S.W(layer)))]
        forms += [(s.lhs, s.shown) for s in (d.gradient(S.b(layer)), d.update(S.b(layer)))]
    for lhs, form in forms:
        printed = equation_latex(report, translate(Equation("x", lhs, (form,)), report.notation))
        rhs = printed.split(" = ", 1)[1]
        assert rhs in text, (notation, printed)

"""The derivation: from a :class:`~derive.network.Network` to gradients, as data.

Backpropagation is the chain rule applied layer by layer, so the derivation
is too, and its cost grows linearly with depth and not at all with width:

1. ``δ^L_k = -∂E/∂net^L_k``: SymPy differentiates the loss of the output
   layer written as a function of ``net^L`` (sum over outputs, Kronecker
   deltas contracted by :mod:`derive.calculus`).
2. ``δ^l_p = Σ_m δ^{l+1}_m ∂net^{l+1}_m/∂net^l_p``: SymPy differentiates
   the weighted sum of the next layer.
3. ``∂E/∂W^l_{pq} = -Σ_m δ^l_m ∂net^l_m/∂W^l_{pq} = -δ^l_q O^{l-1}_p``.
4. Every ``f'(net)`` is rewritten in the node's own output where
   :func:`derive.functions.output_form` finds a form.

The results are :class:`~derive.display.Equation` objects; every printer
(LaTeX, Markdown, HTML, NumPy) prints from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import sympy as sp

from . import functions as F
from . import symbols as S
from .calculus import contract, pull_out
from .calculus import diff as _diff
from .display import Decayed, Equation, Factor, Factors, factors
from .functions import Activation, output_form, x, y
from .model.quantities import index_of
from .network import Network
from .record import DeltaStep, Derivative, Entry, ParamStep, What
from .record import equations as _equations


def _find(record: tuple, cls: type, **attrs):
    """The one entry of ``record`` of class ``cls`` with these attributes."""
    for entry in record:
        if isinstance(entry, cls) and all(getattr(entry, k) == v for k, v in attrs.items()):
            return entry
    raise KeyError(f"{cls.__name__} {attrs} is not in the record")


def _param(base: sp.IndexedBase) -> tuple[str, int]:
    """``S.W(2)`` -> ("W", 2); ``S.b(1)`` -> ("b", 1)."""
    from .model.quantities import Kind, quantity_of

    q = quantity_of(base)
    kinds = {Kind.WEIGHT: "W", Kind.BIAS: "b"}
    if q is None or q.kind not in kinds or not isinstance(q.layer, int):
        raise KeyError(f"{base} is not a weight or bias of one layer")
    return kinds[q.kind], q.layer


def diff(expr: sp.Expr, wrt: sp.Expr) -> sp.Expr:
    """∂expr/∂wrt, deltas contracted, activation derivatives named ``df_l``."""
    return S.name_fprimes(_diff(expr, wrt))


def net_def(layer: int, node: sp.Expr, bias: bool) -> sp.Expr:
    """``net^l_q = Σ_p W^l_{pq} O^{l-1}_p (+ b^l_q)``, summed over a fresh dummy."""
    p = S.index(layer - 1, 1)
    total = sp.Sum(S.W(layer)[p, node] * S.O(layer - 1)[p], (p, 0, S.width(layer - 1) - 1))
    return total + S.b(layer)[node] if bias else total


def activated(layer: int, node: sp.Expr, act: Activation) -> sp.Expr:
    """``O^l_q`` as a function of ``net^l`` (an undefined ``f_l`` for the chain rule)."""
    if act.vector:  # softmax
        a = S.index(layer, 2)
        norm = sp.Sum(sp.exp(S.net(layer)[a]), (a, 0, S.width(layer) - 1))
        return sp.exp(S.net(layer)[node]) / norm
    return S.f(layer)(S.net(layer)[node])


@dataclass(frozen=True)
class Derivation:
    """Everything derived for one network structure.

    ``record`` holds every step the derivation took, as it took it (see
    :mod:`derive.record`); read it through the named accessors (:meth:`delta`,
    :meth:`gradient`, :meth:`update`, :meth:`definition`, :meth:`derivative`).
    ``deltas[l]`` is δ of layer l in index form (node index ``S.index(l)``),
    in terms of O, d, W and δ of layer l+1; ``gradients`` maps a parameter
    name (``W1``, ``b2``) to ∂E/∂param in terms of δ and O; ``equations`` are
    the record's results as printed.  All of them are read off the record.
    """

    network: Network
    depth: int
    loss_expr: sp.Expr
    """E without the weight-decay term, in terms of the outputs."""
    record: tuple[Entry, ...] = field(default=(), compare=False)
    notes: tuple[str, ...] = field(default=())

    @cached_property
    def equations(self) -> tuple[Equation, ...]:
        """The record's definitions and results as printed, in the order taken."""
        return _equations(self.record)

    @cached_property
    def deltas(self) -> dict[int, sp.Expr]:
        return {e.layer: e.value for e in self.record if isinstance(e, DeltaStep)}

    @cached_property
    def gradients(self) -> dict[str, sp.Expr]:
        return {
            f"{e.param}{e.layer}": e.value
            for e in self.record
            if isinstance(e, ParamStep) and e.kind == "grad"
        }

    @property
    def output_error(self) -> sp.Expr:
        """``-∂E/∂O^L_k``, as differentiated."""
        return self.definition(What.ERROR).result

    def __hash__(self) -> int:
        return hash((self.network.structure, self.equations))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Derivation) and (
            self.network.structure == other.network.structure and self.equations == other.equations
        )

    def equation(self, key: str) -> Equation:
        for eq in self.equations:
            if eq.key == key:
                return eq
        raise KeyError(key)

    # -- the record, by name ---------------------------------------------------

    def delta(self, layer: int) -> DeltaStep:
        """δ of ``layer`` (1 to depth) as derived: its forms and its value."""
        return _find(self.record, DeltaStep, layer=layer)

    def gradient(self, param: sp.IndexedBase) -> ParamStep:
        """∂E/∂``param`` (``S.W(l)`` or ``S.b(l)``) as derived."""
        kind, layer = _param(param)
        return _find(self.record, ParamStep, kind="grad", param=kind, layer=layer)

    def update(self, param: sp.IndexedBase) -> ParamStep:
        """Δ``param`` (``S.W(l)`` or ``S.b(l)``), gradient descent's change, as derived."""
        kind, layer = _param(param)
        return _find(self.record, ParamStep, kind="update", param=kind, layer=layer)

    def definition(self, what: What, layer: int = 0) -> Derivative:
        """A definition of the forward pass: ``What.NET``, ``OUTPUT``, ``FORWARD`` of
        ``layer``; ``What.LOSS`` (the objective) and ``What.ERROR`` (-∂E/∂O^L)."""
        if what in (What.LOSS, What.ERROR):
            layer = self.depth
        return _find(self.record, Derivative, what=what, layer=layer)

    def derivative(self, what: What, layer: int, param: str = "") -> Derivative:
        """A local derivative the derivation took on its way (``What.WEIGHTED_SUM``
        of ``W``/``b`` at ``layer``, ``NET_BY_OUTPUT``, ``SOFTMAX_JACOBIAN`` ...)."""
        return _find(self.record, Derivative, what=what, layer=layer, param=param)

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """Replace every δ by its definition, down to O, d and the weights."""
        for layer in range(1, self.depth + 1):
            base = S.delta(layer)
            definition = self.deltas[layer]
            expr = expr.replace(
                lambda e, base=base: isinstance(e, sp.Indexed) and e.base == base,
                lambda e, definition=definition, layer=layer: definition.xreplace(
                    {S.index(layer): e.indices[0]}
                ),
            )
        return expr


# -- the pieces ---------------------------------------------------------------


def rewrite_in_outputs(expr: sp.Expr, layer: int, act: Activation) -> sp.Expr:
    """``f_l(net_q) -> O_q``; ``f_l'(net_q) -> g(O_q)`` where a form exists."""
    if act.expr is not None:
        slope = sp.diff(act.expr, x)
        form = output_form(act.expr)

        def derivative(e: sp.Expr) -> sp.Expr:
            if not slope.has(x):
                return slope  # identity: f' = 1
            if form is None:
                return e
            return form.xreplace({y: S.O(layer)[e.args[0].indices[0]]})

        expr = expr.replace(lambda e: getattr(e, "func", None) == S.df(layer), derivative)
    return expr.replace(
        lambda e: getattr(e, "func", None) == S.f(layer),
        lambda e: S.O(layer)[e.args[0].indices[0]],
    )


def loss_of(network: Network) -> sp.Expr:
    """``E`` in terms of the outputs ``O^L``, summed over a dummy output index.

    Where the objective is the mean over a batch (``network.batch_mean``), this is one
    example's share of it, ``(1/N) E_n``: the sum over the batch's examples is left
    implicit, as in every per-example line (``∂E/∂w = -δ_k O_j`` sums over the batch
    where O and δ are an example's), so δ and every gradient carry the 1/N."""
    L = network.depth
    m = S.index(L, 1)
    term = network.loss.term.xreplace({F.d: S.d[m], F.o: S.O(L)[m]})
    total = pull_out(sp.Sum(term, (m, 0, S.width(L) - 1)))
    if network.loss.mean:
        total = total / S.width(L)
    return total / S.batch if network.batch_mean else total


def batch_out(expr: sp.Expr) -> sp.Expr:
    """A batch mean's 1/N in front of the sums and terms that all carry it:
    ``Σ_n (1/N) a_n`` -> ``(1/N) Σ_n a_n``, ``a/N - b/N`` -> ``(1/N)(a - b)``."""

    def without(e: sp.Expr) -> sp.Expr | None:
        """``e`` times N where each of its terms carries 1/N, else None."""
        if 1 / S.batch in sp.Mul.make_args(e):
            return e * S.batch
        if isinstance(e, sp.Add):
            terms = [without(t) for t in e.args]
            if all(t is not None for t in terms):
                return sp.Add(*terms, evaluate=False)
        return None

    expr = expr.replace(
        lambda e: isinstance(e, sp.Sum) and without(e.function) is not None,
        lambda e: sp.Sum(without(e.function), *e.limits) / S.batch,
    )
    inner = without(expr) if isinstance(expr, sp.Add) else None
    return expr if inner is None else inner / S.batch


def decay_of(network: Network) -> sp.Expr:
    """The L2 weight-decay term (λ/2) Σ_l Σ_p Σ_q (W^l_{pq})² (biases are not decayed),
    or 0 for a network without it."""
    if not network.weight_decay:
        return sp.S.Zero
    total = sp.S.Zero
    for layer in range(1, network.depth + 1):
        p, q = S.index(layer - 1, 1), S.index(layer, 1)
        if network.scalar_output and layer == network.depth:  # note 003's one output
            inner = S.W(layer)[p, 0] ** 2
        else:
            inner = sp.Sum(S.W(layer)[p, q] ** 2, (q, 0, S.width(layer) - 1))
        total += sp.Sum(inner, (p, 0, S.width(layer - 1) - 1))
    return S.lam / 2 * total


def decayed(form: Factors, network: Network, coefficient: sp.Expr, weight: sp.Expr):
    """``form`` plus the weight-decay term ``coefficient · weight`` (``λ w`` in a
    gradient, ``-η λ w`` in an update), or ``form`` itself without weight decay."""
    return Decayed(form, coefficient * weight) if network.weight_decay else form


def one_output(expr: sp.Expr, network: Network) -> sp.Expr:
    """Note 003's single output: the output layer has one node, index 0."""
    if not network.scalar_output:
        return expr
    L = network.depth
    N = S.width(L)
    expr = expr.replace(
        lambda e: isinstance(e, sp.Sum) and e.limits[0][2] == N - 1,
        lambda e: e.function.xreplace({e.limits[0][0]: 0}),
    )
    # every index of the output layer names its one node (the softmax Jacobian's n' too)
    free = {s: 0 for s in expr.free_symbols if (i := index_of(s)) and i.layer == L}
    return expr.xreplace({S.index(L): 0, N: 1, **free})


def _output_delta(network: Network, k: sp.Symbol):
    """δ^L_k as display forms (f' kept, f' rewritten), the error -∂E/∂O^L_k, the value.

    Where the objective is a batch mean each form is one example's, times the 1/N it
    enters the mean with (a factor of its own, as the texts write it)."""
    if network.batch_mean:
        forms, error, value = _output_delta(replace(network, batch_mean=False), k)
        mean = Factor(1 / S.batch, "const")
        forms = tuple(Factors((mean, *form.factors), form.sign) for form in forms)
        return forms, error / S.batch, value / S.batch
    L = network.depth
    act = network.activations[-1]
    E_O = loss_of(network)
    composed = E_O.replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == S.O(L),
        lambda e: activated(L, e.indices[0], act),
    )
    delta = -diff(composed, S.net(L)[k])
    error = -diff(E_O, S.O(L)[k])
    if act.vector:
        value = _softmax_back(delta, L)
        return (factors((value, "error")),), error, value
    fprime = S.fprime(L, S.net(L)[k])
    composed_error = error.xreplace({S.O(L)[k]: activated(L, k, act)})
    assert sp.expand(delta - composed_error * fprime) == 0, "chain rule mismatch"
    delta = rewrite_in_outputs(delta, L, act)
    fprime_r = rewrite_in_outputs(fprime, L, act)
    kept = factors((error, "error"), (fprime, "fprime"))
    simplified = sp.factor(sp.cancel(delta))
    if sp.count_ops(simplified) < sp.count_ops(error):
        # the classic simplifications: sigmoid + bce gives d - O
        return (kept, factors((simplified, "error"))), error, simplified
    forms = (kept, factors((error, "error"), (fprime_r, "fprime")))
    return _distinct(forms), error, delta


def _distinct(forms: tuple) -> tuple:
    """Drop a display form equal to the one before it (f' had no output form)."""
    out = [forms[0]]
    for form in forms[1:]:
        if form != out[-1]:
            out.append(form)
    return tuple(out)


def softmax_jacobian(L: int, n: sp.Symbol, k: sp.Symbol) -> sp.Expr:
    """∂O_n/∂net_k of a softmax output layer, differentiated from its definition
    (:func:`activated`) and written in the outputs: ``O_n (δ_{nk} - O_k)``."""
    local = contract(sp.diff(activated(L, n, F.ACTIVATIONS["softmax"]), S.net(L)[k]))
    return sp.factor(sp.cancel(_in_outputs(sp.expand(local), L)))


def _in_outputs(expr: sp.Expr, L: int) -> sp.Expr:
    """exp(net_a) / Σ exp(net) -> O_a, with Z standing for the sum."""
    norm = sp.Symbol("Z", positive=True)
    a = S.index(L, 2)
    total = sp.Sum(sp.exp(S.net(L)[a]), (a, 0, S.width(L) - 1))
    expr = expr.xreplace({total: norm})
    return expr.replace(
        lambda e: isinstance(e, sp.exp) and isinstance(e.args[0], sp.Indexed),
        lambda e: S.O(L)[e.args[0].indices[0]] * norm,
    )


def _softmax_back(delta: sp.Expr, L: int) -> sp.Expr:
    """Rewrite a softmax derivative in the outputs: exp(net_a)/Σ exp(net) -> O_a."""
    norm = sp.Symbol("Z", positive=True)
    a = S.index(L, 2)
    total = sp.Sum(sp.exp(S.net(L)[a]), (a, 0, S.width(L) - 1))
    expr = sp.expand(delta).xreplace({total: norm})
    expr = expr.replace(
        lambda e: isinstance(e, sp.exp) and isinstance(e.args[0], sp.Indexed),
        lambda e: S.O(L)[e.args[0].indices[0]] * norm,
    )
    expr = expr.replace(
        lambda e: isinstance(e, sp.Sum),
        lambda e: pull_out(sp.Sum(sp.cancel(e.function), *e.limits)),
    )
    return sp.collect(sp.cancel(sp.expand(expr)), S.d[S.index(L)])


def _hidden_delta(network: Network, layer: int, p: sp.Symbol, record: list):
    """δ^l_p = f'(net_p) Σ_m δ^{l+1}_m W^{l+1}_{pm}: display forms and value; how the
    next layer's net depends on O_p goes into ``record``."""
    act = network.activations[layer - 1]
    m = S.index(layer + 1)
    to_out = diff(net_def(layer + 1, m, network.bias), S.O(layer)[p])  # W_{pm}
    lhs = sp.Derivative(S.net(layer + 1)[m], S.O(layer)[p], evaluate=False)
    record.append(Derivative(What.NET_BY_OUTPUT, layer, lhs, (to_out,)))
    nxt = net_def(layer + 1, m, network.bias).replace(
        lambda e: isinstance(e, sp.Indexed) and e.base == S.O(layer),
        lambda e: activated(layer, e.indices[0], act),
    )
    local = diff(nxt, S.net(layer)[p])  # W_{pm} f'(net_p)
    summed = pull_out(sp.Sum(S.delta(layer + 1)[m] * local, (m, 0, S.width(layer + 1) - 1)))
    fprime = S.fprime(layer, S.net(layer)[p])
    backsum = summed / fprime
    back = ((backsum, "backsum"),)
    fprime_r = rewrite_in_outputs(fprime, layer, act)
    forms = (factors((fprime, "fprime"), *back), factors((fprime_r, "fprime"), *back))
    return _distinct(forms), rewrite_in_outputs(summed, layer, act)


def _gradient(network: Network, layer: int, param: str, p: sp.Symbol, q: sp.Symbol, record: list):
    """∂E/∂param = -Σ_m δ_m ∂net_m/∂param, as a Factors; the derivative of the
    weighted sum goes into ``record``."""
    m = S.index(layer, 1)
    target = S.W(layer)[p, q] if param == "W" else S.b(layer)[q]
    raw = sp.diff(net_def(layer, m, network.bias), target)
    local = S.name_fprimes(contract(raw))
    _D = lambda a: sp.Derivative(a, target, evaluate=False)  # noqa: E731
    record.append(
        Derivative(What.WEIGHTED_SUM_ANY, layer, _D(S.net(layer)[m]), (local,), param=param)
    )
    at_q = {m: q}  # the receiving node: the one net that depends on the parameter
    record.append(
        Derivative(
            What.WEIGHTED_SUM,
            layer,
            _D(S.net(layer)[q]),
            (_D(net_def(layer, q, network.bias)), raw.xreplace(at_q), local.xreplace(at_q)),
            "weighted_sum",
            param,
        )
    )
    value = contract(sp.Sum(-S.delta(layer)[m] * local, (m, 0, S.width(layer) - 1)))
    pairs = [(S.delta(layer)[q], "delta")]
    rest = sp.cancel(value / (-S.delta(layer)[q]))
    if rest != 1:
        pairs.append((rest, "input"))
    return factors(*pairs, sign=-1), value


def _expand_deltas(form: Factors, record: list, n: int) -> Factors:
    """Replace the δ factor by its n-th display form (the last if fewer), and
    any δ that brings along (one output node) by its last form."""
    while True:
        found = [f for f in form.factors if f.role == "delta" and isinstance(f.expr, sp.Indexed)]
        if not found:
            return form
        delta = _find(record, DeltaStep, layer=S.layer_of(found[0].expr.base))
        form = form.replace_role("delta", delta.form(n))
        n = len(delta.forms)


def _softmax_chain(L: int, k: sp.Symbol, error: sp.Expr, jacobian: sp.Expr) -> Derivative:
    """∂E/∂net_k = Σ_n ∂E/∂O_n ∂O_n/∂net_k of a softmax output, with the loss's
    derivative and the Jacobian the derivation took, before and after the Kronecker
    delta is contracted."""
    n = S.index(L, 3)
    g = -error.xreplace({k: n})  # ∂E/∂O_n
    total = sp.Sum(sp.expand(g * jacobian), (n, 0, S.width(L) - 1))
    lhs = sp.Derivative(S.E, S.net(L)[k], evaluate=False)
    forms = (batch_out(total), batch_out(contract(total)))
    return Derivative(What.SOFTMAX_CHAIN, L, lhs, forms, "substitute_jacobian")


def _sc_factors(form: Factors, sc) -> Factors:
    """Apply the one-output substitution; a sum over one output node becomes
    its single term, ``W_{j0} δ_0``, split into its weight and its δ."""
    out: list[Factor] = []
    for factor in form.factors:
        expr = sc(factor.expr)
        if factor.role == "backsum" and not isinstance(expr, sp.Sum):
            for part in sp.Mul.make_args(expr):
                is_delta = isinstance(part, sp.Indexed) and S.kind_of(part.base) == "delta"
                out.append(Factor(part, "delta" if is_delta else "weight"))
        else:
            out.append(Factor(expr, factor.role))
    return Factors(tuple(out), form.sign)


# -- the whole derivation -------------------------------------------------------


def derive(network: Network) -> Derivation:
    """Derive δ of every layer and ∂E/∂ of every parameter, in index form,
    recording every step as it is taken (:mod:`derive.record`)."""
    L = network.depth
    record: list[Entry] = []
    sc = lambda e: one_output(e, network)  # noqa: E731

    k = S.index(L)
    dE_dnet = lambda l: sp.Derivative(S.E, S.net(l)[S.index(l)])  # noqa: E731

    # forward pass and loss, as definitions
    for layer in range(1, L + 1):
        q = S.index(layer)
        lhs = sc(S.net(layer)[q])
        record.append(Derivative(What.NET, layer, lhs, (sc(net_def(layer, q, network.bias)),)))
        act = network.activations[layer - 1]
        lhs = sc(S.O(layer)[q])
        record.append(Derivative(What.OUTPUT, layer, lhs, (sc(activated(layer, q, act)),)))
        composed = sc(activated(layer, q, act)).xreplace(
            {sc(S.net(layer)[q]): sc(net_def(layer, q, network.bias))}
        )
        if act.expr is not None and act.expr == x:  # identity: O = net
            fl = S.f(layer)
            composed = composed.replace(
                lambda e, fl=fl: getattr(e, "func", None) == fl, lambda e: e.args[0]
            )
        record.append(Derivative(What.FORWARD, layer, sc(S.O(layer)[q]), (composed,)))
    loss_expr = sc(loss_of(network))
    mean = "batch_mean" if network.batch_mean else ""  # the batch's sum is left implicit
    record.append(Derivative(What.LOSS, L, S.E, (loss_expr + decay_of(network),), note=mean))

    forms, error, value = _output_delta(network, k)
    note = "one_hot" if network.activations[-1].vector else ""
    record.append(
        DeltaStep(
            L,
            sc(S.delta(L)[k]),
            sc(-dE_dnet(L)),
            tuple(_sc_factors(f, sc) for f in forms),
            sc(value),
            note,
        )
    )
    record.append(Derivative(What.ERROR, L, sc(S.e(L)[k]), (sc(error),)))

    for layer in range(L - 1, 0, -1):
        p = S.index(layer)
        forms, summed = _hidden_delta(network, layer, p, record)
        record.append(
            DeltaStep(
                layer,
                S.delta(layer)[p],
                -dE_dnet(layer),
                tuple(_sc_factors(f, sc) for f in forms),
                sc(summed),
            )
        )

    for layer in range(L, 0, -1):
        p, q = S.index(layer - 1), S.index(layer)
        params = ["W"] + (["b"] if network.bias else [])
        for param in params:
            grad, value = _gradient(network, layer, param, p, q, record)
            target = S.W(layer)[p, q] if param == "W" else S.b(layer)[q]
            decays = param == "W" and network.weight_decay  # the biases are not decayed
            grad = _sc_factors(grad, sc)
            w = sc(target)
            shown = decayed(grad, network, S.lam, w) if decays else grad
            record.append(
                ParamStep(
                    "grad",
                    param,
                    layer,
                    sc(sp.Derivative(S.E, target)),
                    grad,
                    shown,
                    sc(value + (S.lam * target if decays else 0)),
                )
            )
            update = grad.negated().times(Factor(S.eta, "lr"))
            shown = decayed(update, network, -S.eta * S.lam, w) if decays else update
            expanded = ()
            if param == "W" and (layer < L or network.scalar_output):
                expanded = tuple(
                    decayed(_expand_deltas(update, record, n), network, -S.eta * S.lam, w)
                    for n in range(len(_find(record, DeltaStep, layer=layer).forms))
                )
            lhs = sc(S.Delta(param, layer)[(p, q) if param == "W" else (q,)])
            record.append(ParamStep("update", param, layer, lhs, update, shown, None, expanded))
    if network.activations[-1].vector:
        n = S.index(L, 3)
        jacobian = softmax_jacobian(L, n, k)
        lhs = sp.Derivative(S.O(L)[n], S.net(L)[k], evaluate=False)
        record.append(
            Derivative(What.SOFTMAX_JACOBIAN, L, lhs, (jacobian,), "activation_derivative")
        )
        record.append(_softmax_chain(L, k, sc(error), jacobian))
    return Derivation(network, L, loss_expr, record=tuple(record))

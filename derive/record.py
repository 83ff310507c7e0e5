"""The step record: what the derivation computed, step by step, as typed data.

:func:`derive.derivation.derive` appends one entry here for every result and every
local derivative it takes, *as it takes it*: the definitions of the forward pass,
δ of each layer, each parameter's gradient and update, the weighted sum's
derivative, how a next layer's net depends on a hidden output, the softmax's
Jacobian.  Every consumer reads these entries through the derivation's named
accessors (``derivation.delta(layer)``, ``derivation.gradient(S.W(l))``,
``derivation.update(S.W(l))`` ...), and the printed equations are views of the
same entries (:meth:`as_equation`), so what is printed, what the step-by-step
printout shows and what code is generated from cannot drift apart.

Each entry has ``lhs`` and ``rhs`` (``lhs = rhs[0] = rhs[1] ...``, as printed),
the ``rule`` that justifies it (a key into :mod:`derive.text`; "" where none is
printed) and its ``layer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import sympy as sp

from .display import Decayed, Equation, Factors, Step


class What(str, Enum):
    """What a recorded entry is about (one lookup key each, with its layer)."""

    NET = "net"
    """``net^l_q = Σ_p W_{pq} O_p (+ b_q)``: the weighted sum, a definition."""
    OUTPUT = "O"
    """``O^l_q = f_l(net^l_q)``: the activation, a definition."""
    FORWARD = "forward"
    """``O^l_q`` written through the weighted sum: ``f_l(Σ_p W_{pq} O_p)``."""
    LOSS = "E"
    """The objective: the loss (and the weight-decay term)."""
    ERROR = "error"
    """The output error ``e_k = -∂E/∂O^L_k``, as differentiated."""
    WEIGHTED_SUM = "weighted_sum"
    """``∂net_q/∂param`` at the receiving node, Kronecker deltas before and after contraction."""
    WEIGHTED_SUM_ANY = "weighted_sum_any"
    """``∂net_m/∂param`` for any node m: its Kronecker delta says which node survives."""
    NET_BY_OUTPUT = "dnet_dO"
    """``∂net^{l+1}_m/∂O^l_p``: how the next layer's net depends on a hidden output."""
    SOFTMAX_JACOBIAN = "softmax_jacobian"
    """``∂O_n/∂net_k`` of a softmax output layer."""
    SOFTMAX_CHAIN = "softmax_chain"
    """``∂E/∂net_k = Σ_n ∂E/∂O_n ∂O_n/∂net_k``, before and after contraction."""


@dataclass(frozen=True)
class Derivative:
    """A definition or a local derivative the derivation took: ``lhs = rhs[0] = ...``."""

    what: What
    layer: int
    lhs: object
    rhs: tuple
    rule: str = ""
    param: str = ""
    """``W`` or ``b`` for a weighted sum's derivative with respect to a parameter."""
    note: str = ""
    """A caption of the printed definition (a key into :mod:`derive.text`)."""

    @property
    def result(self) -> sp.Expr:
        """The right-hand side as the derivation finished it (after contraction)."""
        return self.rhs[-1]

    @property
    def step(self) -> Step:
        return Step(self.lhs, self.rhs, self.rule)

    def as_equation(self) -> Equation:
        """The printed definition (``net1``, ``O2``, ``forward1``, ``E``, ``error``)."""
        once = self.what in (What.LOSS, What.ERROR)  # one per network, not per layer
        key = self.what.value if once else f"{self.what.value}{self.layer}"
        return Equation(key, self.lhs, self.rhs, "definition", self.note)


@dataclass(frozen=True)
class DeltaStep:
    """δ of one layer as derived: ``δ = -∂E/∂net = forms[0] = forms[1] ...``.

    ``forms[0]`` is the chain rule's product with ``f'(net)`` kept; later forms write
    f' in the node's own outputs (or simplify, sigmoid + bce: ``d - O``).
    ``value`` is δ as one expression, what code and checks use.
    """

    layer: int
    lhs: sp.Expr
    definition: sp.Expr
    forms: tuple[Factors, ...]
    value: sp.Expr
    note: str = ""
    rule: str = "chain_rule"

    @property
    def rhs(self) -> tuple:
        return (self.definition, *self.forms)

    @property
    def chain(self) -> Factors:
        """The chain rule's product, ``f'(net)`` kept."""
        return self.forms[0]

    @property
    def rewritten(self) -> tuple[Factors, ...]:
        """The forms after the chain rule's (f' in the outputs, simplified); may be empty."""
        return self.forms[1:]

    @property
    def shown(self) -> Factors:
        """The last form printed: f' in the node's outputs where it has one form."""
        return self.forms[-1]

    def form(self, n: int) -> Factors:
        """The n-th form, or the last where there are fewer."""
        return self.forms[min(n, len(self.forms) - 1)]

    def as_equation(self) -> Equation:
        return Equation(f"delta{self.layer}", self.lhs, self.rhs, note=self.note)


@dataclass(frozen=True)
class ParamStep:
    """A parameter's gradient ``∂E/∂w`` or update ``Δw``, as derived.

    ``data`` is the error's part in factors (``-δ_k O_j``; ``η δ_k O_j``); ``shown``
    adds the weight-decay term where the objective has one (a :class:`Decayed`);
    ``expanded`` (updates of hidden or single-output weights) writes δ out, one
    form per form of δ.
    """

    kind: str
    """``grad`` or ``update``."""
    param: str
    """``W`` or ``b``."""
    layer: int
    lhs: sp.Expr
    data: Factors
    shown: Factors | Decayed
    value: sp.Expr | None = None
    """∂E/∂param as one expression (gradients only)."""
    expanded: tuple = ()
    rule: str = ""

    @property
    def rhs(self) -> tuple:
        return (self.shown,)

    def as_equations(self) -> tuple[Equation, ...]:
        key = f"{self.kind}_{self.param}{self.layer}"
        eqs = (Equation(key, self.lhs, self.rhs),)
        if self.expanded:
            eqs += (Equation(f"{key}_expanded", self.lhs, self.expanded),)
        return eqs


Entry = Derivative | DeltaStep | ParamStep


def equations(record: tuple[Entry, ...]) -> tuple[Equation, ...]:
    """The printed equations: the record's definitions and results, in the order taken."""
    out: list[Equation] = []
    for entry in record:
        if isinstance(entry, ParamStep):
            out.extend(entry.as_equations())
        elif isinstance(entry, DeltaStep):
            out.append(entry.as_equation())
        elif entry.what in (What.NET, What.OUTPUT, What.FORWARD, What.LOSS, What.ERROR):
            out.append(entry.as_equation())
    return tuple(out)

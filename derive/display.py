"""What a reader sees, kept as data: products in the order the notes write them.

SymPy sorts the factors of a ``Mul`` and distributes numbers over sums
(``2*(t - o)`` becomes ``2*t - 2*o``).  A :class:`Factors` keeps the factors
the derivation found, each tagged with its role, so a notation preset can
order them as its notes do; ``.expr`` is the SymPy value used for every
check and for code generation.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

ROLES = ("const", "lr", "error", "fprime", "delta", "backsum", "weight", "input")
"""Factor roles, in the default printing order."""


@dataclass(frozen=True)
class Factor:
    expr: sp.Expr
    role: str


@dataclass(frozen=True)
class Factors:
    factors: tuple[Factor, ...]
    sign: int = 1

    @property
    def expr(self) -> sp.Expr:
        return self.sign * sp.Mul(*(f.expr for f in self.factors))

    def negated(self) -> Factors:
        return Factors(self.factors, -self.sign)

    def times(self, *factors: Factor) -> Factors:
        return Factors(tuple(factors) + self.factors, self.sign)

    def replace_role(self, role: str, by: Factors) -> Factors:
        """Substitute a product for the factor of ``role`` (δ by its definition)."""
        out: list[Factor] = []
        for factor in self.factors:
            out.extend(by.factors if factor.role == role else (factor,))
        sign = self.sign * (by.sign if any(f.role == role for f in self.factors) else 1)
        return Factors(tuple(out), sign)

    def ordered(self, order: tuple[str, ...]) -> Factors:
        rank = {role: n for n, role in enumerate(order)}
        keyed = sorted(enumerate(self.factors), key=lambda p: (rank.get(p[1].role, 99), p[0]))
        return Factors(tuple(f for _, f in keyed), self.sign)


def factors(*pairs: tuple[sp.Expr, str], sign: int = 1) -> Factors:
    """Factors from (expr, role) pairs; factors equal to 1 are left out.

    A factor with a numeric coefficient (``2*t - 2*o``) is split into the
    number and the rest (``2``, ``t - o``), and a negative number becomes the
    sign, so the notes' ``-2(t_k - o_k)`` survives SymPy's normal form.
    """
    out: list[Factor] = []
    for expr, role in pairs:
        coeff, rest = sp.factor_terms(expr).as_coeff_Mul()
        if coeff < 0:
            sign, coeff = -sign, -coeff
        if coeff != 1:
            out.append(Factor(coeff, "const"))
        if rest != 1:
            out.append(Factor(tidy(rest), role))
    return Factors(tuple(out), sign)


def tidy(expr: sp.Expr) -> sp.Expr:
    """The shortest of the expanded and factored forms, with ``(1 - O)``
    preferred over ``-(O - 1)``: ``O(1 - O)``, ``1 - O^2``."""
    if isinstance(expr, (sp.Sum, sp.Indexed, sp.Symbol, sp.Derivative)):
        return expr
    if expr.has(sp.Sum, sp.Derivative):
        return expr
    expanded = sp.expand(expr)
    factored = _flip_signs(sp.factor(expr))
    if sp.count_ops(expanded) < sp.count_ops(factored):
        return expanded
    return factored


def _flip_signs(expr: sp.Expr) -> sp.Expr:
    """``-y*(y - 1)`` -> ``y*(1 - y)``: absorb a minus into a sum factor."""
    if not isinstance(expr, sp.Mul):
        return expr
    coeff, rest = expr.as_coeff_Mul()
    if coeff >= 0:
        return expr
    factors = list(sp.Mul.make_args(rest))
    for n, factor in enumerate(factors):
        if isinstance(factor, sp.Add):
            factors[n] = sp.Add(*(-t for t in factor.args), evaluate=True)
            return sp.Mul(-coeff, *factors)
    return expr


@dataclass(frozen=True)
class Decayed:
    """A weight's gradient or update with the weight-decay term added: ``data + decay``
    (``-δ_k O_j + λ w_{jk}``, ``η δ_k O_j - η λ w_{jk}``); the data part keeps its
    factors in the notation's order."""

    data: Factors
    decay: sp.Expr

    @property
    def expr(self) -> sp.Expr:
        return self.data.expr + self.decay


@dataclass(frozen=True)
class Equation:
    """One relation as printed: ``lhs = rhs[0] = rhs[1] = ...``.

    ``kind`` is 'result', 'definition' or 'approximation' (the book's
    hidden-layer rule); ``note`` is a key into :mod:`derive.text`.
    """

    key: str
    lhs: object
    rhs: tuple
    kind: str = "result"
    note: str = ""
    rel: str = "="
    scope: str = ""
    """'' where it holds for every unit its indices can name; ``output`` or
    ``hidden`` where only for those (a softmax output's definition: see :class:`Step`)."""

    def last_form_only(self) -> Equation:
        """The equation with only its last form (a notation that prints results alone)."""
        return Equation(
            self.key, self.lhs, self.rhs[-1:], self.kind, self.note, self.rel, self.scope
        )


@dataclass(frozen=True)
class Step:
    """One step of a derivation: ``lhs = rhs[0] = rhs[1] ...``, justified by ``rule``
    (a key into :mod:`derive.text`)."""

    lhs: object
    rhs: tuple
    rule: str
    scope: str = ""
    """'' where the step holds for every unit its indices can name; ``output`` or
    ``hidden`` where only for those units (the softmax's Jacobian; the one-term chain
    rule ∂E/∂net_j = ∂E/∂O_j ∂O_j/∂net_j beside a softmax output).  A notation whose
    unit letters name no layer (Rumelhart's) prints it as a condition."""

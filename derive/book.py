"""The book's formulation (notes 000-002), computed from the exact derivation.

T. Rashid's *Make Your Own Neural Network* uses ``E = Σ (t - o)^2``, drops
the factor 2 the power rule brings, and back-propagates the output *error*
``e_k = t_k - o_k`` through the weights (``e_hidden = W_hoᵀ e_o``) instead of
``δ_k = e_k f'(net_k)``.  Each equation here is built by transforming the
exact results, so the tool shows the book's rule next to the gradient; whether
the book's hidden rule IS the gradient is computed (:func:`output_ratio`): it
is where δ_k is the output error itself (identity output with a squared error,
sigmoid with cross-entropy, softmax with cross-entropy and one-hot targets).
"""

from __future__ import annotations

import sympy as sp

from . import symbols as S
from .derivation import Derivation, rewrite_in_outputs
from .display import Equation, Factor, Factors
from .matrix import MatVec, Vec, outer


def _expanded(form: Factors, d: Derivation) -> Factors:
    """A gradient with δ of the output layer written out (``-2(t-o)o(1-o)o_j``)."""
    return form.replace_role("delta", d.delta(d.depth).shown)


def _without_const(form: Factors) -> tuple[sp.Expr, Factors]:
    const = sp.Mul(*(f.expr for f in form.factors if f.role == "const"))
    return const, Factors(tuple(f for f in form.factors if f.role != "const"), form.sign)


def equations(d: Derivation) -> tuple[Equation, ...]:
    """The book's equations for a two-layer network, in our index form."""
    L = d.depth
    j, k = S.index(L - 1), S.index(L)
    grad = d.gradient(S.W(L))
    full = _expanded(grad.shown, d)
    const, dropped = _without_const(full)
    out: list[Equation] = [Equation("grad_W2", grad.lhs, (full,))]
    if const != 1:
        out.append(
            Equation("grad_W2_dropped", grad.lhs / const, (dropped,), note="dropped_constant")
        )
    update = dropped.negated().times(Factor(S.eta, "lr"))
    note = "book_update" if const != 1 else "book_update_no_constant"
    out.append(Equation("update_W2", S.Delta("W", L)[j, k], (update,), note=note))

    # the matrix update: δ_k = c E_k r_k with E_k = t_k - o_k, found by computation
    c, r, one_hot = output_ratio(d)
    pieces = [Factor(S.eta, "lr"), Factor(S.e(L)[k], "error")]
    if r != 1:
        pieces.append(Factor(r, "fprime"))
    error_vec = Factors((*pieces, Factor(S.O(L - 1)[j], "input")))
    out.append(
        Equation(
            "matrix_book",
            S.Delta("W", L),
            (outer(error_vec, j, k),),
            note="book_matrix_one_hot" if one_hot else "book_matrix",
        )
    )
    # the book's hidden error e_j = Σ_k W_jk e_k, and its hidden-layer rule
    m = S.index(L)
    e_hidden = sp.Sum(S.W(L)[j, m] * S.e(L)[m], (m, 0, S.width(L) - 1))
    out.append(
        Equation(
            "book_hidden_error",
            sp.Symbol("e_hidden"),
            (MatVec(S.W(L), Vec(S.e(L)[m], m), transpose=False),),
            note="book_hidden_error",
        )
    )
    i = S.index(L - 2)
    book_rule = _book_rule(d)
    if r == 1:  # the error sent back IS δ_k (up to the dropped constant): exact
        book_hidden = Equation(
            "book_hidden",
            S.Delta("W", L - 1)[i, j],
            (book_rule,),
            note="book_exact_one_hot" if one_hot else "book_exact",
        )
    else:
        # r free of the outputs (1/K of a mean, identity output): the rule drops a
        # constant, not the output activation's derivative
        constant = not (r.has(S.O(L)) or r.has(S.net(L)))
        book_hidden = Equation(
            "book_hidden",
            S.Delta("W", L - 1)[i, j],
            (book_rule,),
            kind="approximation",
            note="approximation_mean" if constant else "approximation",
            rel=r"\approx",
        )
    out.append(book_hidden)
    out.append(Equation("book_hidden_e", S.e(L - 1)[j], (e_hidden,), kind="definition"))
    exact = _exact_rule(d, const)
    out.append(Equation("grad_W1_exact", S.Delta("W", L - 1)[i, j], (exact,), note="exact"))
    return tuple(out)


def _hidden_fprime(d: Derivation) -> list[Factor]:
    """f'(net_j) of the hidden layer, as its δ shows it (in the outputs where it can)."""
    return [f for f in d.delta(d.depth - 1).shown.factors if f.role == "fprime"]


def _book_rule(d: Derivation) -> Factors:
    """The book's hidden-layer rule ``ΔW_ij = α e_j f'(net_j) O_i``."""
    L = d.depth
    j, i = S.index(L - 1), S.index(L - 2)
    return Factors(
        (
            Factor(S.eta, "lr"),
            Factor(S.e(L - 1)[j], "error"),
            *_hidden_fprime(d),
            Factor(S.O(L - 2)[i], "input"),
        )
    )


def _exact_rule(d: Derivation, const: sp.Expr) -> Factors:
    """The exact hidden update with the output's δ_k written out inside the sum:
    it keeps f'(net_k); the constant ``const`` is dropped as in the book's rule."""
    L = d.depth
    j, i, m = S.index(L - 1), S.index(L - 2), S.index(L)
    out_delta = d.delta(L).shown.expr.xreplace({S.index(L): m})
    # a sum over the outputs inside δ_k (softmax: Σ t) gets its own letter
    out_delta = out_delta.replace(
        lambda e: isinstance(e, sp.Sum) and e.limits[0][0] != m,
        lambda e: sp.Sum(
            e.function.xreplace({e.limits[0][0]: S.index(L, 3)}), (S.index(L, 3), *e.limits[0][1:])
        ),
    )
    body = S.W(L)[j, m] * sp.factor_terms(out_delta / const)
    sign = -1 if body.could_extract_minus_sign() else 1  # -α ... Σ, never α ... -Σ
    inner = sp.Sum(sign * body, (m, 0, S.width(L) - 1))
    fprime = _hidden_fprime(d)
    return Factors(
        (Factor(S.eta, "lr"), *fprime, Factor(inner, "backsum"), Factor(S.O(L - 2)[i], "input")),
        sign,
    )


def output_ratio(d: Derivation) -> tuple[sp.Expr, sp.Expr, bool]:
    """``(c, r, one_hot)`` with ``δ_k = c (t_k - o_k) r_k``: c the number the book
    drops (2 for its squared error), r what else multiplies the output error
    (o(1 - o) for sigmoid, f'(net_k) for relu, 1/K for a mean), computed from
    the derivation's δ_k.  A softmax δ_k = t_k - o_k Σt holds with Σt = 1 only:
    ``one_hot`` says that assumption was made."""
    L = d.depth
    k = S.index(L)
    value = d.delta(L).value
    one_hot = value.has(sp.Sum)
    if one_hot:  # one-hot targets: Σ_m t_m = 1
        value = value.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.S.One)
    ratio = sp.cancel(value / (S.d[k] - S.O(L)[k]))
    if ratio.has(S.d):
        raise ValueError(f"the output error does not factor out of {value}")
    # written with the output form of f'(net_k) where the derivation has one (o(1 - o))
    shown = [f.expr for f in d.delta(L).shown.factors if f.role == "fprime"]
    fprime = (
        shown[0]
        if shown
        else rewrite_in_outputs(S.fprime(L, S.net(L)[k]), L, d.network.activations[-1])
    )
    rest = sp.cancel(ratio / fprime)
    if rest.has(S.O(L)) or rest.has(S.net(L)):
        rest, fprime = ratio, sp.S.One
    c, q = rest.as_coeff_Mul()
    return abs(c), sp.sign(c) * q * fprime, one_hot


def hidden_rule_values(d: Derivation) -> tuple[sp.Expr, sp.Expr]:
    """(book rule, exact update) for ΔW_ij, in index form, for checks."""
    L = d.depth
    j = S.index(L - 1)
    m = S.index(L)
    e_hidden = sp.Sum(S.W(L)[j, m] * S.e(L)[m], (m, 0, S.width(L) - 1))
    book = _book_rule(d).expr.xreplace({S.e(L - 1)[j]: e_hidden})
    const, _ = _without_const(_expanded(d.gradient(S.W(L)).shown, d))
    book = book.replace(
        lambda x: isinstance(x, sp.Indexed) and x.base == S.e(L),
        lambda x: d.output_error.xreplace({S.index(L): x.indices[0]}) / const,
    )
    return book, _exact_rule(d, const).expr

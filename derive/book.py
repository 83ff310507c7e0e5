"""The book's formulation (notes 000-002), computed from the exact derivation.

T. Rashid's *Make Your Own Neural Network* uses ``E = Σ (t - o)^2``, drops
the factor 2 the power rule brings, and back-propagates the output *error*
``e_k = t_k - o_k`` through the weights (``e_hidden = W_hoᵀ e_o``) instead of
``δ_k = e_k f'(net_k)``.  Each equation here is built by transforming the
exact results, so the tool shows the book's rule next to the gradient it
approximates, and a test shows the two differ.
"""

from __future__ import annotations

import sympy as sp

from . import symbols as S
from .derivation import Derivation
from .display import Equation, Factor, Factors
from .matrix import MatVec, Vec, outer


def _expanded(form: Factors, d: Derivation) -> Factors:
    """A gradient with δ of the output layer written out (``-2(t-o)o(1-o)o_j``)."""
    (out,) = [e for e in d.equations if e.key == f"delta{d.depth}"]
    return form.replace_role("delta", out.rhs[-1])


def _without_const(form: Factors) -> tuple[sp.Expr, Factors]:
    const = sp.Mul(*(f.expr for f in form.factors if f.role == "const"))
    return const, Factors(tuple(f for f in form.factors if f.role != "const"), form.sign)


def equations(d: Derivation) -> tuple[Equation, ...]:
    """The book's equations for a two-layer network, in our index form."""
    L = d.depth
    j, k = S.index(L - 1), S.index(L)
    grad = d.equation(f"grad_W{L}")
    full = _expanded(grad.rhs[0], d)
    const, dropped = _without_const(full)
    out: list[Equation] = [Equation("grad_W2", grad.lhs, (full,))]
    if const != 1:
        out.append(
            Equation("grad_W2_dropped", grad.lhs / const, (dropped,), note="dropped_constant")
        )
    update = dropped.negated().times(Factor(S.eta, "lr"))
    out.append(Equation("update_W2", S.Delta("W", L)[j, k], (update,), note="book_update"))

    # the matrix update with the output error written E_k
    error_vec = Factors(
        tuple(Factor(S.e(L)[k], "error") if f.role == "error" else f for f in update.factors),
        update.sign,
    )
    out.append(
        Equation("matrix_book", S.Delta("W", L), (outer(error_vec, j, k),), note="book_matrix")
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
    hidden = d.equation(f"delta{L - 1}").rhs[-1]
    fprime = [f for f in hidden.factors if f.role == "fprime"]
    book_rule = Factors(
        (
            Factor(S.eta, "lr"),
            Factor(S.e(L - 1)[j], "error"),
            *fprime,
            Factor(S.O(L - 2)[i], "input"),
        )
    )
    out.append(
        Equation(
            "book_hidden",
            S.Delta("W", L - 1)[i, j],
            (book_rule,),
            kind="approximation",
            note="approximation",
            rel=r"\approx",
        )
    )
    out.append(Equation("book_hidden_e", S.e(L - 1)[j], (e_hidden,), kind="definition"))
    # exact: δ_k inside the sum keeps f'(net_k); the constant is dropped as above
    out_delta = d.equation(f"delta{L}").rhs[-1].expr.xreplace({S.index(L): m})
    inner = sp.Sum(S.W(L)[j, m] * out_delta / const, (m, 0, S.width(L) - 1))
    exact = Factors(
        (Factor(S.eta, "lr"), *fprime, Factor(inner, "backsum"), Factor(S.O(L - 2)[i], "input"))
    )
    out.append(Equation("grad_W1_exact", S.Delta("W", L - 1)[i, j], (exact,), note="exact"))
    return tuple(out)


def hidden_rule_values(d: Derivation) -> tuple[sp.Expr, sp.Expr]:
    """(book rule, exact update) for ΔW_ij, in index form, for checks."""
    eqs = {e.key: e for e in equations(d)}
    L = d.depth
    j = S.index(L - 1)
    m = S.index(L)
    book = (
        eqs["book_hidden"]
        .rhs[0]
        .expr.xreplace({S.e(L - 1)[j]: sp.Sum(S.W(L)[j, m] * S.e(L)[m], (m, 0, S.width(L) - 1))})
    )
    const, _ = _without_const(_expanded(d.equation(f"grad_W{L}").rhs[0], d))
    book = book.replace(
        lambda x: isinstance(x, sp.Indexed) and x.base == S.e(L),
        lambda x: d.output_error.xreplace({S.index(L): x.indices[0]}) / const,
    )
    return book, eqs["grad_W1_exact"].rhs[0].expr

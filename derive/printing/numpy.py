"""NumPy code for a batch of samples: a subclass of SymPy's ``NumPyPrinter``.

Arrays hold one sample per row, so an index-form quantity such as ``O_j``
(``O1[i1]``) prints as the array ``O_j`` of shape (n, J) and elementwise
products broadcast.  The matrix nodes of :mod:`derive.matrix` print as
matrix products: ``Σ_m W_{pm} δ_m`` is ``delta_k @ w.T`` for row vectors.

Names come from the ``names`` setting (internal ``IndexedBase`` -> code
name), so the code reads ``O_j``, ``net_k``, ``delta_k``, ``eta`` like the
notes.  Products and powers are spaced as ``ruff format`` spaces them.

Numerical stability is a printing rule, not a template edit: ``1/(1 + e^{-a})``
prints as ``expit(a)`` and ``log(1 + e^{a})`` as ``np.logaddexp(0, a)``, so a
sigmoid never overflows, whichever way it reached the expression.

``strict`` is on: anything the printer cannot print raises at generation
time, never when the generated code runs.  The modules a printed expression
needs are recorded (``module_imports``) and :meth:`imports` turns them into
import lines.

With the ``namespace`` setting (``"xp"``), every function prints as an
attribute of that namespace under its array API name (``xp.exp``,
``xp.atan``, ``xp.expit``) and :attr:`namespace_names` records, for each
name, the NumPy or SciPy function that implements it: the generated module
builds its fast NumPy namespace from that table, and fills in the names the
array API standard lacks (:data:`NOT_IN_ARRAY_API`) for other libraries.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE, precedence

from .. import symbols as S
from ..errors import InputError
from ..matrix import Hadamard, MatVec, Outer, Vec

_ALIASES = {"numpy": "np"}
"""Modules imported under a short name (``import numpy as np``)."""

_ARRAY_API_NAMES = {
    "arctan": "atan",
    "arcsin": "asin",
    "arccos": "acos",
    "arctanh": "atanh",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctan2": "atan2",
    "power": "pow",
}
"""NumPy names that the array API standard spells differently."""

NOT_IN_ARRAY_API = ("expit", "heaviside", "logsumexp")
"""Names the namespace mode may print that the standard lacks; generated
modules write them portably (``erf`` has no portable form and is left out)."""


class NumPyCodePrinter(NumPyPrinter):
    """Prints derivation results as vectorized NumPy over rows of samples."""

    printmethod = "_numpycode"
    _default_settings = {
        **NumPyPrinter._default_settings,
        "strict": True,
        # IndexedBase -> the name of its array in code (``O1`` -> ``O_j``)
        "names": {},
        # Symbol -> code text (``eta``; a layer width such as ``O_k.shape[-1]``)
        "scalar_names": {},
        # True: a sum over a layer's nodes also sums over the samples (the loss)
        "total_sums": False,
        # a name such as "xp": functions print as its attributes (array API names)
        "namespace": None,
    }

    def __init__(self, settings: dict | None = None) -> None:
        super().__init__(settings)
        self._clamp_exp = 0
        """> 0 inside max/min/heaviside: there e^{a} is compared or masked, so its
        argument is clamped at EXP_MAX (e^{800} - 1 in min(0, ...) is 0, not inf)."""
        self.namespace_names: dict[str, str] = {}
        """array API name -> the NumPy/SciPy function (``"atan": "np.arctan"``)."""

    def code(self, obj: object) -> str:
        """Code for a SymPy expression or a matrix node; fails on anything unprintable."""
        self._not_supported = set()
        obj = sp.sympify(obj) if isinstance(obj, (int, float)) else obj
        if isinstance(obj, sp.Expr):
            obj = stable_form(obj)
        text = self._print(obj)
        if self._not_supported:
            unprintable = ", ".join(sorted(str(e) for e in self._not_supported))
            raise PrintingError(f"no NumPy code for {unprintable}")
        return text

    # -- names and imports -----------------------------------------------------

    def function(self, fqn: str) -> str:
        """Code for the NumPy/SciPy function ``fqn`` (``"numpy.sum"``), recorded like
        every function the printer prints (imports; the namespace table)."""
        return self._module_format(fqn)

    def _module_format(self, fqn: str, register: bool = True) -> str:
        # SymPy's hook: its printers call it for every function they print
        parent, _, name = fqn.rpartition(".")
        if register:
            self.module_imports[parent].add(name)
        local = f"{_ALIASES[parent]}.{name}" if parent in _ALIASES else name
        namespace = self._settings["namespace"]
        if namespace is None:
            return local  # imported by name: ``from scipy.special import expit``
        api = _ARRAY_API_NAMES.get(name, name)
        if self.namespace_names.setdefault(api, local) != local:
            raise PrintingError(f"two functions named {api}: {self.namespace_names[api]}, {local}")
        return f"{namespace}.{api}"

    def imports(self) -> list[str]:
        """The import lines for everything printed so far, sorted (isort order)."""
        lines = []
        for module in sorted(self.module_imports):
            if module in _ALIASES:
                lines.append(f"import {module} as {_ALIASES[module]}")
        for module in sorted(self.module_imports):
            if module not in _ALIASES:
                names = ", ".join(sorted(self.module_imports[module]))
                lines.append(f"from {module} import {names}")
        return lines

    def _name(self, key: object) -> str:
        names = self._settings["names"]
        if key not in names:
            raise PrintingError(f"no code name for {key}")
        return names[key]

    def _print_IndexedBase(self, expr: sp.IndexedBase) -> str:
        return self._name(expr)

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        # a row of a batch: the index runs along the last axis
        return self._name(expr.base)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        scalars = self._settings["scalar_names"]
        if expr in scalars:
            return scalars[expr]
        if expr in self._settings["names"]:
            return self._name(expr)
        raise PrintingError(f"no code name for the symbol {expr}")

    # -- arithmetic, spaced as ruff format spaces it ---------------------------

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        """Terms with a plus sign first, as the notes write ``d_k - O_k``."""
        terms = sorted(self._as_ordered_terms(expr, order=order), key=_negative)
        out = ""
        for n, term in enumerate(terms):
            if _negative(term):
                out += " - " if n else "-"
                term = -term
            elif n:
                out += " + "
            out += self.parenthesize(term, PRECEDENCE["Add"], strict=n > 0 and _negative(terms[n]))
        return out

    def _print_Mul(self, expr: sp.Mul) -> str:
        if not self._clamp_exp and expr.has(sp.Heaviside):
            return self._clamped(self._print_Mul, expr)  # e^{a} H(1 - e^{a}): 0, never inf * 0
        coeff, rest = expr.as_coeff_Mul()
        if coeff < 0:  # -a * b is (-a) * b in Python: no parentheses needed
            return "-" + self._print_Mul_positive(-coeff, rest)
        return self._print_Mul_positive(coeff, rest)

    def _print_Mul_positive(self, coeff: sp.Expr, rest: sp.Expr) -> str:
        num, den = [], []
        if coeff != 1:
            if coeff.is_Rational and coeff.q != 1:
                if coeff.p != 1:
                    num.append(sp.Integer(coeff.p))
                den.append(sp.Integer(coeff.q))
            else:
                num.append(coeff)
        for factor in sorted(sp.Mul.make_args(rest), key=_factor_rank):
            if _sigmoid_arg(factor) is not None or _sigmoid_power(factor) is not None:
                num.append(factor)  # 1/(1 + e^{-a}) prints as expit(a), its powers too
            elif factor.is_Pow and factor.exp.is_Rational and factor.exp.is_negative:
                den.append(factor.base ** (-factor.exp))
            else:
                num.append(factor)
        prec = PRECEDENCE["Mul"]
        top = " * ".join(self.parenthesize(f, prec, strict=False) for f in num) or "1"
        if not den:
            return top
        if len(den) == 1:
            bottom = self.parenthesize(den[0], prec, strict=True)
        else:
            bottom = "(" + " * ".join(self.parenthesize(f, prec, strict=False) for f in den) + ")"
        return f"{top} / {bottom}"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.base, expr.exp
        sig = _sigmoid_arg(expr)
        if sig is not None:
            return f"{self._module_format('scipy.special.expit')}({self._print(sig)})"
        sig_power = _sigmoid_power(expr)
        if sig_power is not None:  # (1 + e^{-a})^{-n} = expit(a)^n: no overflow
            a, n = sig_power
            return f"{self._module_format('scipy.special.expit')}({self._print(a)}) ** {n}"
        if exp == sp.Rational(1, 2):
            return f"{self._module_format('numpy.sqrt')}({self._print(base)})"
        if exp.is_Rational and exp.is_negative:
            return self._print_Mul(sp.Mul(1, expr, evaluate=False))
        b = self.parenthesize(base, PRECEDENCE["Pow"], strict=True)
        e = self.parenthesize(exp, PRECEDENCE["Pow"], strict=True)
        return f"{b}**{e}" if _simple(b) and _simple(e) else f"{b} ** {e}"

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"{expr.p} / {expr.q}"

    def _print_Half(self, expr: sp.Rational) -> str:
        return self._print_Rational(expr)

    # -- functions -------------------------------------------------------------

    def _print_log(self, expr: sp.log) -> str:
        (arg,) = expr.args
        soft = _softplus_arg(arg)
        if soft is not None:  # log(1 + e^a) without overflow
            return f"{self._module_format('numpy.logaddexp')}(0, {self._print(soft)})"
        lse = _logsumexp_arg(arg)
        if lse is not None:  # log Σ_m e^{net_m} without overflow, per sample
            fn = self._module_format("scipy.special.logsumexp")
            return f"{fn}({self._print(lse)}, axis=-1, keepdims=True)"
        return f"{self._module_format('numpy.log')}({self._print(arg)})"

    def _print_exp(self, expr: sp.exp) -> str:
        arg = self._print(expr.args[0])
        if self._clamp_exp:
            arg = f"{self._module_format('numpy.minimum')}({arg}, {EXP_MAX})"
        return f"{self._module_format('numpy.exp')}({arg})"

    def _clamped(self, fn, *args):
        self._clamp_exp += 1
        try:
            return fn(*args)
        finally:
            self._clamp_exp -= 1

    def _print_erf(self, expr: sp.erf) -> str:
        """SciPy's erf works on arrays (``math.erf`` takes one float)."""
        return f"{self._module_format('scipy.special.erf')}({self._print(expr.args[0])})"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"{self._module_format('numpy.abs')}({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        return self._clamped(self._heaviside, expr)

    def _heaviside(self, expr: sp.Heaviside) -> str:
        arg = expr.args[0]
        h0 = expr.args[1] if len(expr.args) > 1 else sp.Rational(1, 2)
        return f"{self._module_format('numpy.heaviside')}({self._print(arg)}, {float(h0)!r})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        """Nested ``np.where``; constant branches take the dtype of their argument."""
        *pairs, (last, cond) = expr.args
        if cond != sp.true:
            raise PrintingError(f"Piecewise without an otherwise branch: {expr}")
        arrays = sorted(expr.atoms(sp.Indexed), key=str)
        constant = bool(arrays) and all(v.is_number for v, _ in expr.args)
        namespace = self._settings["namespace"] is not None
        out = self._print(last)
        if constant and namespace:
            # the standard's where() wants an array on one side: the otherwise
            # branch is a full array of the argument's dtype (and device)
            out = f"{self._module_format('numpy.full_like')}({self._print(arrays[0])}, {out})"
        for value, cond in reversed(pairs):
            out = (
                f"{self._module_format('numpy.where')}("
                f"{self._print(cond)}, {self._print(value)}, {out})"
            )
        if constant and not namespace:
            out = f"{out}.astype({self._print(arrays[0])}.dtype)"
        return out

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        ops = {">": ">", "<": "<", ">=": ">=", "<=": "<=", "==": "==", "!=": "!="}
        if expr.rel_op not in ops:
            return super()._print_Relational(expr)
        prec = precedence(expr)
        lhs = self.parenthesize(expr.lhs, prec, strict=False)
        rhs = self.parenthesize(expr.rhs, prec, strict=False)
        return f"{lhs} {ops[expr.rel_op]} {rhs}"

    def _print_Max(self, expr: sp.Max) -> str:
        return self._clamped(self._fold, "numpy.maximum", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._clamped(self._fold, "numpy.minimum", expr.args)

    def _fold(self, fn: str, args: tuple) -> str:
        name = self._module_format(fn)
        # arrays first so that the result has the array's dtype and shape
        ordered = sorted(args, key=lambda a: a.is_number)
        out = self._print(ordered[0])
        for arg in ordered[1:]:
            out = f"{name}({out}, {self._print(arg)})"
        return out

    def _print_Sum(self, expr: sp.Sum) -> str:
        """A sum over the nodes of a layer (no weight in it): a row sum."""
        ((dummy, _, _),) = expr.limits
        if any(S.kind_of(w.base) == "W" for w in expr.atoms(sp.Indexed)):
            raise PrintingError(f"a weighted sum prints through matrix.vector: {expr}")
        body = self._print(expr.function)
        if self._settings["total_sums"]:
            return f"{self._module_format('numpy.sum')}({body})"
        return f"{self._module_format('numpy.sum')}({body}, axis=-1, keepdims=True)"

    def _print_Function(self, expr: sp.Function) -> str:
        raise PrintingError(f"no NumPy code for the function {expr.func}")

    # -- matrix nodes (rows are samples) ----------------------------------------

    def _print_Vec(self, node: Vec) -> str:
        return self._print(node.expr)

    def _print_MatVec(self, node: MatVec) -> str:
        inner = self._print(node.vec)
        if not _simple(inner):
            inner = f"({inner})"
        weight = self._name(node.weight)
        # Σ_m W_{pm} u_m over rows u: u @ W.T;  Σ_m W_{mp} u_m: u @ W
        return f"{inner} @ {weight}.T" if not node.transpose else f"{inner} @ {weight}"

    def _print_Hadamard(self, node: Hadamard) -> str:
        parts = []
        for part in node.parts:
            text = self._print(part)
            if isinstance(part, MatVec) or (
                isinstance(part, Vec) and isinstance(part.expr, sp.Add)
            ):
                text = f"({text})"
            parts.append(text)
        return " * ".join(parts)

    def _print_Outer(self, node: Outer) -> str:
        """``scale · col rowᵀ`` summed over the rows of a batch: ``col.T @ row``."""
        col, row = self._print(node.col), self._print(node.row)
        col = col if _simple(col) else f"({col})"
        row = row if _simple(row) else f"({row})"
        body = f"{col}.T @ {row}"
        if node.scale == 1:
            return body
        if node.scale == -1:
            return f"-({body})"
        return f"{self.parenthesize(node.scale, PRECEDENCE['Mul'])} * ({body})"


EXP_MAX = 709.0
"""The largest argument of e^{a} in float64 (e^{709.78} overflows)."""


def stable_form(expr: sp.Expr) -> sp.Expr:
    """``e^{u}`` next to ``(1 + e^{u})^{-n}`` rewritten in ``s = 1/(1 + e^{u})``
    (``e^{u} = (1 - s)/s``) when that leaves a polynomial in s: swish's slope
    ``e^{-x}/(1 + e^{-x})^2`` becomes ``s(1 - s)``, finite at |x| = 1000, where
    the first form is inf/inf.  ``s`` prints as ``expit(-u)``."""
    for power in sorted(expr.atoms(sp.Pow), key=sp.default_sort_key):
        if not (power.exp.is_Integer and power.exp < 0):
            continue
        u = _softplus_arg(power.base)
        if u is None or not expr.has(power):
            continue
        s = sp.Dummy("s", positive=True)
        e = sp.exp(u)
        rewritten = sp.cancel(expr.xreplace({e: (1 - s) / s}))
        if rewritten.has(e) or sp.fraction(rewritten)[1].has(s):
            continue
        expr = rewritten.xreplace({s: 1 / (1 + e)})
    return expr


class PrintingError(InputError):
    """Something the NumPy printer cannot print (raised at generation time)."""


def _negative(term: sp.Expr) -> bool:
    return term.could_extract_minus_sign()


def _factor_rank(factor: sp.Expr) -> int:
    """Order in a product as the notes write it: the error ``(d - O)`` first,
    then single quantities, then other sums (``O_j (1 - O_j)``)."""
    if isinstance(factor, sp.Add):
        has_target = any(S.kind_of(a.base) == "d" for a in factor.atoms(sp.Indexed))
        return 0 if has_target else 2
    return 1


def _simple(text: str) -> bool:
    """An operand ruff's formatter hugs in ``a**b``: a name, number or attribute."""
    body = text[1:] if text.startswith("-") else text
    return bool(body) and all(part.isidentifier() or part.isdigit() for part in body.split("."))


def _sigmoid_arg(expr: sp.Expr) -> sp.Expr | None:
    """``a`` when ``expr`` is ``1/(1 + exp(-a))``, else None."""
    if not (expr.is_Pow and expr.exp == -1 and isinstance(expr.base, sp.Add)):
        return None
    terms = expr.base.args
    if len(terms) == 2 and sp.S.One in terms:
        (other,) = [t for t in terms if t != 1]
        if isinstance(other, sp.exp):
            return -other.args[0]
    return None


def _sigmoid_power(expr: sp.Expr) -> tuple[sp.Expr, int] | None:
    """``(a, n)`` when ``expr`` is ``(1 + e^{-a})^{-n}`` with n >= 2, else None."""
    if not (expr.is_Pow and expr.exp.is_Integer and expr.exp < -1):
        return None
    u = _softplus_arg(expr.base)
    return None if u is None else (-u, int(-expr.exp))


def _softplus_arg(arg: sp.Expr) -> sp.Expr | None:
    """``a`` when ``arg`` is ``1 + exp(a)``, else None."""
    if isinstance(arg, sp.Add) and len(arg.args) == 2 and sp.S.One in arg.args:
        (other,) = [t for t in arg.args if t != 1]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _logsumexp_arg(arg: sp.Expr) -> sp.Expr | None:
    """``net`` when ``arg`` is ``Σ_m exp(net_m)`` over a layer, else None."""
    if isinstance(arg, sp.Sum) and isinstance(arg.function, sp.exp):
        inner = arg.function.args[0]
        if isinstance(inner, sp.Indexed):
            return inner
    return None


def printer(names: dict, scalar_names: dict | None = None, **settings) -> NumPyCodePrinter:
    """A printer that names the quantities of one network."""
    return NumPyCodePrinter({"names": names, "scalar_names": scalar_names or {}, **settings})

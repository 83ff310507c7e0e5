"""What one generated module is: activations, loss, widths, biases (:class:`Combo`).

A user's activation expression never reaches a module as typed: :func:`canonical`
parses it through the whitelist of :mod:`derive.expressions` and prints it again
from the parsed SymPy expression, so a comment, a quote or a newline in the
text cannot end up in the module's header, docstring or constants.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import sympy as sp
from sympy.printing.str import StrPrinter

from ..expressions import ExpressionError, parse_expression
from ..functions import ACTIVATIONS
from ..network import Network, build, split_top_level

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity")
"""The table's activations offered for hidden layers (and outputs)."""
OUTPUT_ACTIVATIONS = HIDDEN_ACTIVATIONS + ("softmax",)
LOSSES = ("sse", "sum_sq", "mse", "bce", "ce")

TEMPLATE = "numpy/module.py.j2"
"""The one template every module is rendered from."""


class _WhitelistPrinter(StrPrinter):
    """SymPy's str printer, spelled in the expression whitelist (``abs``, ``max``, ``e``)."""

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Max(self, expr: sp.Max) -> str:
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr: sp.Min) -> str:
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "e"


def canonical(activation: str) -> str:
    """A table name as it is; an expression printed again from its parsed form.

    ``"x # comment"`` -> ``"x"``; ``"x/(1+abs(x))"`` -> ``"x/(abs(x) + 1)"``.
    Raises :class:`~derive.expressions.ExpressionError` for text outside the
    whitelist and for an expression that is not finite (``x/0``).
    """
    if activation in ACTIVATIONS:
        return activation
    expr = parse_expression(activation)
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise ExpressionError(
            f"activation '{_printable(activation)}' is not finite ({sp.sstr(expr)}); "
            "give an expression in x such as 'x/(1+abs(x))'"
        )
    text = _WhitelistPrinter().doprint(expr)
    if text.isidentifier():  # ``x``: a bare name would be read as a table row
        text = f"({text})"
    if parse_expression(text) != expr:  # the printed form must read back the same
        raise ExpressionError(f"activation '{_printable(activation)}' cannot be printed back")
    return text


def _printable(text: str) -> str:
    """``text`` with control characters escaped, cut to 60 characters (for messages)."""
    out = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return out if len(out) <= 60 else out[:57] + "..."


@dataclass(frozen=True)
class Combo:
    """One generated module: activations, loss, and (deep modules) widths and biases.

    Without ``layers`` and ``bias`` it is note 004's two-layer network (weights
    ``v, w``, updated in place); with either it is a network of
    ``len(layers) - 1`` weight layers (``W1, b1, W2, ...``, ``update`` returns
    them).  ``activation`` names the hidden layers' activation, or one per
    hidden layer separated by commas; ``output_activation`` the output layer's.
    """

    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    loss: str = "sse"
    layers: tuple[int, ...] = ()
    bias: bool = False

    @property
    def deep(self) -> bool:
        """True for the general module (``W1, b1, ...``), False for the notes' ``v, w``."""
        return bool(self.layers) or self.bias

    @property
    def widths(self) -> tuple[int, ...]:
        return self.layers or (3, 4, 2)

    @property
    def activations(self) -> tuple[str, ...]:
        """One activation per weight layer, output last."""
        hidden = split_top_level(self.activation)
        if len(hidden) == 1:
            hidden = hidden * (len(self.widths) - 2)
        return (*hidden, self.output_activation)

    @property
    def template(self) -> str:
        return TEMPLATE

    def canonical(self) -> Combo:
        """The same module with every activation printed from its parsed form."""
        hidden = ",".join(canonical(a) for a in split_top_level(self.activation))
        return replace(self, activation=hidden, output_activation=canonical(self.output_activation))

    @property
    def filename(self) -> str:
        acts = _activations_slug(self.activations)
        size = "x".join(str(w) for w in self.layers)
        parts = [acts, self.loss] + ([size] if size else []) + (["bias"] if self.bias else [])
        return "_".join(parts) + ".py"

    @property
    def command(self) -> str:
        out = ["python -m derive codegen"]
        acts = self.activations
        hidden = acts[:-1]
        if len(set(acts)) == 1:
            out.append(f"-a {_quote(acts[0])}")
        elif len(set(hidden)) <= 1:
            out += [f"-a {_quote(hidden[0] if hidden else acts[-1])}", f"-o {_quote(acts[-1])}"]
        else:
            out.append(f"-a {_quote(','.join(acts))}")
        out.append(f"-l {self.loss}")
        if self.layers:
            out.append(f"--layers {','.join(str(w) for w in self.layers)}")
        if self.bias:
            out.append("--bias")
        return " ".join(out)

    def network(self) -> Network:
        return build(self.widths, self.activations, None, self.loss, bias=self.bias)


COMMITTED: tuple[Combo, ...] = (
    Combo("sigmoid", "sigmoid", "sse"),  # note 004's network
    Combo("tanh", "tanh", "sse"),
    Combo("relu", "identity", "mse"),  # regression
    Combo("sigmoid", "sigmoid", "bce"),  # multi-label classification
    Combo("relu", "softmax", "ce"),  # classification
    Combo("sigmoid", "sigmoid", "sse", (784, 256, 128, 10), bias=True),  # deep, with biases
)
"""The modules kept in ``generated/``, regenerated by ``python -m derive codegen``."""


def _activations_slug(acts: tuple[str, ...]) -> str:
    """``sigmoid`` (all alike), ``relu_softmax`` (hidden alike), else every layer's."""
    if len(set(acts)) == 1:
        return _slug(acts[0])
    if len(set(acts[:-1])) == 1:
        return f"{_slug(acts[0])}_{_slug(acts[-1])}"
    return "_".join(_slug(a) for a in acts)


def _slug(activation: str) -> str:
    """A file-name part: the table's name, or ``expr`` and a hash for an expression."""
    if activation.isidentifier():
        return activation
    return "expr" + hashlib.sha256(activation.encode()).hexdigest()[:8]


def _quote(text: str) -> str:
    """A shell word: canonical expressions hold no quote, backslash or newline."""
    return text if text.replace("_", "").isalnum() else f'"{text}"'

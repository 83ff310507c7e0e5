"""A network as data: widths, one activation per weight layer, a loss."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BudgetError, InputError
from .functions import ACTIVATIONS, LOSSES, Activation, Loss


class NetworkError(InputError):
    """A network that cannot be built; the message names the valid choices."""


@dataclass(frozen=True)
class Network:
    widths: tuple[int, ...] = (3, 4, 2)
    """Nodes per layer, input first.  The derivation never reads them: they
    size generated code and numeric checks."""
    activations: tuple[Activation, ...] = (ACTIVATIONS["sigmoid"], ACTIVATIONS["sigmoid"])
    loss: Loss = LOSSES["sse"]
    bias: bool = False
    scalar_output: bool = False
    """One output node written without an index (note 003's ``y``)."""
    weight_decay: bool = False
    """The objective adds (λ/2) Σ w² over every weight (not the biases): Goodfellow's
    J = L + λΩ, CS231n's ``0.5 * reg * np.sum(W * W)``."""
    batch_mean: bool = False
    """The objective is the loss's mean over a batch of N examples, (1/N) Σ_n E_n
    (CS231n's ``data_loss = np.sum(corect_logprobs) / num_examples``): each example's
    loss enters with 1/N, and so does every error term."""

    def __post_init__(self) -> None:
        if len(self.widths) < 2:
            raise NetworkError("a network needs at least two layers (input and output)")
        if len(self.activations) != self.depth:
            raise NetworkError(
                f"{len(self.activations)} activations for {self.depth} weight layers"
            )
        for act in self.activations[:-1]:
            if act.output_only:
                raise NetworkError(f"activation '{act.name}' is for the output layer only")
        out = self.activations[-1]
        if self.loss.needs == "softmax" and out.name != "softmax":
            raise NetworkError(f"loss '{self.loss.name}' needs a softmax output, not '{out.name}'")
        if self.loss.needs == "unit_interval" and not out.unit_interval:
            raise NetworkError(
                f"loss '{self.loss.name}' needs outputs in (0, 1) "
                f"(sigmoid or softmax), not '{out.name}'"
            )
        if out.name == "softmax" and self.loss.name not in ("ce",):
            raise NetworkError("a softmax output goes with loss 'ce' only")
        if out.name == "softmax" and self.widths[-1] == 1:
            raise NetworkError(
                "a softmax over one output is the constant 1 (its gradient is 0): give more "
                "than one output, or use --output-activation sigmoid with --loss bce"
            )

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return len(self.widths) - 1

    @property
    def structure(self) -> tuple:
        """Everything the derivation depends on (not the widths)."""
        return (
            self.activations,
            self.loss,
            self.bias,
            self.scalar_output,
            self.weight_decay,
            self.batch_mean,
        )


def build(
    widths: tuple[int, ...] | None = None,
    activation: str | Activation | tuple = "sigmoid",
    output_activation: str | Activation | None = None,
    loss: str = "sse",
    bias: bool = False,
    scalar_output: bool = False,
    weight_decay: bool = False,
    batch_mean: bool = False,
) -> Network:
    """A :class:`Network` from names; unknown names raise :class:`NetworkError`.

    ``widths`` default to the notes' 3, 4, 2 (3, 4, 1 with one output node); a
    notation with one output node (``scalar_output``) refuses widths that end in more."""
    if widths is None:
        widths = (3, 4, 1) if scalar_output else (3, 4, 2)
    elif scalar_output and widths[-1] != 1:
        raise NetworkError(
            f"this notation writes one output node (y), so --layers must end in 1, "
            f"not {widths[-1]} (e.g. {','.join(map(str, widths[:-1]))},1)"
        )
    depth = len(widths) - 1
    if isinstance(activation, str) and "," in activation:
        activation = tuple(split_top_level(activation))
    acts = list(activation) if isinstance(activation, tuple | list) else [activation] * depth
    if len(acts) == 1:
        acts = acts * depth
    if len(acts) != depth:
        raise NetworkError(f"{len(acts)} activations given for {depth} weight layers")
    if output_activation is not None:
        acts[-1] = output_activation
    rows = tuple(lookup_activation(a) for a in acts)
    if loss not in LOSSES:
        raise NetworkError(f"unknown loss '{loss}'; choose from {', '.join(LOSSES)}")
    return Network(tuple(widths), rows, LOSSES[loss], bias, scalar_output, weight_decay, batch_mean)


def split_top_level(text: str) -> list[str]:
    """``"sigmoid,max(0,x)"`` -> ``["sigmoid", "max(0,x)"]``: commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return parts


MAX_DEPTH = 32
"""Weight layers; the derivation grows linearly with depth (32: about 3 s)."""
MAX_WIDTH = 1_000_000
"""Nodes in one layer."""


MAX_CODEGEN_DEPTH = 14
"""Weight layers of a generated module: one index letter each (O_i, O_j, ...)."""


def parse_layers(text: str, max_depth: int = MAX_DEPTH) -> tuple[int, ...]:
    """``"784,100,10"`` -> widths; a one-line error for anything else.

    Depth and widths are checked here, before anything is derived."""
    parts = text.split(",")
    if len(parts) - 1 > max_depth:
        raise BudgetError(
            f"--layers gives {len(parts) - 1} weight layers; at most {max_depth} are supported"
        )
    if any(len(p.strip()) > 7 for p in parts):
        raise BudgetError(f"--layers: a layer wider than {MAX_WIDTH:,} nodes")
    try:
        widths = tuple(int(p) for p in parts)
    except ValueError:
        raise NetworkError(
            f"--layers wants comma-separated widths such as 784,100,10, not '{text}'"
        ) from None
    if len(widths) < 2 or min(widths) < 1:
        raise NetworkError(f"--layers needs at least two positive widths, not '{text}'")
    if max(widths) > MAX_WIDTH:
        raise BudgetError(f"--layers: a layer of {max(widths):,} nodes (at most {MAX_WIDTH:,})")
    return widths


def lookup_activation(name: str | Activation) -> Activation:
    if isinstance(name, Activation):
        return name
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]
    from .expressions import parse_activation

    return parse_activation(name)

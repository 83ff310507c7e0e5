"""The numbers of a worked example: a network's widths, inputs, targets and weights.

Read from a TOML file (``derive example --file``) or a ``[numbers]`` table, or
the built-in default.  In the file, ``W[l][p][q]`` is the weight from node p of
layer l (sending, the row) to node q of layer l+1 (receiving, the column), in
every notation.  Everything is checked here, before any derivation starts; a
problem raises :class:`~derive.errors.InputError` naming the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import BudgetError, FileError, InputError

KEYS = (
    "layers",
    "activation",
    "output_activation",
    "loss",
    "eta",
    "x",
    "d",
    "W",
    "b",
    "update_biases",
)
REQUIRED = ("layers", "x", "d", "W")
MAX_WIDTH = 12
"""A worked example prints every number: wider layers are no example."""
MAX_LAYERS = 6
MAX_BYTES = 1 << 20


class NumbersError(InputError):
    """A numbers file or table that cannot be used: the message names the key."""


@dataclass(frozen=True)
class Numbers:
    widths: tuple[int, ...]
    activation: str | tuple[str, ...]
    output_activation: str | None
    loss: str
    eta: float
    x: tuple[float, ...]
    d: tuple[float, ...]
    W: tuple[tuple[tuple[float, ...], ...], ...]
    """``W[l][p][q]``: weight layer l+1, sending node p, receiving node q."""
    b: tuple[tuple[float, ...], ...] | None
    """One tuple per weight layer, one number per receiving node; None: no biases."""
    update_biases: bool = False

    @property
    def depth(self) -> int:
        return len(self.widths) - 1


DEFAULT = {
    "layers": [2, 3, 2],
    "activation": "sigmoid",
    "loss": "sse",
    "eta": 0.3,
    "x": [0.6, 0.2],
    "d": [0.9, 0.1],
    "W": [
        [[0.1, -0.4, 0.3], [0.7, 0.2, -0.5]],
        [[0.2, -0.1], [0.6, 0.4], [-0.3, 0.8]],
    ],
    "b": [0.25, [0.1, -0.2]],
    "update_biases": False,
}
"""The issue's example network: 2-3-2, sigmoid, half the sum of squares."""


def read(path: Path) -> Numbers:
    """The numbers in a TOML file; one-line errors naming the file and key."""
    import tomllib

    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as err:
        raise FileError(f"cannot read {path}: {err.strerror or err}") from None
    if len(raw) > MAX_BYTES:
        raise BudgetError(f"{path}: a numbers file is at most {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NumbersError(f"{path}: not a UTF-8 text file") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise NumbersError(f"{path}: not valid TOML ({err})") from None
    return from_table(table, where=str(path))


def from_table(table: dict, where: str = "numbers") -> Numbers:
    """Check a table (parsed TOML) and make :class:`Numbers` of it."""
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise NumbersError(f"{where}: unknown key '{unknown[0]}'; the keys are {', '.join(KEYS)}")
    for key in REQUIRED:
        if key not in table:
            raise NumbersError(f"{where}: missing key '{key}'")
    widths = _widths(table["layers"], where)
    depth = len(widths) - 1
    x = _vector(table["x"], widths[0], f"{where}: x")
    d = _vector(table["d"], widths[-1], f"{where}: d")
    W = table["W"]
    if not isinstance(W, list) or len(W) != depth:
        raise NumbersError(f"{where}: W needs {depth} weight matrices (one per weight layer)")
    weights = []
    for n, matrix in enumerate(W):
        rows, cols = widths[n], widths[n + 1]
        name = f"{where}: W[{n}]"
        if not isinstance(matrix, list) or len(matrix) != rows:
            raise NumbersError(f"{name} needs {rows} rows (one per sending node) of {cols} numbers")
        weights.append(tuple(_vector(row, cols, f"{name}[{p}]") for p, row in enumerate(matrix)))
    b = table.get("b")
    biases = None
    if b is not None:
        if not isinstance(b, list) or len(b) != depth:
            raise NumbersError(
                f"{where}: b needs {depth} entries (one per weight layer), "
                "each one number or one per node"
            )
        biases = []
        for n, entry in enumerate(b):
            width = widths[n + 1]
            if isinstance(entry, list):
                biases.append(_vector(entry, width, f"{where}: b[{n}]"))
            else:
                biases.append((_number(entry, f"{where}: b[{n}]"),) * width)
        biases = tuple(biases)
    eta = _number(table.get("eta", 0.5), f"{where}: eta")
    if not eta > 0:
        raise NumbersError(f"{where}: eta must be positive, not {eta:g}")
    update_biases = table.get("update_biases", False)
    if not isinstance(update_biases, bool):
        raise NumbersError(f"{where}: update_biases must be true or false")
    activation = table.get("activation", "sigmoid")
    if isinstance(activation, list):
        if len(activation) != depth or not all(isinstance(a, str) for a in activation):
            raise NumbersError(
                f"{where}: activation is one name or a list of {depth} names (one per layer)"
            )
        activation = tuple(activation)
    elif not isinstance(activation, str):
        raise NumbersError(f"{where}: activation must be a name such as sigmoid")
    output = table.get("output_activation")
    if output is not None and not isinstance(output, str):
        raise NumbersError(f"{where}: output_activation must be a name such as identity")
    loss = table.get("loss", "sse")
    if not isinstance(loss, str):
        raise NumbersError(f"{where}: loss must be a name such as sse")
    return Numbers(
        widths, activation, output, loss, eta, x, d, tuple(weights), biases, update_biases
    )


def _widths(value, where: str) -> tuple[int, ...]:
    if (
        not isinstance(value, list)
        or len(value) < 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
    ):
        raise NumbersError(f"{where}: layers must list at least two positive widths, input first")
    if len(value) - 1 > MAX_LAYERS or max(value) > MAX_WIDTH:
        raise BudgetError(
            f"{where}: a worked example has at most {MAX_LAYERS} weight layers "
            f"of at most {MAX_WIDTH} nodes"
        )
    return tuple(value)


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NumbersError(f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise NumbersError(f"{name} is not finite ({number})")
    return number


def _vector(value, width: int, name: str) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != width:
        raise NumbersError(f"{name} needs {width} numbers")
    return tuple(_number(v, f"{name}[{n}]") for n, v in enumerate(value))

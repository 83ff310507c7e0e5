"""Training the generated network on handwritten digits: proof that the derived rule learns.

The exact rule is the module :mod:`derive.codegen` renders for the chosen
activation and loss, imported as it is (``update(x, d, v, w, eta)``); nothing
here re-implements the gradient.  The book's rule (T. Rashid, notes 000-002)
is the comparison: it back-propagates the output *error* ``e_k = d - O_k``
through the weights (``e_j = e_k @ w.T``) where the gradient has
``δ_k = e_k f'(net_k)``, so the output activation's derivative is missing
inside the hidden error.

Data as in the book: inputs scaled to [0.01, 1.0], targets 0.01 and 0.99.
scikit-learn's 8x8 digits (1797 images, shipped inside the package) are split
with ``train_test_split(test_size=0.25, stratify=y, random_state=seed)``; the
book's MNIST CSV (label, then 784 pixels, a line) can be read instead.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from .errors import InputError

LOW, HIGH = 0.01, 0.99
"""The book's target values (and the lower end of the scaled inputs)."""
CLASSES = 10
RULES = ("exact", "book")


class DataError(InputError):
    """A data file that cannot be read: the message names the file and line."""


@dataclass(frozen=True)
class Data:
    x_train: np.ndarray
    labels_train: np.ndarray
    x_test: np.ndarray
    labels_test: np.ndarray
    source: str

    @property
    def inputs(self) -> int:
        return self.x_train.shape[1]


def scale(pixels: np.ndarray, maximum: float) -> np.ndarray:
    """Pixels in [0, maximum] -> [0.01, 1.0], as the book scales MNIST."""
    return np.asarray(pixels, dtype=np.float64) / maximum * (1.0 - LOW) + LOW


def targets(labels: np.ndarray, classes: int = CLASSES) -> np.ndarray:
    """One row per label: 0.99 at the label, 0.01 elsewhere."""
    d = np.full((len(labels), classes), LOW)
    d[np.arange(len(labels)), labels] = HIGH
    return d


def split(x: np.ndarray, labels: np.ndarray, seed: int, source: str) -> Data:
    from sklearn.model_selection import train_test_split

    counts = np.bincount(labels)
    stratify = labels if counts[counts > 0].min() >= 2 else None
    x_train, x_test, y_train, y_test = train_test_split(
        x, labels, test_size=0.25, stratify=stratify, random_state=seed
    )
    return Data(
        np.ascontiguousarray(x_train), y_train, np.ascontiguousarray(x_test), y_test, source
    )


def digits(seed: int) -> Data:
    """scikit-learn's 8x8 digits (pixels 0..16), split 75/25 by class."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return split(
        scale(bunch.data, 16.0), bunch.target.astype(np.intp), seed, "scikit-learn digits (8x8)"
    )


def read_csv(path: Path, pixels: int = 784) -> tuple[np.ndarray, np.ndarray]:
    """The book's MNIST CSV: a label 0-9, then ``pixels`` values in 0..255, a line.

    Blank lines are skipped; any other bad line raises :class:`DataError` naming it.
    """
    rows, labels = [], []
    try:
        fh = open(path, encoding="utf-8")
    except OSError as err:
        raise DataError(f"cannot read {path}: {err.strerror}") from None
    with fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            fields = line.strip().split(",")
            where = f"{path}: line {number}"
            if len(fields) != pixels + 1:
                raise DataError(
                    f"{where}: expected a label and {pixels} pixel values "
                    f"({pixels + 1} comma-separated numbers), found {len(fields)}"
                )
            label = fields[0].strip()
            if label not in {str(n) for n in range(CLASSES)}:
                raise DataError(f"{where}: the label '{label}' is not a digit 0-9")
            try:
                values = np.array([float(v) for v in fields[1:]])
            except ValueError:
                bad = next(v for v in fields[1:] if not _is_number(v))
                raise DataError(
                    f"{where}: the pixel value '{bad.strip()}' is not a number"
                ) from None
            if not np.all((values >= 0) & (values <= 255)):
                bad = values[(values < 0) | (values > 255) | np.isnan(values)][0]
                raise DataError(f"{where}: the pixel value {bad:g} is outside 0..255")
            rows.append(values)
            labels.append(int(label))
    if len(rows) < 2:
        raise DataError(f"{path}: needs at least two samples, found {len(rows)}")
    return scale(np.array(rows), 255.0), np.array(labels, dtype=np.intp)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def mnist_csv(path: Path, seed: int) -> Data:
    x, labels = read_csv(path)
    return split(x, labels, seed, f"{path} (MNIST CSV)")


# -- the network ------------------------------------------------------------------


def generated_module(
    activation: str = "sigmoid", output_activation: str | None = None, loss: str = "sse"
) -> ModuleType:
    """The NumPy module :mod:`derive.codegen` renders for these options, imported.

    It is rendered into a temporary directory and imported from there, so the
    code that trains is exactly the code ``python -m derive codegen`` writes.
    """
    from . import codegen

    combo = codegen.Combo(activation, output_activation or activation, loss)
    text = codegen.render(combo)
    with tempfile.TemporaryDirectory(prefix="derive-train-") as tmp:
        path = Path(tmp) / combo.filename
        path.write_text(text, encoding="utf-8")
        name = f"derive_generated_{combo.filename[:-3]}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    module.COMBO = combo
    return module


def initial_weights(inputs: int, hidden: int, outputs: int, seed: int):
    """The book's start: normal weights with standard deviation 1/sqrt(inputs of the node)."""
    rng = np.random.default_rng(seed)
    v = rng.normal(0.0, inputs**-0.5, (inputs, hidden))
    w = rng.normal(0.0, hidden**-0.5, (hidden, outputs))
    return v, w


def book_update(module: ModuleType) -> Callable:
    """The book's rule for the module's network: ``e_j = (d - O_k) @ w.T``.

    ``δ_k = (d - O_k) f'(net_k)`` (as the gradient has for sse), but the hidden
    layer receives the raw output error, not δ_k.  f' comes from the table's
    activation, differentiated by SymPy.
    """
    import sympy as sp

    from .functions import x as _x

    acts = module.COMBO.network().activations
    if any(a.vector for a in acts):
        raise ValueError("the book's rule needs an elementwise output activation, not softmax")
    slopes = [sp.lambdify(_x, sp.diff(a.expr, _x), "numpy") for a in acts]
    hidden_slope, output_slope = slopes

    def update(x, d, v, w, eta):
        x, d = np.atleast_2d(x), np.atleast_2d(d)
        O_j, O_k = module.forward(x, v, w)
        e_k = d - O_k
        delta_k = e_k * output_slope(O_j @ w)
        e_j = e_k @ w.T  # the book's hidden error: no f'(net_k) inside
        delta_j = e_j * hidden_slope(x @ v)
        v += eta * (x.T @ delta_j)
        w += eta * (O_j.T @ delta_k)

    return update


# -- training ---------------------------------------------------------------------


@dataclass
class History:
    rule: str
    loss: list[float] = field(default_factory=list)
    """Mean training loss per sample after each epoch."""
    accuracy: list[float] = field(default_factory=list)
    """Test accuracy after each epoch."""
    seconds: list[float] = field(default_factory=list)
    """Time of each epoch's updates."""


def accuracy(module: ModuleType, x: np.ndarray, labels: np.ndarray, v, w) -> float:
    _, O_k = module.forward(x, v, w)
    return float(np.mean(np.argmax(O_k, axis=1) == labels))


def meanloss_of(module: ModuleType, x: np.ndarray, d: np.ndarray, v, w) -> float:
    E = module.loss(x, d, v, w)
    return E if module.COMBO.network().loss.mean else E / len(x)


def batches(n: int, size: int, rng: np.random.Generator) -> Iterable[np.ndarray]:
    order = rng.permutation(n)
    return [order[start : start + size] for start in range(0, n, size)]


def train(
    module: ModuleType,
    data: Data,
    *,
    hidden: int = 100,
    epochs: int = 10,
    eta: float = 0.1,
    batch: int = 1,
    seed: int = 0,
    rule: str = "exact",
    progress: Callable | None = None,
    report: Callable[[str], None] | None = None,
) -> History:
    """Stochastic gradient descent: ``batch`` samples a step, the step is eta times the
    batch's mean (batch 1 is the book's sample-by-sample training).

    ``progress(iterable, desc)`` wraps each epoch's batches (a tqdm bar);
    ``report(line)`` receives one line per epoch.  Same seed, same start and
    same sample order for both rules.
    """
    update = module.update if rule == "exact" else book_update(module)
    d_train = targets(data.labels_train)
    v, w = initial_weights(data.inputs, hidden, CLASSES, seed)
    rng = np.random.default_rng(seed + 1)
    history = History(rule)
    x = data.x_train
    for epoch in range(1, epochs + 1):
        steps = batches(len(x), batch, rng)
        if progress is not None:
            steps = progress(steps, f"{rule} {epoch}/{epochs}")
        start = time.perf_counter()
        for rows in steps:
            if len(rows) == 1:
                update(x[rows[0]], d_train[rows[0]], v, w, eta)
            else:
                update(x[rows], d_train[rows], v, w, eta / len(rows))
        history.seconds.append(time.perf_counter() - start)
        if not (np.isfinite(v).all() and np.isfinite(w).all()):
            raise FloatingPointError(
                f"the weights overflowed in epoch {epoch}; try a smaller --eta"
            )
        history.loss.append(meanloss_of(module, x, d_train, v, w))
        history.accuracy.append(accuracy(module, data.x_test, data.labels_test, v, w))
        if report is not None:
            report(
                f"{'exact gradient' if rule == 'exact' else 'book rule':>14}  "
                f"epoch {epoch:>{len(str(epochs))}}/{epochs}  "
                f"loss {history.loss[-1]:.4f}  test accuracy {history.accuracy[-1]:.4f}  "
                f"({history.seconds[-1]:.2f} s)"
            )
    return history


# -- the plot ---------------------------------------------------------------------


def check_writable(path: Path) -> None:
    """Fail before training when ``path`` cannot be written (nothing is left behind)."""
    if path.is_dir():
        raise DataError(f"cannot write the plot to {path}: it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DataError(f"cannot write the plot to {path}: no directory {parent}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as err:
        raise DataError(f"cannot write the plot to {path}: {err.strerror}") from None
    os.close(fd)
    os.unlink(tmp)


def plot(histories: list[History], path: Path, title: str) -> None:
    """Loss and test accuracy per epoch, one line per rule, two panels side by side.

    Written to a temporary file beside ``path`` and renamed, so a failure leaves
    no half-written PNG.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = {
        "exact": "exact gradient (generated code)",
        "book": r"book's rule: $e_j = (d - O_k)\,w^T$",
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for h in histories:
        epochs = range(1, len(h.loss) + 1)
        style = "-o" if h.rule == "exact" else "--s"
        left.plot(epochs, h.loss, style, label=labels[h.rule], markersize=4)
        right.plot(epochs, h.accuracy, style, label=labels[h.rule], markersize=4)
    left.set(title="training loss (mean per sample)", xlabel="epoch", ylabel="E")
    right.set(title="test accuracy", xlabel="epoch", ylabel="accuracy")
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format="png", dpi=100)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)


def missing_extras(plot: bool) -> list[str]:
    """The teaching extras ``train`` needs that are not installed (pip names).

    scikit-learn is needed for the CSV too (its ``train_test_split``); scipy
    comes with it and the generated code imports it.
    """
    need = {"tqdm": "tqdm", "sklearn": "scikit-learn", "scipy": "scipy"}
    if plot:
        need["matplotlib"] = "matplotlib"
    missing = []
    for module, package in need.items():
        if module in sys.modules and sys.modules[module] is None:
            missing.append(package)
            continue
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(package)
    return missing

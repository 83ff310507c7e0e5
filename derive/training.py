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
import itertools
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from .errors import InputError

DEFAULT_ETA = {
    "sigmoid": 0.3,
    "softmax": 0.3,
    "softplus": 0.1,
    "relu": 0.1,
    "leaky_relu": 0.1,
    "tanh": 0.03,
    "identity": 0.01,
}
"""A learning rate that trains the digits to over 90 % in 10 epochs, per activation
(measured: tanh and relu collapse to chance at 0.3).  A network takes the smallest
of its activations'; an expression of the user's takes :data:`EXPRESSION_ETA`."""
EXPRESSION_ETA = 0.03
MEMORY_BUDGET = 2 << 30
"""Bytes the weights, their copies and one forward pass over the data may take."""
MAX_HIDDEN = 100_000
MAX_EPOCHS = 1000

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
        fh = open(path, "rb")
    except OSError as err:
        raise DataError(f"cannot read {path}: {err.strerror}") from None
    limit = 16 * (pixels + 1) + 64
    with fh:
        for number in itertools.count(1):
            raw = fh.readline(limit)
            if not raw:
                break
            if len(raw) == limit and not raw.endswith(b"\n"):
                raise DataError(
                    f"{path}: line {number} is longer than {limit} bytes: not the book's "
                    "MNIST CSV (a label, then 784 pixel values, a line)"
                )
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise DataError(
                    f"{path}: line {number} is not UTF-8 text; "
                    "expected the book's MNIST CSV (a label, then 784 pixel values, a line)"
                ) from None
            if "\x00" in line:
                raise DataError(f"{path}: line {number} has a NUL byte: not a CSV text file")
            if not line.strip():
                continue
            if not rows and _is_header(line):
                continue  # a header row such as "label,pixel0,pixel1,..."
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


def _is_header(line: str) -> bool:
    """A line of names, not numbers: its first field has a letter."""
    first = line.split(",", 1)[0].strip().strip('"')
    return any(ch.isalpha() for ch in first)


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

    It is rendered in memory and executed as a module of its own, so the code
    that trains is exactly the code ``python -m derive codegen`` writes, and
    nothing is read from (or written to) the current directory.
    """
    from . import codegen

    combo = codegen.Combo(activation, output_activation or activation, loss)
    text = codegen.render(combo)
    name = f"derive_generated_{combo.filename[:-3]}"
    module = ModuleType(name)
    module.__file__ = f"<derive: {combo.command}>/{combo.filename}"
    exec(compile(text, module.__file__, "exec"), module.__dict__)  # our render, not user text
    module.COMBO = combo
    module.SOURCE = text
    return module


def default_eta(*activations: str) -> float:
    """The default learning rate for a network of these activations (names or expressions)."""
    return min(DEFAULT_ETA.get(a, EXPRESSION_ETA) for a in activations)


def memory_needed(inputs: int, hidden: int, samples: int) -> int:
    """Bytes ``train`` allocates at most: weights of two rules with their copies,
    and the hidden layer of one forward pass over every sample (float64)."""
    weights = (inputs + CLASSES) * hidden * 8
    return 8 * weights + 2 * samples * (hidden + CLASSES) * 8


def check_budget(inputs: int, hidden: int, samples: int) -> None:
    from .errors import BudgetError

    need = memory_needed(inputs, hidden, samples)
    if need > MEMORY_BUDGET:
        raise BudgetError(
            f"--hidden {hidden} would need about {need / 2**30:.1f} GiB for "
            f"{samples} samples of {inputs} inputs (the budget is {MEMORY_BUDGET / 2**30:g} GiB)"
        )


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
    cosine: list[float] = field(default_factory=list)
    """After each epoch: cosine between the book's hidden-layer step and the exact one."""
    ratio: list[float] = field(default_factory=list)
    """After each epoch: length of the book's hidden-layer step / the exact one's."""


class DivergedError(InputError):
    """Training blew up or collapsed to chance: the message says what to try."""


def accuracy(module: ModuleType, x: np.ndarray, labels: np.ndarray, v, w) -> float:
    _, O_k = module.forward(x, v, w)
    return float(np.mean(np.argmax(O_k, axis=1) == labels))


def meanloss_of(module: ModuleType, x: np.ndarray, d: np.ndarray, v, w) -> float:
    E = module.loss(x, d, v, w)
    return E if module.COMBO.network().loss.mean else E / len(x)


def batches(n: int, size: int, rng: np.random.Generator) -> Iterable[np.ndarray]:
    order = rng.permutation(n)
    return [order[start : start + size] for start in range(0, n, size)]


def step_of(update: Callable, x: np.ndarray, d: np.ndarray, v, w) -> tuple[np.ndarray, ...]:
    """The change one batch update makes to copies of ``v, w`` (η = 1, batch mean)."""
    v1, w1 = v.copy(), w.copy()
    update(x, d, v1, w1, 1.0 / len(x))
    return v1 - v, w1 - w


def compare_steps(module: ModuleType, book: Callable, x, d, v, w) -> tuple[float, float]:
    """Cosine and length ratio of the book's hidden-layer step against the exact
    gradient step, on the same batch at the same weights.  (The output layer's
    step is the same in both rules.)"""
    exact_v, _ = step_of(module.update, x, d, v, w)
    book_v, _ = step_of(book, x, d, v, w)
    a, b = exact_v.ravel(), book_v.ravel()
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0 or not (np.isfinite(na) and np.isfinite(nb)):
        return float("nan"), float("nan")
    return float(a @ b / (na * nb)), nb / na


def _stalled(module, history: History, x, d, v, w) -> str:
    """Why a network at chance will not recover ('' when it is merely slow): the loss
    stopped changing, or the gradient step vanished (saturated units)."""
    if len(history.loss) > 1 and history.loss[-1] == history.loss[-2]:
        return "the loss stopped changing (saturated units)"
    step = np.concatenate([s.ravel() for s in step_of(module.update, x, d, v, w)])
    scale = np.linalg.norm(np.concatenate([v.ravel(), w.ravel()]))
    norm = np.linalg.norm(step)
    if not np.isfinite(norm) or norm <= 1e-12 * max(scale, 1.0):
        return "the gradient vanished (saturated units)"
    return ""


def _advice(eta: float, module: ModuleType) -> str:
    acts = [a.name for a in module.COMBO.network().activations]
    suggestion = min(eta / 10, default_eta(*acts))
    return (
        f"try a smaller --eta such as {suggestion:g} (the default for "
        f"{'/'.join(dict.fromkeys(acts))} is {default_eta(*acts):g})"
    )


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
    compare: int = 256,
) -> History:
    """Stochastic gradient descent: ``batch`` samples a step, the step is eta times the
    batch's mean (batch 1 is the book's sample-by-sample training).

    ``progress(iterable, desc)`` wraps each epoch's batches (a tqdm bar);
    ``report(line)`` receives one line per epoch.  Same seed, same start and
    same sample order for both rules.  After each epoch the book's hidden-layer
    step is compared with the exact one on the first ``compare`` training
    samples (not with a softmax output, where the book's rule does not apply).

    Raises :class:`DivergedError` when the weights overflow, when the loss rises
    above its starting value, or when the test accuracy is at chance and the
    loss stops changing or the gradient vanishes.
    """
    vector_output = module.COMBO.network().activations[-1].vector
    book = None if vector_output else book_update(module)
    update = module.update if rule == "exact" else book
    d_train = targets(data.labels_train)
    v, w = initial_weights(data.inputs, hidden, CLASSES, seed)
    rng = np.random.default_rng(seed + 1)
    history = History(rule)
    x = data.x_train
    sample_x, sample_d = x[:compare], d_train[:compare]
    with np.errstate(all="ignore"):  # overflow is detected below and reported as advice
        start_loss = meanloss_of(module, x, d_train, v, w)
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
                raise DivergedError(
                    f"training diverged: the weights overflowed in epoch {epoch} "
                    f"with eta {eta:g}; {_advice(eta, module)}"
                )
            history.loss.append(meanloss_of(module, x, d_train, v, w))
            history.accuracy.append(accuracy(module, data.x_test, data.labels_test, v, w))
            if not history.loss[-1] < start_loss:
                raise DivergedError(
                    f"training diverged: the loss rose from {start_loss:.4g} (the starting "
                    f"weights') to {history.loss[-1]:.4g} in epoch {epoch} (test accuracy "
                    f"{history.accuracy[-1]:.3f}) with eta {eta:g}; {_advice(eta, module)}"
                )
            if history.accuracy[-1] <= 1.5 / CLASSES:
                why = _stalled(module, history, sample_x, sample_d, v, w)
                if why:
                    raise DivergedError(
                        f"training collapsed: test accuracy {history.accuracy[-1]:.3f} "
                        f"(chance is {1 / CLASSES:g}) after epoch {epoch}, and {why}, "
                        f"with eta {eta:g}; {_advice(eta, module)}"
                    )
            if book is not None:
                cosine, ratio = compare_steps(module, book, sample_x, sample_d, v, w)
                history.cosine.append(cosine)
                history.ratio.append(ratio)
            if report is not None:
                compared = (
                    f"  book/exact hidden step: cos {history.cosine[-1]:.3f}, "
                    f"length x{history.ratio[-1]:.2f}"
                    if history.cosine
                    else ""
                )
                report(
                    f"{'exact gradient' if rule == 'exact' else 'book rule':>14}  "
                    f"epoch {epoch:>{len(str(epochs))}}/{epochs}  "
                    f"loss {history.loss[-1]:.4f}  test accuracy {history.accuracy[-1]:.4f}  "
                    f"({history.seconds[-1]:.2f} s){compared}"
                )
    return history


def explain_steps(history: History) -> str:
    """One sentence on what the cosine and the length ratio show."""
    pairs = [(c, r) for c, r in zip(history.cosine, history.ratio, strict=True) if np.isfinite(c)]
    if not pairs:
        return ""
    cos = float(np.mean([c for c, _ in pairs]))
    ratio = float(np.mean([r for _, r in pairs]))
    angle = float(np.degrees(np.arccos(np.clip(cos, -1, 1))))
    descent = (
        "still a descent direction (cosine above 0)"
        if cos > 0
        else "not a descent direction (cosine below 0)"
    )
    if ratio > 1:
        effect = (
            "a larger effective learning rate for the hidden layer: that, not a better "
            "direction, is why it can keep up with or beat the exact gradient at the same eta"
        )
    else:
        effect = "a smaller effective learning rate for the hidden layer"
    return (
        f"The book's rule is not the gradient: its hidden-layer step points {angle:.0f} degrees "
        f"away from the exact gradient step (mean cosine {cos:.3f}) and is {ratio:.2f} times as "
        f"long, because it leaves out the output layer's f'(net_k); it is {descent} "
        f"with {effect}."
    )


# -- the plot ---------------------------------------------------------------------


def plot_target(path: Path) -> Path:
    """The file the plot goes to, checked before training: ``path`` itself, or the
    target of a symlink.  A directory, a device, a pipe or a socket is refused."""
    real = Path(os.path.realpath(path))
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as err:
        raise DataError(f"cannot write the plot to {path}: {err.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise DataError(f"cannot write the plot to {path}: it is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        raise DataError(
            f"cannot write the plot to {path}: it is not a regular file "
            "(a device, a pipe or a socket)"
        )
    parent = real.parent
    if not parent.is_dir():
        raise DataError(f"cannot write the plot to {path}: no directory {parent}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=parent)
    except OSError as err:
        raise DataError(f"cannot write the plot to {path}: {err.strerror}") from None
    os.close(fd)
    os.unlink(tmp)
    return real


def check_writable(path: Path) -> None:
    """Fail before training when ``path`` cannot be written (nothing is left behind)."""
    plot_target(path)


def _file_mode(target: Path) -> int:
    """An existing file keeps its mode; a new one gets 0666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (through a symlink to its target) by a temporary file
    beside it and a rename: a failure leaves the old file and no temporary file."""
    target = plot_target(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def plot(histories: list[History], path: Path, title: str) -> None:
    """Loss, test accuracy and (where there is one) the comparison of the book's
    hidden-layer step with the exact gradient, per epoch, in three panels; the
    sentence of :func:`explain_steps` below them.  Nothing is half-written."""
    import io
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = {
        "exact": "exact gradient (generated code)",
        "book": r"book's rule: $e_j = (d - O_k)\,w^T$",
    }
    compared = next((h for h in histories if h.rule == "exact" and h.cosine), None)
    panels = 3 if compared else 2
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 5.2))
    left, right = axes[0], axes[1]
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
    if compared:
        ax = axes[2]
        epochs = range(1, len(compared.cosine) + 1)
        ax.plot(epochs, compared.cosine, "-o", color="tab:green", markersize=4, label="cosine")
        ax.set(
            title="book's hidden step vs the exact gradient's",
            xlabel="epoch",
            ylabel="cosine",
            ylim=(min(0.0, min(compared.cosine)), 1.05),
        )
        twin = ax.twinx()
        twin.plot(
            epochs, compared.ratio, "--s", color="tab:red", markersize=4, label="length ratio"
        )
        twin.set_ylabel("length ratio (book / exact)")
        twin.set_ylim(0, max(compared.ratio) * 1.15)
        lines = ax.get_lines() + twin.get_lines()
        ax.legend(lines, [ln.get_label() for ln in lines], loc="lower right")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    caption = explain_steps(compared) if compared else ""
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout(rect=(0, 0.2 if caption else 0, 1, 1))
    if caption:
        fig.text(0.5, 0.015, textwrap.fill(caption, 40 * panels), ha="center", va="bottom")
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=100)
    finally:
        plt.close(fig)
    write_bytes(path, buffer.getvalue())


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

"""Shared test helpers: an independent float64 forward pass and finite differences."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import numpy as np

from derive.network import Network


def act_np(name: str, z: np.ndarray) -> np.ndarray:
    """Activations written out in NumPy, independently of the SymPy table."""
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "identity":
        return z
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, z / 100)
    if name == "softplus":
        return np.log1p(np.exp(z))
    if name == "exp":
        return np.exp(z)
    if name == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    if name == "x/(1+abs(x))":
        return z / (1 + np.abs(z))
    raise KeyError(name)


def loss_np(name: str, d: np.ndarray, o: np.ndarray) -> float:
    if name == "sse":
        return 0.5 * np.sum((d - o) ** 2)
    if name == "sum_sq":
        return np.sum((d - o) ** 2)
    if name == "mse":
        return 0.5 * np.mean((d - o) ** 2)
    if name == "bce":
        return -np.sum(d * np.log(o) + (1 - d) * np.log(1 - o))
    if name == "ce":
        return -np.sum(d * np.log(o))
    raise KeyError(name)


def error_of(network: Network, params: dict, x: np.ndarray, d: np.ndarray) -> float:
    """E for one sample, from a forward pass written in NumPy."""
    o = x
    for layer, act in enumerate(network.activations, start=1):
        z = o @ params[f"W{layer}"]
        if network.bias:
            z = z + params[f"b{layer}"]
        o = act_np(act.name, z)
    return loss_np(network.loss.name, d, o)


def finite_difference(network: Network, params: dict, x, d, name: str, h: float = 1e-6):
    """Central differences of E with respect to every entry of params[name]."""
    grad = np.zeros_like(params[name])
    for idx in np.ndindex(grad.shape):
        plus = {k: v.copy() for k, v in params.items()}
        minus = {k: v.copy() for k, v in params.items()}
        plus[name][idx] += h
        minus[name][idx] -= h
        grad[idx] = (error_of(network, plus, x, d) - error_of(network, minus, x, d)) / (2 * h)
    return grad


def random_point(network: Network, widths, seed: int):
    """Weights, one input and a target, with targets valid for the loss."""
    rng = np.random.default_rng(seed)
    params = {}
    for layer in range(1, len(widths)):
        params[f"W{layer}"] = rng.normal(0, 0.8, (widths[layer - 1], widths[layer]))
        if network.bias:
            params[f"b{layer}"] = rng.normal(0, 0.5, widths[layer])
    x = rng.normal(0, 1, widths[0])
    if network.loss.name == "ce":
        d = rng.dirichlet(np.ones(widths[-1]))
    else:
        d = rng.uniform(0.05, 0.95, widths[-1])
    return params, x, d


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``derive ARGV`` in this process: (exit status, stdout, stderr)."""
    from derive.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def valid_combo(combo) -> bool:
    """Whether a codegen ``Combo`` names a network that can be built."""
    from derive.network import NetworkError

    try:
        combo.network()
    except NetworkError:
        return False
    return True


def numeric_gradient(fn, param, h=1e-5):
    """Central differences of ``fn()`` with respect to every entry of ``param`` (in place)."""
    grad = np.zeros_like(param)
    for idx in np.ndindex(param.shape):
        old = param[idx]
        param[idx] = old + h
        up = fn()
        param[idx] = old - h
        down = fn()
        param[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad


_GENERATED: dict = {}
_GENERATED_DIR: list = []


def load_generated(combo):
    """Render ``combo`` through ``derive.codegen.render`` into a temporary
    directory and import it; one module per combination per test session."""
    import atexit
    import importlib.util
    import shutil
    import tempfile
    from pathlib import Path

    from derive import codegen

    if combo not in _GENERATED:
        if not _GENERATED_DIR:
            directory = tempfile.mkdtemp(prefix="derive-generated-")
            atexit.register(shutil.rmtree, directory, True)
            _GENERATED_DIR.append(Path(directory))
        path = _GENERATED_DIR[0] / f"m{len(_GENERATED)}_{abs(hash(combo)) % 10**8}.py"
        path.write_text(codegen.render(combo), encoding="utf-8")
        spec = importlib.util.spec_from_file_location("gen_" + path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _GENERATED[combo] = module
    return _GENERATED[combo]


def compile_tex(engine: str, tmp_path, text: str, name: str = "d", timeout: int = 120):
    """``text`` written to ``tmp_path/name.tex`` and compiled once by ``engine`` (pdflatex,
    xelatex), halting on the first error: the finished process (its stdout the log)."""
    import subprocess

    (tmp_path / f"{name}.tex").write_text(text, encoding="utf-8")
    return subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

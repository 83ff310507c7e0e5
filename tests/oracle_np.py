"""The tests' own meaning of a network: a NumPy forward pass and loss.

This module imports NOTHING from ``derive``.  Every row of the activation and
loss table is written out again here, by hand, in float64 NumPy, so that a
mistake in the table, the derivation, the printers or the templates cannot
also be a mistake of the oracle the tests compare them with.  Gradients are
central finite differences of :func:`loss` below (never of a generated
module's own ``loss``).

Conventions (those of the generated modules' docstrings): a batch is an array
of rows; ``W<l>`` has shape (n_<l-1>, n_<l>); E sums over samples and outputs,
except ``mse``, which is half the mean over samples and outputs.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.special import erf as _erf


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))  # written differently from expit on purpose


ACTIVATIONS = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softplus": lambda z: np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z))),
    "exp": np.exp,
    # users' expressions, keyed by the exact text given to --activation
    "x/(1+abs(x))": lambda z: z / (1 + np.abs(z)),
    "x*sigmoid(x)": lambda z: z * _sigmoid(z),
    "x*(1+erf(x/sqrt(2)))/2": lambda z: z * (1 + _erf(z / math.sqrt(2))) / 2,
    "max(0,x)+min(0,exp(x)-1)": lambda z: np.maximum(z, 0) + np.expm1(np.minimum(z, 0)),
    "atan(x)": np.arctan,
    "log(1+exp(x))": lambda z: np.logaddexp(0, z),
    "sin(x)": np.sin,
}
"""Elementwise activations; softmax is a layer function (:func:`softmax`)."""


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def activate(name: str, z: np.ndarray) -> np.ndarray:
    return softmax(z) if name == "softmax" else ACTIVATIONS[name](z)


def output_loss(name: str, d: np.ndarray, o: np.ndarray) -> float:
    if name == "sse":
        return 0.5 * float(np.sum((d - o) ** 2))
    if name == "sum_sq":
        return float(np.sum((o - d) * (o - d)))
    if name == "mse":
        return 0.5 * float(np.mean((d - o) ** 2))
    if name == "bce":
        return -float(np.sum(d * np.log(o) + (1 - d) * np.log1p(-o)))
    if name == "ce":
        return -float(np.sum(d * np.log(o)))
    raise KeyError(name)


def forward(x: np.ndarray, params: list, activations: tuple, bias: bool) -> list:
    """Every layer's output for the rows of ``x``; params are W1[, b1], W2[, b2], ..."""
    outs, o = [], np.atleast_2d(np.asarray(x, dtype=float))
    step = 2 if bias else 1
    for n, act in enumerate(activations):
        z = o @ params[step * n]
        if bias:
            z = z + params[step * n + 1]
        o = activate(act, z)
        outs.append(o)
    return outs


def weight_decay(params: list, bias: bool, lam: float) -> float:
    """The L2 term (λ/2) Σ w² over every weight matrix; biases are not decayed
    (Goodfellow §7.1.1, CS231n's ``0.5 * reg * np.sum(W * W)``)."""
    weights = params[0::2] if bias else params
    return 0.5 * lam * sum(float(np.sum(w * w)) for w in weights)


def loss(
    x, d, params: list, activations: tuple, loss_name: str, bias: bool, decay: float = 0.0
) -> float:
    """The objective: the loss of the outputs, plus the weight decay with ``decay`` = λ."""
    out = forward(x, params, activations, bias)[-1]
    return output_loss(loss_name, np.atleast_2d(d), out) + weight_decay(params, bias, decay)


def finite_differences(fn, params: list, h: float = 1e-6) -> list:
    """Central differences of ``fn(params)`` for every entry of every parameter."""
    grads = []
    for p in params:
        g = np.zeros_like(p, dtype=float)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            up = fn(params)
            p[idx] = old - h
            down = fn(params)
            p[idx] = old
            g[idx] = (up - down) / (2 * h)
        grads.append(g)
    return grads


def random_case(widths: tuple, bias: bool, loss_name: str, seed: int, batch: int = 3):
    """Parameters, inputs and targets valid for the loss (one-hot for ce)."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in itertools.pairwise(widths):
        params.append(rng.normal(0, 0.7, (n_in, n_out)))
        if bias:
            params.append(rng.normal(0, 0.5, n_out))
    x = rng.normal(size=(batch, widths[0]))
    K = widths[-1]
    if loss_name == "ce":
        d = np.eye(K)[rng.integers(0, K, size=batch)]
    elif loss_name == "bce":
        d = rng.uniform(0.05, 0.95, (batch, K))
    else:
        d = rng.normal(size=(batch, K))
    return params, x, d

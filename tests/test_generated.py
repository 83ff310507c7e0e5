"""Functional tests of generated modules: import them and compare with finite differences.

Every valid hidden x output x loss combination the tool offers is rendered
into a temporary directory and imported with importlib; the committed files
in generated/ are checked byte for byte in test_codegen.py.
"""

from __future__ import annotations

import importlib.util
import itertools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import codegen as C
from tests.helpers import numeric_gradient, valid_combo

# -- helpers ---------------------------------------------------------------------

_MODULES: dict = {}


TWO_LAYER = [c for c in C.COMMITTED if not c.deep]
"""The committed modules with note 004's ``v, w`` signature (deep ones: test_codegen_deep.py)."""

ALL_COMBOS = [
    c
    for c in (
        C.Combo(h, o, loss)
        for h, o, loss in itertools.product(C.HIDDEN_ACTIVATIONS, C.OUTPUT_ACTIVATIONS, C.LOSSES)
    )
    if valid_combo(c)
]


def load(combo: C.Combo, directory):
    """Render ``combo`` into ``directory`` and import it (cached per session)."""
    if combo not in _MODULES:
        path = directory / combo.filename
        path.write_text(C.render(combo), encoding="utf-8")
        name = "gen_" + path.stem
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[combo] = module
    return _MODULES[combo]


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("generated")


def targets(combo: C.Combo, rng, shape):
    """Targets the loss accepts: one-hot for ce, in (0, 1) for bce."""
    if combo.loss == "ce":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]
    if combo.loss == "bce":
        return rng.uniform(0.05, 0.95, size=shape)
    return rng.normal(size=shape)


def rel_err(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)


def check_gradients(mod, x, d, v, w, tol=1e-6):
    """Relative error < tol, where the gradient is not so small that the central
    difference's own rounding (about 1e-16 |E| / h per entry) dominates."""
    dv, dw = mod.gradients(x, d, v, w)
    assert dv.shape == v.shape and dw.shape == w.shape
    fd_v = numeric_gradient(lambda: mod.loss(x, d, v, w), v)
    fd_w = numeric_gradient(lambda: mod.loss(x, d, v, w), w)
    noise = 1e-9 * (1 + abs(mod.loss(x, d, v, w)))
    for got, fd in ((dv, fd_v), (dw, fd_w)):
        floor = noise * np.sqrt(got.size) / tol
        err = np.linalg.norm(got - fd) / max(np.linalg.norm(got), np.linalg.norm(fd), floor)
        assert err < tol, (err, mod.__name__)


def ids(combo: C.Combo) -> str:
    return combo.filename[:-3]


# -- every combination -------------------------------------------------------------


@pytest.mark.parametrize("combo", ALL_COMBOS, ids=ids)
def test_gradients_equal_finite_differences(combo, gen_dir):
    mod = load(combo, gen_dir)
    rng = np.random.default_rng(7)
    I, J, K = 3, 4, 3
    v, w = rng.normal(size=(I, J)), rng.normal(size=(J, K))
    for x_shape in [(I,), (5, I)]:  # one sample, then a batch
        x = rng.normal(size=x_shape)
        d = targets(combo, rng, x_shape[:-1] + (K,))
        check_gradients(mod, x, d, v, w)


@pytest.mark.parametrize("combo", ALL_COMBOS, ids=ids)
def test_update_is_a_gradient_step(combo, gen_dir):
    mod = load(combo, gen_dir)
    rng = np.random.default_rng(3)
    eta = 0.1
    for n in (None, 4):
        shape = (3,) if n is None else (n, 3)
        x = rng.normal(size=shape)
        d = targets(combo, rng, shape[:-1] + (2,))
        v, w = rng.normal(size=(3, 5)), rng.normal(size=(5, 2))
        dv, dw = mod.gradients(x, d, v, w)
        expect_v, expect_w = v - eta * dv, w - eta * dw
        v_buf, w_buf = v.__array_interface__["data"][0], w.__array_interface__["data"][0]
        assert mod.update(x, d, v, w, eta) is None
        assert v.__array_interface__["data"][0] == v_buf  # in place
        assert w.__array_interface__["data"][0] == w_buf
        np.testing.assert_allclose(v, expect_v, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(w, expect_w, rtol=1e-12, atol=1e-12)


def _saturating_case(combo, dtype):
    """Weights and inputs that put every |net| at 1000."""
    I, J, K = 2, 4, 3
    x = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    v = np.array(
        [[1000.0, -1000.0, 1000.0, -1000.0], [-1000.0, 1000.0, -1000.0, 1000.0]], dtype=dtype
    )
    rng = np.random.default_rng(0)
    d = targets(combo, rng, (2, K)).astype(dtype)
    if combo.loss == "bce":
        d = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]], dtype=dtype)
    return x, d, v, np.zeros((J, K), dtype=dtype), I


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("combo", ALL_COMBOS, ids=ids)
def test_stable_at_net_1000(combo, dtype, gen_dir):
    mod = load(combo, gen_dir)
    x, d, v, w, _ = _saturating_case(combo, dtype)
    O_j, _ = mod.forward(x, v, w)
    # output nets of +-1000: w scaled by the largest hidden output of each sample
    scale = 1000.0 / np.max(np.abs(O_j))
    w[:] = scale * np.array([[1, -1, 1], [-1, 1, -1], [1, 1, -1], [-1, -1, 1]], dtype=dtype)
    assert np.max(np.abs(O_j @ w)) >= 999  # output nets of 1000 and more
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        O_j, O_k = mod.forward(x, v, w)
        E = mod.loss(x, d, v, w)
        dv, dw = mod.gradients(x, d, v, w)
        mod.update(x, d, v, w, 0.01)
    for arr in (O_j, O_k, dv, dw, v, w):
        assert np.all(np.isfinite(arr)) and arr.dtype == dtype
    assert np.isfinite(E)


@pytest.mark.parametrize("combo", TWO_LAYER, ids=ids)
def test_float32_stays_float32(combo, gen_dir):
    mod = load(combo, gen_dir)
    rng = np.random.default_rng(1)
    f32 = np.float32
    x = rng.normal(size=(6, 3)).astype(f32)
    d = targets(combo, rng, (6, 2)).astype(f32)
    v, w = rng.normal(size=(3, 4)).astype(f32), rng.normal(size=(4, 2)).astype(f32)
    assert all(a.dtype == f32 for a in mod.forward(x, v, w))
    assert all(a.dtype == f32 for a in mod.gradients(x, d, v, w))
    assert all(a.dtype == f32 for a in mod.gradients(x[0], d[0], v, w))
    mod.update(x, d, v, w, 0.1)
    mod.update(x[0], d[0], v, w, 0.1)
    assert v.dtype == f32 and w.dtype == f32


def test_contract(gen_dir):
    mod = load(C.COMMITTED[0], gen_dir)
    assert (mod.ACTIVATION, mod.OUTPUT_ACTIVATION, mod.LOSS) == ("sigmoid", "sigmoid", "sse")
    assert r"\Delta w_{jk} = \eta \delta_{k} O_{j}" in mod.__doc__
    rng = np.random.default_rng(0)
    v, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    O_j, O_k = mod.forward(np.ones(3), v, w)
    assert O_j.shape == (4,) and O_k.shape == (2,)
    O_j, O_k = mod.forward(np.ones((5, 3)), v, w)
    assert O_j.shape == (5, 4) and O_k.shape == (5, 2)
    assert isinstance(mod.loss(np.ones(3), np.zeros(2), v, w), float)


def test_layouts_other_than_c_order_still_update_correctly(gen_dir):
    mod = load(C.COMMITTED[0], gen_dir)
    rng = np.random.default_rng(5)
    x, d = rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))
    v, w = np.asfortranarray(rng.normal(size=(3, 4))), rng.normal(size=(4, 2))
    dv, dw = mod.gradients(x, d, v, w)
    expect = v - 0.5 * dv
    mod.update(x, d, v, w, 0.5)
    np.testing.assert_allclose(v, expect, rtol=1e-12)


def test_mse_is_half_the_mean_over_outputs_and_samples(gen_dir):
    mod = load(C.Combo("relu", "identity", "mse"), gen_dir)
    rng = np.random.default_rng(2)
    x, d = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    v, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    _, O_k = mod.forward(x, v, w)
    assert mod.loss(x, d, v, w) == pytest.approx(0.5 * np.mean((d - O_k) ** 2))


def test_sse_sums_over_samples(gen_dir):
    mod = load(C.COMMITTED[0], gen_dir)
    rng = np.random.default_rng(2)
    x, d = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    v, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    each = sum(mod.loss(x[n], d[n], v, w) for n in range(5))
    assert mod.loss(x, d, v, w) == pytest.approx(each)


# -- the book's rule -----------------------------------------------------------------


def test_book_hidden_rule_differs_from_the_exact_gradient(gen_dir):
    """The book's ``hidden_errors = W_hoᵀ (t − o)`` drops f'(net_k) from the error it
    sends back.  Its W_ho is K x J, our w.T, so in rows it is ``(d - O_k) @ w.T``."""
    mod = load(C.COMMITTED[0], gen_dir)  # sigmoid / sse
    rng = np.random.default_rng(11)
    x, d = rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))
    v, w = rng.normal(size=(3, 5)), rng.normal(size=(5, 2))
    O_j, O_k = mod.forward(x, v, w)
    hidden_errors = (d - O_k) @ w.T  # the book's rule, our layout
    book_dE_dv = -(x.T @ (hidden_errors * O_j * (1 - O_j)))
    exact_v = numeric_gradient(lambda: mod.loss(x, d, v, w), v)
    dE_dv, _ = mod.gradients(x, d, v, w)
    assert rel_err(dE_dv, exact_v) < 1e-6
    assert rel_err(book_dE_dv, exact_v) > 0.1


# -- XOR -------------------------------------------------------------------------------


def test_sigmoid_sse_learns_xor(gen_dir):
    """Note 004's network has no biases: a constant-1 input column stands in for the
    hidden biases, and a hidden node driven by it to ~1 serves the output layer.
    J = 4, eta = 2, full-batch steps, 3000 epochs, seed 0."""
    mod = load(C.COMMITTED[0], gen_dir)
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    d = np.array([[0], [1], [1], [0]], dtype=float)
    rng = np.random.default_rng(0)
    v, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 1))
    for _ in range(3000):
        mod.update(x, d, v, w, 2.0)
    _, O_k = mod.forward(x, v, w)
    assert np.all((O_k > 0.5) == (d > 0.5)), O_k.ravel()
    assert mod.loss(x, d, v, w) < 0.05


# -- hypothesis ---------------------------------------------------------------------------

_widths = st.integers(1, 8)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples in every run: CI is not a lottery
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    combo=st.sampled_from(TWO_LAYER),
    I=_widths,
    J=_widths,
    K=_widths,
    n=st.integers(1, 6),
    scale=st.floats(0.1, 2.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradients_any_shape(combo, I, J, K, n, scale, seed, gen_dir):
    mod = load(combo, gen_dir)
    rng = np.random.default_rng(seed)
    x = scale * rng.normal(size=(n, I))
    v, w = scale * rng.normal(size=(I, J)), scale * rng.normal(size=(J, K))
    d = targets(combo, rng, (n, K))
    check_gradients(mod, x, d, v, w)


_coeff = st.sampled_from(["0.5", "2", "3", "1/3"])
_expr = st.one_of(
    st.builds(lambda a: f"x/(1+abs({a}*x))", _coeff),
    st.builds(lambda a: f"tanh({a}*x) + x/10", _coeff),
    st.builds(lambda a: f"x*sigmoid({a}*x)", _coeff),
    st.builds(lambda a: f"atan({a}*x)", _coeff),
    st.builds(lambda a, b: f"{a}*x + {b}*x^2", _coeff, _coeff),
)


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(expr=_expr, output=st.sampled_from(["identity", "sigmoid", "same"]), seed=st.integers(0, 99))
def test_user_expressions(expr, output, seed, gen_dir):
    combo = C.Combo(expr, expr if output == "same" else output, "sse")
    mod = load(combo, gen_dir)
    rng = np.random.default_rng(seed)
    x, d = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    v, w = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    check_gradients(mod, x, d, v, w)

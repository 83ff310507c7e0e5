"""The generated module on every path its NumPy kernels take, against a step written here.

``_add_outer`` adds ``eta * O^T delta`` into a weight three ways: SciPy's
``?gemm`` with beta = 1 in one call (a product small enough for OpenBLAS to
keep on the calling thread), the same in row blocks (one sample on a weight of
more than 2**18 entries), and ``np.matmul`` into a scratch array then
``np.add`` (a large batch); weights SciPy cannot write in place (big-endian,
Fortran order, unaligned) take the plain ``+=``.  The sigmoid is SciPy's
``expit`` up to 512 values and a tanh form above.  The small networks of the
other tests only ever reach the first path, so each case here is sized to
reach one path, and the step it is compared with is the plain exact step of
note 004, written out below with no code from derive.
"""

from __future__ import annotations

import numpy as np
import pytest

from derive import codegen as C
from tests.helpers import load_generated

NOTES = C.Combo("sigmoid", "sigmoid", "sse")
DEEP = C.Combo("sigmoid", "sigmoid", "sse", (3, 4, 3, 2), bias=True)
ETA = 0.05


def sigmoid(z):
    # 1 / (1 + e^-z): neither of the module's forms (SciPy's expit, the tanh form),
    # nor tests/oracle_np's tanh form
    with np.errstate(over="ignore"):  # e^1000 is inf, and 1 / (1 + inf) is the right 0
        return 1 / (1 + np.exp(-z))


def plain_step(x, d, v, w, eta):
    """Note 004's exact step in float64: O_j, O_k, delta_k, delta_j, then both outer products."""
    x, d, v, w = (np.atleast_2d(np.asarray(a, dtype=np.float64)) for a in (x, d, v, w))
    oj = sigmoid(x @ v)
    ok = sigmoid(oj @ w)
    dk = (d - ok) * ok * (1 - ok)
    dj = oj * (1 - oj) * (dk @ w.T)
    return v + eta * np.einsum("ni,nj->ij", x, dj), w + eta * np.einsum("nj,nk->jk", oj, dk)


def case(rng, inputs, hidden, batch, dtype=np.float64):
    shape = (inputs,) if batch is None else (batch, inputs)
    x = rng.uniform(size=shape).astype(dtype)
    d = rng.uniform(size=shape[:-1] + (3,)).astype(dtype)
    v = (rng.normal(size=(inputs, hidden)) / np.sqrt(inputs)).astype(dtype)
    w = (rng.normal(size=(hidden, 3)) / np.sqrt(hidden)).astype(dtype)
    return x, d, v, w


# (inputs, hidden, batch): batch None is one sample
PATHS = {
    "one gemm, one sample": (30, 20, None),
    "one gemm, a small batch": (300, 400, 2),  # 2 * 120,000 <= 2**18
    "row blocks, one sample": (600, 500, None),  # 300,000 > 2**18: blocks of 524 and 76 rows
    "row blocks, one sample, one row a block": (3, 2**18 + 5, None),
    "scratch, a large batch": (300, 400, 8),  # 8 * 120,000 > 2**18
    "a hidden layer of width 0, one sample": (5, 0, None),  # BLAS refuses empty arrays
    "a hidden layer of width 0, a batch": (5, 0, 4),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("path", PATHS)
def test_update_on_each_kernel_path_is_the_exact_step(path, dtype):
    mod = load_generated(NOTES)
    x, d, v, w = case(np.random.default_rng(1), *PATHS[path], dtype)
    want_v, want_w = plain_step(x, d, v, w, ETA)
    v_buf = v.__array_interface__["data"][0]
    mod.update(x, d, v, w, ETA)
    assert v.__array_interface__["data"][0] == v_buf and v.dtype == dtype
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(v, want_v, rtol=tol, atol=tol)
    np.testing.assert_allclose(w, want_w, rtol=tol, atol=tol)


def unaligned(a):
    """A copy of ``a`` whose data starts one byte past an aligned address."""
    raw = np.empty(a.nbytes + 1, dtype=np.uint8)
    out = raw[1:].view(a.dtype).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


LAYOUTS = {
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "Fortran order": np.asfortranarray,
    "unaligned": unaligned,
}


@pytest.mark.parametrize("batch", [None, 2])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_weights_scipy_cannot_write_in_place_are_updated_all_the_same(layout, batch):
    mod = load_generated(NOTES)
    x, d, v, w = case(np.random.default_rng(2), 40, 30, batch)
    v, w = LAYOUTS[layout](v), LAYOUTS[layout](w)
    want_v, want_w = plain_step(x, d, v, w, ETA)
    mod.update(x, d, v, w, ETA)
    np.testing.assert_allclose(v, want_v, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w, want_w, rtol=1e-12, atol=1e-12)


def test_the_deep_module_returns_the_arrays_it_wrote_into():
    """The deep module hands back its NumPy parameters themselves, written on the gemm path."""
    mod = load_generated(DEEP)
    rng = np.random.default_rng(3)
    params = [rng.normal(size=s) for s in ((3, 4), (4,), (4, 3), (3,), (3, 2), (2,))]
    before = [p.copy() for p in params]
    out = mod.update(rng.normal(size=3), rng.uniform(size=2), *params, eta=ETA)
    assert all(o is p for o, p in zip(out, params, strict=True))
    assert all(not np.array_equal(p, b) for p, b in zip(params, before, strict=True))


# 5 x 100 hidden values go through SciPy's expit, 6 x 100 through the tanh form
@pytest.mark.parametrize("batch", [None, 5, 6])
def test_the_sigmoid_on_both_sides_of_512_values(batch):
    mod = load_generated(NOTES)
    rng = np.random.default_rng(4)
    x, _, v, w = case(rng, 4, 100, batch)
    v[:, :50] *= 1000 / np.abs(x @ v[:, :50]).max()  # nets up to +-1000 in half the units
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        O_j, O_k = mod.forward(x, v, w)
    # the tanh form is exact to 1e-16 absolute: (1 + tanh(-20)) / 2 is 0, not 4e-18
    np.testing.assert_allclose(O_j, sigmoid(x @ v), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(O_k, sigmoid(sigmoid(x @ v) @ w), rtol=1e-14)

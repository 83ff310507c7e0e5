"""Deep modules on other array libraries: Dask (batch split into chunks), PyTorch CPU, JAX.

Each library's results are compared with the same module on NumPy arrays (whose
gradients test_codegen_deep.py checks against finite differences).  PyTorch
and JAX are not in the test extra: their tests skip when they are not installed.
"""

from __future__ import annotations

import importlib.util
import itertools

import numpy as np
import pytest

from derive import codegen as C

COMBO = C.Combo("tanh", "sigmoid", "bce", (6, 5, 4, 3), bias=True)


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    path = tmp_path_factory.mktemp("arrays") / COMBO.filename
    path.write_text(C.render(COMBO), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("arrays_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def problem(n: int, dtype=np.float64, seed: int = 0):
    rng = np.random.default_rng(seed)
    params = []
    for a, b in itertools.pairwise(COMBO.widths):
        params += [rng.normal(size=(a, b)).astype(dtype), rng.normal(size=b).astype(dtype)]
    x = rng.normal(size=(n, COMBO.widths[0])).astype(dtype)
    d = rng.uniform(0.05, 0.95, size=(n, COMBO.widths[-1])).astype(dtype)
    return x, d, params


def test_dask_batch_in_chunks_gives_numpy_gradients_and_updates(mod):
    da = pytest.importorskip("dask.array")
    pytest.importorskip("array_api_compat")
    x, d, params = problem(12)
    dx, dd = da.from_array(x, chunks=(4, -1)), da.from_array(d, chunks=(4, -1))
    assert dx.numblocks == (3, 1)  # the batch is split into three chunks
    dparams = [da.from_array(p) for p in params]

    for got, want in zip(mod.gradients(dx, dd, *dparams), mod.gradients(x, d, *params)):
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), want, rtol=1e-12, atol=1e-13)
    assert mod.loss(dx, dd, *dparams) == pytest.approx(mod.loss(x, d, *params), rel=1e-12)

    new = mod.update(dx, dd, *dparams, eta=0.1)
    want = mod.update(x, d, *[p.copy() for p in params], eta=0.1)
    for got, expected in zip(new, want, strict=True):
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), expected, rtol=1e-12, atol=1e-13)


def test_dask_inputs_are_checked_too(mod):
    da = pytest.importorskip("dask.array")
    pytest.importorskip("array_api_compat")
    x, d, params = problem(6)
    with pytest.raises(ValueError, match=r"d has shape \(6, 1\); expected \(6, 3\)"):
        mod.gradients(
            da.from_array(x, chunks=(3, -1)),
            da.from_array(d[:, :1], chunks=(3, -1)),
            *[da.from_array(p) for p in params],
        )


def test_pytorch_cpu_tensors_match_numpy_and_update_in_place(mod):
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    x, d, params = problem(5)
    tparams = [torch.from_numpy(p.copy()) for p in params]
    tx, td = torch.from_numpy(x), torch.from_numpy(d)
    for got, want in zip(mod.gradients(tx, td, *tparams), mod.gradients(x, d, *params)):
        assert isinstance(got, torch.Tensor)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    new = mod.update(tx, td, *tparams, eta=0.1)
    want = mod.update(x, d, *[p.copy() for p in params], eta=0.1)
    for got, old, expected in zip(new, tparams, want, strict=True):
        assert got is old  # PyTorch tensors are written in place
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_jax_arrays_get_new_parameters(mod):
    jnp = pytest.importorskip("jax.numpy")
    pytest.importorskip("array_api_compat")
    x, d, params = problem(5, np.float32)  # JAX computes in float32 unless told otherwise
    jparams = [jnp.asarray(p) for p in params]
    jx, jd = jnp.asarray(x), jnp.asarray(d)
    for got, want in zip(mod.gradients(jx, jd, *jparams), mod.gradients(x, d, *params)):
        np.testing.assert_allclose(np.asarray(got), want, rtol=2e-4, atol=2e-5)
    new = mod.update(jx, jd, *jparams, eta=0.1)
    want = mod.update(x, d, *[p.copy() for p in params], eta=0.1)
    for got, old, before, expected in zip(new, jparams, params, want, strict=True):
        assert got is not old
        np.testing.assert_array_equal(np.asarray(old), before)  # immutable: untouched
        np.testing.assert_allclose(np.asarray(got), expected, rtol=2e-4, atol=2e-5)


def test_the_notes_module_refuses_arrays_it_cannot_update_in_place(tmp_path):
    da = pytest.importorskip("dask.array")
    pytest.importorskip("array_api_compat")
    path = tmp_path / "notes.py"
    path.write_text(C.render(C.Combo()), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("arrays_notes", path)
    notes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(notes)
    rng = np.random.default_rng(0)
    v, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    x, d = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))
    args = [da.from_array(a, chunks=(3, -1)) for a in (x, d)] + [da.from_array(v), da.from_array(w)]
    with pytest.raises(ValueError, match="update works in place"):
        notes.update(*args, 0.1)  # a silent no-op before: Dask's += makes a new array
    grads = notes.gradients(*args)  # gradients need no writing
    for got, want in zip(grads, notes.gradients(x, d, v, w), strict=True):
        np.testing.assert_allclose(got.compute(), want, rtol=1e-12, atol=1e-13)

"""Generated modules for deep networks (``--layers``, ``--bias``) on NumPy and array-api-strict.

Each module is rendered into a temporary directory and imported; gradients are
compared with central finite differences in float64, for one sample and for a
batch, and the same numbers are asked of ``array_api_strict`` arrays.
"""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

from derive import codegen as C
from derive.cli import main
from tests.helpers import numeric_gradient

DEEP = {
    "L3 bias sigmoid sse": C.Combo("sigmoid", "sigmoid", "sse", (6, 5, 4, 3), bias=True),
    "L3 no bias tanh,softplus,sigmoid bce": C.Combo(
        "tanh,softplus", "sigmoid", "bce", (5, 4, 4, 3), bias=False
    ),
    "L4 bias leaky_relu softmax ce": C.Combo(
        "leaky_relu", "softmax", "ce", (6, 5, 4, 4, 3), bias=True
    ),
    "L4 no bias x/(1+abs(x)),tanh,sigmoid identity mse": C.Combo(
        "x/(1+abs(x)),tanh,sigmoid", "identity", "mse", (4, 5, 3, 4, 2), bias=False
    ),
}

_MODULES: dict = {}


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("deep")


def load(combo: C.Combo, directory):
    if combo not in _MODULES:
        path = directory / combo.filename
        path.write_text(C.render(combo), encoding="utf-8")
        spec = importlib.util.spec_from_file_location("deep_" + path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[combo] = module
    return _MODULES[combo]


def params_for(combo: C.Combo, rng) -> list[np.ndarray]:
    out = []
    for n_in, n_out in itertools.pairwise(combo.widths):
        out.append(rng.normal(size=(n_in, n_out)) * 0.7)
        if combo.bias:
            out.append(rng.normal(size=n_out) * 0.5)
    return out


def data_for(combo: C.Combo, rng, batch: int | None):
    shape = (combo.widths[0],) if batch is None else (batch, combo.widths[0])
    x = rng.normal(size=shape)
    out = shape[:-1] + (combo.widths[-1],)
    if combo.loss == "ce":
        d = np.eye(out[-1])[rng.integers(0, out[-1], size=out[:-1])]
    elif combo.loss == "bce":
        d = rng.uniform(0.05, 0.95, size=out)
    else:
        d = rng.normal(size=out)
    return x, d


def rel_err(a, b) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-8))


@pytest.mark.parametrize("name", DEEP)
@pytest.mark.parametrize("batch", [None, 7])
def test_gradients_match_finite_differences(name, batch, gen_dir):
    combo = DEEP[name]
    mod = load(combo, gen_dir)
    rng = np.random.default_rng(len(name) + (batch or 0))
    params = params_for(combo, rng)
    x, d = data_for(combo, rng, batch)
    grads = mod.gradients(x, d, *params)
    assert len(grads) == len(params) == len(mod.PARAMS)
    for grad, param in zip(grads, params, strict=True):
        assert grad.shape == param.shape and grad.dtype == np.float64
        expected = numeric_gradient(lambda: mod.loss(x, d, *params), param)
        assert rel_err(grad, expected) < 1e-6


@pytest.mark.parametrize("name", DEEP)
def test_update_is_params_minus_eta_grad_in_place(name, gen_dir):
    combo = DEEP[name]
    mod = load(combo, gen_dir)
    rng = np.random.default_rng(3)
    params = params_for(combo, rng)
    x, d = data_for(combo, rng, 5)
    grads = mod.gradients(x, d, *params)
    expected = [p - 0.1 * g for p, g in zip(params, grads, strict=True)]
    out = mod.update(x, d, *params, eta=0.1)
    assert all(new is old for new, old in zip(out, params, strict=True))  # in place for NumPy
    for new, want in zip(out, expected, strict=True):
        np.testing.assert_allclose(new, want, rtol=1e-12, atol=1e-14)


def test_contract_of_the_module(gen_dir):
    combo = DEEP["L3 bias sigmoid sse"]
    mod = load(combo, gen_dir)
    assert mod.PARAMS == ("W1", "b1", "W2", "b2", "W3", "b3")
    assert mod.WIDTHS == (6, 5, 4, 3) and mod.BIAS is True
    assert mod.ACTIVATIONS == ("sigmoid",) * 3 and mod.LOSS == "sse"
    assert "(W1, b1, W2, b2, W3, b3)" in mod.__doc__
    rng = np.random.default_rng(0)
    params = params_for(combo, rng)
    x, _ = data_for(combo, rng, 4)
    outs = mod.forward(x, *params)
    assert [o.shape for o in outs] == [(4, 5), (4, 4), (4, 3)]
    assert [o.shape for o in mod.forward(x[0], *params)] == [(5,), (4,), (3,)]
    np.testing.assert_allclose(mod.forward(x[1], *params)[-1], outs[-1][1])
    nobias = load(DEEP["L3 no bias tanh,softplus,sigmoid bce"], gen_dir)
    assert nobias.PARAMS == ("W1", "W2", "W3")
    assert nobias.ACTIVATIONS == ("tanh", "softplus", "sigmoid")


def test_float32_and_large_nets_stay_finite(gen_dir):
    for combo in (DEEP["L3 bias sigmoid sse"], DEEP["L4 bias leaky_relu softmax ce"]):
        mod = load(combo, gen_dir)
        rng = np.random.default_rng(1)
        params = [(p * 400).astype(np.float32) for p in params_for(combo, rng)]
        x, d = (a.astype(np.float32) for a in data_for(combo, rng, 6))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            grads = mod.gradients(x, d, *params)
            assert np.isfinite(mod.loss(x, d, *params))
            out = mod.update(x, d, *params, eta=0.01)
        assert all(g.dtype == np.float32 and np.all(np.isfinite(g)) for g in grads)
        assert all(p.dtype == np.float32 for p in out)


# -- the same numbers on array-api-strict -----------------------------------------------


@pytest.mark.parametrize("name", DEEP)
@pytest.mark.parametrize("batch", [None, 5])
def test_array_api_strict_matches_numpy(name, batch, gen_dir):
    xp = pytest.importorskip("array_api_strict")
    pytest.importorskip("array_api_compat")
    combo = DEEP[name]
    mod = load(combo, gen_dir)
    rng = np.random.default_rng(11)
    params = params_for(combo, rng)
    x, d = data_for(combo, rng, batch)
    arrays = [xp.asarray(p) for p in params]
    sx, sd = xp.asarray(x), xp.asarray(d)

    for got, want in zip(mod.forward(sx, *arrays), mod.forward(x, *params), strict=True):
        assert isinstance(got, type(sx))
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-14)
    assert mod.loss(sx, sd, *arrays) == pytest.approx(mod.loss(x, d, *params), rel=1e-12)
    for got, want in zip(mod.gradients(sx, sd, *arrays), mod.gradients(x, d, *params), strict=True):
        assert isinstance(got, type(sx)) and got.dtype == xp.float64
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-13)

    expected = mod.update(x, d, *params, eta=0.1)
    out = mod.update(sx, sd, *arrays, eta=0.1)
    assert all(new is old for new, old in zip(out, arrays, strict=True))  # writeable arrays
    for got, want in zip(out, expected, strict=True):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-13)


def test_immutable_arrays_get_new_params(gen_dir, monkeypatch):
    """Where arrays cannot be written (JAX), update returns new arrays and leaves the old."""
    xp = pytest.importorskip("array_api_strict")
    compat = pytest.importorskip("array_api_compat")
    combo = DEEP["L3 bias sigmoid sse"]
    mod = load(combo, gen_dir)
    monkeypatch.setattr(compat, "is_writeable_array", lambda a: False)
    mod._portable.cache_clear()
    try:
        rng = np.random.default_rng(5)
        params = params_for(combo, rng)
        x, d = data_for(combo, rng, 3)
        arrays = [xp.asarray(p) for p in params]
        out = mod.update(xp.asarray(x), xp.asarray(d), *arrays, eta=0.5)
        expected = mod.update(x, d, *[p.copy() for p in params], eta=0.5)
        for new, old, before, want in zip(out, arrays, params, expected, strict=True):
            assert new is not old
            np.testing.assert_array_equal(np.asarray(old), before)
            np.testing.assert_allclose(np.asarray(new), want, rtol=1e-10, atol=1e-13)
    finally:
        mod._portable.cache_clear()


def test_numpy_path_does_not_import_array_api_compat(gen_dir, tmp_path):
    combo = DEEP["L3 bias sigmoid sse"]
    path = tmp_path / combo.filename
    path.write_text(C.render(combo), encoding="utf-8")
    script = (
        "import importlib.util, sys, numpy as np\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(path)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "ps = []\n"
        "for a, b in zip(m.WIDTHS, m.WIDTHS[1:]):\n"
        "    ps += [np.ones((a, b)), np.ones(b)]\n"
        "m.update(np.ones((2, 6)), np.ones((2, 3)), *ps, eta=0.1)\n"
        "assert 'array_api_compat' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


# -- the command line ----------------------------------------------------------------------


def test_cli_writes_one_module_for_the_layers(tmp_path, capsys):
    assert main(["codegen", "--layers", "6,5,4,3", "--bias", "--out", str(tmp_path)]) == 0
    (path,) = tmp_path.iterdir()
    assert path.name == "sigmoid_sse_6x5x4x3_bias.py"
    assert path.read_text().splitlines()[0] == (
        "# Generated by `python -m derive codegen -a sigmoid -l sse --layers 6,5,4,3 --bias` "
        "from templates/numpy/module.py.j2"
    )
    args = ["codegen", "--layers", "6,5,4,3", "-a", "sigmoid,tanh,sigmoid", "--out", str(tmp_path)]
    assert main(args) == 0
    assert (tmp_path / "sigmoid_tanh_sigmoid_sse_6x5x4x3.py").is_file()
    assert main([*args, "--check"]) == 0


@pytest.mark.parametrize(
    "layers, extra, message",
    [
        ("6,5,x", (), "--layers wants comma-separated widths"),
        ("6", (), "at least two positive widths"),
        ("6,0,3", (), "at least two positive widths"),
        ("6,5,4,3", ("-a", "sigmoid,tanh"), "2 activations for 3 weight layers"),
        ("6,5,4,3", ("-a", "softmax,tanh,sigmoid"), "output layer only"),
        ("6,5,4,3", ("-a", "relu", "-l", "ce"), "needs a softmax output"),
    ],
)
def test_bad_layers_exit_2_with_one_line(layers, extra, message, tmp_path, capsys):
    assert main(["codegen", "--layers", layers, *extra, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_a_deep_module_not_committed_needs_out(capsys):
    assert main(["codegen", "--layers", "6,5,4,3", "--bias"]) == 2
    assert "not in the committed set" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed")
def test_deep_modules_pass_ruff(tmp_path):
    for combo in DEEP.values():
        (tmp_path / combo.filename).write_text(C.render(combo), encoding="utf-8")
    config = ["--config", str(C.project_root() / "pyproject.toml")]
    for cmd in (["ruff", "check", *config, "."], ["ruff", "format", *config, "--check", "."]):
        done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_wrap_lays_out_long_lines_as_ruff_does():
    items = [name for n in range(1, 17) for name in (f"W{n}", f"b{n}")]
    text = C.wrap("def update(", ["x", "d", *items, "eta"], "):", 0)
    assert text.startswith("def update(\n    x,\n") and text.endswith(",\n):")
    assert C.wrap("return ", ["a", "b"], "", 4) == "return a, b"
    assert C.wrap("T = (", ["1"], ")", 0, True) == "T = (1,)"

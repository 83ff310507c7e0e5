"""The generated deep module on GPU arrays (CuPy, PyTorch CUDA, JAX): same numbers as NumPy.

Run on a machine with an NVIDIA GPU (CI has none; this is a device check, not a test):

    python bench/gpu_check.py [generated/MODULE.py]

For each library that imports and sees a GPU it runs ``forward``, ``gradients``
and ``update`` of the committed 784-256-128-10 module on that library's arrays
in float64, compares every output with the NumPy result (max relative
difference), checks that ``update`` kept the arrays on the GPU, and times one
batch-128 update against the library's own eager autograd step where it has one.
Prints one line per check and exits 1 when any difference exceeds 1e-10.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "generated" / "sigmoid_sse_784x256x128x10_bias.py"
TOL = 1e-10


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def problem(mod, n=128, seed=0):
    rng = np.random.default_rng(seed)
    widths = mod.WIDTHS
    params = []
    for a, b in zip(widths[:-1], widths[1:]):
        params.append(rng.normal(0, 1 / np.sqrt(a), (a, b)))
        if mod.BIAS:
            params.append(rng.normal(0, 0.1, (b,)))
    x = rng.random((n, widths[0]))
    d = rng.random((n, widths[-1]))
    return x, d, params


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def backends():
    try:
        import cupy as cp

        if cp.cuda.runtime.getDeviceCount() > 0:
            yield "cupy", cp.asarray, cp.asnumpy, lambda: cp.cuda.Device().synchronize()
    except Exception as err:  # noqa: BLE001 - report and go on
        print(f"cupy: skipped ({type(err).__name__}: {err})")
    try:
        import torch

        if torch.cuda.is_available():
            yield (
                "torch",
                lambda a: torch.as_tensor(a, device="cuda"),
                lambda t: t.detach().cpu().numpy(),
                torch.cuda.synchronize,
            )
    except Exception as err:  # noqa: BLE001
        print(f"torch: skipped ({type(err).__name__}: {err})")
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        if any(dev.platform == "gpu" for dev in jax.devices()):
            import jax.numpy as jnp

            yield "jax", jnp.asarray, np.asarray, lambda: None
    except Exception as err:  # noqa: BLE001
        print(f"jax: skipped ({type(err).__name__}: {err})")


def timed(fn, sync, repeats=50) -> float:
    fn()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def torch_step(x, d, params, eta):
    import torch

    ps = [p.clone().requires_grad_(True) for p in params]

    def step():
        h = x
        step_params = list(zip(ps[0::2], ps[1::2]))
        for W, b in step_params:
            h = torch.sigmoid(h @ W + b)
        E = 0.5 * ((d - h) ** 2).sum()
        grads = torch.autograd.grad(E, ps)
        with torch.no_grad():
            for p, g in zip(ps, grads):
                p -= eta * g

    return step


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    mod = load(path)
    x, d, params = problem(mod)
    ref_fwd = mod.forward(x, *params)
    ref_grads = mod.gradients(x, d, *params)
    ref_new = mod.update(x, d, *[p.copy() for p in params], eta=0.1)
    worst = 0.0
    for name, to, back, sync in backends():
        xs, ds, ps = to(x), to(d), [to(p) for p in params]
        fwd = mod.forward(xs, *ps)
        grads = mod.gradients(xs, ds, *ps)
        new = mod.update(xs, ds, *[to(p) for p in params], eta=0.1)
        diffs = {
            "forward": max(rel(back(a), b) for a, b in zip(fwd, ref_fwd)),
            "gradients": max(rel(back(a), b) for a, b in zip(grads, ref_grads)),
            "update": max(rel(back(a), b) for a, b in zip(new, ref_new)),
        }
        on_gpu = type(new[0]) is type(ps[0])
        worst = max(worst, *diffs.values())
        line = ", ".join(f"{k} {v:.1e}" for k, v in diffs.items())
        print(f"{name}: max relative difference from NumPy: {line}; stays on GPU: {on_gpu}")
        work = [to(p) for p in params]
        t_gen = timed(lambda xs=xs, ds=ds, w=work: mod.update(xs, ds, *w, eta=1e-6), sync)
        msg = f"{name}: generated update, batch 128, float64: {t_gen * 1e3:.3f} ms"
        if name == "torch" and mod.BIAS and len(params) % 2 == 0:
            t_ref = timed(torch_step(xs, ds, ps, 1e-6), sync)
            msg += f"; eager autograd step {t_ref * 1e3:.3f} ms; ratio {t_gen / t_ref:.2f}"
        print(msg)
    print(f"worst relative difference {worst:.1e} (limit {TOL:.0e})")
    return 0 if worst <= TOL else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

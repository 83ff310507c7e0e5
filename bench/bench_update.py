"""Speed of the generated ``update`` on the notes' 784-100-10 sigmoid network.

Run ``python bench/bench_update.py`` from the project root.  Everything is
measured side by side in one run and reported as medians and as ratios to the
obvious hand-written exact NumPy step (``w += eta * np.outer(O_j, delta_k)``
..., which allocates weight-sized temporaries):

- per sample (x of shape (784,)), float64;
- batch of 128, float64;
- batch of 128, float32, as a ratio to the generated float64 batch step;
- the in-place floor (BLAS ?ger/?gemm called directly, no module overhead);
- PyTorch CPU eager autograd, only when torch is importable.

Targets (issue 3): per sample <= 0.65x, batch <= 0.9x, float32 <= 0.6x of float64.

Candidates run round-robin (each repeat times every candidate once), so a
busy machine slows them alike.  BLAS threads default to 1 (``--threads``):
NumPy and SciPy wheels each bundle their own OpenBLAS, and on a 2-core
machine two spinning thread pools make every multi-threaded figure noise.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
if __name__ == "__main__":
    import _threads  # noqa: E402

    _threads.pin()  # before NumPy loads its BLAS

import numpy as np  # noqa: E402
from scipy.linalg import blas  # noqa: E402
from scipy.special import expit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
I, J, K = 784, 100, 10
ETA = 0.01


def load_generated(name: str = "sigmoid_sse"):
    path = ROOT / "generated" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"generated_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hand_step(x, d, v, w, eta):
    """The obvious exact step, one sample (vectors)."""
    O_j = 1 / (1 + np.exp(-(x @ v)))
    O_k = 1 / (1 + np.exp(-(O_j @ w)))
    delta_k = (d - O_k) * O_k * (1 - O_k)
    delta_j = O_j * (1 - O_j) * (w @ delta_k)
    w += eta * np.outer(O_j, delta_k)
    v += eta * np.outer(x, delta_j)


def hand_step_batch(x, d, v, w, eta):
    """The obvious exact step, a batch of rows."""
    O_j = 1 / (1 + np.exp(-(x @ v)))
    O_k = 1 / (1 + np.exp(-(O_j @ w)))
    delta_k = (d - O_k) * O_k * (1 - O_k)
    delta_j = O_j * (1 - O_j) * (delta_k @ w.T)
    w += eta * (O_j.T @ delta_k)
    v += eta * (x.T @ delta_j)


def floor_step(x, d, v, w, eta):
    """The in-place floor: the same math with BLAS rank-1 updates called directly."""
    O_j = expit(x @ v)
    O_k = expit(O_j @ w)
    delta_k = (d - O_k) * O_k * (1 - O_k)
    delta_j = O_j * (1 - O_j) * (w @ delta_k)
    blas.dger(eta, delta_k, O_j, a=w.T, overwrite_a=True)
    blas.dger(eta, delta_j, x, a=v.T, overwrite_a=True)


def floor_step_batch(x, d, v, w, eta):
    O_j = expit(x @ v)
    O_k = expit(O_j @ w)
    delta_k = (d - O_k) * O_k * (1 - O_k)
    delta_j = O_j * (1 - O_j) * (delta_k @ w.T)
    gemm = blas.dgemm if w.dtype == np.float64 else blas.sgemm
    gemm(eta, delta_k.T, O_j.T, beta=1.0, c=w.T, trans_b=True, overwrite_c=True)
    gemm(eta, delta_j.T, x.T, beta=1.0, c=v.T, trans_b=True, overwrite_c=True)


def torch_step(torch):
    def step(x, d, v, w, eta):
        O_k = torch.sigmoid(torch.sigmoid(x @ v) @ w)
        E = 0.5 * ((d - O_k) ** 2).sum()
        E.backward()
        with torch.no_grad():
            v -= eta * v.grad
            w -= eta * w.grad
            v.grad = None
            w.grad = None

    return step


def round_robin(candidates: dict, repeat: int) -> dict:
    """Median seconds per call of each ``label: (fn, args, number)``, interleaved."""
    times: dict = {label: [] for label in candidates}
    for fn, args, _ in candidates.values():
        fn(*args)  # warm up
    for _ in range(repeat):
        for label, (fn, args, number) in candidates.items():
            start = time.perf_counter()
            for _ in range(number):
                fn(*args)
            times[label].append((time.perf_counter() - start) / number)
    return {label: statistics.median(t) for label, t in times.items()}


def case(dtype, batch: int | None, seed: int = 0):
    rng = np.random.default_rng(seed)
    shape = (I,) if batch is None else (batch, I)
    x = rng.uniform(size=shape).astype(dtype)
    d = np.full(shape[:-1] + (K,), 0.01, dtype=dtype)
    d[..., 3] = 0.99
    v = (rng.normal(size=(I, J)) * 0.05).astype(dtype)
    w = (rng.normal(size=(J, K)) * 0.1).astype(dtype)
    return x, d, v, w


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timing repeats (median taken)")
    parser.add_argument("--threads", default="1", help="BLAS threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="fewer loops, for a smoke test")
    args = parser.parse_args(argv)
    gen = load_generated()
    n_sample, n_batch = (20, 2) if args.quick else (200, 20)
    eta = (ETA,)
    per_sample = {
        "hand-written, per sample, float64": (hand_step, case(np.float64, None) + eta, n_sample),
        "generated, per sample, float64": (gen.update, case(np.float64, None) + eta, n_sample),
        "in-place floor, per sample, float64": (floor_step, case(np.float64, None) + eta, n_sample),
    }
    batch = {
        "hand-written, batch 128, float64": (hand_step_batch, case(np.float64, 128) + eta, n_batch),
        "generated, batch 128, float64": (gen.update, case(np.float64, 128) + eta, n_batch),
        "in-place floor, batch 128, float64": (
            floor_step_batch,
            case(np.float64, 128) + eta,
            n_batch,
        ),
        "generated, batch 128, float32": (gen.update, case(np.float32, 128) + eta, n_batch),
    }
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(int(args.threads))
        for group, label, size, number in (
            (per_sample, "per sample", None, n_sample),
            (batch, "batch 128", 128, n_batch),
        ):
            x, d, v, w = (torch.from_numpy(a.copy()) for a in case(np.float64, size))
            v.requires_grad_(True)
            w.requires_grad_(True)
            group[f"PyTorch eager autograd, {label}, float64"] = (
                torch_step(torch),
                (x, d, v, w, ETA),
                number,
            )
    t = {**round_robin(per_sample, args.repeat), **round_robin(batch, args.repeat)}

    hand1, handb = t["hand-written, per sample, float64"], t["hand-written, batch 128, float64"]
    genb = t["generated, batch 128, float64"]
    ratios = [
        ("generated / hand-written, per sample", t["generated, per sample, float64"] / hand1, 0.65),
        ("generated / hand-written, batch 128", genb / handb, 0.9),
        ("generated float32 / float64, batch 128", t["generated, batch 128, float32"] / genb, 0.6),
        (
            "in-place floor / hand-written, per sample",
            t["in-place floor, per sample, float64"] / hand1,
            None,
        ),
        (
            "in-place floor / hand-written, batch 128",
            t["in-place floor, batch 128, float64"] / handb,
            None,
        ),
    ]
    if torch is not None:
        ratios += [
            (
                "PyTorch / hand-written, per sample",
                t["PyTorch eager autograd, per sample, float64"] / hand1,
                None,
            ),
            (
                "PyTorch / hand-written, batch 128",
                t["PyTorch eager autograd, batch 128, float64"] / handb,
                None,
            ),
        ]
    print(
        f"784-100-10 sigmoid network, medians of {args.repeat} round-robin repeats, "
        f"{args.threads} BLAS thread(s)"
    )
    for label, seconds in t.items():
        print(f"  {label:<45} {seconds * 1e6:9.1f} us")
    print("ratios")
    for label, ratio, target in ratios:
        goal = (
            ""
            if target is None
            else f"  (target <= {target}x: {'ok' if ratio <= target else 'missed'})"
        )
        print(f"  {label:<45} {ratio:6.2f}x{goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed of the generated deep ``update`` on 784-256-128-10 sigmoid with biases, batch 128.

Run ``python bench/bench_deep.py`` from the project root.  Side by side in one
run, medians, float64, reported as ratios to the obvious hand-written NumPy
step (``W3 += eta * (O_k.T @ delta_l)``, ``b3 += eta * delta_l.sum(axis=0)``
...):

- the generated module ``generated/sigmoid_sse_784x256x128x10_bias.py``;
- PyTorch CPU eager autograd, only when torch is importable (optional: not a
  dependency of the project).

Targets (issue 6): generated <= 1.1x hand-written, and no slower than PyTorch.

Candidates run round-robin (each repeat times every candidate once).  BLAS
threads default to 1 (``--threads``), set before NumPy loads, for the reason
given in bench_update.py: NumPy and SciPy wheels each bundle an OpenBLAS, and
on a small machine two spinning thread pools make multi-threaded figures
noise.  PyTorch gets the same number of threads (``torch.set_num_threads``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
if __name__ == "__main__":
    import _threads  # noqa: E402

    _threads.pin()  # before NumPy loads its BLAS

import numpy as np  # noqa: E402
from bench_update import load_generated, round_robin  # noqa: E402

WIDTHS = (784, 256, 128, 10)
BATCH = 128
ETA = 0.01
MODULE = "sigmoid_sse_784x256x128x10_bias"


def hand_step(x, d, W1, b1, W2, b2, W3, b3, eta):
    """The obvious exact step for a batch of rows."""
    O_j = 1 / (1 + np.exp(-(x @ W1 + b1)))
    O_k = 1 / (1 + np.exp(-(O_j @ W2 + b2)))
    O_l = 1 / (1 + np.exp(-(O_k @ W3 + b3)))
    delta_l = (d - O_l) * O_l * (1 - O_l)
    delta_k = O_k * (1 - O_k) * (delta_l @ W3.T)
    delta_j = O_j * (1 - O_j) * (delta_k @ W2.T)
    W3 += eta * (O_k.T @ delta_l)
    b3 += eta * delta_l.sum(axis=0)
    W2 += eta * (O_j.T @ delta_k)
    b2 += eta * delta_k.sum(axis=0)
    W1 += eta * (x.T @ delta_j)
    b1 += eta * delta_j.sum(axis=0)


def torch_step(torch):
    def step(x, d, *params, eta):
        O = x
        for W, b in zip(params[::2], params[1::2], strict=True):
            O = torch.sigmoid(O @ W + b)
        E = 0.5 * ((d - O) ** 2).sum()
        E.backward()
        with torch.no_grad():
            for p in params:
                p -= eta * p.grad
                p.grad = None

    return step


def case(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(BATCH, WIDTHS[0]))
    d = np.full((BATCH, WIDTHS[-1]), 0.01)
    d[:, 3] = 0.99
    params = []
    for n_in, n_out in zip(WIDTHS, WIDTHS[1:], strict=False):
        params += [rng.normal(size=(n_in, n_out)) / np.sqrt(n_in), np.zeros(n_out)]
    return x, d, params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timing repeats (median taken)")
    parser.add_argument("--threads", default="1", help="BLAS threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="fewer loops, for a smoke test")
    args = parser.parse_args(argv)
    gen = load_generated(MODULE)
    number = 2 if args.quick else 10

    def with_eta(fn):
        return lambda x, d, *params: fn(x, d, *params, eta=ETA)

    x, d, params = case()
    candidates = {
        "hand-written NumPy": (with_eta(hand_step), (x, d, *params), number),
        "generated": (with_eta(gen.update), (x, d, *(p.copy() for p in params)), number),
    }
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(int(args.threads))
        tx, td = torch.from_numpy(x.copy()), torch.from_numpy(d.copy())
        tparams = [torch.from_numpy(p.copy()).requires_grad_(True) for p in params]
        candidates["PyTorch eager autograd"] = (
            with_eta(torch_step(torch)),
            (tx, td, *tparams),
            number,
        )
    t = round_robin(candidates, args.repeat)

    hand = t["hand-written NumPy"]
    print(
        f"{'-'.join(map(str, WIDTHS))} sigmoid with biases, batch {BATCH}, float64, "
        f"medians of {args.repeat} round-robin repeats, {args.threads} BLAS thread(s)"
    )
    for label, seconds in t.items():
        print(f"  {label:<28} {seconds * 1e3:8.3f} ms  {seconds / hand:5.2f}x hand-written")
    ratio = t["generated"] / hand
    verdict = "ok" if ratio <= 1.1 else "missed"
    print(f"generated / hand-written: {ratio:.2f}x (target <= 1.1x: {verdict})")
    if torch is not None:
        vs = t["generated"] / t["PyTorch eager autograd"]
        verdict = "ok" if vs <= 1.0 else "missed"
        print(f"generated / PyTorch eager: {vs:.2f}x (target <= 1.0x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

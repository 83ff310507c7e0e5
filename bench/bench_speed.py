"""The speed matrix of the generated modules, in one command.

Run ``python bench/bench_speed.py`` from the project root (``--quick``: a smoke
run of a few seconds a configuration, NumPy only).  For each BLAS configuration

- default threads, OPENBLAS_CORETYPE as set in this environment;
- default threads, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (a current NumPy
  as users have it);
- OPENBLAS_NUM_THREADS=1 (and OMP/MKL_NUM_THREADS=1);

it starts one subprocess that times, round-robin (each repeat times every
candidate once, so a busy machine slows them alike),

- the generated ``update`` (``generated/sigmoid_sse.py``, 784-100-10, and
  ``generated/sigmoid_sse_784x256x128x10_bias.py``),
- the hand-written plain exact NumPy step (``oj = σ(x v)``, ``ok = σ(oj w)``,
  ``δk``, ``δj``, ``w += η ojᵀ δk``, ``v += η xᵀ δj``: weight-sized temporaries,
  not tuned),
- PyTorch CPU eager autograd and a jitted JAX step, where installed (not with
  ``--quick``),

per sample and for a batch of 128, in float64 and float32; and a second "mixed"
subprocess where generated and hand-written steps alternate call by call in one
process.  It also times the modules' input checks alone, the step's matrix
products alone (a floor for any NumPy step that computes them with NumPy's
BLAS), and ``derive train``'s throughput (samples/s, 784-100-10, 60,000
synthetic rows, one epoch) against the same loop with a PyTorch eager step.

Every figure is a median over the stated repeats; ratios compare candidates
measured side by side in the same process.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ETA = 0.01

CONFIGS = {
    "default threads, CORETYPE as set": ({}, ()),
    "default threads, CORETYPE unset": ({}, ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")),
    "OPENBLAS_NUM_THREADS=1": (
        {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
        (),
    ),
}
NETS = {
    "784-100-10": ("sigmoid_sse", (784, 100, 10), False),
    "784-256-128-10+b": ("sigmoid_sse_784x256x128x10_bias", (784, 256, 128, 10), True),
}
SIZES = {"per sample": None, "batch 128": 128}
DTYPES = ("float64", "float32")


# -- the candidates (run inside a worker) --------------------------------------------------


def load_generated(name: str):
    path = ROOT / "generated" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"generated_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case(widths, bias: bool, batch, dtype, seed: int = 0):
    """Inputs, targets and parameters (weights, then a bias after each with ``bias``)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = (widths[0],) if batch is None else (batch, widths[0])
    x = rng.uniform(size=shape).astype(dtype)
    d = np.full(shape[:-1] + (widths[-1],), 0.01, dtype=dtype)
    d[..., 3] = 0.99
    params = []
    for n_in, n_out in zip(widths, widths[1:], strict=False):
        params.append((rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)).astype(dtype))
        if bias:
            params.append(np.zeros(n_out, dtype=dtype))
    return x, d, params


def hand_step(x, d, params, eta, bias: bool):
    """The plain exact step: sigmoid layers, sse, weight-sized temporaries."""
    import numpy as np

    weights = params[::2] if bias else params
    biases = params[1::2] if bias else [None] * len(weights)
    outs = [x]
    for W, b in zip(weights, biases, strict=True):
        net = outs[-1] @ W if b is None else outs[-1] @ W + b
        outs.append(1 / (1 + np.exp(-net)))
    O = outs[-1]
    delta = (d - O) * O * (1 - O)
    for layer in range(len(weights) - 1, -1, -1):
        W, b, O_in = weights[layer], biases[layer], outs[layer]
        back = None
        if layer:
            back = O_in * (1 - O_in) * (W @ delta if x.ndim == 1 else delta @ W.T)
        W += eta * (np.outer(O_in, delta) if x.ndim == 1 else O_in.T @ delta)
        if b is not None:
            b += eta * (delta if x.ndim == 1 else delta.sum(axis=0))
        delta = back


def products_step(x, params, bias: bool):
    """The matrix products of the plain step alone, on fixed operands: each layer's
    ``O @ W``, each hidden layer's ``delta @ W.T`` and each weight's ``O_in.T @ delta``
    (``np.outer`` for one sample) -- what any NumPy step computes, whatever it does
    around them."""
    import numpy as np

    weights = params[::2] if bias else params
    outs = [x]
    for W in weights:
        outs.append(outs[-1] @ W)
    deltas = outs[1:]  # operands of the right shapes; the values do not change the time

    def step():
        for O, W in zip(outs, weights, strict=False):
            O @ W
        for W, delta in zip(weights[1:], deltas[1:], strict=True):
            delta @ W.T if x.ndim == 2 else W @ delta
        for O, delta in zip(outs, deltas, strict=False):
            np.outer(O, delta) if x.ndim == 1 else O.T @ delta

    return step


def torch_step(torch, bias: bool):
    def step(x, d, params, eta):
        O = x
        weights = params[::2] if bias else params
        biases = params[1::2] if bias else [None] * len(weights)
        for W, b in zip(weights, biases, strict=True):
            O = torch.sigmoid(O @ W if b is None else O @ W + b)
        E = 0.5 * ((d - O) ** 2).sum()
        E.backward()
        with torch.no_grad():
            for p in params:
                p -= eta * p.grad
                p.grad = None

    return step


def jax_step(jax, bias: bool):
    jnp = jax.numpy

    def loss(params, x, d):
        O = x
        weights = params[::2] if bias else params
        biases = params[1::2] if bias else [None] * len(weights)
        for W, b in zip(weights, biases, strict=True):
            O = jax.nn.sigmoid(O @ W if b is None else O @ W + b)
        return 0.5 * jnp.sum((d - O) ** 2)

    @jax.jit
    def step(params, x, d, eta):
        grads = jax.grad(loss)(params, x, d)
        return [p - eta * g for p, g in zip(params, grads, strict=True)]

    return step


def candidates(net: str, size: str, dtype: str, library: str) -> dict:
    """``label: zero-argument step`` for one cell of the matrix and one library."""
    name, widths, bias = NETS[net]
    x, d, params = case(widths, bias, SIZES[size], dtype)
    if library == "numpy":
        gen = load_generated(name)
        gx, gd, gparams = case(widths, bias, SIZES[size], dtype)
        return {
            "generated": (
                (lambda: gen.update(gx, gd, *gparams, ETA))
                if not bias
                else (lambda: gen.update(gx, gd, *gparams, eta=ETA))
            ),
            "hand-written": lambda: hand_step(x, d, params, ETA, bias),
            "input checks": lambda: gen._check(gx, gd, *gparams),
            "matrix products": products_step(x, params, bias),
        }
    if library == "torch":
        import torch

        tx, td = (torch.from_numpy(a.copy()) for a in (x, d))
        tparams = [torch.from_numpy(p.copy()).requires_grad_(True) for p in params]
        step = torch_step(torch, bias)
        return {"PyTorch eager": lambda: step(tx, td, tparams, ETA)}
    import jax

    jax.config.update("jax_enable_x64", True)
    jx, jd = (jax.numpy.asarray(a) for a in (x, d))
    state = {"params": [jax.numpy.asarray(p) for p in params]}
    jstep = jax_step(jax, bias)

    def run_jax():
        state["params"] = jstep(state["params"], jx, jd, ETA)
        state["params"][0].block_until_ready()

    return {"JAX jit": run_jax}


def round_robin(steps: dict, repeat: int, number: int) -> dict:
    """Median seconds per call of each step, each repeat timing every step once."""
    times: dict = {label: [] for label in steps}
    for fn in steps.values():
        fn()  # warm up (JAX compiles here)
    order = list(steps)
    for n in range(repeat):
        for label in order[n % len(order) :] + order[: n % len(order)]:  # rotated
            fn = steps[label]
            start = time.perf_counter()
            for _ in range(number):
                fn()
            times[label].append((time.perf_counter() - start) / number)
    return {label: statistics.median(t) for label, t in times.items()}


def interleaved(steps: dict, repeat: int, number: int) -> dict:
    """Median seconds per call when the steps alternate call by call (the "mixed" process)."""
    times: dict = {label: [] for label in steps}
    for fn in steps.values():
        fn()
    for _ in range(repeat * number):
        for label, fn in steps.items():
            start = time.perf_counter()
            fn()
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(t) for label, t in times.items()}


def worker(mode: str, repeat: int, quick: bool) -> dict:
    """One process's measurements: ``numpy`` (generated, hand-written and the input
    checks round-robin), ``mixed`` (generated and hand-written alternating call by
    call), ``torch`` or ``jax`` (that library alone in its process)."""
    results = {}
    for net in NETS:
        for size in SIZES:
            for dtype in DTYPES:
                number = (2 if quick else 40) if SIZES[size] is None else (1 if quick else 5)
                library = "numpy" if mode == "mixed" else mode
                steps = candidates(net, size, dtype, library)
                if mode == "mixed":
                    steps = {k: steps[k] for k in ("generated", "hand-written")}
                    got = interleaved(steps, repeat, number)
                else:
                    got = round_robin(steps, repeat, number)
                results[f"{net}|{size}|{dtype}"] = got
    return results


def installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


# -- derive train's throughput ----------------------------------------------------------------


def train_worker(rows: int, batches: tuple[int, ...], library: str) -> dict:
    """Samples per second of one epoch: ``derive.training.train`` (``numpy``) or the same
    loop with a PyTorch eager step (``torch``), each library in its own process."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from derive import training as T

    rng = np.random.default_rng(0)
    x = rng.uniform(0.01, 1.0, size=(rows, 784))
    labels = rng.integers(0, 10, size=rows)
    out = {}
    for batch in batches:
        if library == "numpy":
            data = T.Data(x, labels, x[:500], labels[:500], "synthetic")
            module = T.generated_module("sigmoid", None, "sse")
            history = T.train(module, data, hidden=100, epochs=1, eta=0.3, batch=batch)
            out[f"derive train, batch {batch}"] = rows / history.seconds[0]
            continue
        import torch

        tx = torch.from_numpy(x)
        td = torch.from_numpy(T.targets(labels))
        v0, w0 = T.initial_weights(784, 100, 10, 0)
        v = torch.from_numpy(v0).requires_grad_(True)
        w = torch.from_numpy(w0).requires_grad_(True)
        order = T.batches(rows, batch, np.random.default_rng(1))
        start = time.perf_counter()
        for idx in order:
            xb, db = (tx[int(idx[0])], td[int(idx[0])]) if len(idx) == 1 else (tx[idx], td[idx])
            O_k = torch.sigmoid(torch.sigmoid(xb @ v) @ w)
            E = 0.5 * ((db - O_k) ** 2).sum()
            E.backward()
            with torch.no_grad():
                v -= 0.3 / len(idx) * v.grad
                w -= 0.3 / len(idx) * w.grad
                v.grad = None
                w.grad = None
        out[f"PyTorch eager, batch {batch}"] = rows / (time.perf_counter() - start)
    return out


# -- the parent: one subprocess per configuration, then the table ------------------------------


def spawn(config: str, args: list[str]) -> dict:
    setting, unset = CONFIGS[config]
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(setting)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker for {config!r} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def blas_in_use() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    import numpy  # noqa: F401

    return ", ".join(
        f"{i['internal_api']} {i.get('version')} {i.get('architecture')} x{i['num_threads']}"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    )


def fmt_us(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e6:,.0f}"


def fmt_x(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def table(results: dict, repeat: int, quick: bool) -> list[str]:
    lines = [
        f"medians of {repeat} repeats a cell; times in microseconds per update; generated, "
        "hand-written and input checks side by side in one process (rotating round-robin); "
        "'mixed': generated and hand-written alternating call by call in another; PyTorch "
        "and JAX each alone in its own process",
        "",
        "| configuration | network | case | generated | hand-written | gen/hand "
        "| mixed gen/hand | input checks | matrix products / hand | PyTorch | gen/PyTorch "
        "| JAX jit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for config in CONFIGS:
        blocks, mixed = results[config]["numpy"], results[config]["mixed"]
        for key, got in blocks.items():
            net, size, dtype = key.split("|")
            gen, hand = got["generated"], got["hand-written"]
            mix = mixed[key]
            torch_t = results[config].get("torch", {}).get(key, {}).get("PyTorch eager")
            jax_t = results[config].get("jax", {}).get(key, {}).get("JAX jit")
            lines.append(
                f"| {config} | {net} | {size}, {dtype} | {fmt_us(gen)} | {fmt_us(hand)} "
                f"| {fmt_x(gen / hand)} | {fmt_x(mix['generated'] / mix['hand-written'])} "
                f"| {fmt_us(got['input checks'])} ({100 * got['input checks'] / gen:.0f} %) "
                f"| {fmt_x(got['matrix products'] / hand)} "
                f"| {fmt_us(torch_t)} | {fmt_x(gen / torch_t if torch_t else None)} "
                f"| {fmt_us(jax_t)} |"
            )
    lines += ["", "float32 / float64, generated update (same process):", ""]
    lines += ["| configuration | network | per sample | batch 128 |", "|---|---|---|---|"]
    for config in CONFIGS:
        blocks = results[config]["numpy"]
        for net in NETS:
            cells = []
            for size in SIZES:
                f64 = blocks[f"{net}|{size}|float64"]["generated"]
                f32 = blocks[f"{net}|{size}|float32"]["generated"]
                cells.append(fmt_x(f32 / f64))
            lines.append(f"| {config} | {net} | {' | '.join(cells)} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=None, help="repeats a cell (median taken)")
    parser.add_argument("--quick", action="store_true", help="smoke run: few repeats, NumPy only")
    parser.add_argument(
        "--worker",
        choices=("numpy", "mixed", "torch", "jax", "train", "train-torch"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    repeat = args.repeat or (2 if args.quick else 15)
    rows, batches = (1_000, (1, 128)) if args.quick else (60_000, (1, 128))
    if args.worker in ("train", "train-torch"):
        library = "torch" if args.worker == "train-torch" else "numpy"
        print(json.dumps(train_worker(rows, batches, library)))
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, repeat, args.quick)))
        return 0

    common = ["--repeat", str(repeat)] + (["--quick"] if args.quick else [])
    modes = ["numpy", "mixed"]
    if not args.quick:
        modes += [lib for lib in ("torch", "jax") if installed(lib)]
    results = {}
    for config in CONFIGS:
        results[config] = {mode: spawn(config, ["--worker", mode, *common]) for mode in modes}
    print(f"python bench/bench_speed.py{' --quick' if args.quick else ''}; BLAS: {blas_in_use()}")
    print(
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, {os.cpu_count()} CPUs"
    )
    print("\n".join(table(results, repeat, args.quick)))
    train = spawn("default threads, CORETYPE as set", ["--worker", "train", *common])
    if "torch" in modes:
        train |= spawn("default threads, CORETYPE as set", ["--worker", "train-torch", *common])
    print(f"\nthroughput, one epoch of {rows:,} synthetic rows, 784-100-10 (default threads):\n")
    print("| loop | samples/s |")
    print("|---|---|")
    for label, rate in train.items():
        print(f"| {label} | {rate:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

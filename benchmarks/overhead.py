"""Per-op overhead and MLP training-step speed: scratchdl vs PyTorch, in one run.

Two models, each trained with a hand-written SGD update (no optimizer classes):

* tiny:  2-16-16-1 tanh MLP, batch 64, BCE-with-logits. A handful of tiny ops per step, so this
         measures the cost of building and walking the graph, not arithmetic.
* large: 784-512-512-10 ReLU MLP, batch 128, softmax cross-entropy. Dominated by matrix
         multiplies; the "GEMM limit" column is the step's FLOPs over the machine's measured
         float32 matmul speed (1.0 would be a step made only of perfectly efficient GEMMs).

Both frameworks get 2 threads. Rounds alternate between them (the machine is shared and noisy);
the table reports the median over rounds and the spread (min-max) of the per-round medians.

Run: python benchmarks/overhead.py [--rounds 7] [--steps 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _timing import median_ms  # noqa: E402  (benchmarks/ is on sys.path when run)

import scratchdl as sd  # noqa: E402
from scratchdl.nn import functional as F  # noqa: E402

torch.set_num_threads(2)


def init_weights(sizes: list[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
        b = rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)
        layers.append((w, b))
    return layers


def data(kind: str, seed: int = 1):
    rng = np.random.default_rng(seed)
    if kind == "tiny":
        x = rng.standard_normal((64, 2)).astype(np.float32)
        y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)
        return x, y
    x = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    return x, y


def scratchdl_step(kind: str, lr: float = 0.01):
    params = [
        (sd.tensor(w, requires_grad=True), sd.tensor(b, requires_grad=True))
        for w, b in init_weights([2, 16, 16, 1] if kind == "tiny" else [784, 512, 512, 10])
    ]
    x_np, y_np = data(kind)
    x, y = sd.tensor(x_np), sd.tensor(y_np)
    activation = sd.tanh if kind == "tiny" else F.relu
    flat = [p for layer in params for p in layer]

    def step():
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = activation(h)
        if kind == "tiny":
            loss = F.binary_cross_entropy_with_logits(h, y)
        else:
            loss = F.cross_entropy(h, y)
        for p in flat:
            p.grad = None
        loss.backward()
        for p in flat:
            p.data -= lr * p.grad.data
        return loss

    return step


def torch_step(kind: str, lr: float = 0.01):
    params = [
        (torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
        for w, b in init_weights([2, 16, 16, 1] if kind == "tiny" else [784, 512, 512, 10])
    ]
    x_np, y_np = data(kind)
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    activation = torch.tanh if kind == "tiny" else torch.relu
    flat = [p for layer in params for p in layer]

    def step():
        h = x
        for i, (w, b) in enumerate(params):
            h = h @ w + b
            if i < len(params) - 1:
                h = activation(h)
        if kind == "tiny":
            loss = torch.nn.functional.binary_cross_entropy_with_logits(h, y)
        else:
            loss = torch.nn.functional.cross_entropy(h, y)
        for p in flat:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in flat:
                p -= lr * p.grad
        return loss

    return step


def gemm_gflops() -> float:
    """Measured float32 matmul speed of NumPy on this machine (GFLOP/s, 2 threads)."""
    a = np.random.default_rng(0).standard_normal((512, 512)).astype(np.float32)
    b = a.copy()
    for _ in range(5):
        a @ b
    best = min(_timed(lambda: a @ b) for _ in range(30))
    return 2 * 512**3 / best / 1e9


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def large_step_flops(batch: int = 128, sizes=(784, 512, 512, 10)) -> float:
    # forward 1 GEMM per layer, backward 2 (input gradient skipped for the first layer)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    forward = sum(2 * batch * i * o for i, o in pairs)
    backward = 2 * forward - 2 * batch * pairs[0][0] * pairs[0][1]
    return forward + backward


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200, help="timed steps per round (tiny)")
    args = parser.parse_args()

    gflops = gemm_gflops()
    print(f"NumPy float32 GEMM (512^3, 2 threads): {gflops:.1f} GFLOP/s")
    print(f"numpy {np.__version__}, torch {torch.__version__}, scratchdl {sd.__version__}\n")
    rows = []
    for kind, steps in (("tiny", args.steps), ("large", max(args.steps // 10, 10))):
        ours, theirs = scratchdl_step(kind), torch_step(kind)
        for _ in range(max(steps // 5, 3)):  # warm-up
            ours()
            theirs()
        ours_rounds, theirs_rounds = [], []
        for _ in range(args.rounds):  # alternate frameworks round by round
            ours_rounds.append(median_ms(ours, steps))
            theirs_rounds.append(median_ms(theirs, steps))
        rows.append((kind, ours_rounds, theirs_rounds))

    header = f"{'model':<8}{'scratchdl ms':>14}{'torch ms':>12}{'ratio':>8}  {'spread (ms)':<28}"
    print(header + f"{'GEMM limit':>11}")
    for kind, ours_rounds, theirs_rounds in rows:
        ours, theirs = statistics.median(ours_rounds), statistics.median(theirs_rounds)
        spread = (
            f"{min(ours_rounds):.3f}-{max(ours_rounds):.3f} / "
            f"{min(theirs_rounds):.3f}-{max(theirs_rounds):.3f}"
        )
        limit = ""
        if kind == "large":
            limit = f"{large_step_flops() / (gflops * 1e9) / (ours / 1e3):.2f}"
        print(
            f"{kind:<8}{ours:>14.3f}{theirs:>12.3f}{ours / theirs:>8.2f}  {spread:<28}{limit:>11}"
        )
    print("\nratio = scratchdl / torch (<= 1.0 means scratchdl is at least as fast)")


if __name__ == "__main__":
    main()

"""conv2d speed: scratchdl vs PyTorch (``F.conv2d``), forward and forward+backward.

Three float32 shapes, no bias:

* small:  x (64, 16, 32, 32), W (32, 16, 3, 3), padding 1 (a first CNN layer on CIFAR)
* resnet: x (32, 64, 32, 32), W (64, 64, 3, 3), padding 1 (a ResNet-18-CIFAR block conv)
* stride2: x (32, 64, 32, 32), W (128, 64, 3, 3), stride 2, padding 1 (a downsampling conv)

"fwd" times the forward alone (no graph recorded in either framework); "fwd+bwd" times the
forward, ``y.sum()`` and a backward that produces both dx and dW. Both frameworks get 2 threads.
Rounds alternate between them (the machine is shared and noisy); the table reports the median
over rounds and the spread (min-max) of the per-round medians.

Run: python benchmarks/conv.py [--rounds 7] [--steps 10]
"""

from __future__ import annotations

import argparse
import os
import statistics

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _timing import median_ms  # noqa: E402  (benchmarks/ is on sys.path when run)

import scratchdl as sd  # noqa: E402
from scratchdl.nn import functional as F  # noqa: E402

torch.set_num_threads(2)

SHAPES = {
    "small": ((64, 16, 32, 32), (32, 16, 3, 3), {"padding": 1}),
    "resnet": ((32, 64, 32, 32), (64, 64, 3, 3), {"padding": 1}),
    "stride2": ((32, 64, 32, 32), (128, 64, 3, 3), {"stride": 2, "padding": 1}),
}


def arrays(name: str, seed: int = 0):
    xs, ws, kw = SHAPES[name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(xs).astype(np.float32)
    w = (rng.standard_normal(ws) / np.sqrt(np.prod(ws[1:]))).astype(np.float32)
    return x, w, kw


def scratchdl_fns(name: str):
    x_np, w_np, kw = arrays(name)
    x, w = sd.tensor(x_np, requires_grad=True), sd.tensor(w_np, requires_grad=True)

    def forward():
        with sd.no_grad():
            return F.conv2d(x, w, **kw)

    def step():
        x.grad = w.grad = None
        F.conv2d(x, w, **kw).sum().backward()

    return forward, step


def torch_fns(name: str):
    x_np, w_np, kw = arrays(name)
    x, w = torch.tensor(x_np, requires_grad=True), torch.tensor(w_np, requires_grad=True)

    def forward():
        with torch.no_grad():
            return torch.nn.functional.conv2d(x, w, **kw)

    def step():
        x.grad = w.grad = None
        torch.nn.functional.conv2d(x, w, **kw).sum().backward()

    return forward, step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10, help="timed calls per round")
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    args = parser.parse_args()

    print(f"numpy {np.__version__}, torch {torch.__version__}, scratchdl {sd.__version__}\n")
    rows = []
    for name in args.shapes:
        ours, theirs = scratchdl_fns(name), torch_fns(name)
        for kind, index in (("fwd", 0), ("fwd+bwd", 1)):
            for _ in range(3):  # warm-up
                ours[index]()
                theirs[index]()
            ours_rounds, theirs_rounds = [], []
            for _ in range(args.rounds):  # alternate frameworks round by round
                ours_rounds.append(median_ms(ours[index], args.steps))
                theirs_rounds.append(median_ms(theirs[index], args.steps))
            rows.append((name, kind, ours_rounds, theirs_rounds))

    header = f"{'shape':<9}{'pass':<9}{'scratchdl ms':>14}{'torch ms':>12}{'ratio':>8}  "
    print(header + "spread (ms)")
    for name, kind, ours_rounds, theirs_rounds in rows:
        ours, theirs = statistics.median(ours_rounds), statistics.median(theirs_rounds)
        spread = (
            f"{min(ours_rounds):.2f}-{max(ours_rounds):.2f} / "
            f"{min(theirs_rounds):.2f}-{max(theirs_rounds):.2f}"
        )
        print(f"{name:<9}{kind:<9}{ours:>14.2f}{theirs:>12.2f}{ours / theirs:>8.2f}  {spread}")
    print("\nratio = scratchdl / torch (<= 1.0 means scratchdl is at least as fast)")


if __name__ == "__main__":
    main()

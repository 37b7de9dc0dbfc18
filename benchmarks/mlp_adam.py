"""A 784-512-512-10 MLP from nn.Linear/nn.ReLU trained with optim.Adam: scratchdl vs PyTorch.

Same architecture, same initial weights (PyTorch's are loaded into scratchdl through
``load_state_dict``), same batch (128 samples, softmax cross-entropy), both frameworks on 2
threads. A step is forward, loss, zero_grad, backward and Adam's update. Rounds alternate between
the frameworks; the table shows medians over rounds, their spread, and the time of the optimizer
step alone (which must not build graphs or allocate more than it needs).

Run: python benchmarks/mlp_adam.py [--rounds 7] [--steps 30]
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
from scratchdl import nn, optim  # noqa: E402

torch.set_num_threads(2)


def models():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(784, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 10),
    )
    ours = nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)
    )
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def batch():
    rng = np.random.default_rng(1)
    return rng.standard_normal((128, 784)).astype(np.float32), rng.integers(0, 10, 128)


def scratchdl_step(model):
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x_np, y_np = batch()
    x, y = sd.tensor(x_np), sd.tensor(y_np)

    def step():
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step, opt.step


def torch_step(model):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_np, y_np = batch()
    x, y = torch.tensor(x_np), torch.tensor(y_np)

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step, opt.step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()

    ours_model, theirs_model = models()
    ours, ours_update = scratchdl_step(ours_model)
    theirs, theirs_update = torch_step(theirs_model)
    for _ in range(5):  # warm-up (also creates Adam's state)
        ours()
        theirs()
    rounds = {"step": ([], []), "optimizer.step": ([], [])}
    for _ in range(args.rounds):
        rounds["step"][0].append(median_ms(ours, args.steps))
        rounds["step"][1].append(median_ms(theirs, args.steps))
        rounds["optimizer.step"][0].append(median_ms(ours_update, args.steps))
        rounds["optimizer.step"][1].append(median_ms(theirs_update, args.steps))

    print(f"numpy {np.__version__}, torch {torch.__version__}, scratchdl {sd.__version__}")
    print(f"{'what':<16}{'scratchdl ms':>14}{'torch ms':>12}{'ratio':>8}  spread (ms)")
    for name, (mine, other) in rounds.items():
        a, b = statistics.median(mine), statistics.median(other)
        spread = f"{min(mine):.2f}-{max(mine):.2f} / {min(other):.2f}-{max(other):.2f}"
        print(f"{name:<16}{a:>14.3f}{b:>12.3f}{a / b:>8.2f}  {spread}")
    print("\nratio = scratchdl / torch (<= 1.0 means scratchdl is at least as fast)")


if __name__ == "__main__":
    main()

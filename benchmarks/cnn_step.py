"""CNN training-step speed and peak memory: scratchdl vs PyTorch, LeNet-5 and ResNet-18.

Two models, the same weights in both frameworks (PyTorch's initial weights are loaded into
scratchdl through ``load_state_dict``), one training step = forward, cross-entropy, zero_grad,
backward and an SGD-with-momentum update:

* lenet:    ``scratchdl.models.LeNet5``, input (64, 1, 28, 28), 10 classes
* resnet18: ``scratchdl.models.resnet18(stem="cifar")``, input (32, 3, 32, 32), 10 classes

Time: both frameworks get 2 threads. Each framework runs in child processes of its own, and the
scratchdl children never load PyTorch (in one process, PyTorch's OpenMP threads spin-wait after
each call and take the cores from NumPy's BLAS threads: LeNet-5's step measured 4.9 ms without
torch loaded and 8-10 ms with it). The initial weights travel from PyTorch to both children as
an .npz file. The children alternate between the frameworks, and the table reports the median
over all rounds of each round's median step time.

Memory: in the same child processes (so neither framework sees the other's allocator), the
child loads the model, notes its resident set, runs three training steps, then reports
``VmHWM`` (the kernel's peak resident set) minus that baseline: what training needs beyond the
weights, i.e. gradients, the optimizer's momentum, the activations saved for backward and every
temporary (im2col buffers included), at its highest point.

Run: python benchmarks/cnn_step.py [--models lenet resnet18] [--rounds 5] [--steps 5]
[--children 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
from _timing import median_ms  # noqa: E402  (benchmarks/ is on sys.path when run)

import scratchdl as sd  # noqa: E402
from scratchdl import models  # noqa: E402
from scratchdl import nn as snn  # noqa: E402
from scratchdl import optim as soptim  # noqa: E402

BATCH = {"lenet": (64, 1, 28, 28), "resnet18": (32, 3, 32, 32)}


def write_initial_weights(name: str, path: str) -> None:
    """PyTorch's initial weights (seed 0) for ``name``, as NumPy arrays in an .npz file."""
    import torch
    from _torch_models import torch_model

    torch.manual_seed(0)
    state = torch_model(name).state_dict()
    np.savez(path, **{key: value.detach().numpy() for key, value in state.items()})


def load_model(framework: str, name: str, weights: str):
    with np.load(weights) as arrays:
        state = {key: arrays[key] for key in arrays.files}
    if framework == "scratchdl":
        model = models.LeNet5() if name == "lenet" else models.resnet18(10, stem="cifar")
        model.load_state_dict(state)
        return model
    import torch
    from _torch_models import torch_model

    model = torch_model(name)
    model.load_state_dict({key: torch.from_numpy(value) for key, value in state.items()})
    return model


def batch(name: str):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(BATCH[name]).astype(np.float32)
    y = rng.integers(0, 10, size=BATCH[name][0])
    return x, y


def scratchdl_step(model, name: str):
    x_np, y_np = batch(name)
    x, y = sd.tensor(x_np), sd.tensor(y_np)
    opt = soptim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = snn.CrossEntropyLoss()

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def torch_step(model, name: str):
    import torch

    torch.set_num_threads(2)
    x_np, y_np = batch(name)
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def run_child(framework: str, name: str, weights: str, rounds: int, steps: int) -> dict:
    """In a child process: peak memory of training above the built model, and step times.

    The first three steps are the memory measurement (and the warm-up); then ``rounds`` rounds
    of ``steps`` timed steps, whose per-round medians are returned.
    """
    model = load_model(framework, name, weights)
    baseline = _rss_kib("VmRSS")
    make_step = scratchdl_step if framework == "scratchdl" else torch_step
    step = make_step(model, name)
    for _ in range(3):
        step()
    peak = (_rss_kib("VmHWM") - baseline) / 1024
    return {"peak_mib": peak, "round_ms": [median_ms(step, steps) for _ in range(rounds)]}


def in_child(framework: str, name: str, weights: str, rounds: int, steps: int) -> dict:
    command = [sys.executable, __file__, "--child", framework, name, weights]
    command += ["--rounds", str(rounds), "--steps", str(steps)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(BATCH), choices=list(BATCH))
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per child process")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per round")
    parser.add_argument("--children", type=int, default=2, help="child processes per framework")
    parser.add_argument("--child", nargs=3, metavar=("FRAMEWORK", "MODEL", "WEIGHTS"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(*args.child, args.rounds, args.steps)))
        return

    import torch

    print(f"numpy {np.__version__}, torch {torch.__version__}, scratchdl {sd.__version__}\n")
    print(
        f"{'model':<10}{'scratchdl ms':>13}{'torch ms':>10}{'ratio':>7}"
        f"{'peak MiB (sd / torch)':>24}{'ratio':>7}"
    )
    folder = tempfile.mkdtemp(prefix="cnn_step_")
    for name in args.models:
        weights = os.path.join(folder, f"{name}.npz")
        write_initial_weights(name, weights)
        results = {"scratchdl": [], "torch": []}
        for _ in range(args.children):  # alternate the frameworks' child processes
            for framework in results:
                run = in_child(framework, name, weights, args.rounds, args.steps)
                results[framework].append(run)
        times = {fw: [t for r in runs for t in r["round_ms"]] for fw, runs in results.items()}
        peaks = {fw: max(r["peak_mib"] for r in runs) for fw, runs in results.items()}
        ours, theirs = statistics.median(times["scratchdl"]), statistics.median(times["torch"])
        peak = f"{peaks['scratchdl']:.0f} / {peaks['torch']:.0f}"
        print(
            f"{name:<10}{ours:>13.1f}{theirs:>10.1f}{ours / theirs:>7.2f}"
            f"{peak:>24}{peaks['scratchdl'] / max(peaks['torch'], 1e-9):>7.2f}"
        )
        spread = (
            f"{min(times['scratchdl']):.1f}-{max(times['scratchdl']):.1f} / "
            f"{min(times['torch']):.1f}-{max(times['torch']):.1f}"
        )
        print(f"{'':<10}spread of round medians (ms): {spread}")
    print("\nratio = scratchdl / torch (<= 1.0 means scratchdl is at least as fast / as small)")


if __name__ == "__main__":
    main()

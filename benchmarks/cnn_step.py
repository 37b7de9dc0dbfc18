"""CNN training-step speed and peak memory: scratchdl vs PyTorch, LeNet-5 and ResNet-18.

Two models, the same weights in both frameworks (PyTorch's initial weights are loaded into
scratchdl through ``load_state_dict``), one training step = forward, cross-entropy, zero_grad,
backward and an SGD-with-momentum update:

* lenet:    ``scratchdl.models.LeNet5``, input (64, 1, 28, 28), 10 classes
* resnet18: ``scratchdl.models.resnet18(stem="cifar")``, input (32, 3, 32, 32), 10 classes

Time: both frameworks get 2 threads. Each framework runs in child processes of its own (in one
process, the BLAS threads of one framework spin-wait after its calls and steal the cores from
the other's threads, which made the in-process numbers swing by 2x); the children alternate
between the frameworks, and the table reports the median over all rounds of each round's
median step time.

Memory: in the same child processes (so neither framework sees the other's allocator), the
child builds the model (both frameworks' copies, as ``build`` does), notes
its resident set, runs three training steps, then reports ``VmHWM`` (the kernel's peak
resident set) minus that baseline: what training needs beyond the weights, i.e. gradients, the
optimizer's momentum, the activations saved for backward and every temporary (im2col buffers
included), at its highest point.

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

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _timing import median_ms  # noqa: E402  (benchmarks/ is on sys.path when run)
from torch import nn as tnn  # noqa: E402

import scratchdl as sd  # noqa: E402
from scratchdl import models  # noqa: E402
from scratchdl import nn as snn  # noqa: E402
from scratchdl import optim as soptim  # noqa: E402

torch.set_num_threads(2)

BATCH = {"lenet": (64, 1, 28, 28), "resnet18": (32, 3, 32, 32)}


class TorchLeNet5(tnn.Module):
    """The same layers as ``scratchdl.models.LeNet5`` (and so the same state-dict keys)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = tnn.Sequential(
            tnn.Conv2d(1, 6, 5, padding=2),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
            tnn.Conv2d(6, 16, 5),
            tnn.ReLU(),
            tnn.MaxPool2d(2),
        )
        self.classifier = tnn.Sequential(
            tnn.Flatten(),
            tnn.Linear(16 * 5 * 5, 120),
            tnn.ReLU(),
            tnn.Linear(120, 84),
            tnn.ReLU(),
            tnn.Linear(84, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class TorchBasicBlock(tnn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = tnn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(cout)
        self.relu = tnn.ReLU()
        self.conv2 = tnn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = tnn.Sequential(
                tnn.Conv2d(cin, cout, 1, stride, bias=False), tnn.BatchNorm2d(cout)
            )

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class TorchResNet18Cifar(tnn.Module):
    """torchvision's resnet18 layout with the CIFAR stem (3x3/1 conv, no max-pool)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = tnn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU()
        self.maxpool = tnn.Identity()
        widths, cin = (64, 128, 256, 512), 64
        for index, width in enumerate(widths, start=1):
            stride = 1 if index == 1 else 2
            blocks = [TorchBasicBlock(cin, width, stride), TorchBasicBlock(width, width, 1)]
            setattr(self, f"layer{index}", tnn.Sequential(*blocks))
            cin = width
        self.avgpool = tnn.AdaptiveAvgPool2d(1)
        self.fc = tnn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for index in range(1, 5):
            x = getattr(self, f"layer{index}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build(name: str):
    """(scratchdl model, torch model) with identical weights."""
    torch.manual_seed(0)
    if name == "lenet":
        theirs, ours = TorchLeNet5(), models.LeNet5()
    else:
        theirs, ours = TorchResNet18Cifar(), models.resnet18(num_classes=10, stem="cifar")
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def batch(name: str):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(BATCH[name]).astype(np.float32)
    y = rng.integers(0, 10, size=BATCH[name][0])
    return x, y


def scratchdl_step(name: str, model=None):
    model = model if model is not None else build(name)[0]
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


def torch_step(name: str, model=None):
    model = model if model is not None else build(name)[1]
    x_np, y_np = batch(name)
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = tnn.CrossEntropyLoss()

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


def run_child(framework: str, name: str, rounds: int, steps: int) -> dict:
    """In a child process: peak memory of training above the built model, and step times.

    The first three steps are the memory measurement (and the warm-up); then ``rounds`` rounds
    of ``steps`` timed steps, whose per-round medians are returned.
    """
    ours, theirs = build(name)
    model = ours if framework == "scratchdl" else theirs
    baseline = _rss_kib("VmRSS")
    step = scratchdl_step(name, model) if framework == "scratchdl" else torch_step(name, model)
    for _ in range(3):
        step()
    peak = (_rss_kib("VmHWM") - baseline) / 1024
    return {"peak_mib": peak, "round_ms": [median_ms(step, steps) for _ in range(rounds)]}


def in_child(framework: str, name: str, rounds: int, steps: int) -> dict:
    command = [sys.executable, __file__, "--child", framework, name]
    command += ["--rounds", str(rounds), "--steps", str(steps)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(BATCH), choices=list(BATCH))
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per child process")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per round")
    parser.add_argument("--children", type=int, default=2, help="child processes per framework")
    parser.add_argument("--child", nargs=2, metavar=("FRAMEWORK", "MODEL"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(*args.child, args.rounds, args.steps)))
        return

    print(f"numpy {np.__version__}, torch {torch.__version__}, scratchdl {sd.__version__}\n")
    print(
        f"{'model':<10}{'scratchdl ms':>13}{'torch ms':>10}{'ratio':>7}"
        f"{'peak MiB (sd / torch)':>24}{'ratio':>7}"
    )
    for name in args.models:
        results = {"scratchdl": [], "torch": []}
        for _ in range(args.children):  # alternate the frameworks' child processes
            for framework in results:
                results[framework].append(in_child(framework, name, args.rounds, args.steps))
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

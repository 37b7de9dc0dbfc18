"""CNN training-step speed and peak memory: scratchdl vs PyTorch, LeNet-5 and ResNet-18.

Two models, the same weights in both frameworks (PyTorch's initial weights are loaded into
scratchdl through ``load_state_dict``), one training step = forward, cross-entropy, zero_grad,
backward and an SGD-with-momentum update:

* lenet:    ``scratchdl.models.LeNet5``, input (64, 1, 28, 28), 10 classes
* resnet18: ``scratchdl.models.resnet18(stem="cifar")``, input (32, 3, 32, 32), 10 classes

Time: both frameworks get 2 threads; rounds alternate between them (the machine is shared and
noisy) and the table reports the median over rounds of each round's median step time.

Memory: each framework runs in a child process of its own (so neither sees the other's
allocator). The child builds the model (both frameworks' copies, as ``build`` does), notes
its resident set, runs three training steps, then reports ``VmHWM`` (the kernel's peak
resident set) minus that baseline: what training needs beyond the weights, i.e. gradients, the
optimizer's momentum, the activations saved for backward and every temporary (im2col buffers
included), at its highest point.

Run: python benchmarks/cnn_step.py [--models lenet resnet18] [--rounds 5] [--steps 5]
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


def measure_memory(framework: str, name: str) -> dict[str, float]:
    """Run in a child process: the peak resident set of training, above the built model's."""
    ours, theirs = build(name)
    model = ours if framework == "scratchdl" else theirs
    baseline = _rss_kib("VmRSS")
    step = scratchdl_step(name, model) if framework == "scratchdl" else torch_step(name, model)
    for _ in range(3):
        step()
    return {"peak_mib": (_rss_kib("VmHWM") - baseline) / 1024}


def memory_in_child(framework: str, name: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--memory-child", framework, name]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(BATCH), choices=list(BATCH))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per round")
    parser.add_argument("--memory-child", nargs=2, metavar=("FRAMEWORK", "MODEL"))
    args = parser.parse_args()
    if args.memory_child:
        print(json.dumps(measure_memory(*args.memory_child)))
        return

    print(f"numpy {np.__version__}, torch {torch.__version__}, scratchdl {sd.__version__}\n")
    rows = []
    for name in args.models:
        ours_model, theirs_model = build(name)
        ours, theirs = scratchdl_step(name, ours_model), torch_step(name, theirs_model)
        for _ in range(2):  # warm-up
            ours()
            theirs()
        ours_rounds, theirs_rounds = [], []
        for _ in range(args.rounds):
            ours_rounds.append(median_ms(ours, args.steps))
            theirs_rounds.append(median_ms(theirs, args.steps))
        memory = {fw: memory_in_child(fw, name) for fw in ("scratchdl", "torch")}
        rows.append((name, ours_rounds, theirs_rounds, memory))

    print(
        f"{'model':<10}{'scratchdl ms':>13}{'torch ms':>10}{'ratio':>7}"
        f"{'peak MiB (sd / torch)':>24}{'ratio':>7}"
    )
    for name, ours_rounds, theirs_rounds, memory in rows:
        ours, theirs = statistics.median(ours_rounds), statistics.median(theirs_rounds)
        m_sd, m_t = memory["scratchdl"]["peak_mib"], memory["torch"]["peak_mib"]
        peak = f"{m_sd:.0f} / {m_t:.0f}"
        print(
            f"{name:<10}{ours:>13.1f}{theirs:>10.1f}{ours / theirs:>7.2f}"
            f"{peak:>24}{m_sd / max(m_t, 1e-9):>7.2f}"
        )
        spread = (
            f"{min(ours_rounds):.1f}-{max(ours_rounds):.1f} / "
            f"{min(theirs_rounds):.1f}-{max(theirs_rounds):.1f}"
        )
        print(f"{'':<10}spread of round medians (ms): {spread}")
    print("\nratio = scratchdl / torch (<= 1.0 means scratchdl is at least as fast / as small)")


if __name__ == "__main__":
    main()

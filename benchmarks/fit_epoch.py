"""One full training epoch through ``scratchdl.train.fit``, data loading included, vs PyTorch.

Two models, each trained with Adam and softmax cross-entropy for one epoch over a shuffled
DataLoader of a TensorDataset:

* digits: the ``digits`` recipe's 64-256-128-10 ReLU MLP on scikit-learn's digits (the 1,438
          training images), batch 64, lr 2e-3: 23 small steps, so per-step overhead shows.
* large:  a 784-512-512-10 ReLU MLP on 8,192 random samples, batch 128, lr 1e-3: 64 steps
          dominated by matrix multiplies.

scratchdl runs ``fit(model, loss, optimizer, DataLoader(TensorDataset(x, y), shuffle=True),
epochs=1)``; PyTorch runs the same loop written out (``torch.utils.data.TensorDataset`` and
``DataLoader(shuffle=True)``, forward, loss, zero_grad, backward, step, and the running loss read
with ``loss.item()`` as ``fit`` does). PyTorch's usual DataLoader reads a TensorDataset sample by
sample and stacks the samples with ``default_collate``, where scratchdl's fancy-indexes one batch
at once; the "torch batched" column gives PyTorch that same batched fetch (a ``BatchSampler``
over a ``RandomSampler`` as the sampler, ``batch_size=None``), to show how much of the gap is data
loading. Same architecture, same initial weights (PyTorch's state dict loaded into scratchdl),
same data, float32, 2 threads each; only the shuffled orders differ. Rounds alternate between the
frameworks (the machine is shared and noisy); in each round each loop's time is the median of
``--repeats`` epochs, and the table shows the median over rounds and the spread (min-max) of the
per-round medians.

Run: python benchmarks/fit_epoch.py [--rounds 7] [--repeats 3]
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
import torch.utils.data  # noqa: E402
from _timing import median_ms  # noqa: E402  (benchmarks/ is on sys.path when run)

import scratchdl as sd  # noqa: E402
from scratchdl import nn, optim  # noqa: E402
from scratchdl.data import DataLoader, TensorDataset  # noqa: E402
from scratchdl.data.datasets import load_digits  # noqa: E402
from scratchdl.train import fit  # noqa: E402

torch.set_num_threads(2)

# name: (layer sizes, batch size, learning rate)
CASES = {
    "digits": ([64, 256, 128, 10], 64, 2e-3),
    "large": ([784, 512, 512, 10], 128, 1e-3),
}


def data(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "digits":
        x, y = load_digits("train", seed=0).arrays
        return x, y
    rng = np.random.default_rng(1)
    return rng.standard_normal((8192, 784)).astype(np.float32), rng.integers(0, 10, 8192)


def models(sizes: list[int]):
    torch.manual_seed(0)
    theirs, ours = [], []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        theirs.append(torch.nn.Linear(fan_in, fan_out))
        ours.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            theirs.append(torch.nn.ReLU())
            ours.append(nn.ReLU())
    theirs, ours = torch.nn.Sequential(*theirs), nn.Sequential(*ours)
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def scratchdl_epoch(name: str):
    sizes, batch_size, lr = CASES[name]
    model, _ = models(sizes)
    x, y = data(name)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=0)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=lr)

    def epoch():
        return fit(model, loss_fn, optimizer, loader, epochs=1, progress=False)["loss"][-1]

    return epoch


def torch_epoch(name: str, batched_fetch: bool = False):
    sizes, batch_size, lr = CASES[name]
    _, model = models(sizes)
    x, y = data(name)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    generator = torch.Generator().manual_seed(0)
    if batched_fetch:  # one dataset[indices] per batch, as scratchdl's loader does
        sampler = torch.utils.data.BatchSampler(
            torch.utils.data.RandomSampler(dataset, generator=generator), batch_size, False
        )
        loader = torch.utils.data.DataLoader(dataset, sampler=sampler, batch_size=None)
    else:  # the usual loader: sample by sample, then default_collate stacks them
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=batch_size, shuffle=True, generator=generator
        )
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def epoch():
        model.train()
        total_loss, seen = 0.0, 0
        for xb, yb in loader:
            output = model(xb)
            loss = loss_fn(output, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            n = len(xb)
            total_loss += loss.item() * n
            seen += n
        return total_loss / seen

    return epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per round")
    args = parser.parse_args()

    results = {}
    for name in CASES:
        ours, theirs = scratchdl_epoch(name), torch_epoch(name)
        batched = torch_epoch(name, batched_fetch=True)
        first = ours(), theirs(), batched()  # warm-up (also creates Adam's state)
        mine, other, other_batched = [], [], []
        for _ in range(args.rounds):
            mine.append(median_ms(ours, args.repeats))
            other.append(median_ms(theirs, args.repeats))
            other_batched.append(median_ms(batched, args.repeats))
        results[name] = (mine, other, other_batched, first)

    print(f"numpy {np.__version__}, torch {torch.__version__}, scratchdl {sd.__version__}")
    print(
        f"{'epoch':<8}{'scratchdl ms':>13}{'torch ms':>10}{'ratio':>7}"
        f"{'torch batched ms':>18}{'ratio':>7}  spread (ms): scratchdl / torch / batched"
    )
    for name, (mine, other, other_batched, _) in results.items():
        a, b, c = (statistics.median(t) for t in (mine, other, other_batched))
        spread = " / ".join(f"{min(t):.1f}-{max(t):.1f}" for t in (mine, other, other_batched))
        print(f"{name:<8}{a:>13.1f}{b:>10.1f}{a / b:>7.2f}{c:>18.1f}{a / c:>7.2f}  {spread}")
    print("\nratio = scratchdl / torch (<= 1.0 means scratchdl is at least as fast)")
    print(
        "first-epoch loss (scratchdl / torch / torch batched; shuffles differ): "
        + ", ".join(f"{n} " + " / ".join(f"{v:.4f}" for v in r[3]) for n, r in results.items())
    )


if __name__ == "__main__":
    main()

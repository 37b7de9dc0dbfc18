"""Train a 2-layer network on XOR with scratchdl's autograd, and watch the loss fall.

XOR is the classic problem a single linear layer cannot solve: the four points (0,0)->0, (0,1)->1,
(1,0)->1, (1,1)->0 are not separable by a line. One hidden tanh layer bends the space enough.

This is the explicit five-line loop every framework shares: forward, loss, zero the gradients,
backward, update. Run: python examples/xor.py
"""

from __future__ import annotations

import scratchdl as sd
from scratchdl.nn import functional as F


def main(steps: int = 2000, hidden: int = 8, lr: float = 0.5, seed: int = 0) -> float:
    sd.manual_seed(seed)
    x = sd.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = sd.tensor([[0.0], [1.0], [1.0], [0.0]])

    # Weights of shape (in, out) so that a layer is h @ w + b; small random start breaks symmetry.
    w1 = (sd.randn(2, hidden) * 1.0).requires_grad_()
    b1 = sd.zeros(hidden, requires_grad=True)
    w2 = (sd.randn(hidden, 1) * 1.0).requires_grad_()
    b2 = sd.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]

    for step in range(steps + 1):
        logits = sd.tanh(x @ w1 + b1) @ w2 + b2  # forward
        loss = F.binary_cross_entropy_with_logits(logits, y)  # loss
        for p in params:  # zero the gradients
            p.grad = None
        loss.backward()  # backward
        with sd.no_grad():  # update (plain gradient descent)
            for p in params:
                p.data -= lr * p.grad.data
        if step % (steps // 10) == 0:
            print(f"step {step:5d}  loss {loss.item():.4f}")

    probabilities = F.sigmoid(sd.tanh(x @ w1 + b1) @ w2 + b2)
    print("predictions:", [round(p, 3) for p in probabilities.data.ravel().tolist()])
    print("targets:    ", y.data.ravel().tolist())
    return loss.item()


if __name__ == "__main__":
    main()

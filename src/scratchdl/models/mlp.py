"""MLP: the multilayer perceptron, a chain of fully connected layers with a nonlinearity between.

``MLP([40, 100, 100, 10])`` is Linear(40, 100), ReLU, Linear(100, 100), ReLU, Linear(100, 10):
the output layer has no activation, so it returns logits for a cross-entropy loss. It is a
``Sequential``, so the state-dict keys are PyTorch's (``0.weight``, ``2.weight``, ...).

Reference: Rumelhart, Hinton & Williams, "Learning representations by back-propagating errors",
Nature 1986; the MNIST-1D baseline MLP of Greydanus, "Scaling Down Deep Learning", 2020.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scratchdl import nn
from scratchdl.models._checks import check_positive_int

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}


class MLP(nn.Sequential):
    """Fully connected layers of the given ``sizes`` with ``activation`` between them.

    Parameters
    ----------
    sizes : sequence of int
        Input size, hidden sizes, output size: at least two numbers.
    activation : str or callable
        A name from ``ACTIVATIONS`` ('relu', 'tanh', ...) or a function returning a new layer
        (``nn.ReLU``, ``lambda: nn.LeakyReLU(0.2)``); a fresh one goes after every hidden layer.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.models import MLP
    >>> model = MLP([40, 100, 100, 10])
    >>> model(sd.zeros(8, 40)).shape
    (8, 10)
    >>> [name for name, _ in model.named_parameters()][:3]
    ['0.weight', '0.bias', '2.weight']
    """

    def __init__(
        self, sizes: Sequence[int], activation: str | Callable[[], nn.Module] = "relu"
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
            raise ValueError(
                "MLP: sizes must list the input size, any hidden sizes and the output size, at "
                f"least two numbers such as [40, 100, 10]; received sizes={sizes!r}."
            )
        sizes = [check_positive_int("MLP", "every entry of sizes", size) for size in sizes]
        make_activation = _activation(activation)
        layers: list[nn.Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            if index > 0:
                layers.append(make_activation())
            layers.append(nn.Linear(fan_in, fan_out))
        super().__init__(*layers)
        self.sizes = tuple(sizes)


def _activation(activation) -> Callable[[], nn.Module]:
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"MLP: unknown activation={activation!r}; expected one of "
                f"{', '.join(map(repr, ACTIVATIONS))}, or a function returning a layer such as "
                "nn.ReLU."
            )
        return ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(
            "MLP: activation must be a name such as 'relu' or a function returning a layer "
            f"(nn.ReLU); received {type(activation).__name__}."
        )
    return activation

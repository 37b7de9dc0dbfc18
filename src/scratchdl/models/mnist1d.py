"""The MNIST-1D CNN: three strided 1-D convolutions and a linear classifier.

    input (N, 40), read as one channel (N, 1, 40)
    conv1: Conv1d(1, 25, kernel 5, stride 2, padding 1) -> ReLU      (N, 25, 19)
    conv2: Conv1d(25, 25, kernel 3, stride 2, padding 1) -> ReLU     (N, 25, 10)
    conv3: Conv1d(25, 25, kernel 3, stride 2, padding 1) -> ReLU     (N, 25, 5)
    flatten -> linear: Linear(125, num_classes)

5,210 parameters. The MNIST-1D paper reports about 94% test accuracy for it, against 32% for
logistic regression and 68% for an MLP of 100 hidden units, a gap that shows the value of the
convolutions' translation invariance on a task small enough to train on a CPU in seconds.
The kernels are the reference code's (5, then 3 and 3); the names (conv1..conv3, linear) too.

Reference: S. Greydanus, "Scaling down Deep Learning", 2020 (arXiv:2011.14439), the "ConvBase"
model of github.com/greydanus/mnist1d.
"""

from __future__ import annotations

from scratchdl import nn
from scratchdl.models._checks import check_positive_int
from scratchdl.ops.conv import conv_output_size
from scratchdl.tensor import Tensor


class MNIST1DCNN(nn.Module):
    """The MNIST-1D CNN for sequences of ``input_length`` values (40 in the dataset).

    Accepts (N, input_length) or (N, 1, input_length); returns logits (N, num_classes).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.models import MNIST1DCNN
    >>> model = MNIST1DCNN()
    >>> model(sd.zeros(8, 40)).shape, model.num_parameters()
    ((8, 10), 5210)
    """

    def __init__(self, num_classes: int = 10, channels: int = 25, input_length: int = 40) -> None:
        super().__init__()
        num_classes = check_positive_int("MNIST1DCNN", "num_classes", num_classes)
        channels = check_positive_int("MNIST1DCNN", "channels", channels)
        self.input_length = check_positive_int("MNIST1DCNN", "input_length", input_length)
        if input_length < 3:
            raise ValueError(
                "MNIST1DCNN: input_length must be at least 3 (the first kernel of 5 with "
                f"padding 1 needs 3 values); received input_length={input_length}."
            )
        self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        length = self.input_length
        for conv in (self.conv1, self.conv2, self.conv3):
            length = conv_output_size(length, conv.kernel_size[0], 2, 1)  # 40 -> 19 -> 10 -> 5
        self.linear = nn.Linear(channels * length, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 2:
            x = x.unsqueeze(1)  # (N, L) -> (N, 1, L): one input channel
        if x.ndim != 3 or x.shape[1:] != (1, self.input_length):
            raise ValueError(
                f"MNIST1DCNN: expected sequences of shape (N, {self.input_length}) or "
                f"(N, 1, {self.input_length}); received {tuple(x.shape)}. help: the model was "
                f"built for input_length={self.input_length}; a single sequence needs a batch "
                "axis, x.unsqueeze(0)."
            )
        x = self.conv1(x).relu()
        x = self.conv2(x).relu()
        x = self.conv3(x).relu()
        return self.linear(x.flatten(1))  # (N, 25, 5) -> (N, 125) -> (N, num_classes)

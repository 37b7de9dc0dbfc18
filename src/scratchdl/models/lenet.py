"""LeNet-5: two convolution + pooling stages, then three fully connected layers.

    input (N, C, S, S)
    conv 5x5, 6 channels -> ReLU -> max-pool 2x2          (N, 6, S1, S1)
    conv 5x5, 16 channels -> ReLU -> max-pool 2x2         (N, 16, S2, S2)
    flatten -> Linear 120 -> ReLU -> Linear 84 -> ReLU -> Linear num_classes

Differences from the 1998 original, as in most modern re-implementations: ReLU instead of the
scaled tanh, max-pooling instead of trainable sub-sampling, a full connection between the two
conv stages, and a plain linear output layer (logits for cross-entropy) instead of the RBF units.

Input sizes. The original reads 32 x 32 images (S1 = 14, S2 = 5). For smaller images the first
conv is zero-padded by 2 ("same"), which gives MNIST's 28 x 28 exactly the original geometry.
When the map after the first stage is too small for an unpadded 5x5 conv and a 2x2 pool (below
6 pixels, as for scikit-learn's 8 x 8 digits: 8 -> 4), the second conv is padded by 2 as well
(8 -> 8 -> 4 -> 4 -> 2). The first Linear layer's size follows from these: 16 · S2 · S2.

Reference: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
document recognition", Proc. IEEE 86(11), 1998.
"""

from __future__ import annotations

from scratchdl import nn
from scratchdl.models._checks import check_images, check_positive_int
from scratchdl.tensor import Tensor


def _stage(in_channels: int, out_channels: int, padding: int) -> tuple[nn.Module, ...]:
    """conv 5x5 -> ReLU -> max-pool 2x2: the size S becomes (S + 2·padding - 4) // 2."""
    return nn.Conv2d(in_channels, out_channels, 5, padding=padding), nn.ReLU(), nn.MaxPool2d(2)


class LeNet5(nn.Module):
    """LeNet-5 for ``input_size`` x ``input_size`` images with ``in_channels`` channels.

    The first conv is padded ("same") for inputs smaller than 32 (see the module docstring),
    the second when its input is smaller than 6. Layers: ``features`` (the two conv stages) and
    ``classifier`` (Flatten and the three Linear layers); initialised with the layers' defaults.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.models import LeNet5
    >>> LeNet5()(sd.zeros(2, 1, 28, 28)).shape
    (2, 10)
    >>> LeNet5(input_size=8).classifier[1]
    Linear(in_features=64, out_features=120, bias=True)
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, input_size: int = 28) -> None:
        super().__init__()
        self.in_channels = check_positive_int("LeNet5", "in_channels", in_channels)
        num_classes = check_positive_int("LeNet5", "num_classes", num_classes)
        self.input_size = check_positive_int("LeNet5", "input_size", input_size)
        if input_size < 4:
            raise ValueError(
                f"LeNet5: input_size must be at least 4 (two 2x2 poolings need 4 pixels); "
                f"received input_size={input_size}."
            )
        pad1 = 0 if input_size >= 32 else 2  # "same" padding below the original 32 x 32
        size1 = (input_size + 2 * pad1 - 4) // 2
        pad2 = 0 if size1 >= 6 else 2  # an unpadded 5x5 conv would leave less than 2 to pool
        size2 = (size1 + 2 * pad2 - 4) // 2
        self.features = nn.Sequential(*_stage(self.in_channels, 6, pad1), *_stage(6, 16, pad2))
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, 16, S2, S2) -> (N, 16·S2·S2)
            nn.Linear(16 * size2 * size2, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        check_images("LeNet5", x, self.in_channels, self.input_size)
        return self.classifier(self.features(x))

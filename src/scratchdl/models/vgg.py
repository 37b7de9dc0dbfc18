"""SmallVGG: a VGG-style CNN for small images (CIFAR-10 size by default).

    input (N, C, S, S)
    for each width w in ``widths``:                    one block per width
        conv 3x3 (padding 1) -> BatchNorm2d -> ReLU      twice: two 3x3 convs see 5x5 of the
        conv 3x3 (padding 1) -> BatchNorm2d -> ReLU      input with fewer weights than one 5x5
        max-pool 2x2                                     halves S
    global average pool -> flatten -> Linear num_classes

The VGG recipe (stacks of 3x3 convs, width doubling as the resolution halves) with two modern
changes: batch normalisation after every conv, which makes the net train fast with a large
learning rate (the convs then carry no bias: BatchNorm's shift replaces it), and global average
pooling instead of VGG's large fully connected layers, so the classifier has few parameters.
Initialised with the layers' defaults (PyTorch's).

References: K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", ICLR 2015; S. Ioffe, C. Szegedy, "Batch Normalization", ICML 2015; M. Lin, Q. Chen,
S. Yan, "Network In Network", ICLR 2014 (global average pooling).
"""

from __future__ import annotations

from collections.abc import Sequence

from scratchdl import nn
from scratchdl.models._checks import check_images, check_positive_int
from scratchdl.tensor import Tensor


def conv_bn_relu(in_channels: int, out_channels: int) -> list[nn.Module]:
    """3x3 conv (size-preserving, no bias) -> BatchNorm2d -> ReLU."""
    return [
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    ]


class SmallVGG(nn.Module):
    """A VGG-style CNN: one block of two conv-BN-ReLU and a 2x2 max-pool per entry of ``widths``.

    ``input_size`` is the image side the net is built for; the forward pass checks it (global
    average pooling would accept other sizes, but a wrong size is usually a wrong dataset). It
    must survive one halving per block: input_size >= 2 ** len(widths). Layers: ``features``
    (a Sequential of blocks, each a Sequential), ``pool`` and ``classifier``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.models import SmallVGG
    >>> model = SmallVGG(widths=(8, 16), input_size=16)
    >>> model(sd.zeros(2, 3, 16, 16)).shape
    (2, 10)
    """

    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 10,
        widths: Sequence[int] = (32, 64, 128),
        input_size: int = 32,
    ) -> None:
        super().__init__()
        self.in_channels = check_positive_int("SmallVGG", "in_channels", in_channels)
        num_classes = check_positive_int("SmallVGG", "num_classes", num_classes)
        self.input_size = check_positive_int("SmallVGG", "input_size", input_size)
        if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or not widths:
            raise ValueError(
                "SmallVGG: widths must list the channels of each block, such as (32, 64, 128); "
                f"received widths={widths!r}."
            )
        widths = tuple(check_positive_int("SmallVGG", "every width", w) for w in widths)
        if input_size < 2 ** len(widths):
            raise ValueError(
                f"SmallVGG: {len(widths)} blocks halve the image {len(widths)} times, so "
                f"input_size must be at least {2 ** len(widths)}; received "
                f"input_size={input_size}. help: use fewer widths or larger images."
            )
        blocks, channels = [], self.in_channels
        for width in widths:
            layers = conv_bn_relu(channels, width) + conv_bn_relu(width, width)
            blocks.append(nn.Sequential(*layers, nn.MaxPool2d(2)))  # (N, w, S, S) -> S // 2
            channels = width
        self.features = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)  # (N, w, s, s) -> (N, w, 1, 1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        check_images("SmallVGG", x, self.in_channels, self.input_size)
        x = self.pool(self.features(x))
        return self.classifier(x.flatten(1))  # (N, w, 1, 1) -> (N, w) -> (N, num_classes)

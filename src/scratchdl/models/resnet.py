"""ResNet-18: residual blocks, whose layers learn a correction F(x) added to their input.

    y = relu(F(x) + shortcut(x)),   F = conv3x3 -> BN -> ReLU -> conv3x3 -> BN     (BasicBlock)

With z = F(x) + x the sum before the last ReLU, the chain rule gives dL/dx = dL/dz +
(dF/dx)ᵀ·dL/dz: the first term reaches the block's input unchanged, however small the second,
which is what makes 18 to 152 layers trainable. Where a block changes the width or
the resolution, the shortcut is a 1x1 conv (stride 2) + BN, the "downsample" (option B of the
paper).

    stem: conv1 -> bn1 -> relu -> maxpool                      (N, 64, H/4, W/4) for "imagenet"
    layer1: 2 blocks, 64 channels,  stride 1
    layer2: 2 blocks, 128 channels, stride 2 (first block)
    layer3: 2 blocks, 256 channels, stride 2
    layer4: 2 blocks, 512 channels, stride 2                   (N, 512, H/32, W/32)
    avgpool (global) -> flatten -> fc                          (N, num_classes)

Two stems. "imagenet" (the paper's): 7x7 conv, stride 2, padding 3, then a 3x3 max-pool, stride
2, padding 1: a 224 x 224 image reaches layer1 at 56 x 56. "cifar": one 3x3 conv, stride 1,
padding 1, and no max-pool (``maxpool`` is an ``Identity``, so the state-dict keys stay the
same): a 32 x 32 image would be 1 x 1 after the ImageNet stem and layer4, far too little.

Attribute names, parameter shapes and ``state_dict()`` keys are exactly torchvision's
``resnet18`` (``conv1.weight``, ``bn1.running_mean``, ``layer2.0.downsample.0.weight``, ...,
``fc.bias``), so its weights load with ``load_state_dict``. Convs carry no bias (the BN after
each supplies the shift).

Initialisation, as torchvision's: every conv weight from kaiming_normal_ with mode "fan_out"
and the ReLU gain (std = √(2 / (C_out·KH·KW))), BatchNorm weight 1 and bias 0, the final Linear
with its default (uniform in ±1/√512). ``zero_init_residual=True`` also zeroes each block's
last BN weight, so every block starts as the identity (Goyal et al., 2017).

References: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition",
CVPR 2016; torchvision.models.resnet (the layout followed here); P. Goyal et al., "Accurate,
Large Minibatch SGD: Training ImageNet in 1 Hour", 2017.
"""

from __future__ import annotations

from collections.abc import Sequence

from scratchdl import nn
from scratchdl.models._checks import check_images, check_positive_int
from scratchdl.nn import init
from scratchdl.tensor import Tensor

STEMS = ("imagenet", "cifar")
STAGE_WIDTHS = (64, 128, 256, 512)


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """3x3 conv with padding 1 (size-preserving at stride 1), no bias."""
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


def conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """1x1 conv, no bias: mixes channels only (the downsampling shortcut)."""
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).

    ``conv1`` has the block's stride; ``shortcut`` is ``downsample`` (a module that matches the
    output shape, e.g. 1x1 conv + BN) or the identity when it is None. Shapes: input
    (N, in_channels, H, W), output (N, out_channels, H / stride, W / stride).
    """

    expansion = 1  # output channels per ``out_channels`` (4 in the Bottleneck of ResNet-50)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
    ) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()  # no parameters: one module serves both places
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class ResNet(nn.Module):
    """A ResNet of BasicBlocks: a stem, four stages of ``layers[i]`` blocks, pooling and ``fc``.

    Parameters
    ----------
    layers : sequence of 4 ints
        Blocks per stage: (2, 2, 2, 2) is ResNet-18, (3, 4, 6, 3) ResNet-34.
    num_classes : int
        Outputs of the final Linear layer ``fc``.
    stem : {'imagenet', 'cifar'}
        7x7/2 conv + 3x3/2 max-pool for large images, or a 3x3/1 conv for 32 x 32 ones.
    in_channels : int
        Channels of the input images.
    zero_init_residual : bool
        Start every block as the identity (its last BN weight 0).

    Input: images (N, in_channels, H, W) of any size (the global average pool adapts).
    """

    def __init__(
        self,
        layers: Sequence[int] = (2, 2, 2, 2),
        num_classes: int = 1000,
        stem: str = "imagenet",
        in_channels: int = 3,
        zero_init_residual: bool = False,
    ) -> None:
        super().__init__()
        if stem not in STEMS:
            raise ValueError(
                f"ResNet: stem must be 'imagenet' (7x7/2 conv and max-pool, for large images) or "
                f"'cifar' (3x3/1 conv, for 32 x 32 images); received stem={stem!r}."
            )
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or len(layers) != 4:
            raise ValueError(
                "ResNet: layers must give the number of blocks in each of the 4 stages, such as "
                f"(2, 2, 2, 2) for ResNet-18; received layers={layers!r}."
            )
        blocks_per_stage = [
            check_positive_int("ResNet", "every entry of layers", n) for n in layers
        ]
        self.in_channels = check_positive_int("ResNet", "in_channels", in_channels)
        num_classes = check_positive_int("ResNet", "num_classes", num_classes)
        self.stem = stem

        if stem == "imagenet":
            self.conv1 = nn.Conv2d(self.in_channels, 64, 7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = conv3x3(self.in_channels, 64)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1) if stem == "imagenet" else nn.Identity()
        channels = 64
        for index, (width, num_blocks) in enumerate(zip(STAGE_WIDTHS, blocks_per_stage)):
            stride = 1 if index == 0 else 2  # every stage after the first halves H and W
            setattr(self, f"layer{index + 1}", _stage(channels, width, num_blocks, stride))
            channels = width * BasicBlock.expansion
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)
        self.reset_parameters(zero_init_residual)

    def reset_parameters(self, zero_init_residual: bool = False) -> None:
        """torchvision's initialisation (see the module docstring)."""
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                init.ones_(module.weight)
                init.zeros_(module.bias)
        if zero_init_residual:
            for module in self.modules():
                if isinstance(module, BasicBlock):
                    init.zeros_(module.bn2.weight)

    def forward(self, x: Tensor) -> Tensor:
        check_images("ResNet", x, self.in_channels)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))  # (N, 64, H/4, W/4) ImageNet stem
        x = self.layer1(x)  # (N, 64, ...)
        x = self.layer2(x)  # (N, 128, ... / 2)
        x = self.layer3(x)  # (N, 256, ... / 4)
        x = self.layer4(x)  # (N, 512, ... / 8)
        x = self.avgpool(x)  # (N, 512, 1, 1)
        return self.fc(x.flatten(1))  # (N, 512) -> (N, num_classes)

    def extra_repr(self) -> str:
        return f"stem={self.stem!r}"


def _stage(in_channels: int, width: int, num_blocks: int, stride: int) -> nn.Sequential:
    """``num_blocks`` BasicBlocks; the first one changes the stride and width, with a 1x1
    conv + BN shortcut when the shape changes."""
    downsample = None
    if stride != 1 or in_channels != width * BasicBlock.expansion:
        downsample = nn.Sequential(
            conv1x1(in_channels, width * BasicBlock.expansion, stride),
            nn.BatchNorm2d(width * BasicBlock.expansion),
        )
    blocks = [BasicBlock(in_channels, width, stride, downsample)]
    blocks += [BasicBlock(width, width) for _ in range(num_blocks - 1)]
    return nn.Sequential(*blocks)


def resnet18(num_classes: int = 1000, stem: str = "imagenet", in_channels: int = 3) -> ResNet:
    """ResNet-18 (11,689,512 parameters with 1000 classes and the ImageNet stem).

    ``stem="cifar"`` for 32 x 32 images (see the module docstring). The state-dict keys and
    shapes are torchvision's ``resnet18(num_classes=num_classes)``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.models import resnet18
    >>> model = resnet18(num_classes=10, stem="cifar")
    >>> model.num_parameters()
    11173962
    >>> model(sd.zeros(2, 3, 32, 32)).shape
    (2, 10)
    """
    return ResNet((2, 2, 2, 2), num_classes=num_classes, stem=stem, in_channels=in_channels)

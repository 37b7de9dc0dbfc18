"""The model zoo: ready architectures, one readable file each, built from ``scratchdl.nn``.

==============  ======================  ====================================================
model           file                    what it is
==============  ======================  ====================================================
MLP             models/mlp.py           Linear layers with an activation between them
LeNet5          models/lenet.py         LeCun et al. 1998: 2 conv + pool stages, 3 Linear
SmallVGG        models/vgg.py           VGG-style conv-BN-ReLU blocks, global average pool
MNIST1DCNN      models/mnist1d.py       the 3-layer Conv1d net of the MNIST-1D paper
ResNet          models/resnet.py        He et al. 2016, BasicBlocks, torchvision's layout
resnet18        models/resnet.py        ResNet-18 with an ImageNet or a CIFAR stem
==============  ======================  ====================================================

Each file's docstring draws the architecture with its shapes and gives the references. Every
model returns logits (no softmax: the loss applies it) and checks the shape of its input with an
error that says what it expected.
"""

from scratchdl.models.lenet import LeNet5
from scratchdl.models.mlp import MLP
from scratchdl.models.mnist1d import MNIST1DCNN
from scratchdl.models.resnet import BasicBlock, ResNet, resnet18
from scratchdl.models.vgg import SmallVGG

__all__ = ["BasicBlock", "LeNet5", "MLP", "MNIST1DCNN", "ResNet", "SmallVGG", "resnet18"]

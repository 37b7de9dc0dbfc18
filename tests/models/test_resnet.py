"""Tests of models.resnet: torchvision's resnet18 layout, and parity with a PyTorch ResNet-18.

torchvision is not installed, so the test writes the expected state-dict keys and shapes from
the architecture (``torchvision_resnet18_state``), and builds a PyTorch ResNet-18 with the same
attribute names as torchvision's (``_torch_resnet18``). Our model loads the PyTorch weights and
must give the same logits, parameter gradients and running statistics, in train and eval mode.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn
from scratchdl.models import BasicBlock, ResNet, resnet18
from scratchdl.nn import functional as F

WIDTHS = (64, 128, 256, 512)


def _batch_norm_entries(prefix: str, channels: int) -> list[tuple[str, tuple[int, ...]]]:
    return [
        (f"{prefix}.weight", (channels,)),
        (f"{prefix}.bias", (channels,)),
        (f"{prefix}.running_mean", (channels,)),
        (f"{prefix}.running_var", (channels,)),
        (f"{prefix}.num_batches_tracked", ()),
    ]


def torchvision_resnet18_state(num_classes: int, stem_kernel: int = 7):
    """The (key, shape) list of torchvision's resnet18(num_classes).state_dict(), in order."""
    entries = [("conv1.weight", (64, 3, stem_kernel, stem_kernel))]
    entries += _batch_norm_entries("bn1", 64)
    in_channels = 64
    for stage, width in enumerate(WIDTHS, start=1):
        for block in range(2):
            prefix = f"layer{stage}.{block}"
            block_in = in_channels if block == 0 else width
            entries.append((f"{prefix}.conv1.weight", (width, block_in, 3, 3)))
            entries += _batch_norm_entries(f"{prefix}.bn1", width)
            entries.append((f"{prefix}.conv2.weight", (width, width, 3, 3)))
            entries += _batch_norm_entries(f"{prefix}.bn2", width)
            if block == 0 and stage > 1:  # the first block of stages 2-4 halves H, W
                entries.append((f"{prefix}.downsample.0.weight", (width, in_channels, 1, 1)))
                entries += _batch_norm_entries(f"{prefix}.downsample.1", width)
        in_channels = width
    entries += [("fc.weight", (num_classes, 512)), ("fc.bias", (num_classes,))]
    return entries


def _shapes(state) -> list[tuple[str, tuple[int, ...]]]:
    return [(key, tuple(value.shape)) for key, value in state.items()]


def test_state_dict_keys_and_shapes_are_torchvisions():
    model = resnet18()
    expected = torchvision_resnet18_state(1000)
    assert _shapes(model.state_dict()) == expected
    assert len(expected) == 122  # as torchvision's resnet18 has
    assert model.num_parameters() == 11_689_512  # torchvision's published count


def test_cifar_stem_keeps_the_keys_and_changes_conv1():
    model = resnet18(num_classes=10, stem="cifar")
    assert _shapes(model.state_dict()) == torchvision_resnet18_state(10, stem_kernel=3)
    assert isinstance(model.maxpool, nn.Identity)
    assert model.conv1.stride == (1, 1) and model.conv1.padding == (1, 1)
    assert model.num_parameters() == 11_173_962


@pytest.mark.parametrize(
    "stem, size, expected_hw",
    [("imagenet", 64, [16, 16, 8, 4, 2]), ("cifar", 16, [16, 16, 8, 4, 2])],
)
def test_stage_resolutions(stem, size, expected_hw):
    model = resnet18(num_classes=5, stem=stem, in_channels=1)
    seen = []
    for name in ("maxpool", "layer1", "layer2", "layer3", "layer4"):
        getattr(model, name).register_forward_hook(lambda m, i, out: seen.append(out.shape[-1]))
    assert model(sd.zeros(2, 1, size, size)).shape == (2, 5)
    assert seen == expected_hw


def test_torchvision_initialisation():
    sd.manual_seed(0)
    model = resnet18(num_classes=10)
    conv = model.layer4[1].conv2.weight.data  # kaiming normal, fan_out = 512·3·3, ReLU gain
    assert conv.std() == pytest.approx(math.sqrt(2 / (512 * 9)), rel=0.02)
    assert abs(conv.mean()) < 0.1 * conv.std()
    assert model.conv1.weight.data.std() == pytest.approx(math.sqrt(2 / (64 * 49)), rel=0.05)
    for bn in (model.bn1, model.layer2[0].bn2, model.layer3[0].downsample[1]):
        np.testing.assert_array_equal(bn.weight.data, 1)
        np.testing.assert_array_equal(bn.bias.data, 0)
    assert np.abs(model.fc.weight.data).max() <= 1 / math.sqrt(512)  # Linear's default
    zero = ResNet(num_classes=10, zero_init_residual=True)
    assert all(
        not block.bn2.weight.data.any() for block in zero.modules() if isinstance(block, BasicBlock)
    )


def _torch_resnet18(stem: str, num_classes: int):
    """A PyTorch ResNet-18 with torchvision's attribute names (and so its state-dict keys)."""
    import torch
    from torch import nn as tnn

    class TorchBasicBlock(tnn.Module):
        def __init__(self, in_channels, width, stride):
            super().__init__()
            self.conv1 = tnn.Conv2d(in_channels, width, 3, stride, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(width)
            self.relu = tnn.ReLU()
            self.conv2 = tnn.Conv2d(width, width, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(width)
            self.downsample = None
            if stride != 1 or in_channels != width:
                self.downsample = tnn.Sequential(
                    tnn.Conv2d(in_channels, width, 1, stride, bias=False), tnn.BatchNorm2d(width)
                )

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class TorchResNet18(tnn.Module):
        def __init__(self):
            super().__init__()
            if stem == "imagenet":
                self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
            else:
                self.conv1 = tnn.Conv2d(3, 64, 3, 1, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(64)
            self.relu = tnn.ReLU()
            self.maxpool = tnn.MaxPool2d(3, 2, 1) if stem == "imagenet" else tnn.Identity()
            in_channels = 64
            for stage, width in enumerate(WIDTHS, start=1):
                stride = 1 if stage == 1 else 2
                blocks = [
                    TorchBasicBlock(in_channels, width, stride),
                    TorchBasicBlock(width, width, 1),
                ]
                setattr(self, f"layer{stage}", tnn.Sequential(*blocks))
                in_channels = width
            self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
            self.fc = tnn.Linear(512, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    torch.manual_seed(0)
    model = TorchResNet18()
    with torch.no_grad():  # non-trivial BN parameters and running statistics, so eval means it
        for module in model.modules():
            if isinstance(module, tnn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 2.0)
    return model


def _assert_close(ours: np.ndarray, theirs: np.ndarray, tolerance: float, what: str) -> None:
    """Entrywise equal to ``tolerance`` relative to the largest magnitude of ``theirs``."""
    scale = float(np.abs(theirs).max()) or 1.0
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance * scale, err_msg=what)


def _relative_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.linalg.norm(ours - theirs) / (np.linalg.norm(theirs) or 1.0))


@pytest.fixture
def single_threaded():
    """PyTorch and (when threadpoolctl is there) NumPy's BLAS on one thread each.

    On a shared 2-core machine a 2-thread BLAS or PyTorch runs these small GEMMs up to 20x
    slower as soon as another process takes a core; one thread keeps the test at a few seconds.
    """
    import torch

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional speed-up only
        threadpool_limits = None
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    limits = threadpool_limits(limits=1, user_api="blas") if threadpool_limits else None
    yield torch
    if limits is not None:
        limits.restore_original_limits()
    torch.set_num_threads(threads)


def _one_step(ours, theirs, torch, x: np.ndarray, y: np.ndarray):
    """Logits and every parameter gradient of one cross-entropy backward, in both frameworks."""
    ours.zero_grad()
    theirs.zero_grad()
    logits, torch_logits = ours(sd.tensor(x)), theirs(torch.tensor(x))
    F.cross_entropy(logits, y).backward()
    torch.nn.functional.cross_entropy(torch_logits, torch.tensor(y)).backward()
    torch_params = dict(theirs.named_parameters())
    grads = {}
    for name, param in ours.named_parameters():
        assert param.grad is not None, f"{name} received no gradient"
        assert param.grad.dtype == x.dtype, f"gradient dtype of {name}"
        grads[name] = (param.grad.data, torch_params[name].grad.numpy())
    return (logits.data, torch_logits.detach().numpy()), grads


def _check_buffers(ours, theirs, tolerance: float, case: str) -> None:
    """train: the running statistics were updated alike; eval: both left them alone."""
    torch_buffers = dict(theirs.named_buffers())
    for name, buffer in ours.named_buffers():
        _assert_close(buffer.data, torch_buffers[name].numpy(), tolerance, f"{case}: {name}")


@pytest.mark.oracle
@pytest.mark.parametrize("stem, size", [("imagenet", 64), ("cifar", 32)])
def test_resnet18_matches_torch(stem, size, rng, single_threaded):
    """Same weights, same batch: same logits, gradients and running statistics.

    float64 pins the gradients down entrywise (the frameworks agree to about 1e-14). In float32
    the logits agree to about 1e-6, but with about a million ReLU inputs per pass a few fall
    within rounding (1e-6) of 0 and land on different sides in the two frameworks (each is then
    as far from the float64 result as the other): that unit's gradient passes in one and not in
    the other, which moves some weight gradients by up to about 1% (measured: at most 1.2e-2 of
    a parameter's gradient norm, 5e-3 of all of them). So float32 gradients are compared in norm.
    """
    torch = single_threaded
    theirs = _torch_resnet18(stem, num_classes=10)
    ours = resnet18(num_classes=10, stem=stem)
    expected = torchvision_resnet18_state(10, stem_kernel=7 if stem == "imagenet" else 3)
    assert _shapes(theirs.state_dict()) == expected
    assert _shapes(ours.state_dict()) == expected

    for dtype in (np.float32, np.float64):
        theirs.to(torch.float32 if dtype == np.float32 else torch.float64)
        ours.astype(dtype)
        # (Re)load, so that the float64 round starts from identical running statistics too.
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        for mode in ("train", "eval"):
            case = f"{np.dtype(dtype).name}, {mode}"
            ours.train(mode == "train")
            theirs.train(mode == "train")
            x = rng.standard_normal((2, 3, size, size)).astype(dtype)
            y = rng.integers(0, 10, 2)
            (logits, torch_logits), grads = _one_step(ours, theirs, torch, x, y)
            assert logits.dtype == dtype, case
            if dtype == np.float64:
                _assert_close(logits, torch_logits, 1e-10, f"{case}: logits")
                for name, (grad, torch_grad) in grads.items():
                    _assert_close(grad, torch_grad, 1e-9, f"{case}: gradient of {name}")
                _check_buffers(ours, theirs, 1e-10, case)
            else:
                _assert_close(logits, torch_logits, 1e-4, f"{case}: logits")
                errors = {name: _relative_error(*pair) for name, pair in grads.items()}
                worst = max(errors, key=errors.get)
                assert errors[worst] < 5e-2, f"{case}: gradient of {worst}: {errors[worst]:.1e}"
                everything = [
                    np.concatenate([pair[i].ravel() for pair in grads.values()]) for i in (0, 1)
                ]
                assert _relative_error(*everything) < 1e-2, f"{case}: all gradients"
                _check_buffers(ours, theirs, 1e-4, case)
    assert int(ours.bn1.num_batches_tracked.item()) == 2  # one train step per dtype


def test_errors_are_explained():
    with pytest.raises(ValueError, match=r"stem must be 'imagenet' .* or 'cifar' .*stem='mnist'"):
        resnet18(stem="mnist")
    with pytest.raises(ValueError, match=r"layers must give the number of blocks in each of the 4"):
        ResNet(layers=(2, 2, 2))
    model = resnet18(num_classes=10, stem="cifar", in_channels=1)
    with pytest.raises(
        ValueError,
        match=r"ResNet: expected images of shape \(N, 1, H, W\); "
        r"received \(2, 3, 8, 8\)\. help: the model was built for in_channels=1",
    ):
        model(sd.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match=r"received \(3, 32, 32\)\. help: add a batch axis"):
        model(sd.zeros(3, 32, 32))

"""One call checks a layer the way the style guide asks (§H "Module tests").

``check_layer(make_layer, make_torch_layer, input_shape)`` builds the scratchdl layer and the
PyTorch layer, loads the PyTorch weights into scratchdl through ``load_state_dict`` (so parameter
names and shapes must match PyTorch's exactly), and checks:

* output shape, parameter names and count;
* forward and gradients (input and every parameter) equal PyTorch's, in train and eval mode;
* every parameter receives a gradient;
* ``state_dict`` round trip: a fresh layer loaded from it gives identical outputs;
* a float64 finite-difference check of input and parameter gradients on the same layer.

Layers with randomness in training (dropout) pass ``compare_train=False``; layers taking integer
input (embedding) pass ``make_input``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import scratchdl as sd


def _torch():
    import torch

    torch.set_num_threads(2)
    return torch


def _default_input(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def load_from_torch(layer, torch_layer) -> None:
    """Copy a PyTorch layer's state dict into a scratchdl layer, the documented way."""
    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})


def check_layer(
    make_layer: Callable,
    make_torch_layer: Callable,
    input_shape: tuple[int, ...],
    expected_output_shape: tuple[int, ...],
    make_input: Callable = _default_input,
    compare_train: bool = True,
    compare_eval: bool = True,
    gradcheck: bool = True,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> None:
    torch = _torch()
    rng = np.random.default_rng(0)
    layer, torch_layer = make_layer(), make_torch_layer()

    sd_names = [name for name, _ in layer.named_parameters()]
    torch_names = [name for name, _ in torch_layer.named_parameters()]
    assert sd_names == torch_names, f"parameter names {sd_names} != torch {torch_names}"
    assert layer.num_parameters() == sum(p.numel() for p in torch_layer.parameters())
    assert sorted(layer.state_dict()) == sorted(torch_layer.state_dict())
    load_from_torch(layer, torch_layer)

    x = make_input(rng, input_shape)
    floating = x.dtype.kind == "f"
    modes = [m for m, on in (("train", compare_train), ("eval", compare_eval)) if on]
    for mode in modes:
        layer.train(mode == "train")
        torch_layer.train(mode == "train")
        sd_x = sd.tensor(x, requires_grad=floating)
        torch_x = torch.tensor(x, requires_grad=floating)
        out, torch_out = layer(sd_x), torch_layer(torch_x)
        assert out.shape == expected_output_shape, f"{mode}: output shape {out.shape}"
        assert out.dtype == torch_out.detach().numpy().dtype, f"{mode}: output dtype {out.dtype}"
        np.testing.assert_allclose(
            out.data, torch_out.detach().numpy(), atol=atol, rtol=rtol, err_msg=f"{mode} forward"
        )
        g = rng.standard_normal(out.shape).astype(np.float32)
        layer.zero_grad()
        out.backward(sd.tensor(g))
        torch_out.backward(torch.tensor(g))
        if floating:
            np.testing.assert_allclose(
                sd_x.grad.data, torch_x.grad.numpy(), atol=atol, rtol=rtol, err_msg="input grad"
            )
        torch_params = dict(torch_layer.named_parameters())
        for name, param in layer.named_parameters():
            assert param.grad is not None, f"{mode}: parameter {name} received no gradient"
            assert param.grad.dtype == param.dtype, f"{mode}: gradient dtype of {name}"
            np.testing.assert_allclose(
                param.grad.data,
                torch_params[name].grad.numpy(),
                atol=atol,
                rtol=rtol,
                err_msg=f"{mode}: gradient of {name}",
            )
            torch_params[name].grad = None
        for name, buffer in layer.named_buffers():
            np.testing.assert_allclose(
                buffer.data,
                dict(torch_layer.named_buffers())[name].numpy(),
                atol=atol,
                rtol=rtol,
                err_msg=f"{mode}: buffer {name}",
            )

    # state_dict round trip: a fresh layer loaded from the state dict computes the same thing.
    layer.eval()
    fresh = make_layer().eval()
    fresh.load_state_dict(layer.state_dict())
    np.testing.assert_array_equal(fresh(sd.tensor(x)).data, layer(sd.tensor(x)).data)

    if gradcheck:
        check_layer_gradients(layer, x)


def check_layer_gradients(layer, x: np.ndarray) -> None:
    """Finite differences in float64 for the input (if floating) and every parameter."""
    layer.astype(np.float64)
    params = list(layer.parameters())
    floating = x.dtype.kind == "f"
    x64 = sd.tensor(x.astype(np.float64) if floating else x, requires_grad=floating)

    def run(*tensors):
        # gradcheck perturbs the parameter arrays in place, so reading them through the layer
        # sees each perturbation.
        return layer(tensors[0])

    sd.gradcheck(run, [x64, *params], atol=1e-5, rtol=1e-3)

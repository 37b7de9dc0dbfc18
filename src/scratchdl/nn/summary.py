"""``Module.summary``: a Keras-style table of a model's layers, output shapes and parameters."""

from __future__ import annotations

import numpy as np

from scratchdl import backend
from scratchdl.autograd.grad_mode import no_grad
from scratchdl.tensor import Tensor


def _shape_of(output) -> str:
    if isinstance(output, Tensor):
        return str(tuple(output.shape))
    if isinstance(output, (tuple, list)):
        return ", ".join(_shape_of(o) for o in output)
    return type(output).__name__


def summarize(model, input_shape: tuple[int, ...], dtype=None) -> str:
    """Run ``model`` once on zeros of ``input_shape`` and tabulate every leaf layer it called."""
    rows: list[tuple[str, str, int]] = []
    names = {id(m): name for name, m in model.named_modules()}
    handles = []

    def record(module, inputs, output):
        own = sum(p.size for p in module._parameters.values() if p is not None)
        label = f"{names.get(id(module), '?') or type(module).__name__} ({type(module).__name__})"
        rows.append((label, _shape_of(output), own))

    leaves = [m for m in model.modules() if not m._modules] or [model]
    for module in leaves:
        handles.append(module.register_forward_hook(record))
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with no_grad():
            model(Tensor(np.zeros(tuple(input_shape), dtype=dtype or backend.get_default_dtype())))
    finally:
        for module, training in modes:  # each its own mode back (a frozen BatchNorm stays so)
            object.__setattr__(module, "training", training)
        for handle in handles:
            handle.remove()

    total = model.num_parameters()
    trainable = model.num_parameters(trainable_only=True)
    width = max([len("Layer (type)")] + [len(r[0]) for r in rows]) + 2
    shape_width = max([len("Output Shape")] + [len(r[1]) for r in rows]) + 2
    rule = "=" * (width + shape_width + 12)
    lines = [rule, f"{'Layer (type)':<{width}}{'Output Shape':<{shape_width}}{'Param #':>12}", rule]
    lines += [f"{label:<{width}}{shape:<{shape_width}}{count:>12,}" for label, shape, count in rows]
    lines += [
        rule,
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
        rule,
    ]
    return "\n".join(lines)

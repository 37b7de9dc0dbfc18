"""Module: the base class of every layer and model.

A Module holds Parameters (trained), buffers (state that is saved but not trained, such as
BatchNorm's running mean) and child Modules. Assigning one to an attribute registers it, in
insertion order, so ``model.parameters()`` finds every weight of every layer, and
``state_dict()`` names each one by its dotted path (``encoder.0.weight``), as PyTorch does.

Subclasses call ``super().__init__()`` first, create their parts in ``__init__`` and compute in
``forward``; calling the module runs ``forward`` (and any hooks). Layers hold no backward code:
the ops they call record the graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from scratchdl.errors import ModuleStateError, ShapeError
from scratchdl.nn.parameter import Parameter
from scratchdl.tensor import Tensor

_hook_ids = itertools.count()


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` did not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class _RemovableHandle:
    """Returned by hook registration; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: dict, key: int) -> None:
        self._hooks, self._key = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)


class Module:
    """Base class for layers and models (PyTorch's ``nn.Module`` semantics).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(2, 4)
    ...         self.out = nn.Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> [name for name, _ in TwoLayer().named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    """

    _call_depth = 0  # how many Module calls are active: the outermost one names a failing layer

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise ModuleStateError(
                f"{type(self).__name__}: cannot assign attribute {name!r} before "
                "Module.__init__() was called; call super().__init__() first in your __init__."
            )
        parameters, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            buffers.pop(name, None)
            modules.pop(name, None)
            parameters[name] = value
        elif name in parameters:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as parameter "
                    f"{name!r} (nn.Parameter or None expected). To change its values in place "
                    f"use self.{name}.data[...] = new_values."
                )
            parameters[name] = None
        elif isinstance(value, Module):
            buffers.pop(name, None)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as child "
                    f"module {name!r} (a Module or None expected)."
                )
            modules[name] = None  # keeps its place, as PyTorch does
        elif name in buffers:
            self._set_buffer(name, value)
            return
        # Also stored normally, so reading self.weight in forward is a plain attribute lookup.
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not trained but belongs to the module (moved, saved, loaded).

        ``persistent=False`` keeps it out of ``state_dict``.
        """
        if "_buffers" not in self.__dict__:
            raise ModuleStateError(
                f"{type(self).__name__}: call super().__init__() before register_buffer."
            )
        self._check_new_name("register_buffer", name, allowed=self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            tensor = Tensor(tensor)
        if not persistent:
            self._non_persistent.add(name)
        self._set_buffer(name, tensor)

    def _set_buffer(self, name: str, value: Any) -> None:
        if value is not None and not isinstance(value, Tensor):
            value = Tensor(value)
        self._buffers[name] = value
        object.__setattr__(self, name, value)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter under ``name`` (``None`` declares an absent one, like bias=False)."""
        self._check_new_name("register_parameter", name, allowed=self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"{type(self).__name__}.register_parameter: {name!r} must be an nn.Parameter or "
                f"None; received {type(param).__name__}. Wrap it: nn.Parameter(tensor)."
            )
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (what attribute assignment does)."""
        self._check_new_name("add_module", name, allowed=self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"{type(self).__name__}.add_module: {name!r} must be a Module or None; "
                f"received {type(module).__name__}."
            )
        self._modules[name] = module
        object.__setattr__(self, name, module)

    def _check_new_name(self, method: str, name: str, allowed: dict) -> None:
        """A registration name must be a plain identifier not used by another kind of member."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(
                f"{type(self).__name__}.{method}: name must be a non-empty string without '.'; "
                f"received {name!r}."
            )
        taken = (self._parameters, self._buffers, self._modules)
        if name not in allowed and (any(name in r for r in taken) or name in self.__dict__):
            raise KeyError(
                f"{type(self).__name__}.{method}: attribute {name!r} already exists; choose "
                "another name or delete the attribute first."
            )

    # ----------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every descendant, depth first, each once, with its dotted name."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module._modules.items()
                if child is not None
            ]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        for module_name, module in self.named_modules():
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))  # a tied weight is listed once
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name, in registration order, shared ones once."""
        return self._named_members("_parameters")

    def parameters(self) -> Iterator[Parameter]:
        """Every parameter, in registration order (what an optimizer takes)."""
        for _, param in self.named_parameters():
            yield param

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers")

    def buffers(self) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers():
            yield buffer

    def num_parameters(self, trainable_only: bool = False) -> int:
        """How many numbers the parameters hold (only those that require grad, if asked)."""
        return sum(p.size for p in self.parameters() if p.requires_grad or not trainable_only)

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule and then on this one (for custom initialisation)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------- modes and gradients
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, BatchNorm uses batch statistics), for every submodule.

        Each child's own ``train`` is called, so a layer that overrides it (to keep a frozen
        BatchNorm in eval mode, say) is respected.
        """
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(
                f"{type(self).__name__}.train: mode must be True or False; got {mode!r}."
            )
        object.__setattr__(self, "training", bool(mode))
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (``None``, or zeros with ``set_to_none=False``)."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad = Tensor._from_op(np.zeros_like(param.data), None)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze (True) every parameter."""
        for param in self.parameters():
            param.requires_grad = requires_grad
        return self

    def astype(self, dtype) -> Module:
        """Convert floating parameters and buffers to ``dtype`` in place (float64 for checks)."""
        dtype = np.dtype(dtype)
        for tensor in [*self.parameters(), *self.buffers()]:
            if tensor.data.dtype.kind == "f":
                tensor.data = tensor.data.astype(dtype)
                tensor.grad = None
        return self

    # ----------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement forward(...)")

    def __call__(self, *args, **kwargs):
        Module._call_depth += 1
        try:
            if self._forward_pre_hooks:
                for hook in list(self._forward_pre_hooks.values()):
                    result = hook(self, args)
                    if result is not None:
                        args = result if isinstance(result, tuple) else (result,)
            output = self.forward(*args, **kwargs)
            if self._forward_hooks:
                for hook in list(self._forward_hooks.values()):
                    result = hook(self, args, output)
                    if result is not None:
                        output = result
            return output
        except Exception as error:
            if not hasattr(error, "_scratchdl_module"):
                error._scratchdl_module = self  # the innermost module that failed
            if Module._call_depth == 1:
                _name_failing_layer(error, self)
            raise
        finally:
            Module._call_depth -= 1

    def register_forward_hook(self, hook: Callable) -> _RemovableHandle:
        """Call ``hook(module, inputs, output)`` after every forward (for activation plots).

        A hook that returns a value replaces the output. Returns a handle with ``remove()``.
        """
        key = next(_hook_ids)
        self._forward_hooks[key] = hook
        return _RemovableHandle(self._forward_hooks, key)

    def register_forward_pre_hook(self, hook: Callable) -> _RemovableHandle:
        """Call ``hook(module, inputs)`` before every forward; a returned value replaces inputs."""
        key = next(_hook_ids)
        self._forward_pre_hooks[key] = hook
        return _RemovableHandle(self._forward_pre_hooks, key)

    # ----------------------------------------------------------------- saving and loading
    def state_dict(self) -> dict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (Tensors sharing the live arrays)."""
        state = {}
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name, param in module._parameters.items():
                if param is not None:
                    state[prefix + name] = param.detach()
            for name, buffer in module._buffers.items():
                if buffer is not None and name not in module._non_persistent:
                    state[prefix + name] = buffer.detach()
        return state

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (Tensors or NumPy arrays) into the parameters and buffers, in place.

        With ``strict=True`` every key must match and every shape agree; all mismatches are
        reported together. Values are cast to each parameter's dtype.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(
                f"{type(self).__name__}.load_state_dict: expected a dict of name -> array or "
                f"Tensor (as state_dict() returns); received {type(state_dict).__name__}."
            )
        own = self.state_dict()
        targets = own  # detached Tensors sharing the live arrays: writing into them loads
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        mismatched = []
        for key, value in state_dict.items():
            if key in own:
                array = value.data if isinstance(value, Tensor) else np.asarray(value)
                if array.shape != own[key].shape:
                    mismatched.append(
                        f"{key}: checkpoint has shape {array.shape}, model has {own[key].shape}"
                    )
        problems = []
        if mismatched:
            problems.append("shape mismatches:\n    " + "\n    ".join(mismatched))
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if problems:
            error = ShapeError if mismatched else ModuleStateError
            raise error(
                f"{type(self).__name__}.load_state_dict: the state dict does not fit the model."
                "\n  "
                + "\n  ".join(problems)
                + "\nhelp: compare model.state_dict().keys() with the checkpoint's keys; "
                "strict=False loads the keys that match and returns the rest."
            )
        for key, value in state_dict.items():
            if key in targets:
                target = targets[key]
                array = value.data if isinstance(value, Tensor) else np.asarray(value)
                target.data[...] = array.astype(target.data.dtype, copy=False)
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- printing
    def extra_repr(self) -> str:
        """The layer's settings, shown in ``repr`` (for example ``in_features=2, ...``)."""
        return ""

    def __repr__(self) -> str:
        children = [
            f"({name}): " + repr(module).replace("\n", "\n  ")  # repr(None) is 'None'
            for name, module in self._modules.items()
        ]
        extra = self.extra_repr()
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + children
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def summary(self, input_shape: tuple[int, ...], dtype=None, print_fn=print) -> str:
        """Print (and return) a Keras-style table: each layer, its output shape, its parameters.

        ``input_shape`` includes the batch axis, e.g. ``(1, 784)``. One forward pass on zeros is
        run in eval mode, without recording the graph.
        """
        from scratchdl.nn.summary import summarize

        table = summarize(self, input_shape, dtype)
        print_fn(table)
        return table


def _name_failing_layer(error: Exception, root: Module) -> None:
    """Prefix the error message with the dotted path of the module whose forward failed."""
    failing = getattr(error, "_scratchdl_module", None)
    if failing is None or not error.args or not isinstance(error.args[0], str):
        return
    path = next((name for name, m in root.named_modules() if m is failing), None)
    where = f"{type(failing).__name__} at {path!r}" if path else type(failing).__name__
    if failing is root and not root._modules:
        return  # a single layer called on its own: its message already names it
    error.args = (f"in {where}: {error.args[0]}",) + error.args[1:]

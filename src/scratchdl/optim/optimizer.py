"""Optimizer: the base class that every update rule (SGD, Adam, ...) builds on.

An optimizer holds the parameters it updates in *parameter groups*: a list of dicts, each with a
``"params"`` list and its own hyperparameters (``lr``, ``weight_decay``, ...). Per-parameter
memory (momentum buffers, running averages, step counts) lives in ``state``, a dict keyed by the
Parameter object itself.

The layout, names and ``state_dict`` format follow ``torch.optim.Optimizer``, so that what is
learned here transfers, and a PyTorch optimizer's state dict converted to NumPy loads directly.

``Optimizer.step()`` runs the loop every rule shares (the closure, ``no_grad``, the groups, the
parameters that have a gradient, the warning when none has one). A subclass writes only
``_update(p, h)``: one parameter's update, which reads ``p.grad.data`` and changes ``p.data`` in
place with NumPy (see ``adam.py`` for the pattern).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from scratchdl.autograd.grad_mode import enable_grad, no_grad
from scratchdl.tensor import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class _RequiredParameter:
    """Marks a hyperparameter with no default (for example ``SGD``'s ``lr`` in old PyTorch)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The tensors to optimize (for example ``model.parameters()``), or parameter groups: dicts
        with a ``"params"`` entry and optional overrides of the defaults, e.g.
        ``[{"params": model.body.parameters()}, {"params": model.head.parameters(), "lr": 1e-3}]``.
        Must be ordered (a list or generator, not a ``set``) and non-empty.
    defaults : dict
        The hyperparameters a group gets when it does not set its own.

    Attributes
    ----------
    param_groups : list of dict
        The groups, each with ``"params"`` (a list of tensors) and every hyperparameter.
    state : dict
        Per-parameter state (``state[p]["exp_avg"]``, ...), keyed by the parameter object.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self._validate_hyperparameters(self.defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []

        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or of dicts (parameter groups); "
                f"received a single Tensor of shape {params.shape}. Wrap it in a list: [tensor]."
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_set_message(name, "params"))
        groups = list(params)
        if len(groups) == 0:
            raise ValueError(
                f"{name}: received an empty parameter list; there is nothing to optimize. "
                "help: check that the model has parameters (model.parameters() is a generator "
                "that can be used only once)."
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (for fine-tuning, for example).

        Hyperparameters the group does not set are taken from ``defaults``.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}: a parameter group must be a dict with a 'params' entry; received "
                f"{type(param_group).__name__}. Pass either a list of tensors or a list of dicts."
            )
        if "params" not in param_group:
            raise ValueError(
                f"{name}: a parameter group needs a 'params' entry; received keys "
                f"{sorted(param_group)}."
            )
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_set_message(name, "param_group['params']"))
        else:
            params = list(params)

        seen: set[Tensor] = set()
        for index, p in enumerate(params):
            if not isinstance(p, Tensor):
                hint = ""
                if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Tensor):
                    hint = " help: pass model.parameters(), not model.named_parameters()."
                raise TypeError(
                    f"{name}: can only optimize Tensors, but parameter {index} of the group is "
                    f"a {type(p).__name__}.{hint}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: cannot optimize a non-leaf Tensor (parameter {index}, shape "
                    f"{p.shape}, made by {p.grad_fn.name}); optimize the leaf it was computed "
                    "from, or .detach() it and set requires_grad=True."
                )
            if p.dtype.kind != "f":
                raise TypeError(
                    f"{name}: can only optimize floating-point tensors; parameter {index} has "
                    f"dtype={p.dtype}."
                )
            if p in seen:
                raise ValueError(
                    f"{name}: parameter {index} (shape {p.shape}) appears twice in the same "
                    "parameter group; each parameter must be listed once."
                )
            seen.add(p)

        for other_index, other in enumerate(self.param_groups):
            if any(p in seen for p in other["params"]):
                raise ValueError(
                    f"{name}: some parameters appear in more than one parameter group (the new "
                    f"group and group {other_index}); each parameter must belong to one group."
                )

        group = {key: value for key, value in param_group.items() if key != "params"}
        for key, default in self.defaults.items():
            if key not in group:
                if default is required:
                    raise ValueError(
                        f"{name}: parameter group {len(self.param_groups)} does not set {key!r} "
                        "and there is no default; pass it to the optimizer or to the group."
                    )
                group[key] = default
        self._validate_hyperparameters(group)
        group["params"] = params
        self.param_groups.append(group)

    def _validate_hyperparameters(self, hyperparameters: dict[str, Any]) -> None:
        """Raise ValueError for an impossible hyperparameter. Subclasses check their own."""

    # ----------------------------------------------------------------- the update
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter.

        ``set_to_none=True`` (the default) sets ``p.grad = None``, which is cheaper and lets
        ``step()`` skip parameters that get no gradient. ``set_to_none=False`` gives each gradient a
        fresh zero array instead (the old array is not written to: it may be shared).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad = Tensor._from_op(np.zeros_like(p.data), None)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return the closure's loss (or None).

        ``closure`` re-evaluates the model and returns the loss; it runs with grad enabled before
        the update. The update itself runs under ``no_grad``: for each group, each parameter whose
        ``grad`` is not None gets ``self._update(p, h)``, the subclass's rule.
        """
        if type(self)._update is Optimizer._update:
            raise NotImplementedError(f"{type(self).__name__} does not implement _update()")
        loss = self._run_closure(closure)
        found = False
        with no_grad():
            for group in self.param_groups:
                h = self._hyperparameters(group)
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    found = True
                    self._update(p, h)
        self._warn_if_no_gradients(found)
        return loss

    def _update(self, p: Tensor, h: dict[str, Any]) -> None:
        """Update one parameter in place from ``p.grad.data``; ``h`` is from ``_hyperparameters``.

        Write ``p.data`` in place with NumPy, never ``p.grad.data`` (a gradient may be shared).
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement _update()")

    def _hyperparameters(self, group: dict[str, Any]) -> dict[str, Any]:
        """The group's hyperparameters (the keys of ``defaults``) as plain Python numbers.

        Python floats, so that float32 arrays stay float32: a NumPy scalar (an ``np.float64`` lr
        set by a scheduler, say) would upcast them. Bools stay bools; a pair such as ``betas``
        becomes a tuple of floats. Done once per group per step, not once per parameter.
        """
        h = {}
        for key in self.defaults:
            value = group[key]
            if isinstance(value, (bool, np.bool_)):
                h[key] = bool(value)
            elif isinstance(value, (tuple, list)):
                h[key] = tuple(float(v) for v in value)
            else:
                h[key] = float(value)
        return h

    @staticmethod
    def _run_closure(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _warn_if_no_gradients(self, found: bool) -> None:
        """Warn the user (from ``step``'s caller) when no parameter had a gradient."""
        if not found:
            warnings.warn(
                f"{type(self).__name__}.step(): no parameter has a gradient, so nothing was "
                "updated. Did you call loss.backward() before step(), or zero_grad() after "
                "backward()?",
                UserWarning,
                stacklevel=3,  # _warn_if_no_gradients -> step -> the user's line
            )

    # ----------------------------------------------------------------- saving and loading
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as plain data: NumPy arrays, numbers, lists and dicts.

        The layout is PyTorch's: parameters are replaced by their position (counted across
        groups in order), ``{"state": {index: {...}}, "param_groups": [{..., "params": [index,
        ...]}]}``. Arrays are copies, so the dict does not change as training goes on.
        """
        index_of: dict[Tensor, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: _copy_value(value) for key, value in group.items() if key != "params"}
            packed["params"] = []
            for p in group["params"]:
                index_of.setdefault(p, len(index_of))
                packed["params"].append(index_of[p])
            groups.append(packed)
        state = {
            index_of[p]: {key: _copy_value(value) for key, value in p_state.items()}
            for p, p_state in self.state.items()
            if p in index_of
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state saved by ``state_dict()`` (from this optimizer or an identical one).

        The groups must match in number and size. Saved hyperparameters (``lr``, ...) replace the
        current ones; state arrays are copied and cast to each parameter's dtype.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            received = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict)
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with keys 'state' and 'param_groups' "
                f"(as returned by state_dict()); received {received}."
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(saved_groups)} parameter "
                f"group(s) but this optimizer has {len(self.param_groups)}."
            )
        saved_sizes = [len(g["params"]) for g in saved_groups]
        sizes = [len(g["params"]) for g in self.param_groups]
        if saved_sizes != sizes:
            raise ValueError(
                f"{name}.load_state_dict: the saved parameter groups have {saved_sizes} "
                f"parameters but this optimizer's groups have {sizes}; the state belongs to a "
                "different model or a different grouping."
            )

        param_of: dict[Any, Tensor] = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for index, p in zip(saved["params"], group["params"]):
                param_of[_plain_index(index)] = p

        problems = []
        new_state: dict[Tensor, dict[str, Any]] = {}
        for index, p_state in state_dict["state"].items():
            p = param_of.get(_plain_index(index))
            if p is None:
                problems.append(f"state for parameter {index!r}, which no group lists")
                continue
            new_state[p] = {}
            for key, value in p_state.items():
                value = _load_value(key, value, p)
                if isinstance(value, np.ndarray) and value.shape != p.shape:
                    problems.append(
                        f"state[{index!r}][{key!r}] has shape {value.shape} but the parameter "
                        f"has shape {p.shape}"
                    )
                new_state[p][key] = value
        if problems:
            raise ValueError(f"{name}.load_state_dict: " + "; ".join(problems) + ".")

        self.state = new_state
        for saved, group in zip(saved_groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = _copy_value(value)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


# --------------------------------------------------------------------- helpers
def _set_message(name: str, what: str) -> str:
    return (
        f"{name}: {what} must be an ordered collection (a list), not a set: the order of a set "
        "changes between runs, and optimizer state is saved by position. Use "
        "list(model.parameters()) or pass model.parameters() directly."
    )


def _copy_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return list(value)
    return value


def _plain_index(index: Any) -> Any:
    return int(index) if isinstance(index, (numbers.Integral, np.integer)) else index


def _load_value(key: str, value: Any, p: Tensor) -> Any:
    """A saved state value as this library keeps it: arrays in p's dtype, numbers as numbers.

    Only the step count is a number; every other entry is an array shaped like p, even when p
    is 0-d (a 0-d momentum buffer must stay an array, or in-place updates would miss it).
    """
    if value is None or isinstance(value, (bool, numbers.Number)) and key == "step":
        return value.item() if isinstance(value, np.generic) else value
    array = np.array(value)  # also takes a Tensor or anything with __array__ (a copy)
    if array.ndim == 0 and key == "step":  # a saved step count such as tensor(3.)
        number = array.item()
        return int(number) if isinstance(number, float) and number.is_integer() else number
    if array.dtype.kind == "f" and array.dtype != p.dtype:
        array = array.astype(p.dtype)
    return array


# --------------------------------------------------------------------- validation helpers
def _check_number(optimizer: str, key: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{optimizer}: {key} must be a real number; received {key}={value!r} "
            f"({type(value).__name__})."
        )


def check_nonnegative(optimizer: str, key: str, value: Any, what: str) -> None:
    """Raise ValueError unless ``value`` is a number >= 0 (NaN fails too)."""
    _check_number(optimizer, key, value)
    if not value >= 0:
        raise ValueError(f"{optimizer}: invalid {what} {key}={value!r}; expected a number >= 0.")


def check_lr(optimizer: str, lr: Any) -> None:
    """The learning-rate check every optimizer shares."""
    check_nonnegative(optimizer, "lr", lr, "learning rate")


def check_beta(optimizer: str, key: str, value: Any) -> None:
    """Raise ValueError unless 0 <= value < 1 (an exponential-average coefficient)."""
    _check_number(optimizer, key, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(
            f"{optimizer}: invalid {key}={value!r}; expected a number with 0 <= {key} < 1."
        )


def check_betas(optimizer: str, betas: Any) -> None:
    """Check Adam's ``betas``: a pair of numbers, each in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(
            f"{optimizer}: betas must be a pair (beta1, beta2); received betas={betas!r}."
        )
    for index, beta in enumerate(betas):
        check_beta(optimizer, f"betas[{index}]", beta)


# --------------------------------------------------------------------- in-place update helpers
def lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """``start += weight * (end - start)`` in place, using ``tmp`` (same shape) as scratch.

    This is an exponential moving average: with ``weight = 1 - beta`` it is
    ``start = beta * start + (1 - beta) * end``. It is rounded the way PyTorch's ``lerp_`` is:
    for ``weight >= 0.5`` the equivalent ``end - (1 - weight) * (end - start)`` is closer.
    """
    weight = float(tmp.dtype.type(weight))  # the weight as the array's dtype rounds it
    np.subtract(end, start, out=tmp)
    if weight < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= weight - 1.0  # exact: weight is in [0.5, 1]
        np.add(end, tmp, out=start)

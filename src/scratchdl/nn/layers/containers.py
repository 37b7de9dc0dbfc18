"""Containers: Sequential (a chain of layers), ModuleList and ModuleDict (registered groups)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from scratchdl.nn.module import Module


def _check_module(container: str, value) -> Module:
    if not isinstance(value, Module):
        raise TypeError(
            f"{container}: every entry must be a Module (a layer such as nn.Linear(2, 3)); "
            f"received {type(value).__name__}. Did you forget to instantiate it, e.g. "
            "nn.ReLU() instead of nn.ReLU?"
        )
    return value


def _entry(container: str, items: list, index: int):
    try:
        return items[index]
    except IndexError:
        raise IndexError(
            f"{container}: index {index} is out of range for {len(items)} layers "
            f"(valid: {-len(items)} to {len(items) - 1})."
        ) from None


class Sequential(Module):
    """Layers applied one after another: ``Sequential(a, b, c)(x) = c(b(a(x)))``.

    Children are named ``0``, ``1``, ... (as in PyTorch, so state dicts match). Index it like a
    list; ``append`` (or Keras' ``add``) puts a layer at the end.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU())
    >>> model.add(nn.Linear(8, 1))
    >>> model(sd.zeros(4, 2)).shape
    (4, 1)
    """

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], dict):
            for name, layer in layers[0].items():
                self.add_module(str(name), _check_module("Sequential", layer))
            return
        for layer in layers:
            self.append(layer)

    def append(self, layer: Module) -> Sequential:
        """Add ``layer`` at the end (named by its position)."""
        self.add_module(str(len(self._modules)), _check_module("Sequential", layer))
        return self

    def add(self, layer: Module) -> None:
        """Keras' name for ``append``: ``model.add(nn.Dense...)`` habits work here."""
        self.append(layer)

    def __getitem__(self, index: int | slice):
        items = list(self._modules.items())
        if isinstance(index, slice):  # keeps the layers' names, so state dict keys still match
            return Sequential(dict(items[index]))
        return _entry("Sequential", items, index)[1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def forward(self, x):
        for layer in self._modules.values():
            x = layer(x)
        return x


class ModuleList(Module):
    """A list of Modules whose parameters are registered (a plain Python list would hide them)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for module in modules or ():
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), _check_module("ModuleList", module))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index: int | slice):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        return _entry("ModuleList", list(self._modules.items()), index)[1]

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[index]
        self.add_module(name, _check_module("ModuleList", module))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleList is only a container and has no forward; loop over it in your own "
            "module's forward (or use nn.Sequential to chain layers)."
        )


class ModuleDict(Module):
    """A dict of Modules whose parameters are registered, in insertion order."""

    def __init__(self, modules: dict[str, Module] | None = None) -> None:
        super().__init__()
        for name, module in (modules or {}).items():
            self[name] = module

    def __getitem__(self, name: str) -> Module:
        return self._modules[name]

    def __setitem__(self, name: str, module: Module) -> None:
        self.add_module(name, _check_module("ModuleDict", module))

    def __contains__(self, name: str) -> bool:
        return name in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleDict is only a container and has no forward; call its entries yourself."
        )

"""Make dlspec's Keras blocks loadable by ``keras.saving.load_model`` without importing them first.

Keras finds a custom class of a saved model by its registered name (``"dlspec>Adam"``) in its
registry, which the class's ``@register_keras_serializable`` decorator fills only when the module
defining the class is imported. A fresh process that loads a ``.keras`` file has imported none of
them, and importing them eagerly would put TensorFlow into ``import dlspec``.

So each course package declares its blocks (``{name: module}``) and calls
:func:`defer_keras_registration`. As soon as ``keras`` is loaded (now, or later when something
imports it) every declared name gets a small stand-in in Keras' registry; the first time Keras
deserializes one, the stand-in imports the real module (whose decorator then replaces the
stand-in) and hands over to the real class. This module never imports Keras itself.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["PACKAGE", "defer_keras_registration"]

#: The ``package`` every dlspec block registers under: saved configs say ``"dlspec>Adam"``.
PACKAGE = "dlspec"

_PENDING: dict[str, str] = {}


def _real(name: str, module: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as err:
        raise TypeError(
            f"dlspec could not load the Keras object '{PACKAGE}>{name}' of this saved model: "
            f"importing {module}.{name} failed ({type(err).__name__}: {err}). Check that the "
            "installed dlspec is the version that saved the model."
        ) from err


class _DeferredClass:
    """Registry stand-in for a dlspec class: ``from_config`` imports and uses the real class."""

    def __init__(self, name: str, module: str):
        self.__name__ = self.__qualname__ = name
        self.module = module

    def from_config(self, config: dict, *args: Any, **kwargs: Any) -> Any:
        """Import the real class (registering it) and build the object from ``config``."""
        return _real(self.__name__, self.module).from_config(config, *args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _real(self.__name__, self.module)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<dlspec block {self.module}.{self.__name__}, imported on first use>"


def _deferred_function(name: str, module: str) -> Callable:
    def deferred(*args: Any, **kwargs: Any) -> Any:
        return _real(name, module)(*args, **kwargs)

    deferred.__name__ = deferred.__qualname__ = name
    deferred.__module__ = module
    return deferred


def _register(names: Mapping[str, str]) -> None:
    keras = sys.modules["keras"]
    registry = keras.saving.get_custom_objects()
    for name, module in names.items():
        if f"{PACKAGE}>{name}" in registry:  # the real class is already imported
            continue
        # a lower-case name is a function (the course style: classes are CamelCase)
        stand_in = _deferred_function(name, module) if name[:1].islower() else None
        stand_in = stand_in or _DeferredClass(name, module)
        keras.saving.register_keras_serializable(package=PACKAGE, name=name)(stand_in)


def _keras_ready() -> bool:
    keras = sys.modules.get("keras")
    spec = getattr(keras, "__spec__", None)
    return keras is not None and not getattr(spec, "_initializing", False)


class _AfterKerasLoads(importlib.abc.MetaPathFinder):
    """A one-shot import hook: registers the pending names right after ``keras`` executes."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader, execute = spec.loader, spec.loader.exec_module

        def exec_module(module: Any) -> None:
            execute(module)
            del loader.exec_module  # back to the loader's own method
            try:
                _register(_PENDING)
            except Exception as err:  # never break `import keras` itself
                warnings.warn(
                    f"dlspec could not register its Keras blocks ({err}); import the block's "
                    "module before keras.saving.load_model.",
                    stacklevel=2,
                )

        loader.exec_module = exec_module
        return spec


def defer_keras_registration(names: Mapping[str, str]) -> None:
    """Register ``{name: module}`` blocks with Keras now if it is loaded, else when it loads.

    Example:
        >>> defer_keras_registration({"Adam": "dlspec.optimization.optimizers.adam"})
    """
    _PENDING.update(names)
    if _keras_ready():
        _register(names)
    elif not any(isinstance(finder, _AfterKerasLoads) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterKerasLoads())

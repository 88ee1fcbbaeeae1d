"""Keras 2 APIs that Keras 3 removed, put back for a learner's code in the grading worker only.

Learners wrote their notebooks on the course's TensorFlow 2.x / Keras 2 platform. Their code
(and the course files beside it) uses:

- ``import keras.backend as K`` then ``K.stack``, ``K.reshape``, ``K.cast``, ``K.max``...:
  Keras 3 keeps these as legacy backend functions (``keras.src.legacy.backend``), exported under
  ``tf.keras.backend`` but not ``keras.backend``;
- ``K.set_learning_phase(...)`` / ``K.learning_phase()``: gone; a no-op here (the course sets
  the phase before building models, Keras 3 takes ``training=`` per call);
- ``tensorflow.keras.layers.experimental.preprocessing`` (``RandomFlip``, ``Rescaling``...):
  the layers now live in ``keras.layers``;
- ``layer.output_shape``: gone; here the shape of ``layer.output``.

:class:`Keras2Compat` adds them while the worker loads or runs the learner's code and removes
them after, never touching dlspec's own code or the learner's source; :attr:`Keras2Compat.used`
lists the adaptations actually used, for the report. Nothing happens until the learner's code
has imported Keras (a NumPy lab never loads TensorFlow for this).

Example:
    >>> compat = Keras2Compat()
    >>> with compat.active():  # doctest: +SKIP
    ...     import keras.backend as K
    ...     K.stack  # doctest: +SKIP
    >>> compat.used  # doctest: +SKIP
    ['Keras 2: keras.backend.stack']
"""

from __future__ import annotations

import contextlib
import functools
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["PREPROCESSING_LAYERS", "Keras2Compat"]

#: layers the Keras 2 ``layers.experimental.preprocessing`` module held
PREPROCESSING_LAYERS = (
    "CategoryEncoding",
    "CenterCrop",
    "Discretization",
    "Hashing",
    "IntegerLookup",
    "Normalization",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomHeight",
    "RandomRotation",
    "RandomTranslation",
    "RandomWidth",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "StringLookup",
    "TextVectorization",
)
_EXPERIMENTAL = ("tensorflow.keras.layers.experimental", "keras.layers.experimental")
_BACKENDS = ("keras.backend", "keras._tf_keras.keras.backend")
_LAYER_MODULES = ("keras.layers", "keras._tf_keras.keras.layers")


def _set_learning_phase(value: Any) -> None:
    """Keras 2's global training flag: a no-op (Keras 3 takes ``training=`` per call)."""


def _learning_phase() -> int:
    """Keras 2's global training flag: always 0 (inference) here."""
    return 0


class Keras2Compat:
    """Installs the Keras 2 adaptations (see the module docstring) and records their use.

    Attributes:
        used: the adaptations used so far, each a short sentence for the report.
    """

    def __init__(self) -> None:
        self.used: list[str] = []
        self._added: list[tuple[Any, str]] = []  # (owner, attribute) set by install()
        self._modules: list[str] = []  # sys.modules entries set by install()

    def _note(self, what: str) -> None:
        sentence = f"Keras 2: {what}"
        if sentence not in self.used:
            self.used.append(sentence)

    def _recording(self, func: Callable, what: str) -> Callable:
        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            self._note(what)
            return func(*args, **kwargs)

        return call

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Install around a block of the learner's code, then remove."""
        self.install()
        try:
            yield
        finally:
            self.uninstall()

    def install(self) -> None:
        """Add what Keras 3 lacks, if the learner's code has imported Keras (else nothing)."""
        if "keras" not in sys.modules or self._added or self._modules:
            return
        self._backend_functions()
        self._preprocessing_modules()
        self._output_shape()

    def uninstall(self) -> None:
        """Remove every attribute and module :meth:`install` added."""
        for owner, name in reversed(self._added):
            with contextlib.suppress(AttributeError):
                delattr(owner, name)
        for name in self._modules:
            sys.modules.pop(name, None)
        self._added, self._modules = [], []

    def _add(self, owner: Any, name: str, value: Any) -> None:
        if name not in vars(owner):
            setattr(owner, name, value)
            self._added.append((owner, name))

    def _backend_functions(self) -> None:
        try:
            from keras.src.legacy import backend as legacy  # lazy: only when Keras is loaded
        except ImportError:
            return
        extra = {
            name: getattr(legacy, name)
            for name in dir(legacy)
            if not name.startswith("_") and callable(getattr(legacy, name))
        }
        extra["set_learning_phase"] = _set_learning_phase
        extra["learning_phase"] = _learning_phase
        for module_name in _BACKENDS:
            module = sys.modules.get(module_name)
            if module is None:
                with contextlib.suppress(ImportError):
                    module = __import__(module_name, fromlist=["_"])
            if module is None:
                continue
            for name, func in extra.items():
                if not hasattr(module, name) and isinstance(func, types.FunctionType):
                    self._add(module, name, self._recording(func, f"keras.backend.{name}"))

    def _preprocessing_modules(self) -> None:
        import keras  # lazy: the learner's code imported it already (see install)

        compat = self

        def lookup(name: str) -> Any:
            if name in PREPROCESSING_LAYERS:
                compat._note("tensorflow.keras.layers.experimental.preprocessing")
                return getattr(keras.layers, name)
            raise AttributeError(f"module 'layers.experimental.preprocessing' has no {name!r}")

        for prefix in _EXPERIMENTAL:
            experimental = types.ModuleType(prefix)
            preprocessing = types.ModuleType(f"{prefix}.preprocessing")
            preprocessing.__getattr__ = lookup  # type: ignore[attr-defined]
            preprocessing.__all__ = list(PREPROCESSING_LAYERS)  # type: ignore[attr-defined]
            experimental.preprocessing = preprocessing  # type: ignore[attr-defined]
            for module in (experimental, preprocessing):
                if module.__name__ not in sys.modules:
                    sys.modules[module.__name__] = module
                    self._modules.append(module.__name__)
        for name in _LAYER_MODULES:
            owner = sys.modules.get(name)
            if owner is not None:
                self._add(owner, "experimental", sys.modules[_EXPERIMENTAL[0]])
                for suffix in ("", ".preprocessing"):
                    alias = f"{name}.experimental{suffix}"
                    if alias not in sys.modules:
                        sys.modules[alias] = sys.modules[f"{_EXPERIMENTAL[0]}{suffix}"]
                        self._modules.append(alias)

    def _output_shape(self) -> None:
        import keras  # lazy: the learner's code imported it already (see install)

        compat = self

        def output_shape(layer: Any) -> Any:
            compat._note("layer.output_shape")
            output = layer.output
            if isinstance(output, list | tuple):
                return [tuple(o.shape) for o in output]
            return tuple(output.shape)

        self._add(keras.layers.Layer, "output_shape", property(output_shape))

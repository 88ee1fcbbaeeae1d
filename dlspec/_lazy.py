"""Lazy package exports: a name is imported from its module on first use.

Every course package's ``__init__`` uses this, so that ``import dlspec.cnn`` (and ``dlspec
--help``) stays free of TensorFlow until a block that needs it is touched.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` exporting ``{name: module}`` lazily.

    Example:
        >>> getattr_, dir_ = lazy_exports("demo", {"sqrt": "math"})
        >>> getattr_("sqrt")(9.0)
        3.0
    """

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__

"""dlspec: the Deep Learning Specialization labs as tested TensorFlow 2 / Keras 3 building blocks.

The package is layered (see ``docs/design.md``): the shared core (:mod:`dlspec.data`,
:mod:`dlspec.training`, :mod:`dlspec.viz`, ...) imports no course package; the four course
packages (:mod:`dlspec.foundations`, ...) build on the core; each lab's runner
(``dlspec/<course>/runs/``) runs its steps; :mod:`dlspec.grading` sits beside the runners and
:mod:`dlspec.cli` on top. The ``assignments/`` scripts only call the CLI.
"""

from typing import Any

# Registers every serialisable Keras block of the courses for keras.saving.load_model (a
# deferred hook: no TensorFlow is imported here; see dlspec.saving).
from dlspec import cnn, optimization, strategy  # noqa: F401

__version__ = "0.1.0"


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dlspec`` in Jupyter: adds ``%dlspec_grade [LAB]``.

    Example:
        >>> %load_ext dlspec  # doctest: +SKIP
        >>> %dlspec_grade c1w2-logreg  # doctest: +SKIP
    """
    # lazy: `import dlspec` stays light; the grader loads only when a notebook asks for it
    from dlspec.grading.check import load_ipython_extension as load

    load(ipython)

"""dlspec: the Deep Learning Specialization labs as tested TensorFlow 2 / Keras 3 building blocks.

The package is layered (see ``DESIGN.md``): the shared core (:mod:`dlspec.data`,
:mod:`dlspec.training`, :mod:`dlspec.viz`, :mod:`dlspec.grading`) imports no course package;
the four course packages (:mod:`dlspec.foundations`, ...) build on the core; the CLI and the
``assignments/`` scripts only call a lab's ``run``.
"""

__version__ = "0.1.0"

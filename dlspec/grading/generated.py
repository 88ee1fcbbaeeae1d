"""Generated cases: fresh shapes, sizes and seeds per run, expected values from dlspec.

A learner's function can pass the notebook's visible tests and still hard-code a dimension,
read a global, or mix up rows and columns on a square input. A :class:`GeneratedCase` draws new
inputs from a seed each run (non-square shapes, position-coded values), computes the expected
output with dlspec's reference function on a deep copy of the same inputs, and becomes an
ordinary :class:`~dlspec.grading.golden.GoldenCase`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlspec.grading.golden import GoldenCase
from dlspec.grading.model_summary import ModelCase, layer_summary

__all__ = [
    "GeneratedCase",
    "GeneratedModelCase",
    "binary_labels",
    "distinct_sizes",
    "position_coded",
]


def position_coded(
    rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0, noise: float = 0.05
) -> np.ndarray:
    """An array whose values rise with the flat position, jittered: no symmetry to hide behind.

    Evenly spaced values in ``[-scale, scale]`` in C order, each moved by a random amount
    smaller than a fifth of the spacing (the order is kept, the values are not an exact
    progression). A transpose, a reshape in the wrong order or a reduction over the wrong axis
    changes the result.

    Example:
        >>> x = position_coded(np.random.default_rng(0), (3, 4))
        >>> x.shape, bool(np.all(np.diff(x.ravel()) > 0)), bool(np.abs(x).max() <= 1)
        ((3, 4), True, True)
    """
    size = int(np.prod(shape, dtype=int))
    if size == 1:
        return np.full(shape, scale * rng.uniform(-noise, noise))
    amplitude = noise * 4 * 2.0 / (size - 1)  # noise=0.05: a fifth of the spacing
    base = np.linspace(-1.0 + amplitude, 1.0 - amplitude, size)
    jitter = rng.uniform(-amplitude, amplitude, size)
    return (scale * (base + jitter)).reshape(shape)


def distinct_sizes(rng: np.random.Generator, count: int, low: int, high: int) -> list[int]:
    """``count`` different integers in ``[low, high]`` in random order (non-square shapes).

    Example:
        >>> sizes = distinct_sizes(np.random.default_rng(0), 3, 2, 9)
        >>> len(set(sizes)), all(2 <= s <= 9 for s in sizes)
        (3, True)
    """
    if high - low + 1 < count:
        raise ValueError(f"cannot draw {count} distinct sizes from [{low}, {high}].")
    return [int(s) for s in rng.choice(np.arange(low, high + 1), size=count, replace=False)]


def binary_labels(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """0/1 integer labels of ``shape`` holding both classes (when there are two entries or more).

    Example:
        >>> sorted(set(binary_labels(np.random.default_rng(0), (1, 5)).ravel().tolist()))
        [0, 1]
    """
    labels = rng.integers(0, 2, size=shape)
    flat = labels.reshape(-1)
    if flat.size >= 2:
        flat[0], flat[-1] = 0, 1
        rng.shuffle(flat)
    return flat.reshape(shape)


@dataclass(frozen=True)
class GeneratedCase:
    """A recipe for fresh inputs to a lab function; expected values come from dlspec.

    Attributes:
        function: the graded function, e.g. ``"propagate"``.
        make_inputs: ``rng -> (args, kwargs)``; draw shapes and values from ``rng`` only.
        select, rtol, atol, types: as in :class:`~dlspec.grading.golden.GoldenCase`.
        name: a label (default: the function name); each instance is labelled ``name#k``.
        seed_numpy: seed numpy's global generator before each call (for functions that draw
            from it, like the course's ``initialize_parameters`` in C1W3).
        check_dtype: require a floating result where dlspec returns floats.
        reference: ``"module:function"`` computing the expected values; default: the lab
            module's function of the same name.

    Example:
        >>> case = GeneratedCase("double", lambda rng: ((position_coded(rng, (2, 3)),), {}))
        >>> golden = case.realize(seed=0, reference=lambda x: 2 * x)
        >>> args, _ = golden.make_inputs()
        >>> bool(np.allclose(golden.expected, 2 * args[0]))
        True
    """

    function: str
    make_inputs: Callable[[np.random.Generator], tuple[tuple, dict]]
    select: Callable[[Any], Any] | None = None
    rtol: float = 1e-5
    atol: float = 1e-7
    name: str = ""
    types: Mapping[str, type] = field(default_factory=dict)
    seed_numpy: bool = False
    check_dtype: bool = True
    reference: str = ""

    @property
    def label(self) -> str:
        return self.name or self.function

    def realize(
        self, seed: int | tuple[int, ...], reference: Callable[..., Any], label: str = ""
    ) -> GoldenCase:
        """Draw the inputs for ``seed`` and compute the expected values with ``reference``.

        The returned case's ``make_inputs`` gives a deep copy of the same inputs on every call
        (re-seeding numpy first when ``seed_numpy``), so the learner's call and the mutation
        check see exactly what the reference saw.
        """
        rng = np.random.default_rng(seed)
        args, kwargs = self.make_inputs(rng)
        global_seed = int(rng.integers(2**31 - 1)) if self.seed_numpy else None

        def make_inputs() -> tuple[tuple, dict]:
            if global_seed is not None:
                np.random.seed(global_seed)
            return copy.deepcopy((tuple(args), dict(kwargs)))

        ref_args, ref_kwargs = make_inputs()
        out = reference(*ref_args, **ref_kwargs)
        expected = self.select(out) if self.select is not None else out
        return GoldenCase(
            self.function,
            make_inputs,
            expected,
            select=self.select,
            rtol=self.rtol,
            atol=self.atol,
            name=label or self.label,
            types=self.types,
            check_dtype=self.check_dtype,
        )


@dataclass(frozen=True)
class GeneratedModelCase:
    """A recipe for fresh arguments to a Keras model builder (input shape, filters, classes).

    The expected layer summary is that of dlspec's builder called with the same arguments,
    so a builder that hard-codes ``(64, 64, 3)`` or 32 filters fails.

    Attributes:
        function: the builder, e.g. ``"convolutional_model"``.
        make_inputs: ``rng -> (args, kwargs)``.
        name: a label (default: the function name).
        reference: ``"module:function"`` of the expected builder (default: the lab's).

    Example:
        >>> import keras
        >>> def dense(units):
        ...     inputs = keras.Input((3,))
        ...     return keras.Model(inputs, keras.layers.Dense(units)(inputs))
        >>> case = GeneratedModelCase("dense", lambda rng: ((int(rng.integers(2, 9)),), {}))
        >>> case.realize(seed=0, reference=dense).expected[1][0]
        'Dense'
    """

    function: str
    make_inputs: Callable[[np.random.Generator], tuple[tuple, dict]]
    name: str = ""
    reference: str = ""

    @property
    def label(self) -> str:
        return self.name or self.function

    def realize(
        self, seed: int | tuple[int, ...], reference: Callable[..., Any], label: str = ""
    ) -> ModelCase:
        """Draw the arguments for ``seed``; the expected rows are ``reference``'s model's."""
        args, kwargs = self.make_inputs(np.random.default_rng(seed))

        def make_inputs() -> tuple[tuple, dict]:
            return copy.deepcopy((tuple(args), dict(kwargs)))

        expected = layer_summary(reference(*args, **kwargs))
        return ModelCase(self.function, make_inputs, expected, name=label or self.label)

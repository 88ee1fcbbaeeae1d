"""Mixed precision for the trainer: the Keras dtype policy and loss scaling."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import keras
import tensorflow as tf

from dlspec.training.layers import nested_layers

__all__ = [
    "build_under_policy",
    "check_model_policy",
    "loss_scaled",
    "policy_scope",
    "resolve_policy",
]

MIXED_POLICIES = ("mixed_float16", "mixed_bfloat16")


def resolve_policy(mixed_precision) -> str | None:
    """The policy name that ``Trainer(mixed_precision=...)`` asks for, or ``None``.

    Args:
        mixed_precision: ``False``/``None`` (float32), ``True`` (``"mixed_float16"``), a policy
            name (``"mixed_float16"``, ``"mixed_bfloat16"``) or a ``keras.DTypePolicy``.

    Example:
        >>> resolve_policy(True), resolve_policy(False), resolve_policy("mixed_bfloat16")
        ('mixed_float16', None, 'mixed_bfloat16')
    """
    if mixed_precision is None or mixed_precision is False:
        return None
    if mixed_precision is True:
        return "mixed_float16"
    name = getattr(mixed_precision, "name", mixed_precision)
    if name not in MIXED_POLICIES:
        raise ValueError(
            f"mixed_precision must be True, False, or one of {MIXED_POLICIES}; "
            f"got {mixed_precision!r}."
        )
    return name


@contextlib.contextmanager
def policy_scope(policy: str | None) -> Iterator[None]:
    """Set Keras' global dtype policy to ``policy`` inside the block (no-op for ``None``).

    Example:
        >>> with policy_scope("mixed_float16"):
        ...     layer = keras.layers.Dense(2)
        >>> layer.compute_dtype, layer.variable_dtype, keras.config.dtype_policy().name
        ('float16', 'float32', 'float32')
    """
    if policy is None:
        yield
        return
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _compute_dtypes(model: keras.Model) -> set[str]:
    layers = nested_layers(model)
    return {
        layer.compute_dtype for layer in layers if not isinstance(layer, keras.layers.InputLayer)
    }


def check_model_policy(model: keras.Model, policy: str | None) -> None:
    """Check that a model passed as an instance was built under the requested ``policy``.

    Raises:
        ValueError: mixed precision was asked for, but no layer with weights computes in
            half precision.

    Example:
        >>> check_model_policy(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]), None)
    """
    if policy is None:
        return
    half = policy.removeprefix("mixed_")
    if half not in _compute_dtypes(model):
        raise ValueError(
            f"mixed_precision={policy!r} was asked for, but the model was built in float32. "
            "Pass a zero-argument function that builds the model (the Trainer calls it under "
            f"the policy), or call keras.config.set_dtype_policy({policy!r}) before building it."
        )


def loss_scaled(
    optimizer: keras.optimizers.Optimizer, model: keras.Model, strategy: tf.distribute.Strategy
) -> keras.optimizers.Optimizer:
    """Wrap ``optimizer`` in a ``LossScaleOptimizer`` when the model computes in float16.

    float16 gradients underflow; dynamic loss scaling multiplies the loss before
    differentiation, divides the gradients back, skips steps whose gradients overflow and
    adapts the scale, as ``model.compile`` does for ``mixed_float16``. bfloat16 has float32's
    range and needs no scaling.

    Example:
        >>> opt = keras.optimizers.SGD()
        >>> loss_scaled(opt, keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]),
        ...             tf.distribute.get_strategy()) is opt
        True
    """
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer
    if "float16" not in _compute_dtypes(model):
        return optimizer
    with strategy.scope():
        return keras.optimizers.LossScaleOptimizer(optimizer)


def build_under_policy(factory: Callable[[], keras.Model], policy: str | None) -> Callable:
    """Return a factory that calls ``factory`` with the global dtype policy set to ``policy``.

    Example:
        >>> make = build_under_policy(lambda: keras.layers.Dense(1), "mixed_float16")
        >>> make().compute_dtype
        'float16'
    """

    def build() -> keras.Model:
        with policy_scope(policy):
            return factory()

    return build

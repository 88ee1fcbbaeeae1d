"""Build the stateful Keras metrics reported by the trainer, named as ``model.fit`` names them."""

from __future__ import annotations

import inspect

import keras
import tensorflow as tf

# Keras' own choice of metric for a name, as model.fit makes it ("accuracy" becomes binary,
# sparse categorical or categorical accuracy from the shapes).
from keras.src.trainers.compile_utils import get_metric

__all__ = ["build_metrics", "check_metric_identifiers"]


def check_metric_identifiers(metrics) -> list:
    """Check the ``metrics`` argument early (types only) and return it as a list.

    Example:
        >>> check_metric_identifiers("accuracy")
        ['accuracy']
    """
    if metrics is None:
        return []
    if isinstance(metrics, str | keras.metrics.Metric) or callable(metrics):
        metrics = [metrics]
    if not isinstance(metrics, list | tuple):
        raise TypeError(
            "metrics must be a list of metric names, keras.metrics.Metric instances or "
            f"callables returning them; got {type(metrics).__name__}."
        )
    for m in metrics:
        if not (isinstance(m, str | keras.metrics.Metric) or callable(m)):
            raise TypeError(
                "Each metric must be a name ('accuracy'), a keras.metrics.Metric, a metric class "
                f"or a function fn(y_true, y_pred); got {m!r}."
            )
    return list(metrics)


def _is_factory(obj) -> bool:
    """True for a metric class or a zero-argument callable returning a metric."""
    if isinstance(obj, type):
        return issubclass(obj, keras.metrics.Metric)
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return False
    return not any(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in params
    )


def _one_metric(identifier, y_true, y_pred, strategy, default_strategy: bool):
    if isinstance(identifier, str):
        try:
            return get_metric(identifier, y_true, y_pred)
        except ValueError as err:
            raise ValueError(
                f"Unknown metric {identifier!r}; use a keras.metrics name such as 'accuracy', "
                "'mae' or 'AUC', or pass a keras.metrics.Metric."
            ) from err
    if isinstance(identifier, keras.metrics.Metric):
        if default_strategy:
            return identifier
        # Its variables live outside the strategy: rebuild it, inside the scope, from its config.
        return type(identifier).from_config(identifier.get_config())
    if _is_factory(identifier):
        metric = identifier()
        if not isinstance(metric, keras.metrics.Metric):
            raise TypeError(
                f"The metric factory {identifier!r} returned {type(metric).__name__}, "
                "not a keras.metrics.Metric."
            )
        return metric
    name = getattr(identifier, "__name__", type(identifier).__name__)
    return keras.metrics.MeanMetricWrapper(identifier, name=name)


def build_metrics(
    metrics: list,
    y_true: tf.TensorSpec,
    y_pred,
    strategy: tf.distribute.Strategy,
    *,
    default_strategy: bool = True,
) -> list[keras.metrics.Metric]:
    """Create the metric objects inside ``strategy.scope()``.

    Args:
        metrics: identifiers from :func:`check_metric_identifiers`.
        y_true: spec of the labels (used to pick the right ``"accuracy"``).
        y_pred: spec (anything with ``.shape``) of the model output.
        strategy: the distribution strategy the metric variables must live in.
        default_strategy: ``False`` for a real strategy: Metric instances passed in are then
            rebuilt from their config inside the scope.

    Returns:
        One ``keras.metrics.Metric`` per identifier, with unique names.

    Raises:
        ValueError: unknown or duplicate metric names, or a metric named ``"loss"``.

    Example:
        >>> [m.name for m in build_metrics(["accuracy"], tf.TensorSpec((None, 1)),
        ...                                 tf.TensorSpec((None, 1)), tf.distribute.get_strategy())]
        ['accuracy']
    """
    with strategy.scope():
        built = [_one_metric(m, y_true, y_pred, strategy, default_strategy) for m in metrics]
    names = [m.name for m in built]
    if "loss" in names:
        raise ValueError("A metric may not be named 'loss': that name is the training loss.")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(
            f"Metric names must be unique; {duplicates} appear more than once. Give them "
            "distinct names, e.g. keras.metrics.AUC(name='auc_pr', curve='PR')."
        )
    return built

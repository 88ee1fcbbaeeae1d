"""The trainer's ``tf.function`` train and eval steps, run on every replica of a strategy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

import keras
import tensorflow as tf

from dlspec.training.losses import PerExampleLoss

__all__ = ["StepFunctions", "make_step_functions"]


class StepFunctions(NamedTuple):
    """``train``/``evaluate`` take an iterator and return the global batch's mean loss;
    the ``*_maybe`` forms return ``(has_batch, loss)`` and do nothing at the end of the data."""

    train: Callable[[Iterator], tf.Tensor]
    train_maybe: Callable[[Iterator], tuple[tf.Tensor, tf.Tensor]]
    evaluate: Callable[[Iterator], tf.Tensor]
    evaluate_maybe: Callable[[Iterator], tuple[tf.Tensor, tf.Tensor]]


def _batch_size(x) -> tf.Tensor:
    """Number of examples in the (possibly nested) input batch ``x``."""
    return tf.shape(tf.nest.flatten(x)[0])[0]


def _global_batch_size(local_n: tf.Tensor, strategy: tf.distribute.Strategy) -> tf.Tensor:
    """Examples in this step across all replicas (exact for a short last batch)."""
    if strategy.num_replicas_in_sync == 1:
        return local_n
    ctx = tf.distribute.get_replica_context()
    total = ctx.all_reduce(tf.distribute.ReduceOp.SUM, tf.cast(local_n, tf.float32))
    return tf.cast(tf.round(total), tf.int32)


def _iterator_functions(
    replica_step: Callable, strategy: tf.distribute.Strategy, loss_dtype: tf.DType
) -> tuple[Callable, Callable]:
    """Build ``tf.function`` steps that run ``replica_step(x, y)`` on the next batch.

    Returns:
        ``(step, maybe_step)``. ``step(iterator)`` returns the global batch's mean loss (the
        sum of the replicas' losses, each already divided by the global batch size); use it
        when the number of batches is known. ``maybe_step(iterator)`` returns ``(has_batch,
        loss)`` and does nothing once the data is exhausted: with ``next(iterator)`` the call
        that hits the end could still bump the optimizer's iteration counter (``model.fit``
        has that flaw on datasets of unknown length), which would shift Adam's bias correction.
    """

    def distributed_step(x, y):
        per_replica = strategy.run(replica_step, args=(x, y))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    @tf.function(reduce_retracing=True)
    def step(iterator):
        x, y = next(iterator)
        return distributed_step(x, y)

    @tf.function(reduce_retracing=True)
    def maybe_step(iterator):
        optional = iterator.get_next_as_optional()
        has_batch = optional.has_value()
        loss = tf.cond(
            has_batch,
            lambda: tf.cast(distributed_step(*optional.get_value()), loss_dtype),
            lambda: tf.zeros([], loss_dtype),
        )
        return has_batch, loss

    return step, maybe_step


def make_step_functions(
    *,
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    per_example_loss: PerExampleLoss,
    loss_tracker: keras.metrics.Mean,
    metrics: list[keras.metrics.Metric],
    strategy: tf.distribute.Strategy,
    loss_dtype: tf.DType,
    jit_compile: bool = False,
) -> StepFunctions:
    """Build the train and eval steps.

    On each replica, per-example losses are summed and divided by the *global* batch size
    (``tf.nn.compute_average_loss``), ``model.losses`` are added with
    ``tf.nn.scale_regularization_loss``, and the gradient of ``optimizer.scale_loss(loss)``
    (the loss scale of a ``LossScaleOptimizer``, else 1) is applied; the optimizer sums the
    replicas' gradients. The loss tracker is weighted by the local batch size, as ``model.fit``
    weights it. With ``jit_compile`` the forward and backward pass are compiled with XLA: the
    whole replica step on one replica, the part before the gradient all-reduce on several.

    Example:
        >>> steps = make_step_functions(model=model, optimizer=opt, ...)  # doctest: +SKIP
        >>> loss = steps.train(iter(dist_dataset))  # doctest: +SKIP
    """

    def replica_loss(y, y_pred, local_n, global_n):
        """This replica's share of the global batch's loss, and its own mean loss.

        Summing the shares over replicas (what gradient all-reduce does) gives the mean loss
        of the global batch.
        """
        per_example = per_example_loss(y, y_pred)
        share = tf.nn.compute_average_loss(per_example, global_batch_size=global_n)
        mean = tf.math.divide_no_nan(
            tf.reduce_sum(per_example), tf.cast(local_n, per_example.dtype)
        )
        if model.losses:
            reg = tf.add_n([tf.cast(r, per_example.dtype) for r in model.losses])
            share += tf.nn.scale_regularization_loss(reg)
            mean += reg
        return share, mean

    def update_metrics(y, y_pred, mean_loss, local_n) -> None:
        loss_tracker.update_state(mean_loss, sample_weight=tf.cast(local_n, mean_loss.dtype))
        for metric in metrics:
            metric.update_state(y, y_pred)

    def forward_backward(x, y, local_n, global_n):
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss, mean_loss = replica_loss(y, y_pred, local_n, global_n)
            scaled = optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, model.trainable_variables)
        return grads, loss, mean_loss, y_pred

    xla = {"jit_compile": True, "reduce_retracing": True}
    compile_whole_step = jit_compile and strategy.num_replicas_in_sync == 1
    if jit_compile and not compile_whole_step:
        # XLA cannot compile the cross-replica collectives (batch-size and gradient
        # all-reduce), so only the forward and backward pass between them is compiled.
        forward_backward = tf.function(forward_backward, **xla)

    def train_step(x, y):
        local_n = _batch_size(x)
        global_n = _global_batch_size(local_n, strategy)
        grads, loss, mean_loss, y_pred = forward_backward(x, y, local_n, global_n)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        update_metrics(y, y_pred, mean_loss, local_n)
        return loss

    def eval_step(x, y):
        local_n = _batch_size(x)
        global_n = _global_batch_size(local_n, strategy)

        def evaluate():
            y_pred = model(x, training=False)
            loss, mean_loss = replica_loss(y, y_pred, local_n, global_n)
            update_metrics(y, y_pred, mean_loss, local_n)
            return tf.cast(loss, loss_dtype)

        if strategy.num_replicas_in_sync == 1:
            return evaluate()
        # A last batch smaller than the number of replicas leaves some replicas nothing, and
        # TensorFlow's CPU (oneDNN) convolutions fail on an empty batch: skip the model there.
        # Its metrics weight is 0 anyway, and eval has no cross-replica sync inside the model.
        return tf.cond(local_n > 0, evaluate, lambda: tf.zeros([], loss_dtype))

    if compile_whole_step:
        train_step = tf.function(train_step, **xla)
        eval_step = tf.function(eval_step, **xla)

    train, train_maybe = _iterator_functions(train_step, strategy, loss_dtype)
    evaluate, evaluate_maybe = _iterator_functions(eval_step, strategy, loss_dtype)
    return StepFunctions(train, train_maybe, evaluate, evaluate_maybe)

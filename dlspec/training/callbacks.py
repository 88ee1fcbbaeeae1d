"""Keras callbacks in the Trainer's custom loop: checked, wrapped in a ``CallbackList``."""

from __future__ import annotations

import keras

__all__ = ["check_callbacks", "make_callback_list", "wants_batch_logs"]

_BATCH_HOOKS = ("on_train_batch_end", "on_batch_end")


def check_callbacks(callbacks) -> list[keras.callbacks.Callback]:
    """Return ``callbacks`` as a list of ``keras.callbacks.Callback`` (``None``: empty).

    Raises:
        TypeError: something else than Keras callbacks.

    Example:
        >>> check_callbacks(None)
        []
        >>> len(check_callbacks([keras.callbacks.TerminateOnNaN()]))
        1
    """
    if callbacks is None:
        return []
    if isinstance(callbacks, keras.callbacks.Callback):
        callbacks = [callbacks]
    if not isinstance(callbacks, list | tuple) or not all(
        isinstance(c, keras.callbacks.Callback) for c in callbacks
    ):
        raise TypeError(
            "callbacks must be a list of keras.callbacks.Callback objects (e.g. "
            f"[keras.callbacks.EarlyStopping(patience=2)]); got {callbacks!r}."
        )
    return list(callbacks)


def make_callback_list(
    callbacks: list[keras.callbacks.Callback],
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    *,
    verbose: int,
    epochs: int,
) -> keras.callbacks.CallbackList:
    """A ``CallbackList`` as ``model.fit`` builds it, with a ``History`` and no progress bar.

    ``model.optimizer`` is set to the Trainer's optimizer (``ReduceLROnPlateau`` and
    ``TensorBoard`` read it) when the model has none.

    Example:
        >>> hooks = make_callback_list([], model, opt, verbose=0, epochs=3)  # doctest: +SKIP
        >>> hooks.on_train_begin()  # doctest: +SKIP
    """
    if getattr(model, "optimizer", None) is None:
        model.optimizer = optimizer
    return keras.callbacks.CallbackList(
        callbacks,
        add_history=True,
        add_progbar=False,
        model=model,
        verbose=verbose,
        epochs=epochs,
        steps=None,
    )


def wants_batch_logs(hooks: keras.callbacks.CallbackList) -> bool:
    """Whether a callback overrides a batch-end hook (only then are batch logs computed).

    Example:
        >>> wants_batch_logs(keras.callbacks.CallbackList([keras.callbacks.TerminateOnNaN()]))
        True
    """
    base = keras.callbacks.Callback
    return any(
        getattr(type(cb), hook) is not getattr(base, hook)
        for cb in hooks.callbacks
        for hook in _BATCH_HOOKS
    )

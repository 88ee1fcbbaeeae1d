"""Create the model and optimizer inside a ``tf.distribute.Strategy`` scope, and check them."""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf

from dlspec.training.layers import nested_layers

__all__ = [
    "build_model",
    "build_optimizer",
    "is_chief",
    "is_default_strategy",
    "is_multi_worker",
    "resolve_jit_compile",
    "resolve_strategy",
    "worker_name",
]


def resolve_strategy(strategy: tf.distribute.Strategy | None) -> tf.distribute.Strategy:
    """Return ``strategy``, or the current one (the default strategy) when ``None``.

    Example:
        >>> resolve_strategy(None).num_replicas_in_sync
        1
    """
    if strategy is None:
        return tf.distribute.get_strategy()
    if not isinstance(strategy, tf.distribute.Strategy):
        raise TypeError(
            "strategy must be a tf.distribute.Strategy (e.g. tf.distribute.MirroredStrategy()) "
            f"or None for the default strategy; got {type(strategy).__name__}."
        )
    return strategy


def is_default_strategy(strategy: tf.distribute.Strategy) -> bool:
    """True for TensorFlow's default (no-op, single-device) strategy.

    Example:
        >>> is_default_strategy(tf.distribute.get_strategy())
        True
    """
    return type(strategy).__name__ == "_DefaultDistributionStrategy"


def is_multi_worker(strategy: tf.distribute.Strategy) -> bool:
    """True when ``strategy`` spans several worker processes (``TF_CONFIG`` lists more than one).

    Example:
        >>> is_multi_worker(tf.distribute.get_strategy())
        False
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return False
    jobs = resolver.cluster_spec().as_dict()
    return sum(len(jobs.get(job, ())) for job in ("chief", "worker")) > 1


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """True for the process that writes checkpoints, ``history.json`` and TensorBoard logs.

    Every single-process strategy is its own chief; with ``MultiWorkerMirroredStrategy`` it is
    the ``chief`` task, or worker 0 when ``TF_CONFIG`` names no chief.

    Example:
        >>> is_chief(tf.distribute.get_strategy())
        True
    """
    return bool(strategy.extended.should_checkpoint)


def worker_name(strategy: tf.distribute.Strategy) -> str:
    """``"<task type>-<index>"`` of this process in a multi-worker cluster, else ``"chief"``.

    Example:
        >>> worker_name(tf.distribute.get_strategy())
        'chief'
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return "chief"
    return f"{resolver.task_type}-{resolver.task_id}"


def _created_in_scope(strategy: tf.distribute.Strategy, variables) -> bool:
    def tf_variable(v):
        return v.value if isinstance(v, keras.Variable) else v

    return all(strategy.extended.variable_created_in_scope(tf_variable(v)) for v in variables)


def build_model(
    model: keras.Model | Callable[[], keras.Model], strategy: tf.distribute.Strategy
) -> keras.Model:
    """Return the model, calling ``model()`` inside ``strategy.scope()`` when it is a factory.

    Args:
        model: a ``keras.Model``, or a zero-argument callable returning one.
        strategy: the strategy whose scope must own the model's variables.

    Returns:
        The model.

    Raises:
        TypeError: ``model`` is neither a model nor a callable returning one.
        ValueError: a model instance whose variables were created outside ``strategy``.

    Example:
        >>> m = build_model(lambda: keras.Sequential([keras.layers.Dense(1)]),
        ...                 tf.distribute.get_strategy())
    """
    if isinstance(model, keras.Model):
        built = model
    elif callable(model):
        with strategy.scope():
            built = model()
        if not isinstance(built, keras.Model):
            raise TypeError(
                f"The model factory must return a keras.Model; it returned {type(built).__name__}."
            )
    else:
        raise TypeError(
            "model must be a keras.Model or a zero-argument function building one; "
            f"got {type(model).__name__}."
        )
    if built.variables and not _created_in_scope(strategy, built.variables):
        raise ValueError(
            f"The model's variables were created outside {type(strategy).__name__}.scope(), so "
            "the strategy cannot place or mirror them. Pass a zero-argument function that builds "
            "the model instead, e.g. Trainer(lambda: make_model(), ...): the Trainer calls it "
            "inside strategy.scope()."
        )
    return built


def build_optimizer(optimizer, strategy: tf.distribute.Strategy) -> keras.optimizers.Optimizer:
    """Create the optimizer inside ``strategy.scope()``.

    Args:
        optimizer: a name (``"sgd"``, ``"adam"``), a ``keras.optimizers.Optimizer``, or a
            zero-argument callable returning one. An unused optimizer instance created outside
            the scope is rebuilt from its config inside it.

    Returns:
        The optimizer, its variables owned by ``strategy``.

    Raises:
        TypeError: unsupported ``optimizer`` type.
        ValueError: unknown name, or an already-used optimizer created outside the scope.

    Example:
        >>> type(build_optimizer("sgd", tf.distribute.get_strategy())).__name__
        'SGD'
    """
    with strategy.scope():
        if isinstance(optimizer, str):
            try:
                opt = keras.optimizers.get(optimizer)
            except ValueError as err:
                raise ValueError(
                    f"Unknown optimizer {optimizer!r}; use a keras.optimizers name such as "
                    "'sgd', 'adam' or 'rmsprop', or pass keras.optimizers.SGD(learning_rate=...)."
                ) from err
        elif isinstance(optimizer, keras.optimizers.Optimizer):
            opt = optimizer
            if not _created_in_scope(strategy, opt.variables):
                if opt.built:
                    raise ValueError(
                        f"The optimizer has state created outside {type(strategy).__name__}"
                        ".scope(). Pass a fresh optimizer, or a function that creates one."
                    )
                opt = type(opt).from_config(opt.get_config())
        elif callable(optimizer):
            opt = optimizer()
        else:
            raise TypeError(
                "optimizer must be a name ('sgd'), a keras.optimizers.Optimizer or a function "
                f"returning one; got {type(optimizer).__name__}."
            )
    if not isinstance(opt, keras.optimizers.Optimizer):
        raise TypeError(f"The optimizer factory returned {type(opt).__name__}, not an optimizer.")
    return opt


def resolve_jit_compile(jit_compile, model: keras.Model, strategy: tf.distribute.Strategy) -> bool:
    """Resolve ``jit_compile="auto"`` the way ``model.compile`` does.

    ``"auto"`` means XLA only on a GPU machine, with the default strategy, when every layer
    supports XLA and op determinism is off.

    Example:
        >>> resolve_jit_compile(False, keras.Sequential(), tf.distribute.get_strategy())
        False
    """
    if isinstance(jit_compile, bool):
        return jit_compile
    if jit_compile != "auto":
        raise ValueError(f"jit_compile must be True, False or 'auto'; got {jit_compile!r}.")
    if not tf.config.list_physical_devices("GPU") or not is_default_strategy(strategy):
        return False
    layers = nested_layers(model)
    if not all(getattr(layer, "supports_jit", True) for layer in layers):
        return False
    try:
        from tensorflow.python.framework.config import is_op_determinism_enabled
    except ImportError:  # pragma: no cover - private TF API moved
        return True
    return not is_op_determinism_enabled()

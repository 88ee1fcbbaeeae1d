"""Build a ``tf.distribute.Strategy`` from simple options (``--strategy``, ``--devices``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import tensorflow as tf

from dlspec.validation import check_int

__all__ = ["STRATEGY_NAMES", "strategy_from_name"]

STRATEGY_NAMES = ("default", "one_device", "mirrored", "multiworker", "cpu:N", "gpu:N")

Devices = int | str | Sequence[str] | None


def _logical_cpus(n: int) -> list[str]:
    """Split the CPU into ``n`` logical devices (before TensorFlow starts) and name them."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
        )
    except RuntimeError as err:  # the runtime already started: use what it has, if enough
        have = tf.config.list_logical_devices("CPU")
        if len(have) < n:
            raise RuntimeError(
                f"Cannot split the CPU into {n} logical devices: TensorFlow has already started "
                f"with {len(have)}. Call strategy_from_name('cpu:{n}') at the very start of the "
                "script, before any model, dataset or tensor is created."
            ) from err
    return [f"/cpu:{i}" for i in range(n)]


def _gpus(n: int) -> list[str]:
    found = len(tf.config.list_physical_devices("GPU"))
    if found < n:
        raise ValueError(
            f"{n} GPUs were asked for but this machine has {found}. Use fewer, or 'cpu:{n}' to "
            "try the same distributed code on logical CPU devices."
        )
    return [f"/gpu:{i}" for i in range(n)]


def _device_list(devices: Devices) -> list[str] | None:
    """``devices`` as a list of device names (``None``: let the strategy pick)."""
    if devices is None:
        return None
    if isinstance(devices, bool):
        raise TypeError(f"devices must be a count, names or GPU indices; got {devices!r}.")
    if not isinstance(devices, str | Sequence):
        devices = check_int(devices, "devices")
        if devices < 1:
            raise ValueError(f"devices must be at least 1; got {devices}.")
        if tf.config.list_physical_devices("GPU"):
            return _gpus(devices)
        return _logical_cpus(devices) if devices > 1 else ["/cpu:0"]
    if isinstance(devices, str):
        devices = [d.strip() for d in devices.split(",") if d.strip()]
    names = []
    for d in devices:
        if not isinstance(d, str) or not d:
            raise TypeError(f"Each device must be a name like '/gpu:0'; got {d!r}.")
        names.append(f"/gpu:{d}" if d.isdigit() else d)
    if not names:
        raise ValueError("devices is empty; name at least one device, e.g. '/gpu:0'.")
    return names


def strategy_from_name(
    name: str | tf.distribute.Strategy | None = "default", devices: Devices = None
) -> tf.distribute.Strategy:
    """Return the ``tf.distribute.Strategy`` that a ``--strategy`` / ``--devices`` pair names.

    One script then runs unchanged on one CPU, several GPUs or several machines: only these two
    options change (README, "Scaling out"). Create the strategy at the start of the script:
    ``cpu:N`` and ``multiworker`` must configure TensorFlow before it runs anything.

    Args:
        name: one of

            - ``"default"`` (or ``None``): TensorFlow's default strategy, one device.
            - ``"one_device"``: everything on one device: ``devices`` (one name), else the
              first GPU, else the CPU.
            - ``"mirrored"``: synchronous data parallelism on this machine's ``devices``
              (default: every GPU; the CPU when there is none).
            - ``"multiworker"``: ``MultiWorkerMirroredStrategy``, synchronous data parallelism
              across the machines listed in the ``TF_CONFIG`` environment variable (each
              worker uses its local GPUs, or its CPU); without ``TF_CONFIG`` it runs as one
              worker.
            - ``"cpu:N"``: ``MirroredStrategy`` over ``N`` logical CPU devices, to try
              distributed code on a laptop (``"cpu:1"``: one-device strategy on the CPU).
            - ``"gpu:N"``: ``MirroredStrategy`` over the first ``N`` GPUs.

            A ``tf.distribute.Strategy`` instance is returned unchanged.
        devices: for ``"mirrored"`` and ``"one_device"``: an ``int`` count (the first N GPUs;
            N logical CPU devices on a machine without GPUs), or GPU indices / device names as
            a list or a comma-separated string (``"0,1"`` means ``/gpu:0`` and ``/gpu:1``;
            ``"/cpu:0"``). A CLI should pass ``int(value)`` when the option is a bare count.

    Returns:
        The strategy. Pass it to :class:`~dlspec.training.Trainer` (``strategy=``).

    Raises:
        ValueError: unknown name, more GPUs asked for than present, or ``devices`` given for
            a strategy that does not take them.
        RuntimeError: ``cpu:N`` asked for after TensorFlow has started with fewer devices.

    Example:
        >>> strategy_from_name("default").num_replicas_in_sync
        1
        >>> type(strategy_from_name("one_device", devices="/cpu:0")).__name__
        'OneDeviceStrategy'
        >>> strategy_from_name("cpu:2")  # doctest: +SKIP
        <tensorflow.python.distribute.mirrored_strategy.MirroredStrategy object at ...>
    """
    if isinstance(name, tf.distribute.Strategy):
        return name
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a strategy name such as 'mirrored'; got {name!r}.")
    key = (name or "default").strip().lower().replace("-", "_")
    count = re.fullmatch(r"(cpu|gpu):(\d+)", key)
    if count is not None and devices is not None:
        raise ValueError(f"'{name}' already says which devices to use; drop devices={devices!r}.")
    if key == "default":
        if devices is not None:
            raise ValueError(
                f"The default strategy uses one device; got devices={devices!r}. Use "
                "'one_device' to pick the device, or 'mirrored' for several."
            )
        return tf.distribute.get_strategy()
    if key == "one_device":
        names = _device_list(devices)
        if names is not None and len(names) != 1:
            raise ValueError(f"'one_device' takes one device; got {names}.")
        if names is None:
            names = ["/gpu:0" if tf.config.list_physical_devices("GPU") else "/cpu:0"]
        return tf.distribute.OneDeviceStrategy(names[0])
    if key == "mirrored":
        return tf.distribute.MirroredStrategy(_device_list(devices))
    if key in ("multiworker", "multi_worker", "multi_worker_mirrored"):
        if devices is not None:
            raise ValueError(
                "'multiworker' uses every local GPU (or the CPU) of each worker; the workers "
                "are listed in TF_CONFIG. Drop devices=..."
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    if count is not None:
        kind, n = count.group(1), int(count.group(2))
        if n < 1:
            raise ValueError(f"'{name}' asks for no devices; use {kind}:1 or more.")
        if kind == "cpu" and n == 1:
            return tf.distribute.OneDeviceStrategy("/cpu:0")
        return tf.distribute.MirroredStrategy(_logical_cpus(n) if kind == "cpu" else _gpus(n))
    raise ValueError(
        f"Unknown strategy {name!r}; use one of {', '.join(STRATEGY_NAMES)} "
        "(e.g. 'mirrored', 'cpu:2')."
    )

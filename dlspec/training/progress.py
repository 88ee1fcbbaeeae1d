"""A Keras ``Progbar`` per epoch with the throughput, refreshed a few times a second."""

from __future__ import annotations

import time
from collections.abc import Callable

import keras

__all__ = ["EpochProgress", "Throughput"]


class Throughput:
    """Examples per second since :meth:`start`, from a running count of examples.

    Args:
        count: returns the number of examples processed so far (e.g. the loss tracker's
            ``count``, which sums the batch sizes over every replica and worker).

    Example:
        >>> seen = [0]
        >>> meter = Throughput(lambda: seen[0])
        >>> meter.start()
        >>> seen[0] = 640
        >>> meter.rate() > 0
        True
    """

    def __init__(self, count: Callable[[], float]) -> None:
        self._count = count
        self._t0 = time.perf_counter()
        self._n0 = 0.0

    def start(self) -> None:
        """Start timing from the current count."""
        self._n0 = float(self._count())
        self._t0 = time.perf_counter()

    def rate(self) -> float:
        """Examples per second since :meth:`start`."""
        elapsed = time.perf_counter() - self._t0
        return (float(self._count()) - self._n0) / elapsed if elapsed > 0 else 0.0


class EpochProgress:
    """Print ``Epoch i/N`` and a progress bar, as ``model.fit`` does, plus ``examples/s``.

    Reading metric values forces the device to finish its queued work, so the bar asks for
    them (``values_fn``) at most every ``interval`` seconds; the training loop itself is never
    slowed by printing.

    Args:
        verbose: 0 silent, 1 progress bar, 2 one line per epoch.
        interval: minimum seconds between refreshes.

    Example:
        >>> bar = EpochProgress(verbose=0)
        >>> bar.start(epoch=1, epochs=3, target=10)
        >>> bar.update(5, lambda: [("loss", 0.5), ("examples/s", 1200.0)])
        >>> bar.finish(10, {"loss": 0.4, "examples/s": 1250.0})
    """

    def __init__(self, verbose: int = 1, interval: float = 0.1) -> None:
        self.verbose = verbose
        self.interval = interval
        self._bar: keras.utils.Progbar | None = None
        self._last = 0.0

    def start(self, epoch: int, epochs: int, target: int | None) -> None:
        """Begin the bar for 1-based ``epoch`` of ``epochs`` (``target`` steps, if known)."""
        if not self.verbose:
            return
        print(f"Epoch {epoch}/{epochs}")
        self._bar = keras.utils.Progbar(target, verbose=self.verbose, stateless_metrics=[])
        self._last = time.perf_counter()

    def update(
        self, step: int, values_fn: Callable[[], list[tuple[str, float]]] | None = None
    ) -> None:
        """Refresh at ``step`` if ``interval`` has passed (calls ``values_fn`` only then).

        ``values_fn=None`` moves the bar without values (multi-worker training, where reading
        a metric is a collective operation that all workers must run at the same step).
        """
        if self.verbose != 1 or self._bar is None:
            return
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            self._bar.update(step, values_fn() if values_fn is not None else None)

    def finish(self, step: int, logs: dict[str, float]) -> None:
        """Close the bar with the epoch's final logs."""
        if self._bar is not None:
            self._bar.update(step, list(logs.items()), finalize=True)
            self._bar = None

"""A Keras ``Progbar`` per epoch, refreshed a few times a second rather than every step."""

from __future__ import annotations

import time
from collections.abc import Callable

import keras

__all__ = ["EpochProgress"]


class EpochProgress:
    """Print ``Epoch i/N`` and a progress bar, as ``model.fit`` does.

    Reading metric values forces the device to finish its queued work, so the bar asks for
    them (``values_fn``) at most every ``interval`` seconds; the training loop itself is never
    slowed by printing.

    Args:
        verbose: 0 silent, 1 progress bar, 2 one line per epoch.
        interval: minimum seconds between refreshes.

    Example:
        >>> bar = EpochProgress(verbose=0)
        >>> bar.start(epoch=1, epochs=3, target=10)
        >>> bar.update(5, lambda: [("loss", 0.5)])
        >>> bar.finish(10, {"loss": 0.4})
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

    def update(self, step: int, values_fn: Callable[[], list[tuple[str, float]]]) -> None:
        """Refresh at ``step`` if ``interval`` has passed (calls ``values_fn`` only then)."""
        if self.verbose != 1 or self._bar is None:
            return
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            self._bar.update(step, values_fn())

    def finish(self, step: int, logs: dict[str, float]) -> None:
        """Close the bar with the epoch's final logs."""
        if self._bar is not None:
            self._bar.update(step, list(logs.items()), finalize=True)
            self._bar = None

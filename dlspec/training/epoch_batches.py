"""Per-epoch iterators over the training data, positioned as an uninterrupted run's would be."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import tensorflow as tf

from dlspec.training.data_checks import known_num_batches

__all__ = ["EpochBatches"]


class EpochBatches:
    """Hand out one distributed iterator per epoch, so that a resumed run sees the same data.

    Without ``steps_per_epoch`` each epoch is one pass over ``dataset``. A resumed run replays
    the earlier epochs' iterator creations (so a seeded ``shuffle(...,
    reshuffle_each_iteration=True)`` gives each epoch the order it had) and skips the batches
    already trained in a partly done epoch. With ``steps_per_epoch`` the data is one endless
    stream (the dataset repeated) and the global step says how far into it to skip.

    Args:
        dataset: the batched training ``tf.data.Dataset``.
        strategy: distributes the dataset (``experimental_distribute_dataset``).

    Example:
        >>> batches = EpochBatches(tf.data.Dataset.range(6).batch(2),
        ...                        tf.distribute.get_strategy())
        >>> it, n = next(batches.epochs(None, epochs_done=lambda: 0, step=lambda: 0,
        ...                             epoch_step=lambda: 0))
        >>> n, next(it).numpy().tolist()
        (3, [0, 1])
    """

    def __init__(self, dataset: tf.data.Dataset, strategy: tf.distribute.Strategy) -> None:
        self.dataset = dataset
        self.strategy = strategy
        self._dist = None
        self._passes = 0  # iterators created over the dataset so far
        self._stream = None
        self._position = 0  # global step the stream iterator will be at

    def epochs(
        self,
        steps_per_epoch: int | None,
        *,
        epochs_done: Callable[[], int],
        step: Callable[[], int],
        epoch_step: Callable[[], int],
    ) -> Iterator[tuple[Iterator, int | None]]:
        """Yield ``(iterator, num_steps)`` per epoch, starting at the trainer's counters.

        Args:
            steps_per_epoch: steps per epoch, or ``None`` for one pass per epoch.
            epochs_done, step, epoch_step: read the trainer's completed epochs, global step,
                and steps into the current epoch when each epoch starts.
        """
        if steps_per_epoch is not None:
            yield from self._stream_epochs(steps_per_epoch, step, epoch_step)
            return
        if self._dist is None:
            self._dist = self.strategy.experimental_distribute_dataset(self.dataset)
        for _ in range(epochs_done() - self._passes):
            iter(self._dist)  # replay the seed draws of the epochs done before resuming
        self._passes = max(self._passes, epochs_done())
        num_steps = known_num_batches(self.dataset)
        skip = epoch_step()
        while True:
            iterator = iter(self._dist)
            self._passes += 1
            for _ in range(skip):
                next(iterator)
            skip = 0
            yield iterator, num_steps

    def _stream_epochs(self, steps_per_epoch: int, step, epoch_step):
        global_step = step()
        if self._stream is None or self._position != global_step:
            stream = self.dataset
            if self.dataset.cardinality() != tf.data.INFINITE_CARDINALITY:
                stream = stream.repeat()
            if global_step:
                stream = stream.skip(global_step)
            self._stream = iter(self.strategy.experimental_distribute_dataset(stream))
            self._position = global_step
        while True:
            # Where the stream will be once this epoch's remaining steps are done.
            self._position = step() + steps_per_epoch - epoch_step()
            yield self._stream, steps_per_epoch

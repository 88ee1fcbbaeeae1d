"""Train / train-dev / dev / test splits (C3W1-W2), of index ranges, arrays and ``tf.data``.

The course's rules: dev and test come from the same distribution, the one the system must do
well on; 60/20/20 for small data (up to about 10 000 examples), about 98/1/1 for large data;
a **train-dev** set carved from the training distribution (never trained on) separates
variance from data mismatch; and when the target distribution is small, most of it goes to
dev/test, with only part of it added to training (:func:`target_distribution_split`).

Every split is a seeded permutation: the same arguments give the same split, and no example
lands in two splits.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from dlspec.validation import check_int

__all__ = [
    "SPLITS",
    "SMALL_DATA_LIMIT",
    "default_fractions",
    "split_sizes",
    "split_indices",
    "split_arrays",
    "split_dataset",
    "target_distribution_split",
]

SPLITS = ("train", "train_dev", "dev", "test")
SMALL_DATA_LIMIT = 10_000


def default_fractions(n: int, *, train_dev: float = 0.0) -> dict[str, float]:
    """The course's split sizes for ``n`` examples: 60/20/20 up to 10 000, else 98/1/1.

    ``train_dev`` carves that fraction of the *training* share out as a train-dev set.

    Example:
        >>> default_fractions(1000)
        {'train': 0.6, 'train_dev': 0.0, 'dev': 0.2, 'test': 0.2}
        >>> default_fractions(1_000_000, train_dev=0.01)["train_dev"]
        0.0098
    """
    _check_count(n, "n")
    if not 0.0 <= train_dev < 1.0:
        raise ValueError(
            f"train_dev must be a fraction of the training share in [0, 1); got {train_dev!r}."
        )
    train, dev, test = (0.6, 0.2, 0.2) if n <= SMALL_DATA_LIMIT else (0.98, 0.01, 0.01)
    carved = round(train * train_dev, 10)
    return {"train": round(train - carved, 10), "train_dev": carved, "dev": dev, "test": test}


def _check_count(n, name: str) -> int:
    try:
        return check_int(n, name, minimum=1)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number of examples; got {n!r}.") from None


def _normalise(fractions: Mapping[str, float] | Sequence[float] | None, n: int) -> dict:
    if fractions is None:
        return default_fractions(n)
    if not isinstance(fractions, Mapping):
        fractions = list(fractions)
        if len(fractions) not in (3, 4):
            raise ValueError(
                f"fractions must be (train, dev, test) or (train, train_dev, dev, test); got "
                f"{fractions}."
            )
        names = SPLITS if len(fractions) == 4 else ("train", "dev", "test")
        fractions = dict(zip(names, fractions))
    unknown = set(fractions) - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split names {sorted(unknown)}; use {list(SPLITS)}.")
    out = {s: fractions.get(s, 0) for s in SPLITS}
    for name, value in out.items():
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise TypeError(f"fraction of {name!r} must be a number; got {value!r}.")
        if value < 0:
            raise ValueError(f"fraction of {name!r} must be >= 0; got {value!r}.")
    total = sum(out.values())
    counts = all(isinstance(v, numbers.Integral) for v in out.values()) and total > 1
    if counts:  # absolute sizes
        if total > n:
            raise ValueError(
                f"the requested split sizes add up to {total} but there are only {n} examples."
            )
        return {s: int(v) for s, v in out.items()}
    if not np.isclose(total, 1.0, atol=1e-6):
        raise ValueError(
            f"fractions must add up to 1 (or be integer sizes); got {out} (sum {total:g})."
        )
    return {s: float(v) for s, v in out.items()}


def split_sizes(n: int, fractions=None) -> dict[str, int]:
    """Sizes of the four splits of ``n`` examples (largest-remainder rounding; sum is ``n``).

    Args:
        n: number of examples.
        fractions: ``{split: fraction}`` adding up to 1, a tuple ``(train, dev, test)`` or
            ``(train, train_dev, dev, test)``, integer sizes (the rest is left out), or
            ``None`` for :func:`default_fractions`.

    Raises:
        ValueError: fractions that do not add up to 1, sizes larger than ``n``, or a split
            asked for (fraction > 0) that would get no example.

    Example:
        >>> split_sizes(10, (0.6, 0.2, 0.2))
        {'train': 6, 'train_dev': 0, 'dev': 2, 'test': 2}
    """
    n = _check_count(n, "n")
    wanted = _normalise(fractions, n)
    if all(isinstance(v, int) for v in wanted.values()):
        return wanted
    exact = {s: f * n for s, f in wanted.items()}
    sizes = {s: int(np.floor(v + 1e-9)) for s, v in exact.items()}
    left = n - sum(sizes.values())
    for s in sorted(SPLITS, key=lambda s: sizes[s] - exact[s])[:left]:
        sizes[s] += 1
    empty = [s for s in SPLITS if wanted[s] > 0 and sizes[s] == 0]
    if empty:
        raise ValueError(
            f"cannot split {n} examples as {wanted}: {', '.join(empty)} would be empty. "
            f"Use more data or larger fractions for {', '.join(empty)}."
        )
    return sizes


def split_indices(n: int, fractions=None, *, seed: int = 0, stratify=None):
    """Seeded, disjoint index arrays ``{"train", "train_dev", "dev", "test"}`` over ``range(n)``.

    Args:
        n: number of examples.
        fractions: see :func:`split_sizes`.
        seed: seed of the permutation.
        stratify: optional labels (n,): each split then keeps the class proportions (within
            one example per class); sizes are those of :func:`split_sizes`.

    Returns:
        ``{split: sorted int64 indices}``; indices not asked for (integer sizes summing to
        less than ``n``) appear in no split.

    Example:
        >>> parts = split_indices(10, (0.6, 0.2, 0.2), seed=0)
        >>> [len(parts[s]) for s in ("train", "train_dev", "dev", "test")]
        [6, 0, 2, 2]
    """
    n = _check_count(n, "n")
    rng = np.random.default_rng(seed)
    if stratify is None:
        sizes = split_sizes(n, fractions)
        return _cut(rng.permutation(n), sizes)
    labels = np.ravel(np.asarray(stratify))
    if labels.size != n:
        raise ValueError(f"stratify must hold one label per example ({n}); got {labels.size}.")
    sizes = split_sizes(n, fractions)
    # Spread each class evenly over one ordering, then cut it like the unstratified case:
    # the split sizes are exact and each class's share in a split is within one example.
    position = np.empty(n)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        position[rng.permutation(members)] = (np.arange(members.size) + 0.5) / members.size
    order = np.lexsort((rng.random(n), position))
    return _cut(order, sizes)


def _cut(order: np.ndarray, sizes: Mapping[str, int]) -> dict[str, np.ndarray]:
    out, start = {}, 0
    for s in SPLITS:
        out[s] = np.sort(order[start : start + sizes.get(s, 0)]).astype(np.int64)
        start += sizes.get(s, 0)
    return out


def split_arrays(*arrays, fractions=None, seed: int = 0, stratify=None, axis: int = 0):
    """Split arrays along ``axis`` (examples) into ``{split: tuple of arrays}``.

    Use ``axis=-1`` for the course's column layout (X (n_x, m), Y (1, m)).

    Example:
        >>> X, Y = np.arange(20).reshape(2, 10), np.arange(10).reshape(1, 10) % 2
        >>> parts = split_arrays(X, Y, fractions=(0.6, 0.2, 0.2), axis=-1, stratify=Y)
        >>> parts["dev"][0].shape, parts["train"][1].shape
        ((2, 2), (1, 6))
    """
    if not arrays:
        raise ValueError("split_arrays needs at least one array.")
    arrays = tuple(np.asarray(a) for a in arrays)
    sizes = {a.shape[axis] if a.ndim else None for a in arrays}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(
            f"every array needs the same number of examples along axis {axis}; got shapes "
            f"{[a.shape for a in arrays]}."
        )
    parts = split_indices(sizes.pop(), fractions, seed=seed, stratify=stratify)
    return {s: tuple(np.take(a, idx, axis=axis) for a in arrays) for s, idx in parts.items()}


def split_dataset(dataset, fractions=None, *, seed: int = 0, stratify=None, n: int | None = None):
    """Split a finite, unbatched ``tf.data.Dataset`` into ``{split: dataset}``.

    Each example is assigned by its position (``enumerate``) to the split of
    :func:`split_indices`, so the split is deterministic as long as the dataset's order is
    (do not shuffle before splitting; shuffle each split afterwards).

    Args:
        dataset: a finite dataset of single examples.
        fractions, seed, stratify: as in :func:`split_indices`.
        n: its number of examples, when ``dataset.cardinality()`` is unknown (otherwise the
            dataset is counted once).

    Example:
        >>> import tensorflow as tf
        >>> parts = split_dataset(tf.data.Dataset.range(10), (0.6, 0.2, 0.2), seed=0)
        >>> sorted(int(x) for x in parts["dev"])
        [0, 9]
    """
    import tensorflow as tf

    cardinality = int(dataset.cardinality())
    if cardinality == int(tf.data.INFINITE_CARDINALITY):
        raise ValueError("dataset is infinite (repeat()?); split it before repeating.")
    if n is None:
        n = cardinality if cardinality >= 0 else int(dataset.reduce(0, lambda c, _: c + 1))
    elif cardinality >= 0 and cardinality != n:
        raise ValueError(f"n={n} but the dataset has {cardinality} elements.")
    parts = split_indices(n, fractions, seed=seed, stratify=stratify)
    owner = np.full(n, -1, np.int64)
    for k, s in enumerate(SPLITS):
        owner[parts[s]] = k
    owner_t = tf.constant(owner)
    indexed = dataset.enumerate()
    out = {}
    for k, s in enumerate(SPLITS):
        picked = indexed.filter(lambda i, *_, k=k: tf.gather(owner_t, i) == k)
        out[s] = picked.map(lambda i, *x: x[0] if len(x) == 1 else x).apply(
            tf.data.experimental.assert_cardinality(len(parts[s]))
        )
    return out


def target_distribution_split(
    n_source: int,
    n_target: int,
    *,
    target_to_train: float = 0.5,
    train_dev: float = 0.0,
    dev_share: float = 0.5,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """The course's recipe when the data you care about (target) is scarce.

    Example of the course: 200 000 web images (source) and 10 000 app images (target) →
    train on all the web images plus 5 000 app images; dev and test are 2 500 app images each.
    Indices refer to the concatenation ``[source; target]``: ``0 … n_source-1`` are source
    examples, ``n_source …`` target examples.

    Args:
        n_source, n_target: sizes of both distributions.
        target_to_train: fraction of the target data added to training (the rest goes to
            dev/test).
        train_dev: fraction of the *training* data (source and target mixed) held out as a
            train-dev set.
        dev_share: fraction of the held-out target data that goes to dev (the rest is test).
        seed: seed of the permutations.

    Example:
        >>> parts = target_distribution_split(200_000, 10_000, target_to_train=0.5)
        >>> {s: len(v) for s, v in parts.items()}
        {'train': 205000, 'train_dev': 0, 'dev': 2500, 'test': 2500}
    """
    n_source = _check_count(n_source, "n_source")
    n_target = _check_count(n_target, "n_target")
    for name, value, upper in (
        ("target_to_train", target_to_train, "[0, 1)"),
        ("train_dev", train_dev, "[0, 1)"),
        ("dev_share", dev_share, "(0, 1)"),
    ):
        low_ok = value > 0 if name == "dev_share" else value >= 0
        if not (low_ok and value < 1):
            raise ValueError(f"{name} must be a fraction in {upper}; got {value!r}.")
    rng = np.random.default_rng(seed)
    target = n_source + rng.permutation(n_target)
    n_train_target = int(round(target_to_train * n_target))
    held = target[n_train_target:]
    n_dev = int(round(dev_share * held.size))
    if n_dev == 0 or n_dev == held.size:
        raise ValueError(
            f"{held.size} held-out target examples cannot fill both dev and test "
            f"(dev_share={dev_share}); lower target_to_train or add target data."
        )
    training = rng.permutation(np.concatenate([np.arange(n_source), target[:n_train_target]]))
    n_train_dev = int(round(train_dev * training.size))
    if train_dev > 0 and n_train_dev == 0:
        raise ValueError(f"train_dev={train_dev} of {training.size} examples is empty.")
    parts = {
        "train": training[n_train_dev:],
        "train_dev": training[:n_train_dev],
        "dev": held[:n_dev],
        "test": held[n_dev:],
    }
    return {s: np.sort(v).astype(np.int64) for s, v in parts.items()}

"""scikit-learn's handwritten digits as identities: a small offline set for metric learning.

``sklearn.datasets.load_digits`` ships with scikit-learn (no download): 1,797 images of 8×8
pixels with values 0..16, ten digits. For face-recognition-style training each digit is an
*identity*, as a person is in a face data set. :func:`load_digit_identities` splits them
either by *samples* (every digit in both splits, held-out images never trained on: what
the c4w4-face lab reports) or by *identities* (the held-out digits never seen in training,
as new people at a door). Images are uint8 in [0, 255] (``round(value · 255 / 16)``), shaped
(8, 8, 1), so that they are encoded exactly like image files (``/ 255``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlspec.data.arrays import array_dataset, scale_pixels

__all__ = [
    "DIGIT_IMAGE_SHAPE",
    "DigitIdentities",
    "digits_dataset",
    "load_digit_identities",
]

#: the shape of one digit image
DIGIT_IMAGE_SHAPE = (8, 8, 1)


@dataclass(frozen=True)
class DigitIdentities:
    """A train / test split of the digits, with how it was held out.

    Attributes:
        train_images, test_images: (m, 8, 8, 1) uint8 in [0, 255].
        train_labels, test_labels: (m,) int64 digit (identity) labels.
        holdout: ``"samples"`` (the same ten identities, disjoint images) or ``"identities"``
            (the test digits are absent from training).
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    holdout: str


def _as_uint8_images(values: np.ndarray) -> np.ndarray:
    pixels = np.rint(values.astype(np.float64) * 255.0 / 16.0).astype(np.uint8)
    return pixels.reshape(-1, *DIGIT_IMAGE_SHAPE)


def load_digit_identities(
    *,
    test_fraction: float = 0.3,
    held_out_identities: Sequence[int] | None = None,
    seed: int = 0,
) -> DigitIdentities:
    """Load the digits and hold out test images (stratified) or whole identities.

    Args:
        test_fraction: share of each digit's images held out, when splitting by samples.
        held_out_identities: digits held out entirely (e.g. ``(7, 8, 9)``); then
            ``test_fraction`` is unused and the split is by identities.
        seed: seed of the stratified split.

    Returns:
        A :class:`DigitIdentities`.

    Raises:
        ValueError: ``test_fraction`` not in (0, 1); held-out digits outside 0..9, repeated,
            or leaving fewer than two identities to train on.

    Example:
        >>> split = load_digit_identities()
        >>> split.train_images.shape, split.test_images.shape, split.holdout
        ((1257, 8, 8, 1), (540, 8, 8, 1), 'samples')
        >>> sorted(set(load_digit_identities(held_out_identities=(8, 9)).test_labels.tolist()))
        [8, 9]
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images, labels = _as_uint8_images(digits.images), digits.target.astype(np.int64)
    if held_out_identities is not None:
        held = [int(d) for d in held_out_identities]
        if len(set(held)) != len(held) or not set(held) <= set(range(10)) or len(held) > 8:
            raise ValueError(
                "held_out_identities must be distinct digits in 0..9, leaving at least two to "
                f"train on, e.g. (7, 8, 9); got {tuple(held_out_identities)!r}."
            )
        test = np.isin(labels, held)
        return DigitIdentities(
            images[~test], labels[~test], images[test], labels[test], "identities"
        )
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), e.g. 0.3; got {test_fraction!r}.")
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=test_fraction, stratify=labels, random_state=seed
    )
    return DigitIdentities(x_train, y_train, x_test, y_test, "samples")


def digits_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    batch_size: int = 64,
    shuffle: bool = True,
    seed: int = 0,
):
    """A ``tf.data`` pipeline of ``(image, label)`` batches for triplet training.

    cache → shuffle (seeded, reshuffled each epoch) → batch → map (uint8 → float32 ``/ 255``)
    → prefetch. Labels stay int64 identities; batches of 64 hold about six images of each of
    the ten digits, enough positives and negatives for online triplet mining.

    Args:
        images: (m, 8, 8, 1) uint8, as :func:`load_digit_identities` gives.
        labels: (m,) identity labels.
        batch_size: images per batch.
        shuffle: shuffle before batching.
        seed: shuffle seed.

    Raises:
        ValueError: images not (m, 8, 8, 1) uint8, or labels of another length.

    Example:
        >>> split = load_digit_identities()
        >>> x, y = next(iter(digits_dataset(split.train_images, split.train_labels)))
        >>> x.shape, x.dtype.name, y.shape
        (TensorShape([64, 8, 8, 1]), 'float32', TensorShape([64]))
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.ndim != 4 or images.shape[1:] != DIGIT_IMAGE_SHAPE or images.dtype != np.uint8:
        raise ValueError(
            f"images must be (m, 8, 8, 1) uint8 (from load_digit_identities); got "
            f"{images.shape} {images.dtype}."
        )
    if labels.shape != (len(images),):
        raise ValueError(
            f"labels must be a vector of {len(images)} identities; got shape {labels.shape}."
        )
    return array_dataset(
        (images, labels.astype(np.int64)),
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        map_fn=scale_pixels,
    )

"""Training an embedding with the triplet loss and online mining, and verifying with it.

The course only evaluates FaceNet; Schroff et al. (2015) trained it with the triplet loss on
triplets mined *online*, inside each batch. Given a batch of labelled embeddings:

- :func:`semi_hard_triplet_loss` (FaceNet): for each anchor–positive pair, the negative
  closest to the anchor among those *farther* than the positive (a "semi-hard" negative,
  still within the margin or just past it); where the batch has none, the farthest of the
  negatives, i.e. the least violating one (as TensorFlow Addons' ``TripletSemiHardLoss``).
- :func:`batch_hard_triplet_loss` (Hermans et al., 2017): for each anchor, its farthest
  positive and its closest negative.

Both use squared Euclidean distances, as the course's
:func:`~dlspec.cnn.faces.face_recognition.triplet_loss`, and return one loss per example (the
anchor), which is what :class:`dlspec.training.Trainer` needs (``loss=fn(labels,
embeddings)``). Training goes through that Trainer (:func:`train_triplet_model`);
:func:`verification_report` then scores same / different decisions on balanced pairs with a
distance threshold chosen on other pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from dlspec.training import Trainer

__all__ = [
    "VerificationReport",
    "balanced_pairs",
    "batch_hard_triplet_loss",
    "best_threshold",
    "digit_embedding_model",
    "pairwise_squared_distances",
    "semi_hard_triplet_loss",
    "train_triplet_model",
    "verification_report",
]


def pairwise_squared_distances(embeddings: tf.Tensor) -> tf.Tensor:
    """``D[i, j] = ‖e_i − e_j‖²`` for a (b, d) batch, clipped at 0 against round-off.

    Example:
        >>> pairwise_squared_distances(tf.constant([[0.0, 0.0], [3.0, 4.0]])).numpy()
        array([[ 0., 25.],
               [25.,  0.]], dtype=float32)
    """
    e = tf.convert_to_tensor(embeddings)
    sq = tf.reduce_sum(tf.square(e), axis=1)
    d = sq[:, None] - 2.0 * tf.matmul(e, e, transpose_b=True) + sq[None, :]
    return tf.maximum(d, 0.0)


def _masks(labels: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``(positive, negative)`` boolean (b, b) masks; a positive excludes the anchor itself."""
    labels = tf.reshape(labels, [-1])
    same = tf.equal(labels[:, None], labels[None, :])
    not_self = tf.logical_not(tf.eye(tf.shape(labels)[0], dtype=tf.bool))
    return tf.logical_and(same, not_self), tf.logical_not(same)


def _check_batch(labels, embeddings) -> tuple[tf.Tensor, tf.Tensor]:
    embeddings = tf.convert_to_tensor(embeddings)
    if embeddings.shape.rank != 2:
        raise ValueError(
            f"embeddings must be a (batch, d) matrix; got shape {embeddings.shape}. Flatten "
            "the model's output."
        )
    labels = tf.reshape(tf.convert_to_tensor(labels), [-1])
    if labels.shape[0] is not None and embeddings.shape[0] is not None:
        if labels.shape[0] != embeddings.shape[0]:
            raise ValueError(
                f"labels ({labels.shape[0]}) and embeddings ({embeddings.shape[0]}) must have "
                "one row per example."
            )
    return labels, embeddings


def semi_hard_triplet_loss(labels, embeddings, margin: float = 0.2) -> tf.Tensor:
    """Per-anchor triplet loss with semi-hard negatives mined in the batch (FaceNet).

    For each anchor a and positive p (same label, p ≠ a): the negative n* is the closest
    negative with ``D[a, n] > D[a, p]``; if there is none, the farthest negative. The loss of
    the pair is ``max(D[a, p] − D[a, n*] + margin, 0)``, and an anchor's loss is the mean over
    its positives (0 when it has no positive or no negative in the batch).

    Args:
        labels: (b,) or (b, 1) identity labels.
        embeddings: (b, d) embeddings (L2-normalised in FaceNet).
        margin: the course's alpha, 0.2.

    Returns:
        (b,) float losses, one per anchor.

    Example:
        >>> e = tf.constant([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [0.0, 1.0]])
        >>> semi_hard_triplet_loss(tf.constant([0, 0, 1, 1]), e).numpy().round(3)
        array([0., 0., 0., 0.], dtype=float32)
        >>> semi_hard_triplet_loss(tf.constant([0, 0, 1, 1]), e, margin=0.5).numpy().round(3)
        array([0.1, 0.1, 0.1, 0.1], dtype=float32)
    """
    labels, embeddings = _check_batch(labels, embeddings)
    d = pairwise_squared_distances(embeddings)
    positive, negative = _masks(labels)
    d_ap = d[:, :, None]  # [a, p, ·]
    d_an = d[:, None, :]  # [a, ·, n]
    big = tf.stop_gradient(tf.reduce_max(d)) + 1.0
    semi_hard = tf.logical_and(negative[:, None, :], d_an > d_ap)  # [a, p, n]
    closest_farther = tf.reduce_min(tf.where(semi_hard, d_an, big), axis=2)
    farthest = tf.reduce_max(tf.where(negative, d, -big), axis=1)[:, None]
    has_semi_hard = tf.reduce_any(semi_hard, axis=2)
    d_neg = tf.where(has_semi_hard, closest_farther, farthest)
    pair_loss = tf.maximum(d - d_neg + margin, 0.0)
    has_negative = tf.reduce_any(negative, axis=1, keepdims=True)
    valid = tf.cast(tf.logical_and(positive, has_negative), d.dtype)
    return tf.math.divide_no_nan(
        tf.reduce_sum(pair_loss * valid, axis=1), tf.reduce_sum(valid, axis=1)
    )


def batch_hard_triplet_loss(labels, embeddings, margin: float = 0.2) -> tf.Tensor:
    """Per-anchor "batch hard" loss: farthest positive, closest negative (Hermans et al.).

    ``max(max_p D[a, p] − min_n D[a, n] + margin, 0)``; 0 for an anchor with no positive or
    no negative in the batch.

    Example:
        >>> e = tf.constant([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [0.0, 1.0]])
        >>> batch_hard_triplet_loss(tf.constant([0, 0, 1, 1]), e).numpy().round(3)
        array([0.  , 0.52, 0.52, 0.  ], dtype=float32)
    """
    labels, embeddings = _check_batch(labels, embeddings)
    d = pairwise_squared_distances(embeddings)
    positive, negative = _masks(labels)
    big = tf.stop_gradient(tf.reduce_max(d)) + 1.0
    hardest_positive = tf.reduce_max(tf.where(positive, d, 0.0), axis=1)
    hardest_negative = tf.reduce_min(tf.where(negative, d, big), axis=1)
    valid = tf.logical_and(tf.reduce_any(positive, axis=1), tf.reduce_any(negative, axis=1))
    loss = tf.maximum(hardest_positive - hardest_negative + margin, 0.0)
    return tf.where(valid, loss, 0.0)


_MINING = {"semi_hard": semi_hard_triplet_loss, "batch_hard": batch_hard_triplet_loss}


def digit_embedding_model(embedding_size: int = 32, *, seed: int = 0) -> keras.Model:
    """A small conv net for 8×8×1 images → an L2-normalised embedding (``UnitNormalization``).

    Its initial weights depend only on ``seed`` (seeded initialisers; no global reseeding).

    Example:
        >>> digit_embedding_model().output.shape
        (None, 32)
    """

    def init(k: int) -> keras.initializers.Initializer:
        return keras.initializers.GlorotUniform(seed=seed + k)

    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=init(0))(
        inputs
    )
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu", kernel_initializer=init(1))(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(128, activation="relu", kernel_initializer=init(2))(x)
    x = keras.layers.Dense(embedding_size, kernel_initializer=init(3))(x)
    outputs = keras.layers.UnitNormalization()(x)
    return keras.Model(inputs, outputs, name="digit_embedding")


def train_triplet_model(
    model: keras.Model | Callable[[], keras.Model],
    dataset: tf.data.Dataset,
    *,
    epochs: int,
    mining: str = "semi_hard",
    margin: float = 0.2,
    learning_rate: float = 1e-3,
    verbose: int = 0,
    checkpoint_dir=None,
) -> tuple[Trainer, dict[str, list[float]]]:
    """Train an embedding model with online-mined triplets, through :class:`Trainer`.

    Args:
        model: the embedding model (or a callable building it).
        dataset: batches of ``(images, identity labels)``; each batch should hold several
            images of several identities.
        epochs: passes over ``dataset``.
        mining: ``"semi_hard"`` or ``"batch_hard"``.
        margin: the triplet margin (alpha).
        learning_rate: Adam's learning rate.
        verbose: Trainer's verbosity.
        checkpoint_dir: optional folder for resumable checkpoints.

    Returns:
        ``(trainer, history)``; ``history["loss"]`` is the mean per-anchor loss of each epoch.

    Raises:
        ValueError: unknown ``mining``.
    """
    if mining not in _MINING:
        raise ValueError(f"mining must be one of {sorted(_MINING)}; got {mining!r}.")
    mine = _MINING[mining]

    def loss(labels, embeddings):
        return mine(labels, embeddings, margin)

    loss.__name__ = f"{mining}_triplet_loss"
    trainer = Trainer(
        model,
        optimizer=lambda: keras.optimizers.Adam(learning_rate=learning_rate),
        loss=loss,
        metrics=(),
        verbose=verbose,
        checkpoint_dir=checkpoint_dir,
    )
    return trainer, trainer.fit(dataset, epochs=epochs)


def balanced_pairs(labels: np.ndarray, n_pairs: int, *, seed: int = 0) -> tuple[np.ndarray, ...]:
    """``n_pairs`` same-identity and ``n_pairs`` different-identity index pairs, seeded.

    Returns:
        ``(first, second, same)``: index vectors of length ``2 · n_pairs`` and the boolean
        ground truth (the first half True).

    Raises:
        ValueError: fewer than two identities, or no identity with two images.

    Example:
        >>> i, j, same = balanced_pairs(np.array([0, 0, 1, 1]), 3)
        >>> bool(np.all((np.array([0, 0, 1, 1])[i] == np.array([0, 0, 1, 1])[j]) == same))
        True
    """
    labels = np.asarray(labels).reshape(-1)
    rng = np.random.default_rng(seed)
    ids, counts = np.unique(labels, return_counts=True)
    if len(ids) < 2 or counts.max() < 2:
        raise ValueError(
            "balanced_pairs needs at least two identities and one identity with two images; "
            f"got {len(ids)} identities with at most {counts.max() if len(ids) else 0} images."
        )
    by_id = {k: np.flatnonzero(labels == k) for k in ids}
    repeated = [k for k in ids if len(by_id[k]) >= 2]
    first, second = [], []
    for k in rng.choice(repeated, n_pairs):
        a, b = rng.choice(by_id[k], 2, replace=False)
        first.append(a)
        second.append(b)
    for _ in range(n_pairs):
        ka, kb = rng.choice(ids, 2, replace=False)
        first.append(rng.choice(by_id[ka]))
        second.append(rng.choice(by_id[kb]))
    same = np.arange(2 * n_pairs) < n_pairs
    return np.asarray(first), np.asarray(second), same


def best_threshold(distances: np.ndarray, same: np.ndarray) -> float:
    """The distance threshold (``same`` when ``distance < threshold``) with the best accuracy.

    Candidates are the midpoints between consecutive sorted distances.

    Example:
        >>> best_threshold(np.array([0.1, 0.2, 0.9, 1.0]), np.array([True, True, False, False]))
        0.55
    """
    distances, same = np.asarray(distances, dtype=np.float64), np.asarray(same, dtype=bool)
    d = np.sort(distances)
    candidates = np.concatenate([[d[0] - 1e-6], (d[1:] + d[:-1]) / 2, [d[-1] + 1e-6]])
    accuracy = [np.mean((distances < t) == same) for t in candidates]
    return round(float(candidates[int(np.argmax(accuracy))]), 12)


@dataclass(frozen=True)
class VerificationReport:
    """Same / different verification on held-out pairs with a threshold chosen elsewhere.

    Attributes:
        threshold: Euclidean distance threshold, chosen on the training pairs.
        train_accuracy: accuracy on the training pairs (where the threshold was chosen).
        test_accuracy: accuracy on the held-out pairs.
        test_distances, test_same: the held-out pairs' distances and ground truth.
    """

    threshold: float
    train_accuracy: float
    test_accuracy: float
    test_distances: np.ndarray
    test_same: np.ndarray


def _pair_distances(embeddings: np.ndarray, pairs) -> tuple[np.ndarray, np.ndarray]:
    first, second, same = pairs
    return np.linalg.norm(embeddings[first] - embeddings[second], axis=1), same


def verification_report(
    model: keras.Model,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    n_pairs: int = 1000,
    seed: int = 0,
) -> VerificationReport:
    """Choose a distance threshold on training pairs, then score held-out pairs with it.

    Args:
        model: the embedding model; images are fed as float ``/ 255``.
        train, test: ``(uint8 images, labels)``.
        n_pairs: same and different pairs drawn from each split (balanced: 2·n_pairs pairs).
        seed: seed of the pairs.
    """
    reports = []
    for k, (images, labels) in enumerate((train, test)):
        embeddings = model.predict(images.astype(np.float32) / 255.0, verbose=0, batch_size=256)
        reports.append(_pair_distances(embeddings, balanced_pairs(labels, n_pairs, seed=seed + k)))
    (d_train, s_train), (d_test, s_test) = reports
    threshold = best_threshold(d_train, s_train)
    return VerificationReport(
        threshold=threshold,
        train_accuracy=float(np.mean((d_train < threshold) == s_train)),
        test_accuracy=float(np.mean((d_test < threshold) == s_test)),
        test_distances=d_test,
        test_same=s_test,
    )

"""scikit-learn's digits as identities: splits and the tf.data pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from dlspec.data.digits import digits_dataset, load_digit_identities


def test_sample_split_is_stratified_disjoint_and_seeded():
    split = load_digit_identities(test_fraction=0.3, seed=0)
    assert split.holdout == "samples"
    assert split.train_images.shape == (1257, 8, 8, 1) and split.test_images.shape == (540, 8, 8, 1)
    assert split.train_images.dtype == np.uint8 and split.train_labels.dtype == np.int64
    train_counts = np.bincount(split.train_labels, minlength=10)
    test_counts = np.bincount(split.test_labels, minlength=10)
    np.testing.assert_array_equal(train_counts + test_counts, np.bincount(load_digits().target))
    assert np.all(np.abs(test_counts / (train_counts + test_counts) - 0.3) < 0.02)
    # disjoint: every image of the data set is used exactly once (as a multiset)
    every = np.concatenate([split.train_images, split.test_images]).reshape(1797, -1)
    original = np.rint(load_digits().images.reshape(1797, -1) * 255 / 16).astype(np.uint8)
    np.testing.assert_array_equal(every[np.lexsort(every.T)], original[np.lexsort(original.T)])
    again = load_digit_identities(test_fraction=0.3, seed=0)
    np.testing.assert_array_equal(again.test_images, split.test_images)
    other = load_digit_identities(test_fraction=0.3, seed=1)
    assert not np.array_equal(other.test_labels, split.test_labels)


def test_pixels_are_rescaled_to_eight_bits():
    split = load_digit_identities()
    values = np.unique(np.concatenate([split.train_images.ravel(), split.test_images.ravel()]))
    expected = np.rint(np.arange(17) * 255 / 16).astype(np.uint8)
    assert set(values.tolist()) <= set(expected.tolist()) and values.max() == 255


def test_identity_split_holds_out_whole_digits():
    split = load_digit_identities(held_out_identities=(7, 8, 9))
    assert split.holdout == "identities"
    assert set(split.test_labels.tolist()) == {7, 8, 9}
    assert set(split.train_labels.tolist()) == set(range(7))
    assert len(split.train_labels) + len(split.test_labels) == 1797


@pytest.mark.parametrize("held", [(7, 7), (10,), tuple(range(9))])
def test_bad_splits(held):
    with pytest.raises(ValueError, match="held_out_identities must be distinct digits"):
        load_digit_identities(held_out_identities=held)


def test_bad_fraction():
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\)"):
        load_digit_identities(test_fraction=1.0)


def test_pipeline_shapes_values_and_determinism():
    split = load_digit_identities()
    ds = digits_dataset(split.train_images, split.train_labels, batch_size=64, seed=3)
    batches = list(ds)
    assert len(batches) == 20 and batches[-1][0].shape[0] == 1257 - 19 * 64
    x, y = batches[0]
    assert x.dtype.name == "float32" and y.dtype.name == "int64" and x.shape == (64, 8, 8, 1)
    assert float(x.numpy().min()) >= 0.0 and float(x.numpy().max()) <= 1.0
    labels = np.concatenate([b[1].numpy() for b in batches])
    np.testing.assert_array_equal(np.sort(labels), np.sort(split.train_labels))
    again = next(iter(digits_dataset(split.train_images, split.train_labels, seed=3)))
    np.testing.assert_array_equal(again[1], y)
    second_epoch = next(iter(ds))
    assert not np.array_equal(second_epoch[1], y)  # reshuffled each epoch
    ordered = next(iter(digits_dataset(split.train_images, split.train_labels, shuffle=False)))
    np.testing.assert_allclose(ordered[0].numpy(), split.train_images[:64] / 255.0, rtol=1e-6)


def test_pipeline_bad_input():
    split = load_digit_identities()
    with pytest.raises(ValueError, match=r"\(m, 8, 8, 1\) uint8"):
        digits_dataset(split.train_images.astype(np.float32), split.train_labels)
    with pytest.raises(ValueError, match="vector of 1257 identities"):
        digits_dataset(split.train_images, split.train_labels[:10])

"""load_digits, train_test_split, one_hot: shapes, ranges, known values, bad input."""

import hashlib

import numpy as np
import pytest

from bplib.data import load_digits, one_hot, train_test_split

# Counts of each digit 0..9 in the UCI test set (optdigits.tes), as its documentation lists them.
UCI_TEST_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_load_digits_shapes_types_and_ranges():
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    # pixels were counts 0..16: after scaling, 16 * x is a whole number
    np.testing.assert_array_equal(16 * x, np.round(16 * x))
    assert np.bincount(y, minlength=10).tolist() == UCI_TEST_COUNTS


def test_load_digits_is_the_data_extracted_from_scikit_learn():
    # SHA-256 of the uint8 pixels (1797 x 64, row by row) and labels, computed from
    # sklearn.datasets.load_digits() (scikit-learn 1.9.1) when the file was made.
    x, y = load_digits()
    pixels = hashlib.sha256((16 * x).astype(np.uint8).tobytes()).hexdigest()
    labels = hashlib.sha256(y.astype(np.uint8).tobytes()).hexdigest()
    assert pixels == "8f26b2bd9d135c256808f68f14fdabddde6d9c7f869ae419704b051f0f14b3b3"
    assert labels == "8ba4f891220f5e4c9c819638d1602d74b83618f167043c6da52a2a247841ddf0"


def test_load_digits_returns_fresh_arrays():
    x1, y1 = load_digits()
    x1[0, 0], y1[0] = 99.0, 99
    x2, y2 = load_digits()
    assert x2[0, 0] != 99.0 and y2[0] != 99


def test_load_digits_images_look_like_digits():
    # The mean image of the zeros is a ring: its centre is darker than the ring around it.
    x, y = load_digits()
    zero = x[y == 0].mean(axis=0).reshape(8, 8)
    assert zero[3:5, 3:5].mean() < 0.5 * zero[1:7, 1:7].mean()
    # The mean "1" is upright: its two middle columns are bright, its two middle rows less so
    # (a transposed image would swap them).
    one = x[y == 1].mean(axis=0).reshape(8, 8)
    assert one[:, 3:5].mean() > 2 * one[3:5, :].mean()


def test_train_test_split_partitions_the_samples(rng):
    x = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    x_train, x_test, y_train, y_test = train_test_split(x, y, 0.3, rng)
    assert x_train.shape == (7, 2) and x_test.shape == (3, 2)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    np.testing.assert_array_equal(x_train[:, 0], 2 * y_train)  # rows stay paired
    np.testing.assert_array_equal(x_test[:, 0], 2 * y_test)


def test_train_test_split_is_seeded():
    x, y = np.arange(100.0).reshape(50, 2), np.arange(50)
    first = train_test_split(x, y, 0.2, np.random.default_rng(5))
    again = train_test_split(x, y, 0.2, 5)
    other = train_test_split(x, y, 0.2, 6)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[3], other[3])


def test_one_hot_by_hand():
    np.testing.assert_array_equal(
        one_hot(np.array([2, 0, 1, 2]), 3),
        [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]],
    )
    assert one_hot([0], 1).dtype == np.float64


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: one_hot([0, 3], 3), ValueError, "labels must lie in 0 .. 2 for 3 classes, got the label 3"),
        (lambda: one_hot([-1, 0], 3), ValueError, "got the label -1"),
        (lambda: one_hot([0.0, 1.0], 3), TypeError, "integer class labels"),
        (lambda: one_hot([[0, 1]], 3), ValueError, "labels must have shape (batch,), got (1, 2)"),
        (lambda: one_hot([0, 1], 0), ValueError, "n_classes must be a positive int"),
        (lambda: train_test_split(np.zeros((4, 2)), np.zeros(3), 0.5, 0), ValueError, "y must have one entry per sample of x, shape (4, ...), got (3,)"),
        (lambda: train_test_split(np.zeros((4, 2)), np.zeros(4), 1.0, 0), ValueError, "test_fraction must lie in (0, 1)"),
        (lambda: train_test_split(np.zeros((4, 2)), np.zeros(4), 0.01, 0), ValueError, "leaves 0 of 4 samples"),
        (lambda: train_test_split(np.zeros((4, 2)), np.zeros(4), 0.5, -3), TypeError, "rng must be an np.random.Generator, an int seed >= 0 or None, got -3"),
    ],
)
def test_bad_input_is_explained(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)

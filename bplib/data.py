"""Data for training: the handwritten digits shipped with bplib, a seeded split, one-hot labels.

The digits (8 x 8 images, 1797 samples, 10 classes) are stored in ``bplib/datasets/digits.npz``
so that the book works offline and needs no other package; ``bplib/datasets/README.md`` says
where they come from and under which license.
"""

from importlib import resources

import numpy as np

from .validation import as_rng, check_int, check_positive

N_DIGITS = 1797


def as_labels(labels, name, where, n_classes=None, batch=None):
    """Check class labels and return them as a 1-D int64 array.

    Args:
        labels: integer array (or list) of shape ``(batch,)``.
        name, where: the argument and the calling function, for error messages.
        n_classes: if given, every label must lie in ``0 .. n_classes - 1``.
        batch: if given, the expected number of labels.

    Returns:
        int64 array of shape ``(batch,)``.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """
    array = np.asarray(labels)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: {name} must be integer class labels 0, 1, 2, ..., got an array of dtype "
            f"{array.dtype} (convert with .astype(int) if the values are whole numbers)"
        )
    expected = f"({batch},)" if batch is not None else "(batch,)"
    if array.ndim != 1 or (batch is not None and array.shape[0] != batch):
        raise ValueError(f"{where}: {name} must have shape {expected}, got {array.shape}")
    if array.size == 0:
        raise ValueError(f"{where}: {name} is empty (shape {array.shape})")
    if n_classes is not None:
        low, high = int(array.min()), int(array.max())
        if low < 0 or high >= n_classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"{where}: {name} must lie in 0 .. {n_classes - 1} for {n_classes} classes, "
                f"got the label {bad}"
            )
    return array.astype(np.int64)


def load_digits():
    """The handwritten digits: 1797 images of 8 x 8 pixels, digits 0 to 9.

    A copy of the test set of the UCI "Optical Recognition of Handwritten Digits" data
    (E. Alpaydin, C. Kaynak, 1998), shipped inside bplib; see ``bplib/datasets/README.md``.

    Returns:
        ``(x, y)``: ``x`` is a float64 array (1797, 64), each row one image read row by row,
        pixels scaled from 0 .. 16 to [0, 1] (``x[i].reshape(8, 8)`` is the image); ``y`` is
        an int64 array (1797,), the digit shown, 0 .. 9.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """
    path = resources.files("bplib").joinpath("datasets", "digits.npz")
    with resources.as_file(path) as file, np.load(file) as data:
        images, labels = data["images"], data["labels"]
    x = images.reshape(len(images), 64).astype(np.float64) / 16.0
    return x, labels.astype(np.int64)


def train_test_split(x, y, test_fraction, rng):
    """Shuffle the samples and set ``test_fraction`` of them aside as a test set.

    Args:
        x: array (n, ...), one sample per row; y: array (n, ...), the targets.
        test_fraction: float in (0, 1); the test set gets ``round(n * test_fraction)``
            samples, at least 1, and the training set keeps at least 1.
        rng: ``np.random.Generator`` or an int seed (the same seed gives the same split).

    Returns:
        ``(x_train, x_test, y_train, y_test)``: copies, rows in shuffled order; every
        sample lands in exactly one of the two sets.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """
    where = "train_test_split"
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{where}: x and y must be arrays of samples, got shapes "
                         f"{x.shape} and {y.shape}")
    if y.shape[0] != x.shape[0]:
        raise ValueError(
            f"{where}: y must have one entry per sample of x, shape ({x.shape[0]}, ...), "
            f"got {y.shape}"
        )
    check_positive(test_fraction, "test_fraction", where)
    if test_fraction >= 1:
        raise ValueError(f"{where}: test_fraction must lie in (0, 1), got {test_fraction}")
    rng = as_rng(rng, where)
    n = x.shape[0]
    n_test = int(round(n * test_fraction))
    if n_test < 1 or n_test > n - 1:
        raise ValueError(
            f"{where}: test_fraction={test_fraction} leaves {n_test} of {n} samples for "
            "testing; both sets need at least one sample"
        )
    order = rng.permutation(n)
    test, train = order[:n_test], order[n_test:]
    return x[train], x[test], y[train], y[test]


def one_hot(labels, n_classes):
    """One-hot rows: row i is all zeros except a 1 in column ``labels[i]``.

    Args:
        labels: integer array (batch,), values in ``0 .. n_classes - 1``.
        n_classes: number of classes, int >= 1.

    Returns:
        float64 array (batch, n_classes).

    Taught in: chapter "Putting it together: training on handwritten digits".
    """
    n_classes = check_int(n_classes, "n_classes", "one_hot")
    labels = as_labels(labels, "labels", "one_hot", n_classes=n_classes)
    out = np.zeros((labels.shape[0], n_classes))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out

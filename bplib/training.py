"""Mini-batch gradient descent: batches, accuracy, and a training loop that stops on divergence.

One epoch shuffles the training set and walks through it in mini-batches; each mini-batch
gives one gradient-descent step (경사 하강법). The loss averages over the batch, so a
mini-batch gradient estimates the whole training set's gradient at the same scale; the best
learning rate still depends on the batch size (smaller batches give noisier steps).
"""

import numpy as np

from .data import as_labels
from .optim import update
from .validation import (
    as_float_array,
    as_rng,
    check_2d,
    check_finite,
    check_int,
    check_loss,
    check_model,
    check_positive,
)


class TrainingDiverged(FloatingPointError):
    """The loss of :func:`train` became NaN, infinite or exploded: the learning rate is too large.

    Attributes:
        epoch: the epoch (1, 2, ...) in which it happened.
        history: the history recorded up to the last completed epoch.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """

    def __init__(self, message, epoch, history):
        super().__init__(message)
        self.epoch = epoch
        self.history = history


def _check_xy(x, y, where, x_name="x", y_name="y"):
    x = as_float_array(x, x_name, where)
    check_2d(x, x_name, where)
    check_finite(x, x_name, where)
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"{where}: {y_name} must have one entry per row of {x_name}, shape "
            f"({x.shape[0]}, ...), got {y.shape}"
        )
    return x, y


def iterate_minibatches(x, y, batch_size, rng):
    """Shuffle the samples and yield them in mini-batches; one call is one epoch.

    Every sample appears in exactly one batch. All batches have ``batch_size`` rows except
    the last, which holds the ``n % batch_size`` left over (when that is not zero).

    Args:
        x: array (n, features); y: array (n, ...), e.g. labels (n,).
        batch_size: int >= 1 (``batch_size >= n`` gives one batch of all samples).
        rng: ``np.random.Generator`` or an int seed >= 0; it draws the order of the samples.

    Yields:
        ``(x_batch, y_batch)`` of shapes ``(b, features)`` and ``(b, ...)``, ``b <= batch_size``.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """
    where = "iterate_minibatches"
    x, y = _check_xy(x, y, where)
    batch_size = check_int(batch_size, "batch_size", where)
    order = as_rng(rng, where).permutation(x.shape[0])  # drawn now, not at the first next()

    def batches():
        for start in range(0, len(order), batch_size):
            index = order[start:start + batch_size]
            yield x[index], y[index]

    return batches()


def accuracy(scores, labels):
    """Fraction of samples whose highest score is at the right class.

    Args:
        scores: array (batch, classes): logits or probabilities (the argmax is the same).
        labels: int array (batch,), the true classes.

    Returns:
        float in [0, 1]: (number right) / batch.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """
    where = "accuracy"
    scores = as_float_array(scores, "scores", where)
    check_2d(scores, "scores", where, feature_name="classes")
    check_finite(scores, "scores", where)
    labels = as_labels(labels, "labels", where, n_classes=scores.shape[1],
                       batch=scores.shape[0])
    return float(np.mean(np.argmax(scores, axis=1) == labels))


def _evaluate(model, loss, x, y, classification):
    """Loss (and accuracy) of the model on all of x, y."""
    out = model.forward(x)
    value = loss.forward(out, y)
    return value, (accuracy(out, y) if classification else None)


def train(model, loss, x, y, epochs, batch_size, lr, rng, x_val=None, y_val=None,
          max_loss_ratio=1e3):
    """Mini-batch gradient descent: ``epochs`` passes over shuffled mini-batches.

    Each mini-batch: forward, loss, backward, then :func:`~bplib.update` (the step
    :func:`~bplib.gradient_descent` takes). The loss (and the accuracy, when ``y`` holds
    integer labels) on the whole training set, and on ``x_val, y_val`` if given, is
    recorded before training (epoch 0) and after every epoch.

    Training stops with :class:`TrainingDiverged` when a mini-batch loss is NaN, infinite or
    above ``max_loss_ratio * max(1, initial loss)``, or an update would make a parameter
    non-finite; the model then holds the parameters from before the failing step.

    Args:
        model: a :class:`~bplib.Sequential`; loss: e.g. ``bplib.SoftmaxCrossEntropy()``.
        x: (n, features); y: (n,) int labels or targets of the model output's shape.
        epochs, batch_size: ints >= 1; lr: learning rate, > 0.
        rng: ``np.random.Generator`` or an int seed >= 0, for the order of the mini-batches.
        x_val, y_val: optional validation data, both or neither, shaped like x and y.
        max_loss_ratio: how many times the initial loss counts as exploded, > 1.

    Returns:
        dict of lists, each of length ``epochs + 1`` (index 0 = before training):
        ``"epoch"``, ``"loss"``, ``"accuracy"`` for class labels; with validation data also
        ``"val_loss"`` and ``"val_accuracy"``.

    Taught in: chapter "Putting it together: training on handwritten digits".
    """
    where = "train"
    check_model(model, where)
    check_loss(loss, where)
    x, y = _check_xy(x, y, where)
    epochs = check_int(epochs, "epochs", where)
    batch_size = check_int(batch_size, "batch_size", where)
    check_positive(lr, "lr", where)
    check_positive(max_loss_ratio, "max_loss_ratio", where)
    if max_loss_ratio <= 1:
        raise ValueError(f"{where}: max_loss_ratio must be > 1 (the initial loss times it "
                         f"counts as exploded), got {max_loss_ratio}")
    rng = as_rng(rng, where)
    if (x_val is None) != (y_val is None):
        raise ValueError(f"{where}: give both x_val and y_val, or neither")
    validate = x_val is not None
    if validate:
        x_val, y_val = _check_xy(x_val, y_val, where, "x_val", "y_val")
        for name, got, like in (("x_val", x_val, x), ("y_val", y_val, y)):
            if got.shape[1:] != like.shape[1:]:
                raise ValueError(f"{where}: {name} must have shape (n_val, "
                                 f"{', '.join(map(str, like.shape[1:]))}) like the training "
                                 f"data, got {got.shape}")
    classification = y.ndim == 1 and y.dtype.kind in "iu"

    history = {"epoch": [], "loss": []}
    if classification:
        history["accuracy"] = []
    if validate:
        history["val_loss"] = []
        if classification:
            history["val_accuracy"] = []

    def evaluate(epoch):
        value, acc = _evaluate(model, loss, x, y, classification)
        row = {"epoch": epoch, "loss": value, "accuracy": acc}
        if validate:
            row["val_loss"], row["val_accuracy"] = _evaluate(
                model, loss, x_val, y_val, classification
            )
        return row

    def append(row):  # all lists grow together
        for key in history:
            history[key].append(row[key])

    append(evaluate(0))  # also checks, before any step, that model, loss and data fit together
    start = history["loss"][0]
    limit = max_loss_ratio * max(1.0, start)

    def diverged(epoch, place, what):
        return TrainingDiverged(
            f"{where}: training diverged in epoch {epoch} ({place}): {what} (it started at "
            f"{start:.3g}). The learning rate lr={lr:g} is too large: try a smaller one, "
            f"e.g. lr={lr / 10:g}.",
            epoch, history,
        )

    not_finite = "the model's outputs are no longer finite; the loss"
    for epoch in range(1, epochs + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # the checks replace warnings
            for step, (xb, yb) in enumerate(iterate_minibatches(x, y, batch_size, rng), 1):
                place = f"mini-batch {step}"
                try:
                    value = loss.forward(model.forward(xb), yb)
                except ValueError as error:  # "pred contains NaN or infinity"
                    raise diverged(epoch, place, not_finite) from error
                if not np.isfinite(value) or value > limit:
                    raise diverged(epoch, place, f"the loss became {value:.3g}")
                model.backward(loss.backward())
                try:
                    update(model.parameters(), lr, where)
                except FloatingPointError as error:  # "train: the update would make ..."
                    raise diverged(epoch, place, str(error).removeprefix(f"{where}: ")) from error
            try:
                row = evaluate(epoch)
            except ValueError as error:
                raise diverged(epoch, "end of epoch", not_finite) from error
            if not np.isfinite(row["loss"]) or row["loss"] > limit:
                raise diverged(epoch, "end of epoch",
                               f"the loss on the training set became {row['loss']:.3g}")
        append(row)
    return history

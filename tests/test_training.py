"""softmax, SoftmaxCrossEntropy, iterate_minibatches, accuracy, train, TrainingDiverged."""

import warnings

import numpy as np
import pytest

import bplib
from bplib import (
    MSE,
    Dense,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    TrainingDiverged,
    accuracy,
    gradient_check,
    gradient_descent,
    iterate_minibatches,
    load_digits,
    log_softmax,
    numerical_gradient,
    one_hot,
    rel_error,
    softmax,
    train,
    train_test_split,
)


def test_new_names_are_exported():
    for name in ["SoftmaxCrossEntropy", "TrainingDiverged", "accuracy", "iterate_minibatches",
                 "load_digits", "log_softmax", "one_hot", "softmax", "train", "train_test_split"]:
        assert name in bplib.__all__ and hasattr(bplib, name)


# ---- softmax -----------------------------------------------------------------------------

def test_softmax_known_values():
    # softmax([0, ln 2, ln 3]) = [1, 2, 3] / 6
    np.testing.assert_allclose(softmax(np.log([[1.0, 2.0, 3.0]])), [[1 / 6, 2 / 6, 3 / 6]])
    np.testing.assert_allclose(softmax(np.zeros((2, 4))), np.full((2, 4), 0.25))


def test_softmax_ignores_a_constant_shift(rng):
    z = rng.normal(size=(5, 7))
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax(z + 100.0), p)
    np.testing.assert_allclose(np.exp(log_softmax(z)), p)


def test_softmax_is_stable_for_huge_logits():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):  # an overflow or 0/0 would raise here
            p = softmax(z)
            log_p = log_softmax(z)
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]])
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(log_p[0], [0.0, -2e4, -1e4])


# ---- SoftmaxCrossEntropy -----------------------------------------------------------------

def test_cross_entropy_known_values():
    loss = SoftmaxCrossEntropy()
    assert loss.forward(np.zeros((4, 10)), np.array([0, 3, 9, 5])) == pytest.approx(np.log(10))
    # one sample, p = [1, 2, 3] / 6, label 2: -log(1/2)
    assert loss.forward(np.log([[1.0, 2.0, 3.0]]), np.array([2])) == pytest.approx(np.log(2))
    # mean over the batch, not the sum: -(log(1/6) + log(1/2)) / 2
    value = loss.forward(np.log([[1.0, 2.0, 3.0]] * 2), np.array([0, 2]))
    assert value == pytest.approx((np.log(6) + np.log(2)) / 2)


def test_cross_entropy_backward_is_softmax_minus_one_hot_over_batch(rng):
    loss = SoftmaxCrossEntropy()
    z, labels = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    loss.forward(z, labels)
    np.testing.assert_allclose(loss.backward(), (softmax(z) - one_hot(labels, 4)) / 6)


def test_cross_entropy_backward_matches_central_differences(rng):
    loss = SoftmaxCrossEntropy()
    z, labels = rng.normal(scale=3.0, size=(5, 7)), rng.integers(0, 7, size=5)
    loss.forward(z, labels)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda v: SoftmaxCrossEntropy().forward(v, labels), z)
    assert rel_error(analytic, numeric) < 1e-7


def test_cross_entropy_is_stable_for_huge_logits():
    loss = SoftmaxCrossEntropy()
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss.forward(z, np.array([0, 0]))
        grad = loss.backward()
    # sample 0 is right with certainty (loss 0); sample 1 is wrong by 2e4 nats
    assert value == pytest.approx(1e4)
    np.testing.assert_allclose(grad, [[0, 0, 0], [-0.5, 0.5, 0]])


def test_cross_entropy_fits_gradient_check_and_gradient_descent(rng):
    model = Sequential(Dense(4, 5, rng=rng, init="he"), ReLU(), Dense(5, 3, rng=rng, init="he"))
    x, labels = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    loss = SoftmaxCrossEntropy()
    assert gradient_check(model, loss, x, labels) < 1e-7
    before = loss.forward(model(x), labels)
    for _ in range(20):
        gradient_descent(model, loss, x, labels, lr=0.5)
    assert loss.forward(model(x), labels) < before


@pytest.mark.parametrize(
    "logits, labels, error, message",
    [
        (np.zeros(3), [0], ValueError, "logits must be 2-D with shape (batch, classes), got 1-D shape (3,)"),
        (np.zeros((2, 3)), [0, 1, 2], ValueError, "labels must have shape (2,), got (3,)"),
        (np.zeros((2, 3)), [0, 3], ValueError, "labels must lie in 0 .. 2 for 3 classes, got the label 3"),
        (np.zeros((2, 3)), [0.0, 1.0], TypeError, "labels must be integer class labels"),
        (np.zeros((2, 3)), np.zeros((2, 3)), TypeError, "integer class labels"),
        (np.array([[0.0, np.nan]]), [0], ValueError, "logits contains NaN or infinity"),
    ],
)
def test_cross_entropy_bad_input(logits, labels, error, message):
    with pytest.raises(error) as info:
        SoftmaxCrossEntropy().forward(logits, labels)
    assert message in str(info.value)


def test_cross_entropy_backward_before_forward():
    with pytest.raises(ValueError, match="call forward"):
        SoftmaxCrossEntropy().backward()


# ---- mini-batches and accuracy -----------------------------------------------------------

def test_minibatches_cover_every_sample_once_per_epoch(rng):
    x = np.arange(50.0).reshape(25, 2)
    y = np.arange(25)
    batches = list(iterate_minibatches(x, y, 8, rng))
    assert [len(yb) for _, yb in batches] == [8, 8, 8, 1]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(25))
    assert seen.tolist() != list(range(25))  # shuffled
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)  # rows stay paired
    # the next epoch uses another order
    again = np.concatenate([yb for _, yb in iterate_minibatches(x, y, 8, rng)])
    assert again.tolist() != seen.tolist()


def test_minibatch_gradients_average_to_the_full_gradient(rng):
    # Because the loss is a mean, the size-weighted mean of the mini-batch gradients is the
    # gradient of the whole set: this is why the learning rate does not depend on batch size.
    model = Sequential(Dense(3, 4, rng=rng, init="he"), Sigmoid(), Dense(4, 3, rng=rng))
    x, y = rng.normal(size=(10, 3)), rng.integers(0, 3, size=10)
    loss = SoftmaxCrossEntropy()
    full = bplib.backprop_gradients(model, loss, x, y)
    total = [np.zeros_like(g) for g in full]
    for xb, yb in iterate_minibatches(x, y, 4, rng):
        for t, g in zip(total, bplib.backprop_gradients(model, loss, xb, yb)):
            t += g * len(yb) / len(y)
    for t, g in zip(total, full):
        np.testing.assert_allclose(t, g)


def test_accuracy_by_hand():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(scores, np.array([1, 0, 0, 0])) == 0.75
    assert accuracy(scores, np.array([0, 1, 0, 1])) == 0.0
    assert accuracy(np.log(scores), np.array([1, 0, 1, 0])) == 1.0  # logits or probabilities


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: list(iterate_minibatches(np.zeros((4, 2)), np.zeros(3), 2, 0)), ValueError, "y must have one entry per row of x, shape (4, ...), got (3,)"),
        (lambda: iterate_minibatches(np.zeros((4, 2)), np.zeros(4), 0, 0), ValueError, "batch_size must be a positive int, got 0"),
        (lambda: iterate_minibatches(np.zeros((4, 2)), np.zeros(4), 2.0, 0), ValueError, "batch_size must be a positive int"),
        (lambda: iterate_minibatches(np.zeros(4), np.zeros(4), 2, 0), ValueError, "x must be 2-D with shape (batch, features), got 1-D shape (4,)"),
        (lambda: accuracy(np.zeros((3, 2)), np.array([0, 1])), ValueError, "labels must have shape (3,), got (2,)"),
        (lambda: accuracy(np.zeros((2, 2)), np.array([0, 2])), ValueError, "got the label 2"),
        (lambda: accuracy(np.zeros(2), np.array([0, 1])), ValueError, "scores must be 2-D with shape (batch, classes)"),
    ],
)
def test_bad_input_is_explained(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


# ---- train -------------------------------------------------------------------------------

def small_digits(n_train=300):
    x, y = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(x, y, 0.2, 0)
    return x_train[:n_train], y_train[:n_train], x_test, y_test


def relu_net(seed, hidden=32):
    rng = np.random.default_rng(seed)
    return Sequential(Dense(64, hidden, rng=rng, init="he"), ReLU(),
                      Dense(hidden, 10, rng=rng, init="he"))


def test_train_learns_the_digits():
    x, y, x_test, y_test = small_digits()
    model = relu_net(1)
    history = train(model, SoftmaxCrossEntropy(), x, y, epochs=15, batch_size=16, lr=0.1,
                    rng=2, x_val=x_test, y_val=y_test)
    assert set(history) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert history["epoch"] == list(range(16))
    assert all(len(v) == 16 for v in history.values())
    assert history["loss"][0] == pytest.approx(np.log(10), rel=0.2)  # near-uniform guesses
    assert history["loss"][-1] < 0.25 * history["loss"][0]
    assert history["accuracy"][0] < 0.3 and history["accuracy"][-1] > 0.9
    assert history["val_accuracy"][-1] > 0.85
    assert history["val_accuracy"][-1] == accuracy(model(x_test), y_test)


def test_train_does_what_the_loop_in_the_chapter_does():
    # train() = shuffle with rng, then for each mini-batch: forward, backward, param -= lr * grad
    x, y, _, _ = small_digits(100)
    a, b = relu_net(3), relu_net(3)
    train(a, SoftmaxCrossEntropy(), x, y, epochs=2, batch_size=32, lr=0.1, rng=7)
    rng, loss = np.random.default_rng(7), SoftmaxCrossEntropy()
    for _ in range(2):
        for xb, yb in iterate_minibatches(x, y, 32, rng):
            gradient_descent(b, loss, xb, yb, lr=0.1)
    for (_, pa, _), (_, pb, _) in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(pa, pb, rtol=1e-12)


def test_train_with_mse_records_no_accuracy(rng):
    model = Sequential(Dense(2, 8, rng=rng, init="he"), ReLU(), Dense(8, 1, rng=rng))
    x = rng.normal(size=(64, 2))
    y = x[:, :1] - 2 * x[:, 1:]
    history = train(model, MSE(), x, y, epochs=30, batch_size=8, lr=0.05, rng=rng)
    assert set(history) == {"epoch", "loss"}
    assert history["loss"][-1] < 0.1 * history["loss"][0]


def test_train_stops_with_a_clear_error_when_the_loss_explodes():
    x, y, _, _ = small_digits(200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings leak out
        with pytest.raises(TrainingDiverged) as info:
            train(relu_net(1), SoftmaxCrossEntropy(), x, y, epochs=5, batch_size=16,
                  lr=1e3, rng=0)
    message = str(info.value)
    assert "epoch 1" in message and "smaller" in message and "lr=1000" in message
    assert info.value.epoch == 1
    assert info.value.history["epoch"] == [0]
    assert isinstance(info.value, FloatingPointError)


def test_train_stops_when_a_parameter_overflows():
    # One full-batch step with lr = 1e308 and gradients of size ~100: lr * grad is inf.
    x, y, _, _ = small_digits(64)
    model = Sequential(Dense(64, 10, rng=0, init="he"))
    before = model.layers[0].W.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged) as info:
            train(model, MSE(), x, 1e3 * one_hot(y, 10), epochs=1, batch_size=64, lr=1e308,
                  rng=0)
    assert ("epoch 1 (mini-batch 1): the update would make 0.W NaN or infinite"
            in str(info.value))
    assert "try a smaller one" in str(info.value)
    np.testing.assert_array_equal(model.layers[0].W, before)  # the failing step changed nothing


def test_train_checks_the_loss_after_the_last_step_too():
    # The only step leaves finite but huge weights; the loss measured after the epoch is inf.
    x, y, _, _ = small_digits(64)
    model = Sequential(Dense(64, 10, rng=0, init="he"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged) as info:
            train(model, MSE(), x, one_hot(y, 10), epochs=1, batch_size=64, lr=1e308, rng=0)
    assert "epoch 1 (end of epoch): the loss on the training set became inf" in str(info.value)
    assert np.isfinite(model.layers[0].W).all()
    assert info.value.history["epoch"] == [0]


def test_train_does_not_stop_a_healthy_run():
    x, y, _, _ = small_digits(100)
    train(relu_net(1), SoftmaxCrossEntropy(), x, y, epochs=3, batch_size=16, lr=0.05, rng=0)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(epochs=0), ValueError, "epochs must be a positive int, got 0"),
        (dict(batch_size=-1), ValueError, "batch_size must be a positive int"),
        (dict(lr=0.0), ValueError, "lr must be a positive finite number"),
        (dict(rng=-1), TypeError, "rng must be an np.random.Generator, an int seed >= 0 or None, got -1"),
        (dict(max_loss_ratio=1.0), ValueError, "max_loss_ratio must be > 1"),
        (dict(x_val=np.zeros((3, 5)), y_val=np.zeros(3, dtype=int)), ValueError, "x_val must have shape (n_val, 64) like the training data, got (3, 5)"),
        (dict(x_val=np.zeros((3, 64))), ValueError, "give both x_val and y_val"),
        (dict(x_val=np.zeros((3, 64)), y_val=np.zeros(2, dtype=int)), ValueError, "y_val must have one entry per row of x_val, shape (3, ...), got (2,)"),
        (dict(y=np.zeros(10, dtype=int)), ValueError, "y must have one entry per row of x"),
        (dict(x=np.zeros((20, 5))), ValueError, "x must have shape (batch, 64), got (20, 5)"),
    ],
)
def test_train_bad_input(kwargs, error, message):
    x, y, _, _ = small_digits(20)
    args = dict(model=relu_net(0, hidden=4), loss=SoftmaxCrossEntropy(), x=x, y=y, epochs=1,
                batch_size=4, lr=0.1, rng=0)
    args.update(kwargs)
    with pytest.raises(error) as info:
        train(**args)
    assert message in str(info.value)


def test_train_with_a_wrong_gradient_shape_moves_no_parameter(rng):
    class TransposedDense(bplib.Dense):  # a typical student bug: dW transposed
        def backward(self, grad_out):
            dx = super().backward(grad_out)
            self.dW = self.dW.T
            return dx

    model = bplib.Sequential(bplib.Dense(4, 3, rng=rng), bplib.Sigmoid(),
                             TransposedDense(3, 2, rng=rng))
    x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 2))
    before = [value.copy() for _, value, _ in model.parameters()]
    with pytest.raises(ValueError, match=r"gradient of 2.W must have the parameter's shape"):
        bplib.train(model, bplib.MSE(), x, y, epochs=1, batch_size=4, lr=0.1, rng=0)
    for (_, value, _), old in zip(model.parameters(), before):
        np.testing.assert_array_equal(value, old)

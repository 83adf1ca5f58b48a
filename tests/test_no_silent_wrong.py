"""No silent wrong answer: each case gives the right numbers or a clear error, and a call
that raises leaves the model as it was.

Every row below was a silent wrong answer (or an unclear error) in an earlier bplib; the
table pins what happens now.
"""

import re
import warnings

import numpy as np
import pytest
from conftest import NoSetDtype

import bplib
from bplib import (
    DNN,
    MSE,
    Dense,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    accuracy,
    gradient_check,
    gradient_descent,
    numerical_gradient,
    numerical_gradients,
    rel_error,
    train,
)
from bplib.validation import check_finite

RNG = np.random.default_rng(2024)
X = RNG.normal(size=(5, 3))
Y = RNG.uniform(0.1, 0.9, size=(5, 2))


def square_sum(x):
    return float(np.sum(x**2))


def net(seed=0, init="lecun"):
    return Sequential(Dense(3, 4, rng=seed, init=init), Sigmoid(),
                      Dense(4, 2, rng=seed + 1, init=init), Sigmoid())


def backprop(model, x=X, y=Y):
    return bplib.backprop_gradients(model, MSE(), x, y)


def assert_gradients_match_numerical(model, x=X, y=Y):
    analytic = backprop(model, x, y)
    numeric = numerical_gradients(model, MSE(), x, y, eps=1e-6, method="central")
    assert len(analytic) == len(numeric) > 0
    for a, n in zip(analytic, numeric):
        assert np.abs(n).max() > 0, "the numerical gradient is all zeros"
        assert rel_error(a, n) < 1e-6


# --- numerical gradients: memory order, an f that changes its argument, a too-small eps ---

def fortran_x():
    return np.asfortranarray(RNG.normal(size=(3, 4)))


@pytest.mark.parametrize("make_x", [
    fortran_x,
    lambda: RNG.normal(size=(4, 3)).T,            # a transposed view
    lambda: RNG.normal(size=(6, 8))[::2, 1::3],   # a strided view
    lambda: RNG.normal(size=(2, 3, 4)).transpose(2, 0, 1),
], ids=["fortran", "transposed", "strided", "3d-transposed"])
@pytest.mark.parametrize("method", ["forward", "central"])
def test_numerical_gradient_of_any_memory_order(make_x, method):
    x = make_x()
    kept = x.copy()
    grad = numerical_gradient(square_sum, x, eps=1e-6, method=method)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, 2 * x, atol=1e-4)
    np.testing.assert_array_equal(x, kept)  # x itself is never changed


def test_gradient_check_with_a_fortran_ordered_weight():
    model = net()
    model.layers[0].W = np.asfortranarray(model.layers[0].W)
    assert gradient_check(model, MSE(), X, Y, eps=1e-5) < 1e-7
    assert_gradients_match_numerical(model)


def test_numerical_gradient_when_f_changes_its_argument():
    def destructive(x):
        value = square_sum(x)
        x *= 0.0  # a careless f
        return value

    x = RNG.normal(size=(3, 2))
    for method in ("forward", "central"):
        grad = numerical_gradient(destructive, x, eps=1e-6, method=method)
        np.testing.assert_allclose(grad, 2 * x, atol=1e-4)


def test_numerical_gradient_refuses_a_step_that_moves_nothing():
    with pytest.raises(ValueError, match=r"eps=1e-09 is too small for x\[1\] = 1e\+10"):
        numerical_gradient(square_sum, np.array([0.5, 1e10]), eps=1e-9)


# --- models: a layer used twice, nested models and wrappers -------------------------------

def test_a_layer_used_twice_is_refused():
    shared = Dense(3, 3, rng=0)
    with pytest.raises(ValueError, match=r"Sequential: the layer Dense\(3, 3\) appears twice"):
        Sequential(shared, Sigmoid(), shared)
    inner = Sequential(shared, Sigmoid())
    with pytest.raises(ValueError, match="appears twice"):
        Sequential(inner, shared)
    activation = ReLU()
    with pytest.raises(ValueError, match=r"the layer ReLU\(\) appears twice"):
        Sequential(Dense(3, 3), activation, Dense(3, 3), activation)


class Wrapper:
    """A layer that forwards to an inner layer and reports the inner layer's parameters."""

    def __init__(self, inner):
        self.inner = inner

    def forward(self, x):
        return self.inner.forward(x)

    def backward(self, grad):
        return self.inner.backward(grad)

    def parameters(self):
        return [(f"inner.{name}", value, grad) for name, value, grad in self.inner.parameters()]


@pytest.mark.parametrize("make", [
    lambda: Sequential(Sequential(Dense(3, 4, rng=0, init="lecun"), Sigmoid()),
                       Dense(4, 2, rng=1, init="lecun"), Sigmoid()),
    lambda: Sequential(Wrapper(Dense(3, 4, rng=0, init="lecun")), Sigmoid(),
                       Wrapper(Dense(4, 2, rng=1, init="lecun")), Sigmoid()),
], ids=["nested", "wrapper"])
def test_numerical_gradients_of_nested_models_and_wrappers(make):
    model = make()
    attributes = [sorted(vars(layer)) for layer in model.layers]
    assert_gradients_match_numerical(model)
    assert gradient_check(model, MSE(), X, Y) < 1e-7
    assert [sorted(vars(layer)) for layer in model.layers] == attributes  # no "0.W" left


# --- caches never share memory with the caller's arrays -----------------------------------

def test_changing_the_output_does_not_change_the_gradients():
    reference, model = net(), net()
    expected = backprop(reference)
    pred = model.forward(X)
    loss = MSE()
    loss.forward(pred, Y)
    pred -= Y  # the caller reuses its array
    model.backward(loss.backward())
    for (_, _, got), want in zip(model.parameters(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_changing_x_after_forward_does_not_change_dW():
    layer = Dense(3, 2, rng=0)
    x = X.copy()
    layer.forward(x)
    x[...] = 100.0
    g = np.ones((5, 2))
    layer.backward(g)
    np.testing.assert_allclose(layer.dW, X.T @ g)


def test_changing_labels_after_forward_does_not_change_the_gradient():
    logits, labels = RNG.normal(size=(4, 3)), np.array([0, 1, 2, 1])
    ce = SoftmaxCrossEntropy()
    ce.forward(logits, labels)
    expected = ce.backward()
    ce.forward(logits, labels)
    labels[:] = 0
    np.testing.assert_array_equal(ce.backward(), expected)


# --- numbers at the edges of floating point -----------------------------------------------

@pytest.mark.parametrize("a, b, expected", [
    (1e200, 0.0, 1.0), (1e-170, -1e-170, 1.0), (1e-170, 1e-170, 0.0),
    (np.array([1e200, 1e200]), np.array([1e200, 0.0]), 1 / (1 + np.sqrt(2))),
    (0.0, 0.0, 0.0),
])
def test_rel_error_neither_overflows_nor_underflows(a, b, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rel_error(a, b) == pytest.approx(expected, rel=1e-12)


def test_accuracy_refuses_nan_scores():
    with pytest.raises(ValueError, match="accuracy: scores contains NaN or infinity"):
        accuracy(np.array([[np.nan, 1.0], [0.0, 1.0]]), np.array([0, 1]))


def test_finiteness_check_of_large_finite_values_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_finite(np.full(10, 1e200), "x", "test")


def test_float32_layer_refuses_finite_input_beyond_float32():
    layer = Dense(2, 2, rng=0, dtype=np.float32)
    with pytest.raises(ValueError, match="beyond the range of float32"):
        layer.forward(np.array([[1e39, 0.0]]))


# --- a call that raises leaves the model as it was ----------------------------------------

def snapshot(model):
    return [(value, value.copy()) for _, value, _ in model.parameters()]


def assert_unchanged(shot):
    for value, copy in shot:
        np.testing.assert_array_equal(value, copy)


def test_gradient_descent_changes_nothing_when_a_later_parameter_cannot_move():
    model = net()
    model.layers[2].b.flags.writeable = False  # the last parameter is read-only
    shot = snapshot(model)
    with pytest.raises(ValueError, match="gradient_descent: parameter 2.b is read-only"):
        gradient_descent(model, MSE(), X, Y, lr=0.1)
    assert_unchanged(shot)


def test_gradient_descent_changes_nothing_when_an_update_overflows():
    model = Sequential(Dense(3, 4, rng=0), Sigmoid(), Dense(4, 2, rng=1))
    shot = snapshot(model)
    with np.errstate(over="ignore"), \
            pytest.raises(FloatingPointError, match=r"would make \d.[Wb] NaN or infinite"):
        gradient_descent(model, MSE(), X, 1e3 * Y, lr=1e308)
    assert_unchanged(shot)


def test_sequential_dtype_converts_nothing_when_a_later_layer_cannot():
    first = Dense(3, 3, rng=0)
    with pytest.raises(TypeError, match="needs every layer with parameters to have set_dtype"):
        Sequential(first, NoSetDtype(), dtype=np.float32)
    assert first.W.dtype == np.float64


def test_backward_after_a_failing_forward_is_refused():
    model = net()
    model.forward(X)
    with pytest.raises(ValueError):
        model.forward(X[:, :2])  # the first layer refuses it
    with pytest.raises(ValueError, match=r"Sequential.backward: call forward\(\) first"):
        model.backward(np.ones((5, 2)))


def test_train_that_diverges_in_an_update_leaves_the_parameters_before_it():
    model = Sequential(Dense(3, 2, rng=0, init="he"), Sigmoid(), Dense(2, 2, rng=1))
    shot = snapshot(model)
    with pytest.raises(bplib.TrainingDiverged) as info:
        train(model, MSE(), X, 1e3 * Y, epochs=1, batch_size=5, lr=1e308, rng=0)
    assert "epoch 1 (mini-batch 1): the update would make" in str(info.value)
    assert_unchanged(shot)


# --- clear errors instead of confusing ones -----------------------------------------------

def fit(**changes):
    args = dict(model=DNN(hidden_depth=1, num_neuron=3, n_input=3, n_output=2, rng=0),
                loss=MSE(), x=X, y=Y, epochs=1, batch_size=2, lr=0.1, rng=0)
    args.update(changes)
    return train(**args)


class NoParameters:
    def forward(self, x):
        return x

    def backward(self, grad):
        return grad


@pytest.mark.parametrize("call, error, words", [
    (lambda: fit(max_loss_ratio=1.0), ValueError, r"train: max_loss_ratio must be > 1"),
    (lambda: fit(max_loss_ratio=0.5), ValueError, r"train: max_loss_ratio must be > 1"),
    (lambda: fit(loss=MSE), TypeError, r"train: loss must be an object such as bplib.MSE\(\), "
                                       r"got the class MSE itself"),
    (lambda: fit(model=None), TypeError, r"train: model must be an object such as "
                                         r"bplib.DNN\(...\) .*got NoneType"),
    (lambda: fit(loss="mse"), TypeError, r"train: loss must be .*got str"),
    (lambda: gradient_descent(None, MSE(), X, Y), TypeError, r"gradient_descent: model must be"),
    (lambda: gradient_descent(net(), "mse", X, Y), TypeError, r"gradient_descent: loss must be"),
    (lambda: Sequential(Dense(3, 3), NoParameters()), TypeError,
     r"Sequential: layer 1 must be .*\(no parameters\(\)\)"),
    (lambda: fit(rng=-1), TypeError, r"train: rng must be an np.random.Generator, an int seed "
                                     r">= 0 or None, got -1"),
    (lambda: Dense(3, 2, rng=-5), TypeError, r"Dense: rng must be .*got -5"),
    (lambda: DNN(hidden_depth=1, num_neuron=3, n_input=3, n_output=2, activation=Dense),
     TypeError, r"DNN: activation must be an activation layer class .*got Dense, which needs "
                r"arguments"),
    (lambda: DNN(hidden_depth=1, num_neuron=3, n_input=3, n_output=2, activation=Sigmoid()),
     TypeError, r"DNN: activation must be .*got an object of type Sigmoid"),
    (lambda: fit(x_val=np.ones((4, 7)), y_val=np.ones((4, 2))), ValueError,
     r"train: x_val must have shape \(n_val, 3\) like the training data, got \(4, 7\)"),
    (lambda: fit(x_val=np.ones((4, 3)), y_val=np.ones((4, 5))), ValueError,
     r"train: y_val must have shape \(n_val, 2\) like the training data, got \(4, 5\)"),
], ids=["ratio-one", "ratio-half", "loss-class", "model-none", "loss-string", "gd-model-none",
        "gd-loss-string", "layer-without-parameters", "negative-seed", "dense-negative-seed",
        "activation-dense", "activation-instance", "x-val-width", "y-val-width"])
def test_unclear_errors_are_now_clear(call, error, words):
    with pytest.raises(error) as caught:
        call()
    assert re.search(words, str(caught.value)), str(caught.value)


def test_numpy_ints_are_ints():
    model = DNN(hidden_depth=np.int64(2), num_neuron=np.int32(4), n_input=np.int64(3),
                n_output=2, rng=np.int64(0))
    assert model.hidden_depth == 2 and len(model.layers) == 6

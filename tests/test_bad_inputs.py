"""A catalogue of wrong calls to bplib's public API, and the error each one must give.

Every row is one wrong call. It must raise ValueError or TypeError (never an error from deep
inside numpy) whose message names the function, the argument and what was expected; the
row's regular expression is searched in the message. Rows that pass a model (or a layer)
also check that the failing call left every parameter exactly as it was: the same arrays,
holding the same numbers.
"""

import re

import numpy as np
import pytest

from bplib import (
    DNN,
    MSE,
    CountCalls,
    Dense,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    accuracy,
    backprop_gradients,
    gradient_check,
    gradient_descent,
    init_weights,
    iterate_minibatches,
    log_softmax,
    numerical_derivative,
    numerical_gradient,
    numerical_gradients,
    one_hot,
    rel_error,
    relu_derivative,
    sigmoid,
    softmax,
    train,
    train_test_split,
)

NAN_ROW = np.array([[1.0, np.nan]])
X = np.ones((1, 2))  # a valid input for small_model: batch 1, 2 features
Y = np.ones((1, 1))  # a valid target for small_model


def total(v):
    return float(np.sum(v))


def small_model():
    """2 inputs -> 3 sigmoid units -> 1 sigmoid output, with fixed weights."""
    return DNN(1, 3, 2, 1, rng=0, init="lecun")


LOGITS = np.zeros((4, 3))  # a batch of 4 samples, 3 classes
LABELS = np.array([0, 1, 2, 1])
X4 = np.ones((4, 2))  # a valid input for classifier(): batch 4, 2 features


def classifier():
    """2 inputs -> 3 class scores (a Dense layer after a sigmoid layer), fixed weights."""
    return Sequential(Dense(2, 4, rng=0), Sigmoid(), Dense(4, 3, rng=1))


def fit(model, y, **kwargs):
    """``train`` with small valid settings; ``kwargs`` overrides one of them."""
    args = {"epochs": 1, "batch_size": 2, "lr": 0.1, "rng": 0} | kwargs
    return train(model, SoftmaxCrossEntropy(), X4, y, **args)


def dense_after_forward():
    """Dense(3, 2) that has seen a batch of 4, so backward is allowed."""
    layer = Dense(3, 2, rng=0)
    layer.forward(np.ones((4, 3)))
    return layer


def activation_after_forward(cls):
    layer = cls()
    layer.forward(np.ones((2, 3)))
    return layer


class TransposedDense(Dense):
    """A student's Dense whose backward stores dW transposed: shape (out, in)."""

    def backward(self, grad_out):
        grad_in = super().backward(grad_out)
        self.dW = self.dW.T
        return grad_in


def model_with_transposed_dw():
    return Sequential(Dense(2, 3, rng=0), Sigmoid(), TransposedDense(3, 1, rng=1))


# (id, make the model or layer (or None), the wrong call, error type, regex for the message)
CATALOGUE = [
    # numerical_gradient / numerical_derivative / CountCalls
    ("numgrad-negative-eps", None, lambda _: numerical_gradient(total, np.ones(3), eps=-1e-5),
     ValueError, r"numerical_gradient: eps must be a positive finite number, got -1e-05"),
    ("numgrad-zero-eps", None, lambda _: numerical_gradient(total, np.ones(3), eps=0.0),
     ValueError, r"numerical_gradient: eps must be a positive finite number, got 0.0"),
    ("numgrad-nan-eps", None, lambda _: numerical_gradient(total, np.ones(3), eps=np.nan),
     ValueError, r"numerical_gradient: eps must be a positive finite number, got nan"),
    ("numgrad-text-eps", None, lambda _: numerical_gradient(total, np.ones(3), eps="small"),
     TypeError, r"numerical_gradient: eps must be a positive number, got str"),
    ("numgrad-unknown-method", None, lambda _: numerical_gradient(total, np.ones(3), method="backward"),
     ValueError, r"numerical_gradient: method must be one of \('forward', 'central'\), got 'backward'"),
    ("numgrad-f-not-callable", None, lambda _: numerical_gradient(3.0, np.ones(3)),
     TypeError, r"numerical_gradient: f must be a function, got float"),
    ("numgrad-nan-x", None, lambda _: numerical_gradient(total, np.array([1.0, np.nan])),
     ValueError, r"numerical_gradient: x contains NaN or infinity"),
    ("numgrad-object-x", None, lambda _: numerical_gradient(total, np.array([1, "a"], dtype=object)),
     TypeError, r"numerical_gradient: x must hold real numbers, got an array of dtype object"),
    ("numgrad-f-returns-array", None, lambda _: numerical_gradient(lambda v: 2 * v, np.ones(3)),
     ValueError, r"numerical_gradient: f must return one real number, got a value of shape \(3,\)"),
    ("numderiv-array-x", None, lambda _: numerical_derivative(np.sin, np.ones(3)),
     ValueError, r"numerical_derivative: x must be one real number, got a value of shape \(3,\)"),
    ("numderiv-inf-x", None, lambda _: numerical_derivative(np.sin, np.inf),
     ValueError, r"numerical_derivative: x contains NaN or infinity"),
    ("numderiv-unknown-method", None, lambda _: numerical_derivative(np.sin, 1.0, method="centre"),
     ValueError, r"numerical_derivative: method must be one of \('forward', 'central'\), got 'centre'"),
    ("countcalls-not-callable", None, lambda _: CountCalls("f"),
     TypeError, r"CountCalls: f must be a function, got str"),
    # sigmoid, relu and their layers
    ("sigmoid-text", None, lambda _: sigmoid(np.array(["1.0"])),
     TypeError, r"sigmoid: x must hold real numbers, got an array of dtype <U3"),
    ("relu-derivative-object", None, lambda _: relu_derivative(np.array([None])),
     TypeError, r"relu_derivative: x must hold real numbers, got an array of dtype object"),
    ("sigmoid-layer-text", Sigmoid, lambda s: s.forward(np.array([["a"]])),
     TypeError, r"Sigmoid.forward: x must hold real numbers, got an array of dtype <U1"),
    ("sigmoid-backward-first", Sigmoid, lambda s: s.backward(np.ones((2, 3))),
     ValueError, r"Sigmoid.backward: call forward\(\) before backward\(\)"),
    ("sigmoid-backward-shape", lambda: activation_after_forward(Sigmoid), lambda s: s.backward(np.ones((3, 2))),
     ValueError, r"Sigmoid.backward: grad_out must have shape \(2, 3\), got \(3, 2\)"),
    ("model-inf-x", small_model, lambda m: m.forward(np.array([[np.inf, -1.0]])),
     ValueError, r"Sequential.forward: x contains NaN or infinity"),
    ("relu-backward-first", ReLU, lambda r: r.backward(np.ones((2, 3))),
     ValueError, r"ReLU.backward: call forward\(\) before backward\(\)"),
    ("model-backward-nan", small_model, lambda m: (m.forward(X), m.backward(np.full((1, 1), np.nan))),
     ValueError, r"Sequential.backward: grad contains NaN or infinity"),
    ("relu-backward-batch", lambda: activation_after_forward(ReLU), lambda r: r.backward(np.ones((5, 3))),
     ValueError, r"ReLU.backward: grad_out must have shape \(2, 3\), got \(5, 3\)"),
    # Dense and init_weights
    ("dense-1d-x", lambda: Dense(3, 2, rng=0), lambda d: d.forward(np.ones(3)),
     ValueError, r"Dense.forward: x must be 2-D with shape \(batch, 3\), got 1-D shape \(3,\)"),
    ("dense-3d-x", lambda: Dense(3, 2, rng=0), lambda d: d.forward(np.ones((2, 2, 3))),
     ValueError, r"Dense.forward: x must be 2-D with shape \(batch, 3\), got 3-D shape \(2, 2, 3\)"),
    ("dense-wrong-features", lambda: Dense(3, 2, rng=0), lambda d: d.forward(np.ones((4, 5))),
     ValueError, r"Dense.forward: x must have shape \(batch, 3\), got \(4, 5\)"),
    ("dense-empty-batch", lambda: Dense(3, 2, rng=0), lambda d: d.forward(np.ones((0, 3))),
     ValueError, r"Dense.forward: x must hold at least one sample, got shape \(0, 3\)"),
    ("dense-float32-overflow", lambda: Dense(2, 2, rng=0, dtype=np.float32), lambda d: d.forward(np.array([[1e39, 0.0]])),
     ValueError, r"Dense.forward: x holds values beyond the range of float32 \(largest \|x\| 1e\+39\)"),
    ("dense-object-x", lambda: Dense(1, 1, rng=0), lambda d: d.forward(np.array([["a"]], dtype=object)),
     TypeError, r"Dense.forward: x must hold real numbers, got an array of dtype object"),
    ("dense-backward-first", lambda: Dense(3, 2, rng=0), lambda d: d.backward(np.ones((4, 2))),
     ValueError, r"Dense.backward: call forward\(\) before backward\(\)"),
    ("dense-backward-features", dense_after_forward, lambda d: d.backward(np.ones((4, 3))),
     ValueError, r"Dense.backward: grad_out must have shape \(batch, out_features\) = \(4, 2\), got \(4, 3\)"),
    ("dense-backward-batch", dense_after_forward, lambda d: d.backward(np.ones((5, 2))),
     ValueError, r"Dense.backward: grad_out must have shape \(batch, out_features\) = \(4, 2\), got \(5, 2\)"),
    ("dense-backward-text", dense_after_forward, lambda d: d.backward(np.full((4, 2), "x")),
     TypeError, r"Dense.backward: grad_out must hold real numbers"),
    ("dense-zero-inputs", None, lambda _: Dense(0, 2),
     ValueError, r"Dense: in_features must be a positive int, got 0"),
    ("dense-float-outputs", None, lambda _: Dense(3, 2.5),
     ValueError, r"Dense: out_features must be a positive int, got 2.5"),
    ("dense-unknown-init", None, lambda _: Dense(3, 2, init="uniform"),
     ValueError, r"init_weights: init must be one of \('normal', 'lecun', 'glorot', 'xavier', 'he'\), got 'uniform'"),
    ("dense-negative-std", None, lambda _: Dense(3, 2, std=-1.0),
     ValueError, r"init_weights: std must be a positive finite number, got -1.0"),
    ("dense-text-rng", None, lambda _: Dense(3, 2, rng="seed"),
     TypeError, r"Dense: rng must be an np.random.Generator, an int seed >= 0 or None, got 'seed'"),
    ("from-arrays-1d-W", None, lambda _: Dense.from_arrays(np.ones(3), np.ones(3)),
     ValueError, r"Dense.from_arrays: W must have shape \(in, out\), got \(3,\)"),
    ("from-arrays-b-shape", None, lambda _: Dense.from_arrays(np.ones((3, 2)), np.ones(3)),
     ValueError, r"Dense.from_arrays: b must have shape \(2,\), got \(3,\)"),
    ("from-arrays-nan-W", None, lambda _: Dense.from_arrays(np.full((3, 2), np.nan), np.ones(2)),
     ValueError, r"Dense.from_arrays: W contains NaN or infinity"),
    ("init-weights-zero", None, lambda _: init_weights(0, 2, np.random.default_rng(0), init="lecun"),
     ValueError, r"init_weights: in_features must be a positive int, got 0"),
    ("init-weights-int-rng", None, lambda _: init_weights(3, 2, 42),
     TypeError, r"init_weights: rng must be an np.random.Generator .*got int"),
    # MSE
    ("mse-transposed-target", None, lambda _: MSE().forward(np.ones((2, 3)), np.ones((3, 2))),
     ValueError, r"MSE.forward: target must have the shape of pred \(2, 3\), got \(3, 2\)"),
    ("mse-batch-mismatch", None, lambda _: MSE().forward(np.ones((4, 1)), np.ones((5, 1))),
     ValueError, r"MSE.forward: target must have the shape of pred \(4, 1\), got \(5, 1\)"),
    ("mse-1d-target", None, lambda _: MSE().forward(np.ones((4, 1)), np.ones(4)),
     ValueError, r"MSE.forward: target must have the shape of pred \(4, 1\), got \(4,\)"),
    ("mse-empty", None, lambda _: MSE().forward(np.ones((0, 1)), np.ones((0, 1))),
     ValueError, r"MSE.forward: pred is empty \(shape \(0, 1\)\)"),
    ("mse-inf-target", None, lambda _: MSE().forward(np.ones(2), np.array([0.0, np.inf])),
     ValueError, r"MSE.forward: target contains NaN or infinity"),
    ("mse-text-pred", None, lambda _: MSE().forward(np.array(["a"]), np.ones(1)),
     TypeError, r"MSE.forward: pred must hold real numbers, got an array of dtype <U1"),
    ("mse-backward-first", None, lambda _: MSE().backward(),
     ValueError, r"MSE.backward: call forward\(\) before backward\(\)"),
    # Sequential and DNN
    ("sequential-not-a-layer", None, lambda _: Sequential(Dense(2, 2), "relu"),
     TypeError, r"Sequential: layer 1 must be an object such as bplib.ReLU\(\) with forward\(\), backward\(\), parameters\(\), got str"),
    ("sequential-layer-class", None, lambda _: Sequential(Dense(2, 2), ReLU),
     TypeError, r"Sequential: layer 1 must be an object such as bplib.ReLU\(\), got the class ReLU"),
    ("dnn-negative-depth", None, lambda _: DNN(-1, 4, 3, 2),
     ValueError, r"DNN: hidden_depth must be an int >= 0, got -1"),
    ("dnn-zero-width", None, lambda _: DNN(2, 0, 3, 2),
     ValueError, r"DNN: num_neuron must be a positive int, got 0"),
    ("dnn-zero-inputs", None, lambda _: DNN(2, 4, 0, 2),
     ValueError, r"DNN: n_input must be a positive int, got 0"),
    ("dnn-activation-function", None, lambda _: DNN(1, 4, 3, 2, activation=sigmoid),
     TypeError, r"DNN: activation must be an activation layer class such as bplib.Sigmoid or bplib.ReLU .*got the function sigmoid"),
    ("model-forward-features", small_model, lambda m: m.forward(np.ones((1, 3))),
     ValueError, r"Dense.forward: x must have shape \(batch, 2\), got \(1, 3\)"),
    ("model-backward-first", small_model, lambda m: m.backward(np.ones((1, 1))),
     ValueError, r"Sequential.backward: call forward\(\) first"),
    # gradient_descent: every failing call must leave the parameters untouched
    ("gd-target-shape", small_model, lambda m: gradient_descent(m, MSE(), X, np.ones((1, 2))),
     ValueError, r"MSE.forward: target must have the shape of pred \(1, 1\), got \(1, 2\)"),
    ("gd-target-batch", small_model, lambda m: gradient_descent(m, MSE(), np.ones((3, 2)), np.ones((2, 1))),
     ValueError, r"MSE.forward: target must have the shape of pred \(3, 1\), got \(2, 1\)"),
    ("gd-x-features", small_model, lambda m: gradient_descent(m, MSE(), np.ones((1, 3)), Y),
     ValueError, r"Dense.forward: x must have shape \(batch, 2\), got \(1, 3\)"),
    ("gd-empty-batch", small_model, lambda m: gradient_descent(m, MSE(), np.ones((0, 2)), np.ones((0, 1))),
     ValueError, r"Dense.forward: x must hold at least one sample, got shape \(0, 2\)"),
    ("gd-nan-target", small_model, lambda m: gradient_descent(m, MSE(), X, np.array([[np.nan]])),
     ValueError, r"MSE.forward: target contains NaN or infinity"),
    ("gd-negative-lr", small_model, lambda m: gradient_descent(m, MSE(), X, Y, lr=-0.1),
     ValueError, r"gradient_descent: lr must be a positive finite number, got -0.1"),
    ("gd-inf-lr", small_model, lambda m: gradient_descent(m, MSE(), X, Y, lr=np.inf),
     ValueError, r"gradient_descent: lr must be a positive finite number, got inf"),
    ("gd-text-lr", small_model, lambda m: gradient_descent(m, MSE(), X, Y, lr="0.1"),
     TypeError, r"gradient_descent: lr must be a positive number, got str"),
    ("gd-loss-class", small_model, lambda m: gradient_descent(m, MSE, X, Y),
     TypeError, r"gradient_descent: loss must be an object such as bplib.MSE\(\), got the class MSE"),
    ("gd-transposed-dW", model_with_transposed_dw, lambda m: gradient_descent(m, MSE(), X, Y),
     ValueError, r"gradient_descent: the gradient of 2.W must have the parameter's shape \(3, 1\), got \(1, 3\)"),
    # softmax and the cross-entropy loss
    ("ce-label-too-large", None, lambda _: SoftmaxCrossEntropy().forward(LOGITS, np.array([0, 1, 3, 1])),
     ValueError, r"SoftmaxCrossEntropy.forward: labels must lie in 0 .. 2 for 3 classes, got the label 3"),
    ("ce-negative-label", None, lambda _: SoftmaxCrossEntropy().forward(LOGITS, np.array([0, -1, 2, 1])),
     ValueError, r"SoftmaxCrossEntropy.forward: labels must lie in 0 .. 2 for 3 classes, got the label -1"),
    ("ce-float-labels", None, lambda _: SoftmaxCrossEntropy().forward(LOGITS, LABELS.astype(float)),
     TypeError, r"SoftmaxCrossEntropy.forward: labels must be integer class labels .*got an array of dtype float64"),
    ("ce-one-hot-labels", None, lambda _: SoftmaxCrossEntropy().forward(LOGITS, np.eye(4, 3, dtype=int)),
     ValueError, r"SoftmaxCrossEntropy.forward: labels must have shape \(4,\), got \(4, 3\)"),
    ("ce-labels-batch", None, lambda _: SoftmaxCrossEntropy().forward(LOGITS, LABELS[:3]),
     ValueError, r"SoftmaxCrossEntropy.forward: labels must have shape \(4,\), got \(3,\)"),
    ("ce-1d-logits", None, lambda _: SoftmaxCrossEntropy().forward(np.zeros(3), np.array([0])),
     ValueError, r"SoftmaxCrossEntropy.forward: logits must be 2-D with shape \(batch, classes\), got 1-D shape \(3,\)"),
    ("ce-empty-batch", None, lambda _: SoftmaxCrossEntropy().forward(np.zeros((0, 3)), np.zeros(0, int)),
     ValueError, r"SoftmaxCrossEntropy.forward: logits must hold at least one sample, got shape \(0, 3\)"),
    ("ce-nan-logits", None, lambda _: SoftmaxCrossEntropy().forward(np.full((4, 3), np.nan), LABELS),
     ValueError, r"SoftmaxCrossEntropy.forward: logits contains NaN or infinity"),
    ("ce-backward-first", None, lambda _: SoftmaxCrossEntropy().backward(),
     ValueError, r"SoftmaxCrossEntropy.backward: call forward\(\) before backward\(\)"),
    ("softmax-scalar", None, lambda _: softmax(1.0),
     ValueError, r"softmax: x must have shape \(..., classes\), got \(\)"),
    ("log-softmax-inf", None, lambda _: log_softmax(np.array([[0.0, np.inf]])),
     ValueError, r"log_softmax: x contains NaN or infinity"),
    ("one-hot-zero-classes", None, lambda _: one_hot(LABELS, 0),
     ValueError, r"one_hot: n_classes must be a positive int, got 0"),
    ("one-hot-label-out-of-range", None, lambda _: one_hot(LABELS, 2),
     ValueError, r"one_hot: labels must lie in 0 .. 1 for 2 classes, got the label 2"),
    ("accuracy-batch-mismatch", None, lambda _: accuracy(LOGITS, LABELS[:3]),
     ValueError, r"accuracy: labels must have shape \(4,\), got \(3,\)"),
    # data and training
    ("split-fraction-above-one", None, lambda _: train_test_split(X4, LABELS, 1.5, 0),
     ValueError, r"train_test_split: test_fraction must lie in \(0, 1\), got 1.5"),
    ("split-y-rows", None, lambda _: train_test_split(X4, LABELS[:3], 0.5, 0),
     ValueError, r"train_test_split: y must have one entry per sample of x, shape \(4, ...\), got \(3,\)"),
    ("split-text-rng", None, lambda _: train_test_split(X4, LABELS, 0.5, "seed"),
     TypeError, r"train_test_split: rng must be an np.random.Generator, an int seed >= 0 or None, got 'seed'"),
    ("minibatches-zero-size", None, lambda _: iterate_minibatches(X4, LABELS, 0, 0),
     ValueError, r"iterate_minibatches: batch_size must be a positive int, got 0"),
    ("gd-ce-float-labels", classifier, lambda m: gradient_descent(m, SoftmaxCrossEntropy(), X4, LABELS.astype(float)),
     TypeError, r"SoftmaxCrossEntropy.forward: labels must be integer class labels"),
    ("gd-ce-label-out-of-range", classifier, lambda m: gradient_descent(m, SoftmaxCrossEntropy(), X4, np.array([0, 1, 2, 3])),
     ValueError, r"SoftmaxCrossEntropy.forward: labels must lie in 0 .. 2 for 3 classes, got the label 3"),
    ("train-label-out-of-range", classifier, lambda m: fit(m, np.array([0, 1, 2, 3])),
     ValueError, r"SoftmaxCrossEntropy.forward: labels must lie in 0 .. 2 for 3 classes, got the label 3"),
    ("train-y-rows", classifier, lambda m: fit(m, LABELS[:3]),
     ValueError, r"train: y must have one entry per row of x, shape \(4, ...\), got \(3,\)"),
    ("train-zero-epochs", classifier, lambda m: fit(m, LABELS, epochs=0),
     ValueError, r"train: epochs must be a positive int, got 0"),
    ("train-negative-lr", classifier, lambda m: fit(m, LABELS, lr=-0.1),
     ValueError, r"train: lr must be a positive finite number, got -0.1"),
    ("train-x-val-alone", classifier, lambda m: fit(m, LABELS, x_val=X4),
     ValueError, r"train: give both x_val and y_val, or neither"),
    ("train-x-features", classifier, lambda m: train(m, SoftmaxCrossEntropy(), np.ones((4, 5)), LABELS, 1, 2, 0.1, 0),
     ValueError, r"Dense.forward: x must have shape \(batch, 2\), got \(4, 5\)"),
    # gradient checks
    ("gradcheck-negative-eps", small_model, lambda m: gradient_check(m, MSE(), X, Y, eps=-1e-5),
     ValueError, r"gradient_check: eps must be a positive finite number, got -1e-05"),
    ("gradcheck-target-shape", small_model, lambda m: gradient_check(m, MSE(), X, np.ones((2, 1))),
     ValueError, r"MSE.forward: target must have the shape of pred \(1, 1\), got \(2, 1\)"),
    ("numgrads-target-shape", small_model, lambda m: numerical_gradients(m, MSE(), X, np.ones(1), method="central"),
     ValueError, r"MSE.forward: target must have the shape of pred \(1, 1\), got \(1,\)"),
    ("numgrads-unknown-method", small_model, lambda m: numerical_gradients(m, MSE(), X, Y, method="centre"),
     ValueError, r"numerical_gradients: method must be one of \('forward', 'central'\), got 'centre'"),
    ("numgrads-no-model", None, lambda _: numerical_gradients(None, MSE(), X, Y),
     TypeError, r"numerical_gradients: model must be an object such as bplib.DNN\(...\) with forward\(\), backward\(\), parameters\(\), got NoneType"),
    ("backprop-loss-class", small_model, lambda m: backprop_gradients(m, MSE, X, Y),
     TypeError, r"backprop_gradients: loss must be an object such as bplib.MSE\(\), got the class MSE"),
    ("rel-error-shapes", None, lambda _: rel_error(np.ones(3), np.ones(2)),
     ValueError, r"rel_error: b must have the shape of a \(3,\), got \(2,\)"),
    ("rel-error-text", None, lambda _: rel_error(np.ones(1), np.array(["1"])),
     TypeError, r"rel_error: b must hold real numbers, got an array of dtype <U1"),
]


def parameters_of(obj):
    """``[(name, array)]`` for a model or a layer; empty for None."""
    if obj is None:
        return []
    return [(name, value) for name, value, _ in obj.parameters()]


def test_the_catalogue_is_large_and_ids_are_unique():
    ids = [row[0] for row in CATALOGUE]
    assert len(ids) >= 25
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    "make, call, error, words", [row[1:] for row in CATALOGUE], ids=[row[0] for row in CATALOGUE]
)
def test_wrong_call_is_explained_and_changes_nothing(make, call, error, words):
    model = make() if make is not None else None
    before = [(name, value, value.copy()) for name, value in parameters_of(model)]

    with pytest.raises((ValueError, TypeError)) as caught:
        call(model)

    assert caught.type is error, f"expected {error.__name__}, got {caught.type.__name__}"
    message = str(caught.value)
    assert re.search(words, message), f"message does not match {words!r}:\n{message}"
    after = parameters_of(model)
    assert [name for name, _ in after] == [name for name, _, _ in before]
    for (name, array, copy), (_, now) in zip(before, after):
        assert now is array, f"{name} was replaced by another array"
        np.testing.assert_array_equal(now, copy, err_msg=f"{name} changed")


@pytest.mark.parametrize("cls", [lambda: Dense(3, 2, rng=0), Sigmoid, ReLU])
def test_a_failing_forward_keeps_the_previous_cache(cls):
    """A rejected forward must not leave half a cache behind: backward still matches x.

    (Sigmoid and ReLU accept any shape, so they are given text.)"""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3))
    grad_out_shape = (4, 2) if not isinstance(cls, type) else (4, 3)
    grad_out = rng.normal(size=grad_out_shape)
    reference = cls()
    reference.forward(x)
    expected = reference.backward(grad_out)

    layer = cls()
    layer.forward(x)
    with pytest.raises((ValueError, TypeError)):
        layer.forward(np.array([["a"]]) if isinstance(cls, type) else np.ones((5, 4)))
    np.testing.assert_array_equal(layer.backward(grad_out), expected)

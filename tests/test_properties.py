"""Property-based tests (hypothesis) of every layer and loss (Dense, Sigmoid, ReLU, MSE,
SoftmaxCrossEntropy, Sequential/DNN): for any shape and any values in
a safe range, backward is the derivative of forward, and it behaves like a derivative.

Hypothesis draws the shapes, the inputs and a seed; a numpy Generator seeded with it makes
the other arrays (weights, targets, upstream gradients), so that no gradient can cancel to
exactly zero by accident. The profile is derandomized: every run tests the same examples.

Safe range: inputs are 0 or have 0.1 <= |x| <= 2 (ReLU inputs never 0: central differences
with eps = 1e-5 must not straddle the kink). In float64, central differences then agree
with backprop to a relative error far below 1e-6.
"""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bplib import (
    DNN,
    MSE,
    Dense,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    gradient_check,
    log_softmax,
    numerical_gradient,
    rel_error,
    sigmoid,
    sigmoid_derivative,
    softmax,
)

PROFILE = settings(derandomize=True, max_examples=25, deadline=None, database=None)
TOLERANCE = 1e-6  # relative error between backprop and central differences

sizes = st.integers(min_value=1, max_value=12)
batches = st.integers(min_value=1, max_value=16)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
magnitudes = st.floats(min_value=0.1, max_value=2.0)
nonzero = st.one_of(magnitudes, magnitudes.map(lambda v: -v))  # 0.1 <= |v| <= 2
safe = st.one_of(st.just(0.0), nonzero)
scales = st.floats(min_value=-3.0, max_value=3.0)


def inputs(batch, features, elements=safe):
    """Hypothesis arrays of shape (batch, features) with the given element values."""
    return hnp.arrays(np.float64, (batch, features), elements=elements)


@st.composite
def dense_cases(draw):
    """(layer, x, seed): a Dense layer with random W and b, and an input batch for it."""
    batch, n_in, n_out = draw(batches), draw(sizes), draw(sizes)
    seed = draw(seeds)
    rng = np.random.default_rng(seed)
    layer = Dense.from_arrays(rng.normal(size=(n_in, n_out)), rng.normal(size=n_out))
    return layer, draw(inputs(batch, n_in)), seed


@st.composite
def activation_cases(draw):
    """(layer, x, seed) for Sigmoid or ReLU; ReLU inputs are never 0."""
    cls = draw(st.sampled_from([Sigmoid, ReLU]))
    shape = (draw(batches), draw(sizes))
    x = draw(inputs(*shape, elements=nonzero if cls is ReLU else safe))
    return cls(), x, draw(seeds)


layer_cases = st.one_of(dense_cases(), activation_cases())


def upstream(rng, shape):
    """A random upstream gradient: every entry in +-[0.5, 1.5], never 0."""
    return rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def fresh_copy(layer):
    """A new layer of the same kind and parameters, with an empty cache."""
    if isinstance(layer, Dense):
        return Dense.from_arrays(layer.W, layer.b)
    return type(layer)()


def output_shape(layer, x):
    return (x.shape[0], layer.W.shape[1]) if isinstance(layer, Dense) else x.shape


# Backward against central differences ---------------------------------------------------


@PROFILE
@given(layer_cases)
def test_backward_matches_central_differences(case):
    """For L = sum(g * layer(x)): backward(g) is dL/dx, and dW, db are dL/dW, dL/db."""
    layer, x, seed = case
    g = upstream(np.random.default_rng(seed), output_shape(layer, x))
    layer.forward(x)
    dx = layer.backward(g)

    def loss_of_input(v):
        return float(np.sum(g * fresh_copy(layer).forward(v)))

    assert rel_error(dx, numerical_gradient(loss_of_input, x)) < TOLERANCE
    if isinstance(layer, Dense):

        def loss_of_W(W):
            return float(np.sum(g * Dense.from_arrays(W, layer.b).forward(x)))

        def loss_of_b(b):
            return float(np.sum(g * Dense.from_arrays(layer.W, b).forward(x)))

        assert rel_error(layer.dW, numerical_gradient(loss_of_W, layer.W)) < TOLERANCE
        assert rel_error(layer.db, numerical_gradient(loss_of_b, layer.b)) < TOLERANCE


@PROFILE
@given(batches, sizes, seeds)
def test_mse_backward_matches_central_differences(batch, features, seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.normal(size=(batch, features)), rng.normal(size=(batch, features))
    loss = MSE()
    value = loss.forward(pred, target)
    assert value == pytest.approx(0.5 * np.mean((pred - target) ** 2), rel=1e-12)
    numeric = numerical_gradient(lambda p: MSE().forward(p, target), pred)
    assert rel_error(loss.backward(), numeric) < TOLERANCE


@st.composite
def network_cases(draw):
    """(model, x, y): a DNN of depth 0-3 with Xavier weights, random biases and a batch."""
    depth, width, n_in, n_out = draw(st.integers(0, 3)), draw(sizes), draw(sizes), draw(sizes)
    activation = draw(st.sampled_from([Sigmoid, ReLU]))
    rng = np.random.default_rng(draw(seeds))
    model = DNN(depth, width, n_in, n_out, activation=activation, rng=rng, init="lecun")
    for layer in model.layers[::2]:
        layer.b = rng.normal(size=layer.b.shape)
    batch = draw(st.integers(1, 8))
    return model, rng.normal(size=(batch, n_in)), rng.uniform(size=(batch, n_out))


def relu_inputs_are_away_from_zero(model, x):
    """True when no ReLU in the model sees an input within 1e-3 of its kink at 0."""
    for layer in model.layers:
        if isinstance(layer, ReLU) and np.abs(x).min() <= 1e-3:
            return False
        x = layer.forward(x)
    return True


@PROFILE
@given(network_cases())
def test_whole_network_backprop_matches_central_differences(case):
    model, x, y = case
    assume(relu_inputs_are_away_from_zero(model, x))
    assert gradient_check(model, MSE(), x, y, eps=1e-4) < TOLERANCE


@st.composite
def classification_cases(draw):
    """(logits, labels): logits (batch, classes) in +-[0.1, 2] or 0, labels in 0..classes-1."""
    batch, classes = draw(batches), draw(sizes)
    logits = draw(inputs(batch, classes))
    labels = draw(hnp.arrays(np.int64, batch, elements=st.integers(0, classes - 1)))
    return logits, labels


@PROFILE
@given(classification_cases())
def test_cross_entropy_backward_matches_central_differences(case):
    logits, labels = case
    loss = SoftmaxCrossEntropy()
    value = loss.forward(logits, labels)
    grad = loss.backward()
    expected = -np.mean(np.log(softmax(logits))[np.arange(len(labels)), labels])
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)
    numeric = numerical_gradient(lambda z: SoftmaxCrossEntropy().forward(z, labels), logits)
    assert rel_error(grad, numeric) < TOLERANCE
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)  # p and one_hot sum to 1
    np.testing.assert_array_equal(loss.backward(), grad)  # backward does not eat its cache


@PROFILE
@given(classification_cases(), st.floats(min_value=-50.0, max_value=50.0))
def test_softmax_is_a_distribution_unchanged_by_a_shift(case, shift):
    logits, _ = case
    p = softmax(logits)
    assert ((p > 0) & (p <= 1)).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(softmax(logits + shift), p, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(log_softmax(logits), np.log(p), rtol=1e-12, atol=1e-12)


@PROFILE
@given(st.integers(1, 8), st.integers(2, 12), sizes, seeds)
def test_classifier_backprop_matches_central_differences(batch, classes, n_in, seed):
    """Dense -> Sigmoid -> Dense -> softmax cross-entropy, the book's digit classifier."""
    rng = np.random.default_rng(seed)
    model = Sequential(Dense(n_in, 8, rng=rng, init="lecun"), Sigmoid(),
                       Dense(8, classes, rng=rng, init="lecun"))
    for layer in model.layers[::2]:
        layer.b = rng.normal(size=layer.b.shape)
    x, labels = rng.normal(size=(batch, n_in)), rng.integers(0, classes, size=batch)
    assert gradient_check(model, SoftmaxCrossEntropy(), x, labels, eps=1e-4) < TOLERANCE


@PROFILE
@given(classification_cases(), classification_cases())
def test_cross_entropy_backward_uses_the_latest_forward(old, case):
    logits, labels = case
    reference = SoftmaxCrossEntropy()
    reference.forward(logits, labels)
    loss = SoftmaxCrossEntropy()
    loss.forward(*old)
    loss.forward(logits, labels)
    np.testing.assert_array_equal(loss.backward(), reference.backward())


# Backward behaves like a derivative ----------------------------------------------------


def backward_and_grads(layer, g):
    """backward(g) and, for Dense, copies of the parameter gradients it stored."""
    dx = layer.backward(g)
    return [dx] + [grad.copy() for _, _, grad in layer.parameters()]


@PROFILE
@given(layer_cases, scales, scales)
def test_backward_is_linear_in_grad_out(case, a, b):
    layer, x, seed = case
    rng = np.random.default_rng(seed)
    g1, g2 = upstream(rng, output_shape(layer, x)), upstream(rng, output_shape(layer, x))
    layer.forward(x)
    combined = backward_and_grads(layer, a * g1 + b * g2)
    first, second = backward_and_grads(layer, g1), backward_and_grads(layer, g2)
    for together, one, two in zip(combined, first, second):
        np.testing.assert_allclose(together, a * one + b * two, rtol=1e-10, atol=1e-10)


CACHE = {Dense: "x", Sigmoid: "out", ReLU: "mask"}  # what each layer's forward stores


@PROFILE
@given(layer_cases)
def test_forward_and_backward_leave_their_inputs_unchanged(case):
    layer, x, seed = case
    g = upstream(np.random.default_rng(seed), output_shape(layer, x))
    x_before, g_before = x.copy(), g.copy()
    params_before = [value.copy() for _, value, _ in layer.parameters()]
    layer.forward(x)
    cache_before = getattr(layer, CACHE[type(layer)]).copy()
    first = layer.backward(g)
    second = layer.backward(g)  # the second call must see the same cache and grad_out
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)
    np.testing.assert_array_equal(getattr(layer, CACHE[type(layer)]), cache_before)
    np.testing.assert_array_equal(first, second)
    for (_, value, _), before in zip(layer.parameters(), params_before):
        np.testing.assert_array_equal(value, before)


@PROFILE
@given(layer_cases, seeds)
def test_backward_uses_the_latest_forward(case, other_seed):
    """forward(x_old), forward(x), backward(g) gives exactly what forward(x), backward(g) gives."""
    layer, x, seed = case
    rng = np.random.default_rng(other_seed)
    x_old = rng.uniform(0.1, 2.0, size=(rng.integers(1, 17), x.shape[1]))
    g = upstream(np.random.default_rng(seed), output_shape(layer, x))
    reference = fresh_copy(layer)
    reference.forward(x)
    expected = backward_and_grads(reference, g)
    layer.forward(x_old)
    layer.forward(x)
    for got, want in zip(backward_and_grads(layer, g), expected):
        np.testing.assert_array_equal(got, want)


@PROFILE
@given(dense_cases())
def test_fan_out_gradients_add_up(case):
    """h = Dense(x) feeds both a Sigmoid and a ReLU; L = sum(g1 * sigmoid(h) + g2 * relu(h)).

    The value h is used twice, so dL/dh is the sum of what the two branches send back.
    """
    dense, x, seed = case
    rng = np.random.default_rng(seed)
    shape = output_shape(dense, x)
    g1, g2 = upstream(rng, shape), upstream(rng, shape)
    sig, relu = Sigmoid(), ReLU()
    h = dense.forward(x)
    assume(np.abs(h).min() > 1e-3)  # away from ReLU's kink
    sig.forward(h)
    relu.forward(h)
    dx = dense.backward(sig.backward(g1) + relu.backward(g2))

    def loss_of_input(v):
        hv = Dense.from_arrays(dense.W, dense.b).forward(v)
        return float(np.sum(g1 * Sigmoid().forward(hv) + g2 * ReLU().forward(hv)))

    assert rel_error(dx, numerical_gradient(loss_of_input, x)) < TOLERANCE


@PROFILE
@given(network_cases(), seeds)
def test_sequential_backward_uses_the_latest_forward(case, other_seed):
    model, x, _ = case
    rng = np.random.default_rng(other_seed)
    g = upstream(rng, (x.shape[0], model.layers[-2].W.shape[1]))
    copy = Sequential(*[fresh_copy(layer) for layer in model.layers])
    copy.forward(x)
    expected = [copy.backward(g)] + [grad.copy() for _, _, grad in copy.parameters()]
    model.forward(rng.normal(size=(3, x.shape[1])))
    model.forward(x)
    got = [model.backward(g)] + [grad for _, _, grad in model.parameters()]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


# Numerical stability --------------------------------------------------------------------


@PROFILE
@given(
    hnp.arrays(
        st.sampled_from([np.float64, np.float32]),
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=16),
        elements=st.floats(min_value=-1e4, max_value=1e4, width=32),
    )
)
def test_sigmoid_is_finite_and_warning_free_up_to_1e4(x):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = sigmoid(x)
        d = sigmoid_derivative(x)
        layer = Sigmoid()
        layer.forward(x)
        dx = layer.backward(np.ones_like(x))
    assert s.dtype == x.dtype
    for values in (s, d, dx):
        assert np.isfinite(values).all()
    assert ((0.0 <= s) & (s <= 1.0)).all()
    assert ((0.0 <= d) & (d <= 0.25)).all()
    np.testing.assert_allclose(sigmoid(-x), 1.0 - s, atol=1e-6 if x.dtype == np.float32 else 1e-15)


@PROFILE
@given(classification_cases(), st.floats(min_value=1.0, max_value=1e4))
def test_softmax_cross_entropy_finite_and_warning_free_up_to_1e4(case, scale):
    """Logits scaled up to |z| = 1e4: exp would overflow without the shift by max(z)."""
    logits, labels = case
    big = logits * (scale / 2.0)  # entries up to |z| = scale
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss = SoftmaxCrossEntropy()
        value = loss.forward(big, labels)
        grad = loss.backward()
        p, log_p = softmax(big), log_softmax(big)
    assert np.isfinite(value) and value >= 0.0
    for values in (grad, p, log_p):
        assert np.isfinite(values).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)


def test_sigmoid_at_the_edges_of_float64():
    """Around exp's overflow (x = -709.8) and at +-1e4: exact limits, no warning."""
    x = np.array([-1e4, -1000.0, -746.0, -710.0, -709.0, -40.0, 0.0, 40.0, 710.0, 1e4])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = sigmoid(x)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[6] == 0.5
    assert np.all(np.diff(s) >= 0)  # non-decreasing
    assert 0.0 < s[3] < s[4] < 1e-300  # exp(-710) and exp(-709) are tiny but not 0

"""bpcheck: right answers pass, stubs say "not implemented yet", and every known
mistake gets its own hint, printed as one line without a traceback."""

import numpy as np
import pytest

import bpcheck as checks
import bplib

# --- right answers: bplib's own code, and small independent versions ------------------


def forward_ok(f, x, eps):
    return bplib.numerical_gradient(f, x, eps, "forward")


def central_ok(f, x, eps):
    return bplib.numerical_gradient(f, x, eps, "central")


def stable_sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class DenseOK:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, g):
        self.dW = self.x.T @ g
        self.db = g.sum(axis=0)
        return g @ self.W.T


def backprop_ok(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    value = loss.forward(h, y)
    grad = loss.backward()
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return value


class SkipOK:
    def __init__(self, layer):
        self.layer = layer

    def forward(self, x):
        return self.layer.forward(x) + x

    def backward(self, g):
        return self.layer.backward(g) + g


def descent_ok(model, loss, x, y, lr, steps):
    return [bplib.gradient_descent(model, loss, x, y, lr) for _ in range(steps)]


def norms_ok(model, x, y):
    loss = bplib.MSE()
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    return [np.linalg.norm(l.dW) for l in model.layers if isinstance(l, bplib.Dense)]


def minibatches_ok(x, y, batch_size, rng):
    return bplib.iterate_minibatches(x, y, batch_size, rng)


def train_ok(model, loss, x, y, lr, epochs, batch_size, rng):
    history = []
    for _ in range(epochs):
        losses = [bplib.gradient_descent(model, loss, xb, yb, lr)
                  for xb, yb in minibatches_ok(x, y, batch_size, rng)]
        history.append(float(np.mean(losses)))
    return history


def count_ok(sizes):
    return sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))


def network_ok(model, loss, x, y, eps):
    return bplib.numerical_gradients(model, loss, x, y, eps, "forward")


RIGHT = [
    (checks.check_forward_difference, forward_ok),
    (checks.check_numerical_gradient, central_ok),
    (checks.check_count_parameters, count_ok),
    (checks.check_network_numerical_gradient, network_ok),
    (checks.check_sigmoid, stable_sigmoid),
    (checks.check_sigmoid_derivative, bplib.sigmoid_derivative),
    (checks.check_dense, DenseOK),
    (checks.check_dense, bplib.Dense.from_arrays),
    (checks.check_backprop, backprop_ok),
    (checks.check_skip_connection, SkipOK),
    (checks.check_gradient_descent, descent_ok),
    (checks.check_relu, bplib.relu),
    (checks.check_relu_derivative, bplib.relu_derivative),
    (checks.check_gradient_norms, norms_ok),
    (checks.check_minibatches, minibatches_ok),
    (checks.check_train, train_ok),
]
ALL_CHECKS = sorted({check for check, _ in RIGHT}, key=lambda c: c.__name__)


def test_every_public_check_is_tested():
    public = {name for name in checks.__all__ if name.startswith("check_")}
    assert public == {check.__name__ for check in ALL_CHECKS}


@pytest.mark.parametrize("check, answer", RIGHT, ids=[f"{c.__name__}-{i}" for i, (c, _) in
                                                       enumerate(RIGHT)])
def test_right_answers_pass_with_the_fixed_line(check, answer, capsys):
    assert check(answer) is None  # a cell shows only the printed line
    out = capsys.readouterr()
    assert out.out == f"✅ {check.__name__}: all {check.n_tests} tests passed.\n"
    assert out.err == ""
    assert check.result(answer).passed is True


def stub(*args, **kwargs):
    raise NotImplementedError()


class StubClass:
    def __init__(self, *args):
        pass

    def forward(self, x):
        raise NotImplementedError()

    def backward(self, g):
        raise NotImplementedError()


STUBS = [(check, stub) for check in ALL_CHECKS] + [
    (checks.check_dense, StubClass), (checks.check_skip_connection, StubClass)]


@pytest.mark.parametrize("check, student", STUBS,
                         ids=[f"{c.__name__}-{s.__name__}" for c, s in STUBS])
def test_stubs_are_not_implemented_yet(check, student, capsys):
    check(student)
    out = capsys.readouterr().out
    assert out.startswith(f"⏳ {check.__name__}: not implemented yet.")
    assert out.count("\n") == 1
    feedback = check.result(student)
    assert (feedback.passed, feedback.status) == (False, "todo")


def broken(*args, **kwargs):
    raise KeyError("oops")


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_exceptions_are_named_without_a_traceback(check, capsys):
    check(broken)
    out = capsys.readouterr()
    assert out.out.startswith(f"❌ {check.__name__}: test 1 of {check.n_tests}")
    assert "your code raised KeyError: 'oops'" in out.out
    assert "Traceback" not in out.out + out.err and out.out.count("\n") == 1


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("junk", [lambda *a, **k: None, lambda *a, **k: "text",
                                  lambda *a, **k: np.full(7, np.nan)], ids=["none", "str", "nan"])
def test_nonsense_answers_fail_without_raising(check, junk, capsys):
    feedback = check.result(junk)
    assert feedback.passed is False and feedback.message.startswith(f"❌ {check.__name__}")
    check(junk)
    assert "Traceback" not in capsys.readouterr().out


def test_a_value_instead_of_a_function_is_explained(capsys):
    checks.check_sigmoid(np.zeros(3))
    assert "pass your function or class itself" in capsys.readouterr().out


# --- wrong variants and the hint each must get -----------------------------------------


def _forward_loop(f, x, eps, divide, restore=True, recompute=False, copy=True):
    point = np.array(x, dtype=float) if copy else x
    flat = point.reshape(-1)
    grad = np.zeros(flat.size)
    f0 = f(point)
    for i in range(flat.size):
        if recompute:
            f0 = f(point)
        old = flat[i]
        flat[i] = old + eps
        grad[i] = (f(point) - f0) / divide(eps)
        if restore:
            flat[i] = old
    return grad.reshape(point.shape)


def _central_loop(f, x, eps, step, divide, restore="saved", extra_call=False):
    point = x if restore == "subtract" else np.array(x, dtype=float)
    flat = point.reshape(-1)
    grad = np.zeros(flat.size)
    if extra_call:
        f(point)
    for i in range(flat.size):
        old = flat[i]
        if restore == "subtract":  # steps by adding and subtracting: round-off stays in x
            flat[i] += step(eps)
            f_plus = f(point)
            flat[i] -= 2 * step(eps)
            f_minus = f(point)
        else:
            flat[i] = old + step(eps)
            f_plus = f(point)
            flat[i] = old - step(eps)
            f_minus = f(point)
        grad[i] = (f_plus - f_minus) / divide(eps)
        if restore == "saved":
            flat[i] = old
        elif restore == "subtract":
            flat[i] += step(eps)
    return grad.reshape(point.shape)


def _sigmoid_derivative_wrong(kind):
    def fn(x):
        s = bplib.sigmoid(x)
        return {"x(1-x)": x * (1 - x), "twice": bplib.sigmoid(s) * (1 - bplib.sigmoid(s)),
                "s": s, "1-s": 1 - s}[kind]
    return fn


class DenseWrong(DenseOK):
    def __init__(self, W, b, mistake):
        super().__init__(W, b)
        self.mistake = mistake

    def forward(self, x):
        self.x = x
        if self.mistake == "no bias":
            return x @ self.W
        return x @ self.W + self.b

    def backward(self, g):
        m, x, W = self.mistake, self.x, self.W
        self.dW = {"dW transposed": g.T @ x, "dW mean": x.T @ g / len(x),
                   "dW first sample": np.outer(x[0], g[0])}.get(m, x.T @ g)
        self.db = {"db not reduced": g, "db mean": g.mean(axis=0),
                   "db last sample": g[-1]}.get(m, g.sum(axis=0))
        dx = g @ W if m == "dx with W" else g @ W.T
        if m == "grad_out in place":
            g *= 1.5  # the caller's array changes
        return dx


class DenseStale(DenseOK):
    def forward(self, x):
        if not hasattr(self, "x"):
            self.x = x
        return x @ self.W + self.b


def dense_with(mistake):
    return lambda W, b: DenseWrong(W, b, mistake)


def backprop_skipping_activations(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    value = loss.forward(h, y)
    grad = loss.backward()
    for layer in reversed(layers):
        if isinstance(layer, bplib.Dense):
            grad = layer.backward(grad)
    return value


def backprop_seed_gradient(layers, loss, x, y):
    h = x
    for layer in layers:
        h = layer.forward(h)
    value = loss.forward(h, y)
    grad = h - y  # the seed's MeanSquaredError.grad(): no 1/size
    for layer in reversed(layers):
        grad = layer.backward(grad)
    return value


class SkipOverwrite(SkipOK):
    def backward(self, g):
        grad = g
        grad = self.layer.backward(g)  # the second consumer overwrites the first
        return grad


class SkipOnlyShortcut(SkipOK):
    def backward(self, g):
        self.layer.backward(g)
        return g


class SkipInPlace(SkipOK):
    def backward(self, g):
        g += self.layer.backward(g)
        return g


def descent_with(mistake):
    def fn(model, loss, x, y, lr, steps):
        losses = []
        for _ in range(steps):
            value = loss.forward(model.forward(x), y)
            model.backward(loss.backward())
            for _, p, g in model.parameters():
                if mistake == "rebind":
                    p = p - lr * g  # noqa: PLW2901 - the mistake under test
                elif mistake == "plus":
                    p += lr * g
                elif mistake == "no lr":
                    p -= g
                else:
                    p -= lr * g
            losses.append(loss.forward(model.forward(x), y) if mistake == "after" else value)
        return losses
    return fn


def relu_in_place(x):
    x[x < 0] = 0
    return x


def minibatches_with(mistake):
    def fn(x, y, batch_size, rng):
        n = len(x)
        order = {"no shuffle": np.arange(n), "replace": rng.integers(0, n, n),
                 "fixed rng": np.random.default_rng(0).permutation(n),
                 "global": np.random.default_rng().permutation(n)}.get(
            mistake, rng.permutation(n) if mistake != "separately" else None)
        if mistake == "separately":
            ox, oy = rng.permutation(n), rng.permutation(n)
            return [(x[ox[s:s + batch_size]], y[oy[s:s + batch_size]])
                    for s in range(0, n, batch_size)]
        stop = n - n % batch_size if mistake == "drop last" else n
        return [(x[order[s:s + batch_size]], y[order[s:s + batch_size]])
                for s in range(0, stop, batch_size)]
    return fn


def minibatches_shuffle_in_place(x, y, batch_size, rng):
    order = rng.permutation(len(x))
    x[:] = x[order]
    y[:] = y[order]
    return [(x[s:s + batch_size], y[s:s + batch_size]) for s in range(0, len(x), batch_size)]


def train_with(mistake):
    def fn(model, loss, x, y, lr, epochs, batch_size, rng):
        history = []
        fixed = list(minibatches_ok(x, y, batch_size, rng))
        for _ in range(epochs):
            if mistake == "full batch":
                history.append(bplib.gradient_descent(model, loss, x, y, lr))
                continue
            batches = fixed if mistake == "no reshuffle" else minibatches_ok(x, y,
                                                                             batch_size, rng)
            losses = [bplib.gradient_descent(model, loss, xb, yb, lr) for xb, yb in batches]
            history.append({"last": losses[-1], "sum": sum(losses)}.get(
                mistake, float(np.mean(losses))))
        return history
    return fn


def train_per_batch(model, loss, x, y, lr, epochs, batch_size, rng):
    return [bplib.gradient_descent(model, loss, xb, yb, lr)
            for _ in range(epochs) for xb, yb in minibatches_ok(x, y, batch_size, rng)]


HINTS = [
    # chapter 1
    (checks.check_forward_difference, central_ok, "this is the central difference"),
    (checks.check_forward_difference, lambda f, x, e: _forward_loop(f, x, e, lambda e: 2 * e),
     "a forward difference steps only once, by eps: divide by eps"),
    (checks.check_forward_difference,
     lambda f, x, e: _forward_loop(f, x, e, lambda e: e, restore=False),
     "you did not put x[i] back after moving it"),
    (checks.check_forward_difference,
     lambda f, x, e: _forward_loop(f, x, e, lambda e: e, recompute=True),
     "you evaluated f(x) again for every entry"),
    (checks.check_forward_difference,
     lambda f, x, e: _forward_loop(f, x, e, lambda e: e).reshape(-1), "has shape"),
    (checks.check_numerical_gradient, forward_ok, "this is the forward difference"),
    (checks.check_numerical_gradient,
     lambda f, x, e: _central_loop(f, x, e, lambda e: e, lambda e: e),
     "you divided by eps, but the two points x+eps and x-eps are 2 eps apart"),
    (checks.check_numerical_gradient, lambda f, x, e: _forward_loop(f, x, e, lambda e: 2 * e),
     "you stepped only one side"),
    (checks.check_numerical_gradient,
     lambda f, x, e: _central_loop(f, x, e, lambda e: e / 2, lambda e: e),
     "you stepped by eps/2 on each side"),
    (checks.check_numerical_gradient,
     lambda f, x, e: _central_loop(f, x, e, lambda e: e, lambda e: 2 * e, restore="never"),
     "you did not put x[i] back after moving it"),
    (checks.check_numerical_gradient,
     lambda f, x, e: _central_loop(f, x, e, lambda e: e, lambda e: 2 * e, restore="subtract"),
     "your function changed the caller's x"),
    (checks.check_numerical_gradient,
     lambda f, x, e: _central_loop(f, x, e, lambda e: e, lambda e: 2 * e, extra_call=True),
     "a central difference never needs f(x) itself"),
    # chapter 2
    (checks.check_count_parameters, lambda s: sum(i * o for i, o in zip(s[:-1], s[1:])),
     "you counted the weights but not the biases"),
    (checks.check_count_parameters, lambda s: sum(i * o + i for i, o in zip(s[:-1], s[1:])),
     "one bias per *output* unit"),
    (checks.check_network_numerical_gradient,
     lambda m, l, x, y, e: bplib.numerical_gradients(m, l, x, y, e, "central"),
     "this is the central difference"),
    (checks.check_network_numerical_gradient,
     lambda m, l, x, y, e: [g / 2 for g in network_ok(m, l, x, y, e)],
     "you divided by 2 eps for a one-sided step"),
    (checks.check_network_numerical_gradient,
     lambda m, l, x, y, e: network_ok(m, l, x, y, e)[0::2], "weights *and* biases"),
    (checks.check_network_numerical_gradient,
     lambda m, l, x, y, e: network_ok(m, l, x, y, e)[::-1],
     "return the gradients in the order of model.parameters()"),
    # chapter 3
    (checks.check_sigmoid, lambda x: 1 / (1 + np.exp(-x)), "numpy reports an overflow"),
    (checks.check_sigmoid, lambda x: np.where(x >= 0, 1 / (1 + np.exp(-x)),
                                              np.exp(x) / (1 + np.exp(x))),
     "np.where computes both branches everywhere"),
    (checks.check_sigmoid, lambda x: stable_sigmoid(-x), "your curve is mirrored"),
    (checks.check_sigmoid, lambda x: stable_sigmoid(stable_sigmoid(x)),
     "you applied the sigmoid twice"),
    (checks.check_sigmoid, lambda x: stable_sigmoid(x)[..., None], "has shape"),
    (checks.check_sigmoid, lambda x: np.copyto(x, stable_sigmoid(x)) or x,
     "x changed: compute into a new array"),
    (checks.check_sigmoid_derivative, _sigmoid_derivative_wrong("x(1-x)"),
     "you computed x (1 - x)"),
    (checks.check_sigmoid_derivative, _sigmoid_derivative_wrong("twice"),
     "you applied the sigmoid twice"),
    (checks.check_sigmoid_derivative, _sigmoid_derivative_wrong("s"),
     "you returned s(x) itself"),
    (checks.check_sigmoid_derivative, _sigmoid_derivative_wrong("1-s"),
     "you returned 1 - s(x)"),
    # chapter 4
    (checks.check_dense, dense_with("no bias"), "you forgot to add the bias b"),
    (checks.check_dense, dense_with("dW transposed"), "dW is transposed"),
    (checks.check_dense, dense_with("dW mean"), "dW is averaged over the batch"),
    (checks.check_dense, dense_with("dW first sample"), "dW uses only the first sample"),
    (checks.check_dense, dense_with("db not reduced"), "db still has one row per sample"),
    (checks.check_dense, dense_with("db mean"), "db is averaged over the batch"),
    (checks.check_dense, dense_with("db last sample"), "db uses only the last sample"),
    (checks.check_dense, dense_with("dx with W"), "uses W.T, not W"),
    (checks.check_dense, dense_with("grad_out in place"), "backward must not modify grad_out"),
    (checks.check_dense, DenseStale, "used the x of the first forward call"),
    (checks.check_backprop, backprop_skipping_activations,
     "forgetting the activation derivative"),
    (checks.check_backprop, backprop_seed_gradient, "times too large"),
    (checks.check_skip_connection, SkipOverwrite,
     "the fan-out gradients must be added, not overwritten"),
    (checks.check_skip_connection, SkipOnlyShortcut, "kept only the skip path's gradient"),
    (checks.check_skip_connection, SkipInPlace, "do not add into grad_out in place"),
    (checks.check_gradient_descent, descent_with("rebind"), "only rebinds a name"),
    (checks.check_gradient_descent, descent_with("plus"), "the loss goes up"),
    (checks.check_gradient_descent, descent_with("no lr"), "ignores the learning rate"),
    (checks.check_gradient_descent, descent_with("after"), "measured *after* each update"),
    # chapter 5
    (checks.check_relu, lambda x: np.max(x, 0), "np.max reduces an axis"),
    (checks.check_relu, relu_in_place, "you wrote into the input"),
    (checks.check_relu, bplib.relu_derivative, "you returned 1 where x > 0"),
    (checks.check_relu, lambda x: np.minimum(x, 0), "you kept the negative part"),
    (checks.check_relu_derivative, lambda x: (x >= 0).astype(float),
     "at x = 0 the book uses derivative 0"),
    (checks.check_relu_derivative, bplib.relu, "you returned relu(x)"),
    (checks.check_gradient_norms, lambda m, x, y: norms_ok(m, x, y)[::-1],
     "your list starts at the last layer"),
    (checks.check_gradient_norms, lambda m, x, y: np.square(norms_ok(m, x, y)),
     "these are squared norms"),
    (checks.check_gradient_norms,
     lambda m, x, y: [np.linalg.norm(l.W) for l in m.layers if isinstance(l, bplib.Dense)],
     "norms of the weights W"),
    (checks.check_gradient_norms,
     lambda m, x, y: [np.linalg.norm(l.dW) for l in m.layers if isinstance(l, bplib.Dense)],
     "all norms are 0"),
    # chapter 6
    (checks.check_minibatches, minibatches_with("no shuffle"), "original order"),
    (checks.check_minibatches, minibatches_with("separately"), "x and y rows no longer match"),
    (checks.check_minibatches, minibatches_with("drop last"), "the last, smaller batch is missing"),
    (checks.check_minibatches, minibatches_with("replace"), "some samples appear twice"),
    (checks.check_minibatches, minibatches_with("global"), "use order = rng.permutation"),
    (checks.check_minibatches, minibatches_with("fixed rng"), "use order = rng.permutation"),
    (checks.check_minibatches, minibatches_shuffle_in_place, "do not shuffle x in place"),
    (checks.check_train, train_with("full batch"), "you took one step per epoch"),
    (checks.check_train, train_with("no reshuffle"), "every epoch starts with the same batch"),
    (checks.check_train, train_with("last"), "you returned the last batch's loss"),
    (checks.check_train, train_with("sum"), "the sum of the batch losses"),
    (checks.check_train, train_per_batch, "you returned every batch's loss"),
]


@pytest.mark.parametrize("check, wrong, hint", HINTS,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(HINTS)])
def test_each_known_mistake_gets_its_hint(check, wrong, hint, capsys):
    check(wrong)
    out = capsys.readouterr()
    assert out.out.startswith(f"❌ {check.__name__}: test "), out.out
    assert hint in out.out, out.out
    assert out.out.count("\n") == 1 and "Traceback" not in out.out
    assert out.err == ""
    assert check.result(wrong).status == "wrong"


def test_needs_implementation_prints_one_line_for_a_stub(capsys):
    with checks.needs_implementation():
        stub()
    assert capsys.readouterr().out.startswith("⏳ not implemented yet")
    with checks.needs_implementation():
        broken()
    assert capsys.readouterr().out == "❌ this cell stopped: your code raised KeyError: 'oops'\n"
    with checks.needs_implementation():
        value = 1 + 1
    assert value == 2 and capsys.readouterr().out == ""


def test_checks_leave_numpy_and_warning_settings_alone():
    before = np.geterr()
    checks.check_sigmoid(lambda x: 1 / (1 + np.exp(-x)))
    assert np.geterr() == before

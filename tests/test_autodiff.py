"""bplib.autodiff: Value (reverse mode) and Dual (forward mode) against numerical derivatives.

The oracle is the central difference of bplib.numerical: it only ever evaluates the
forward computation (``.data``), so it shares nothing with ``backward``.
"""

import math

import numpy as np
import pytest

import bplib
from bplib import (
    Dual,
    Value,
    numerical_derivative,
    numerical_gradient,
    rel_error,
    topological_order,
    zero_grad,
)

# Binary building blocks for random expressions; values stay moderate whatever the inputs.
OPS = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b.tanh(),
    lambda a, b: a / (1.0 + b * b),
    lambda a, b: (0.5 * a).tanh() - b,
    lambda a, b: a.sigmoid() * b,
    lambda a, b: a.tanh().exp(),
    lambda a, b: (1.0 + a * a).log() + b,
    lambda a, b: (a * a + 1.0) ** 0.5,
    lambda a, b: 2.0 / (2.0 + b.sigmoid()) - a,
    lambda a, b: -a * 0.3 + b**2 * 0.1,
]


def random_program(seed, n_inputs=4, n_steps=14):
    """(inputs, steps): steps are (op index, i, j) over the list of nodes built so far."""
    rng = np.random.default_rng(seed)
    steps = []
    for step in range(n_steps):
        size = n_inputs + step
        steps.append((int(rng.integers(len(OPS))), *map(int, rng.integers(size, size=2))))
    return rng.normal(size=n_inputs), steps


def run(program_steps, inputs):
    """Run the program on numbers of any kind (Value, Dual); returns the sum of the last 3."""
    nodes = list(inputs)
    for op, i, j in program_steps:
        nodes.append(OPS[op](nodes[i], nodes[j]))
    return nodes[-1] + nodes[-2] + nodes[-3]


@pytest.mark.parametrize("seed", range(10))
def test_random_expressions_match_the_numerical_gradient(seed):
    x0, steps = random_program(seed)
    xs = [Value(v) for v in x0]
    out = run(steps, xs)
    out.backward()
    grad = np.array([x.grad for x in xs])
    numeric = numerical_gradient(lambda v: run(steps, [Value(t) for t in v]).data, x0)
    assert rel_error(grad, numeric) < 1e-8
    assert np.max(np.abs(grad - numeric) / np.maximum(1e-8, np.abs(numeric))) < 1e-6


@pytest.mark.parametrize("seed", range(10))
def test_dual_derivatives_equal_value_gradients(seed):
    x0, steps = random_program(seed)
    xs = [Value(v) for v in x0]
    out = run(steps, xs)
    out.backward()
    for k in range(len(x0)):
        duals = [Dual(v, 1.0 if i == k else 0.0) for i, v in enumerate(x0)]
        result = run(steps, duals)
        assert result.value == pytest.approx(out.data, rel=1e-14, abs=1e-14)
        assert result.derivative == pytest.approx(xs[k].grad, rel=1e-10, abs=1e-12)


UNARY = {
    "neg": lambda a: -a,
    "add float": lambda a: a + 2.5,
    "radd": lambda a: 2.5 + a,
    "sub float": lambda a: a - 2.5,
    "rsub": lambda a: 2.5 - a,
    "mul float": lambda a: a * -1.5,
    "rmul": lambda a: -1.5 * a,
    "div float": lambda a: a / 4.0,
    "rdiv": lambda a: 3.0 / a,
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "pow -1.5": lambda a: a**-1.5,
    "pow 0.5": lambda a: a**0.5,
    "pow 0": lambda a: a**0,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "maximum float": lambda a: a.maximum(1.0),
    "self times self": lambda a: a * a,
    "self over self plus one": lambda a: a / (a + 1.0),
}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("x0", [0.3, 1.7, 4.0])
def test_each_operation_matches_the_numerical_derivative(name, x0):
    f = UNARY[name]
    x = Value(x0)
    f(x).backward()
    numeric = numerical_derivative(lambda t: f(Value(t)).data, x0)
    assert x.grad == pytest.approx(numeric, rel=1e-7, abs=1e-9)
    assert f(Dual(x0, 1.0)).derivative == pytest.approx(x.grad, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("x0", [-40.0, -3.0, 0.0, 3.0, 40.0])
def test_sigmoid_is_stable_and_has_derivative_s_times_one_minus_s(x0):
    x = Value(x0)
    s = x.sigmoid()
    s.backward()
    assert s.data == pytest.approx(float(bplib.sigmoid(x0)), rel=1e-15)
    assert x.grad == pytest.approx(s.data * (1 - s.data), rel=1e-15)


def test_binary_operations_give_both_inputs_their_gradients():
    a, b = Value(3.0), Value(-2.0)
    cases = {  # op: (dout/da, dout/db)
        lambda: a + b: (1.0, 1.0),
        lambda: a - b: (1.0, -1.0),
        lambda: a * b: (-2.0, 3.0),
        lambda: a / b: (-0.5, -3.0 / 4.0),
        lambda: a.maximum(b): (1.0, 0.0),
        lambda: b.maximum(a): (1.0, 0.0),
    }
    for make, expected in cases.items():
        zero_grad(a), zero_grad(b)
        make().backward()
        assert (a.grad, b.grad) == pytest.approx(expected)


def test_fan_out_gradients_add_up():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0  # 2x, both uses of x count
    y = Value(3.0)
    (y + y + y).backward()
    assert y.grad == 3.0
    a, b = Value(2.0), Value(-4.0)
    (a * b + a).backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)  # d/da = b + 1


def test_diamond_graph():
    x = Value(1.5)
    left, right = x * 2.0, x + 3.0  # two paths from x ...
    out = left * right  # ... that meet again: out = 2x (x + 3)
    out.backward()
    assert x.grad == pytest.approx(4 * 1.5 + 6)
    assert (left.grad, right.grad) == (4.5, 3.0)
    assert topological_order(out).count(x) == 1


class AssignInsteadOfAdd(Value):
    """A broken engine: its _backward writes ``=`` where bplib writes ``+=``."""

    def _apply(self, data, op, *pairs):
        out = AssignInsteadOfAdd(data, [child for child, _ in pairs], op)

        def _backward():
            for child, local in pairs:
                child.grad = out.grad * local  # the bug
        out._backward = _backward
        return out


def test_assigning_instead_of_adding_loses_a_path():
    good_a, good_b = Value(2.0), Value(-4.0)
    (good_a * good_b + good_a).backward()
    bad_a, bad_b = AssignInsteadOfAdd(2.0), AssignInsteadOfAdd(-4.0)
    (bad_a * bad_b + bad_a).backward()
    assert good_a.grad == -3.0  # b + 1
    assert bad_a.grad == -4.0  # only b: the "+ a" path was overwritten
    assert bad_b.grad == good_b.grad == 2.0  # b is used once: no difference


def test_backward_accumulates_and_zero_grad_resets():
    x, w = Value(1.5), Value(-2.0)
    product = x * w
    product.backward()
    product.backward()  # no zeroing: leaves next to the root get their gradient twice
    assert (x.grad, w.grad) == (2 * -2.0, 2 * 1.5)
    x, w = Value(1.5), Value(-2.0)
    out = (x * w).tanh()
    out.backward()
    first = (x.grad, w.grad)
    out.backward()  # one level deeper: the product node kept its gradient too
    assert (x.grad, w.grad) == pytest.approx((3 * first[0], 3 * first[1]), rel=1e-15)
    assert out.grad == 1.0  # backward sets the root's gradient, it does not add
    zero_grad(out)
    assert all(node.grad == 0.0 for node in topological_order(out))
    out.backward()
    assert (x.grad, w.grad) == first


def test_a_new_graph_each_step_adds_to_the_parameters_until_zeroed():
    w = Value(0.5)
    grads = []
    for x0 in (1.0, 2.0, 3.0):  # three "steps", each with its own graph
        loss = (w * x0 - 1.0) ** 2
        loss.backward()
        grads.append(2 * (0.5 * x0 - 1.0) * x0)
    assert w.grad == pytest.approx(sum(grads))  # the sum of all three gradients


def test_backward_closure_adds_with_plus_equals():
    a, b = Value(2.0), Value(5.0)
    out = a * b
    out.grad = 1.0
    out._backward()
    out._backward()
    assert (a.grad, b.grad) == (10.0, 4.0)
    a._backward()  # a leaf's _backward does nothing
    assert (a.grad, b.grad) == (10.0, 4.0)


def test_graph_attributes():
    a, b = Value(2.0), Value(5.0)
    c = a * b
    assert (c._op, c._prev) == ("*", (a, b))
    assert (a._op, a._prev, a.grad) == ("", (), 0.0)
    assert isinstance(a.data, float) and isinstance(Value(3).data, float)
    assert [n._op for n in (a + b, a - b, a.exp(), a.log(), a.tanh(), a.sigmoid(),
                            a.relu(), a.maximum(b), a**2)][:2] == ["+", "+"]
    assert (a.exp()._op, a.maximum(b)._op, (a**2)._op) == ("exp", "max", "**2")


@pytest.mark.parametrize("seed", range(5))
def test_topological_order_puts_every_node_after_its_children(seed):
    x0, steps = random_program(seed, n_steps=30)
    out = run(steps, [Value(v) for v in x0])
    order = topological_order(out)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert order[-1] is out
    for node in order:
        for child in node._prev:
            assert position[child] < position[node]
    reachable, todo = set(), [out]  # and nothing reachable is missing
    while todo:
        node = todo.pop()
        if node not in reachable:
            reachable.add(node)
            todo.extend(node._prev)
    assert reachable == set(order)


def test_a_deep_chain_does_not_hit_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0001  # 5000 multiplications, 10,000 nodes with the constants
    y.backward()
    assert len(topological_order(y)) == 10001
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-12)
    zero_grad(y)
    assert x.grad == 0.0


def test_max_routes_the_gradient_and_ties_go_to_the_other_input():
    for a0, b0, expected in [(3.0, 1.0, (1.0, 0.0)), (1.0, 3.0, (0.0, 1.0)),
                             (2.0, 2.0, (0.0, 1.0))]:
        a, b = Value(a0), Value(b0)
        out = a.maximum(b) * 5.0
        out.backward()
        assert (a.grad, b.grad) == (5 * expected[0], 5 * expected[1])
        d = Dual(a0, 1.0).maximum(Dual(b0, 0.0)).derivative
        assert d == expected[0]


@pytest.mark.parametrize("x0", [-1.5, 0.0, 2.0])
def test_maximum_with_zero_is_relu(x0):
    x, y = Value(x0), Value(x0)
    x.maximum(0.0).backward()
    y.relu().backward()
    assert x.grad == y.grad == (1.0 if x0 > 0 else 0.0)  # derivative 0 at 0, as bplib.ReLU


def test_the_same_function_runs_on_dual_and_value():
    def f(x, y):
        return (x * y + x.exp()).tanh() / (1.0 + y * y) - x.relu() + x.maximum(y)

    x, y = Value(0.4), Value(-1.2)
    out = f(x, y)
    out.backward()
    dx = f(Dual(0.4, 1.0), Dual(-1.2)).derivative
    dy = f(Dual(0.4), Dual(-1.2, 1.0)).derivative
    assert (dx, dy) == pytest.approx((x.grad, y.grad), rel=1e-12)
    assert f(Dual(0.4), Dual(-1.2)).value == out.data


def test_numpy_scalars_are_numbers():
    assert Value(np.float64(2.0)).data == 2.0
    assert Value(np.int64(3)).data == 3.0
    assert Value(np.float32(0.5)).data == 0.5
    assert (Value(1.0) + np.float64(2.0)).data == 3.0


def test_repr_is_stable():
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(1 / 3)) == "Value(data=0.333333, grad=0.0)"
    assert repr(Value(-1e-8)) == "Value(data=-1e-08, grad=0.0)"
    assert repr(Dual(1.0, 2)) == "Dual(value=1.0, derivative=2.0)"


BAD_CALLS = [
    (lambda: Value("2.0"), TypeError, "Value: data must be a real number, got str"),
    (lambda: Value(1j), TypeError, "data must be a real number, got complex"),
    (lambda: Value(True), TypeError, "data must be a real number, got bool"),
    (lambda: Value(None), TypeError, "data must be a real number, got NoneType"),
    (lambda: Value(np.array([1.0])), TypeError, "data must be a real number, got ndarray"),
    (lambda: Value(math.nan), ValueError, "data must be finite, got nan"),
    (lambda: Value(math.inf), ValueError, "data must be finite, got inf"),
    (lambda: Value(1e200) * 1e200, ValueError, "data must be finite, got inf"),
    (lambda: Value(1.0) + "a", TypeError, "data must be a real number, got str"),
    (lambda: "a" + Value(1.0), TypeError, "data must be a real number, got str"),
    (lambda: Value(1.0) + Dual(1.0), TypeError, "data must be a real number, got Dual"),
    (lambda: Value(1.0) ** Value(2.0), TypeError, "k must be a finite int or float"),
    (lambda: Value(1.0) ** True, TypeError, "k must be a finite int or float"),
    (lambda: Value(-1.0) ** 0.5, ValueError, "no real value or derivative at x = -1"),
    (lambda: Value(0.0) ** -1, ValueError, "no real value or derivative at x = 0"),
    (lambda: Value(1000.0).exp(), ValueError, "Value.exp: exp\\(1000\\) overflows"),
    (lambda: Value(0.0).log(), ValueError, "Value.log: needs x > 0, got 0"),
    (lambda: Dual("1"), TypeError, "Dual: value must be a real number, got str"),
    (lambda: Dual(1.0, "d"), TypeError, "Dual: derivative must be a real number, got str"),
    (lambda: Dual(1.0) - "a", TypeError, "Dual: value must be a real number, got str"),
    (lambda: Dual(-2.0).log(), ValueError, "Dual.log: needs x > 0, got -2"),
    (lambda: topological_order(2.0), TypeError, "topological_order: root must be a Value"),
    (lambda: zero_grad([Value(1.0)]), TypeError, "zero_grad: root must be a Value, got list"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_gives_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()

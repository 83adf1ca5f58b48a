"""Exercise 4 (reverse mode on any graph): answers to check_topological_order,
check_backward and check_sin_gate."""

import math
import sys

import numpy as np

import bplib
from bplib import Value

# --- right answers ---------------------------------------------------------------------------


def topo_recursive(root):
    order, seen = [], set()

    def visit(v):
        if v not in seen:
            seen.add(v)
            for child in v._prev:
                visit(child)
            order.append(v)

    visit(root)
    return order


def topo_stack(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for child in node._prev:
            if child not in seen:
                stack.append((child, False))
    return order


def topo_kahn(root):
    nodes, todo = [], [root]
    seen = {root}
    while todo:  # collect every node
        v = todo.pop()
        nodes.append(v)
        for c in v._prev:
            if c not in seen:
                seen.add(c)
                todo.append(c)
    waiting = {v: len(set(v._prev)) for v in nodes}
    parents = {v: [] for v in nodes}
    for v in nodes:
        for c in set(v._prev):
            parents[c].append(v)
    ready = [v for v in nodes if waiting[v] == 0]
    order = []
    while ready:
        v = ready.pop()
        order.append(v)
        for p in parents[v]:
            waiting[p] -= 1
            if waiting[p] == 0:
                ready.append(p)
    return order


def topo_ids(root):
    order, visited = [], set()

    def build(v):
        if id(v) in visited:
            return
        visited.add(id(v))
        for child in v._prev:
            build(child)
        order.append(v)

    build(root)
    return order


def backward_with_own_topo(root):
    root.grad = 1.0
    for node in reversed(topo_recursive(root)):
        node._backward()


def backward_with_library_order(root):
    order = bplib.topological_order(root)
    order[-1].grad = 1.0
    for node in order[::-1]:
        node._backward()


def backward_returns_root(root):
    nodes = topo_stack(root)
    root.grad = 1
    for i in range(len(nodes) - 1, -1, -1):
        nodes[i]._backward()
    return root


def sin_closure(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += out.grad * math.cos(x.data)

    out._backward = _backward
    return out


def sin_keyword_children(x):
    out = Value(math.sin(x.data), _children=[x], _op="sin")
    local = math.cos(x.data)

    def backward():
        x.grad += local * out.grad

    out._backward = backward
    return out


def sin_lambda(x):
    out = Value(math.sin(x.data), (x,), "sin")
    out._backward = lambda: setattr(x, "grad", x.grad + out.grad * math.cos(x.data))
    return out


RIGHT = [
    ("check_topological_order", topo_recursive, "recursive post-order with a seen set"),
    ("check_topological_order", topo_stack, "explicit stack"),
    ("check_topological_order", topo_kahn, "Kahn's algorithm from the leaves"),
    ("check_topological_order", topo_ids, "visited set of id()"),
    ("check_topological_order", bplib.topological_order, "bplib.topological_order"),
    ("check_backward", backward_with_own_topo, "own topological order"),
    ("check_backward", backward_with_library_order, "bplib.topological_order, order[::-1]"),
    ("check_backward", backward_returns_root, "index loop, returns root"),
    ("check_sin_gate", sin_closure, "a closure with +="),
    ("check_sin_gate", sin_keyword_children, "keyword arguments, derivative computed early"),
    ("check_sin_gate", sin_lambda, "a lambda with setattr"),
]

def check_fresh_values(f, t, eps):
    x = Value(t)
    f(x).backward()
    a = x.grad
    b = (f(Value(t + eps)).data - f(Value(t - eps)).data) / (2 * eps)
    return 0.0 if a == b else abs(a - b) / (abs(a) + abs(b))


def check_with_helper(f, t, eps=1e-6):
    def value_at(s):
        return f(Value(s)).data

    x = Value(t)
    y = f(x)
    y.backward()
    numeric = (value_at(t + eps) - value_at(t - eps)) / (2 * eps)
    total = abs(x.grad) + abs(numeric)
    return abs(x.grad - numeric) / total if total else 0.0


def report_right():
    return {"square": "bug", "cube": "ok", "softsign": "bug", "relu": "kink"}


def report_built_up():
    labels = dict.fromkeys(["square", "cube", "softsign", "relu"], "ok")
    labels["square"] = labels["softsign"] = "bug"
    labels["relu"] = "kink"
    return labels


RIGHT = RIGHT + [
    ("check_value_gradient_check", check_fresh_values, "fresh Values, inline"),
    ("check_value_gradient_check", check_with_helper, "a helper for f's value"),
    ("check_bug_report", report_right, "a dict literal"),
    ("check_bug_report", report_built_up, "built up step by step"),
]


# --- wrong answers ---------------------------------------------------------------------------


def topo_no_seen_set(root):
    order = []

    def visit(v):
        for child in v._prev:
            visit(child)
        order.append(v)

    visit(root)
    return order


def topo_preorder(root):
    order, seen = [], set()

    def visit(v):
        if v not in seen:
            seen.add(v)
            order.append(v)
            for child in v._prev:
                visit(child)

    visit(root)
    return order


def topo_children_only(root):
    return [*root._prev, root]


def topo_without_root(root):
    return topo_recursive(root)[:-1]


def topo_set(root):
    return set(topo_recursive(root))


def topo_data(root):
    return [v.data for v in topo_recursive(root)]


def topo_mutable_default(root, order=[], seen=set()):  # noqa: B006 - the mistake under test
    def visit(v):
        if v not in seen:
            seen.add(v)
            for child in v._prev:
                visit(child)
            order.append(v)

    visit(root)
    return order


def topo_bfs(root):
    order, seen, queue = [], {root}, [root]
    while queue:
        v = queue.pop(0)
        order.append(v)
        for c in v._prev:
            if c not in seen:
                seen.add(c)
                queue.append(c)
    return order[::-1]


def topo_dedup_late(root):
    order = topo_no_seen_set(root)
    return list(dict.fromkeys(order))


def topo_prints(root):
    for v in topo_recursive(root):
        str(v)  # stands in for print(v): the order is shown, not returned


def topo_grad_attribute(root):
    return [v.grad for v in topo_recursive(root)]


def topo_recurses_on_root(root):
    order = []

    def visit(v):
        visit(root)  # calls itself on the same node
        order.append(v)

    visit(root)
    return order


def backward_forward_order(root):
    root.grad = 1.0
    for node in topo_recursive(root):
        node._backward()


def backward_no_seed(root):
    for node in reversed(topo_recursive(root)):
        node._backward()


def backward_root_only(root):
    root.grad = 1.0
    root._backward()


def backward_per_path(root):
    root.grad = 1.0

    def go(v):
        v._backward()
        for child in v._prev:
            go(child)

    go(root)


def backward_calls_library(root):
    root.backward()


def backward_mutable_default(root, topo=[]):  # noqa: B006 - the mistake under test
    visited = set()

    def build(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build(child)
            topo.append(v)

    build(root)
    root.grad = 1.0
    for v in reversed(topo):
        v._backward()


def backward_passes_grad(root):
    root.grad = 1.0
    for node in reversed(topo_recursive(root)):
        node._backward(node.grad)


def backward_zeroes_after(root):
    backward_with_own_topo(root)
    bplib.zero_grad(root)


def backward_seed_zero_grad_each(root):
    root.grad = 1.0
    for node in reversed(topo_recursive(root)):
        for child in node._prev:
            child.grad = 0.0
        node._backward()


def backward_exits(root):
    sys.exit()


def sin_assigns(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad = out.grad * math.cos(x.data)

    out._backward = _backward
    return out


def sin_forgets_out_grad(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += math.cos(x.data)

    out._backward = _backward
    return out


def sin_minus_cos(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += -out.grad * math.cos(x.data)

    out._backward = _backward
    return out


def sin_derivative_sin(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += out.grad * math.sin(x.data)

    out._backward = _backward
    return out


def sin_cos_of_output(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += out.grad * math.cos(out.data)

    out._backward = _backward
    return out


def sin_no_children(x):
    out = Value(math.sin(x.data))

    def _backward():
        x.grad += out.grad * math.cos(x.data)

    out._backward = _backward
    return out


def sin_closure_never_attached(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += out.grad * math.cos(x.data)

    return out


def sin_returns_float(x):
    return math.sin(x.data)


def sin_of_value(x):
    return Value(math.sin(x), (x,), "sin")


def sin_value_is_cos(x):
    out = Value(math.cos(x.data), (x,), "sin")

    def _backward():
        x.grad += out.grad * math.cos(x.data)

    out._backward = _backward
    return out


def sin_backward_with_argument(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward(grad):
        x.grad += grad * math.cos(x.data)

    out._backward = _backward
    return out


def sin_late_binding(x):
    global _LAST
    _LAST = x
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        _LAST.grad += out.grad * math.cos(_LAST.data)  # the latest x, not this one

    out._backward = _backward
    return out


_LAST = None


def check_divides_by_eps(f, t, eps):
    x = Value(t)
    f(x).backward()
    a = x.grad
    b = (f(Value(t + eps)).data - f(Value(t - eps)).data) / eps  # the points are 2 eps apart
    return 0.0 if a == b else abs(a - b) / (abs(a) + abs(b))


def check_zero_over_zero(f, t, eps):
    x = Value(t)
    f(x).backward()
    a = x.grad
    b = (f(Value(t + eps)).data - f(Value(t - eps)).data) / (2 * eps)
    return abs(a - b) / (abs(a) + abs(b))  # ZeroDivisionError when both are 0


def check_nan_when_both_zero(f, t, eps):
    x = Value(t)
    f(x).backward()
    a = np.float64(x.grad)
    b = (f(Value(t + eps)).data - f(Value(t - eps)).data) / (2 * eps)
    with np.errstate(invalid="ignore"):
        return float(np.abs(a - b) / (np.abs(a) + np.abs(b)))


def sin_cos_of_the_value(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += out.grad * math.cos(x)  # x is the Value, not its number

    out._backward = _backward
    return out


def sin_times_out_data(x):
    out = Value(math.sin(x.data), (x,), "sin")

    def _backward():
        x.grad += out.data * math.cos(x.data)  # out.data instead of out.grad

    out._backward = _backward
    return out


WRONG = [
    ("check_topological_order", topo_no_seen_set, "more than once",
     "no visited set: shared nodes twice"),
    ("check_topological_order", topo_preorder, "starts at the root", "node before children"),
    ("check_topological_order", topo_children_only, "only the root and its direct children",
     "one level only"),
    ("check_topological_order", topo_without_root, "the root itself is missing",
     "sliced the root off"),
    ("check_topological_order", topo_set, "a set, which has no order", "returned a set"),
    ("check_topological_order", topo_data, "not their .data", "a list of floats"),
    ("check_topological_order", topo_mutable_default, "not in this graph",
     "visited=set() as a default argument"),
    ("check_topological_order", topo_bfs, "comes before its child",
     "breadth-first order, reversed"),
    ("check_topological_order", topo_dedup_late, "2^30 paths",
     "no visited set, duplicates removed at the end"),
    ("check_topological_order", topo_prints, "forget to `return`", "printed instead"),
    ("check_topological_order", topo_grad_attribute, "not their .data or .grad",
     "a list of grads"),
    ("check_topological_order", topo_recurses_on_root, "calls itself on the same node",
     "recursion on the root again"),
    ("check_backward", backward_forward_order, "reverse topological order (root first)",
     "topological order, not reversed"),
    ("check_backward", backward_no_seed, "set root.grad = 1.0", "root.grad never set"),
    ("check_backward", backward_root_only, "only the root's direct children",
     "root._backward() only"),
    ("check_backward", backward_per_path, "once per path", "recursion without topo order"),
    ("check_backward", backward_calls_library, "you called root.backward()",
     "root.backward()"),
    ("check_backward", backward_mutable_default, "mutable default argument",
     "topo=[] as a default argument"),
    ("check_backward", backward_passes_grad, "takes no arguments",
     "node._backward(node.grad)"),
    ("check_backward", backward_zeroes_after, "do not zero the gradients afterwards",
     "zero_grad after the sweep"),
    ("check_backward", backward_seed_zero_grad_each, "gradient of a node",
     "zeroes the children before each _backward"),
    ("check_backward", backward_exits, "sys.exit()", "sys.exit()"),
    ("check_sin_gate", sin_assigns, "not x.grad = ...", "= instead of +="),
    ("check_sin_gate", sin_forgets_out_grad, "multiplied by out.grad", "no out.grad"),
    ("check_sin_gate", sin_minus_cos, "+cos, not -cos", "-cos"),
    ("check_sin_gate", sin_derivative_sin, "cos, not sin", "derivative sin"),
    ("check_sin_gate", sin_cos_of_output, "not of the output", "cos(out.data)"),
    ("check_sin_gate", sin_no_children, "does not list x among its children",
     "Value(math.sin(x.data)) without children"),
    ("check_sin_gate", sin_closure_never_attached, "attach your closure",
     "_backward defined but not attached"),
    ("check_sin_gate", sin_returns_float, "you returned a number", "returns math.sin"),
    ("check_sin_gate", sin_of_value, "math.sin takes a number", "math.sin(x) of the Value"),
    ("check_sin_gate", sin_value_is_cos, "out.data is cos(x)", "value cos, not sin"),
    ("check_sin_gate", sin_backward_with_argument, "takes no arguments",
     "_backward(grad) with a parameter"),
    ("check_sin_gate", sin_late_binding, "does each closure use its own x",
     "the closure reads a global x"),
    ("check_value_gradient_check", check_divides_by_eps, "instead of 2 eps",
     "central difference divided by eps"),
    ("check_value_gradient_check", check_zero_over_zero, "return 0 when a == b",
     "no special case: ZeroDivisionError"),
    ("check_value_gradient_check", check_nan_when_both_zero, "NaN",
     "numpy floats: NaN when both are 0"),
    ("check_sin_gate", sin_cos_of_the_value, "math.cos(x.data), not math.cos(x)",
     "math.cos of the Value"),
    ("check_sin_gate", sin_times_out_data, "multiplied by out.data", "out.data for out.grad"),
]


def check_absolute(f, t, eps):
    x = Value(t)
    f(x).backward()
    return abs(x.grad - (f(Value(t + eps)).data - f(Value(t - eps)).data) / (2 * eps))


def check_same_x_twice(f, t, eps):
    x = Value(t)
    f(x).backward()
    f(x).backward()  # "to be sure": the gradients add up
    b = (f(Value(t + eps)).data - f(Value(t - eps)).data) / (2 * eps)
    return abs(x.grad - b) / (abs(x.grad) + abs(b))


def check_forward_difference(f, t, eps):
    x = Value(t)
    f(x).backward()
    b = (f(Value(t + eps)).data - f(Value(t)).data) / eps
    return abs(x.grad - b) / (abs(x.grad) + abs(b))


def check_forgets_backward(f, t, eps):
    x = Value(t)
    f(x)
    b = (f(Value(t + eps)).data - f(Value(t - eps)).data) / (2 * eps)
    return abs(x.grad - b) / (abs(x.grad) + abs(b))


def check_verdict(f, t, eps):
    return check_fresh_values(f, t, eps) < 1e-6


def check_pair(f, t, eps):
    x = Value(t)
    f(x).backward()
    return x.grad, (f(Value(t + eps)).data - f(Value(t - eps)).data) / (2 * eps)


def check_plain_floats(f, t, eps):
    return abs((f(t + eps) - f(t - eps)) / (2 * eps))


def report_square_ok():
    return {"square": "ok", "cube": "ok", "softsign": "bug", "relu": "kink"}


def report_relu_bug():
    return {"square": "bug", "cube": "ok", "softsign": "bug", "relu": "bug"}


def report_softsign_ok():
    return {"square": "bug", "cube": "ok", "softsign": "ok", "relu": "kink"}


def report_cube_bug():
    return {"square": "bug", "cube": "bug", "softsign": "bug", "relu": "kink"}


def report_missing_relu():
    return {"square": "bug", "cube": "ok", "softsign": "bug"}


def report_booleans():
    return {"square": False, "cube": True, "softsign": False, "relu": True}


def report_list():
    return ["square", "softsign"]


WRONG = WRONG + [
    ("check_value_gradient_check", check_absolute, "divide it by |a| + |b|",
     "absolute difference"),
    ("check_value_gradient_check", check_same_x_twice, "called backward() twice",
     "backward twice through one x"),
    ("check_value_gradient_check", check_forward_difference, "forward difference",
     "one-sided difference"),
    ("check_value_gradient_check", check_forgets_backward, "call f(x).backward()",
     "never ran backward"),
    ("check_value_gradient_check", check_verdict, "returned a bool", "a verdict"),
    ("check_value_gradient_check", check_pair, "returned a tuple", "both numbers"),
    ("check_value_gradient_check", check_plain_floats, "f takes a Value",
     "calls f on floats"),
    ("check_bug_report", report_square_ok, "uses x twice", "missed the = bug"),
    ("check_bug_report", report_relu_bug, "a kink, not a bug", "relu's kink called a bug"),
    ("check_bug_report", report_softsign_ok, "at a negative x", "missed the sign bug"),
    ("check_bug_report", report_cube_bug, "it is right", "cube called a bug"),
    ("check_bug_report", report_missing_relu, "no label for relu", "a gate left out"),
    ("check_bug_report", report_booleans, "'ok', 'bug' or 'kink'", "True/False labels"),
    ("check_bug_report", report_list, "return a dict", "a list of the buggy gates"),
]

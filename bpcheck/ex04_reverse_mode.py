"""Checks of Exercise 4: reverse mode on any graph (bplib.Value)."""

import math

from bplib.autodiff import Value, topological_order, zero_grad

from .engine import CallCounter, Wrong, as_answer, check_signature, make_check

# --- graphs ------------------------------------------------------------------------------------


def _neuron():
    x1, x2, w1, w2, b = (Value(v) for v in (2.0, 0.0, -3.0, 1.0, 4.5))
    return (x1 * w1 + x2 * w2 + b).sigmoid()


def _fan_out():
    a, b = Value(3.0), Value(-4.0)
    return a * b + a


def _diamond():
    a = Value(1.5)
    h = a.tanh()  # an inner node used twice: its share must be complete before it passes on
    left, right = h * 2.0, h + 3.0
    return (left * right).tanh()


def _chain(n=120):
    x = Value(0.3)
    node = x
    for i in range(n):
        node = node * 1.001 + 0.001 if i % 2 else (node * 0.5).tanh() + node
    return node


def _ladder(n=30):
    """n diamonds in a row: every node feeds two nodes that meet again."""
    node = Value(0.9)
    for _ in range(n):
        node = (node * 0.5) + (node * 0.5).tanh()
    return node


def _shared_leaf_twice():
    x = Value(0.4)
    y = x * x  # the same Value twice in one node's children
    return y * x


GRAPHS = {
    "a sigmoid neuron": _neuron,
    "a value used twice (a * b + a)": _fan_out,
    "a diamond (a feeds two nodes that meet again)": _diamond,
    "x * x: one child listed twice": _shared_leaf_twice,
    "a chain of 120 steps (300 nodes deep)": _chain,
    "30 diamonds in a row (2^30 paths)": _ladder,
}

_LADDER_TIMEOUT = (
    "30 diamonds in a row have 2^30 paths from the root to the input: visiting a node once "
    "per path never ends. Keep a set of the nodes you have visited and skip them."
)


def _value_list(answer, what):
    if answer is None:
        raise Wrong(f"{what} is None: did you forget to `return` the list?")
    if isinstance(answer, (set, frozenset)):
        raise Wrong("you returned a set, which has no order: return a list, inputs first "
                    "and the root last.")
    if isinstance(answer, dict):
        raise Wrong("you returned a dict: return a list of the Values, inputs first.")
    try:
        items = list(answer)
    except TypeError:
        raise Wrong(f"return a list of Values, got a {type(answer).__name__}.") from None
    if any(not isinstance(v, Value) for v in items):
        kind = next(type(v).__name__ for v in items if not isinstance(v, Value))
        raise Wrong(f"your list holds a {kind}: return the Value objects themselves, not "
                    "their .data or .grad.")
    return items


def _check_order(items, root):
    reference = topological_order(root)
    reachable = {id(v) for v in reference}
    ids = [id(v) for v in items]
    if len(ids) != len(set(ids)):
        raise Wrong("a node appears more than once in your list: a node used by two others "
                    "is reached twice. Keep a set of visited nodes and add each node once.")
    missing = [v for v in reference if id(v) not in set(ids)]
    extra = [v for v in items if id(v) not in reachable]
    if extra:
        raise Wrong(f"your list holds {len(extra)} node(s) that are not in this graph: a list "
                    "or set kept from an earlier call (a mutable default argument such as "
                    "visited=set(), or a global)? Create them inside the function.")
    if missing:
        if len(items) == 1 + len(root._prev) or all(
                v is root or any(v is c for c in root._prev) for v in items):
            raise Wrong("your list holds only the root and its direct children: visit the "
                        "children's children too (recursively, or with a stack).")
        if id(root) not in set(ids):
            raise Wrong("the root itself is missing: it comes last in the order.")
        raise Wrong(f"{len(missing)} of the {len(reference)} nodes are missing: visit every "
                    "child in each node's _prev.")
    position = {id(v): k for k, v in enumerate(items)}
    if items and items[0] is root and len(items) > 1:
        raise Wrong("your list starts at the root: the order must put every node after its "
                    "children (inputs first, root last); reverse it, or append a node after "
                    "its children instead of before.")
    for v in items:
        for child in v._prev:
            if position[id(child)] > position[id(v)]:
                raise Wrong(f"a node (op {v._op!r}) comes before its child (op "
                            f"{child._op or 'input'!r}): append a node only after all its "
                            "children are in the list (post-order).")


@make_check(7)
def check_topological_order(run, fn):
    """Check ``fn(root)``: every Value reachable from root, once each, after its children.

    Graphs: a neuron, a fan-out, a diamond, a node with one child twice, a chain 300 nodes
    deep, 30 diamonds in a row, and the neuron again (nothing may carry over).
    """
    check_signature(fn, ("root",), "fn(root)")
    cases = [*GRAPHS.items(), ("the neuron again (nothing may carry over)", _neuron)]
    for what, build in cases:
        run.next(what)
        root = build()
        answer = run.call(fn, root, context="(called as fn(root))", hints=(
            (RecursionError, None, "a recursive search recurses once per level of a chain; "
             "300 levels are fine, so your function probably calls itself on the same node "
             "again: recurse on the children in node._prev."),
            (AttributeError, "_prev", "the children of a Value are in node._prev (a tuple)."),
            (TypeError, "unhashable", "a Value can go into a set (it hashes by identity): "
             "put the Value itself in the set, not a list."),
        ), timeout_hint=_LADDER_TIMEOUT)
        items = _value_list(answer, "your order")
        _check_order(items, root)


# --- backward -----------------------------------------------------------------------------------


def _grads(root):
    return [v.grad for v in topological_order(root)]


def _reference_grads(build):
    root = build()
    root.backward()
    return _grads(root)


def _simulate(build, mistake):
    """The grads a known wrong backward leaves (None when it cannot run)."""
    root = build()
    order = topological_order(root)
    if mistake == "forward order":
        root.grad = 1.0
        for v in order:
            v._backward()
    elif mistake == "no seed":
        for v in reversed(order):
            v._backward()
    elif mistake == "root only":
        root.grad = 1.0
        root._backward()
    elif mistake == "per path":
        def visit(v):
            v._backward()
            for child in v._prev:
                visit(child)
        root.grad = 1.0
        try:
            visit(root)
        except RecursionError:
            return None
    elif mistake == "twice":
        root.grad = 1.0
        for v in reversed(order):
            v._backward()
        for v in reversed(order):
            v._backward()
    elif mistake == "seed 0.5":
        root.grad = 0.5
        for v in reversed(order):
            v._backward()
    return _grads(root)


_VARIANTS = [
    ("root only", "only the root's direct children got gradients: run the _backward of every "
     "node, in reverse topological order (root first), not only the root's."),
    ("forward order", "you ran the _backward functions inputs first: a node may hand on its "
     "gradient only when its own grad is complete. Walk the topological order in reverse, "
     "root first."),
    ("no seed", "every gradient is 0: set root.grad = 1.0 (d root / d root) before running "
     "the _backward functions, and do not zero the gradients afterwards."),
    ("per path", "a node used by two others ran its _backward once per path, so its share "
     "was handed on twice: run each node's _backward exactly once, in reverse topological "
     "order."),
    ("twice", "every gradient is twice too large: you ran the backward sweep twice (or "
     "called root.backward() and then your own loop)."),
]


def _close(a, b):
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(a, b))


@make_check(6)
def check_backward(run, fn):
    """Check ``fn(root)``: fill in ``.grad`` of every node, d root / d node, in one sweep.

    Gradients are compared with ``root.backward()`` on an identical graph; the library's
    ``root.backward()`` itself may not be called. The last test zeroes the neuron's
    gradients and calls fn again: the gradients must come out the same.
    """
    check_signature(fn, ("root",), "fn(root)")
    cases = [(what, build) for what, build in GRAPHS.items() if build is not _ladder]
    for what, build in cases:
        run.next(what)
        root = build()
        with CallCounter(root, "backward") as library:
            answer = run.call(fn, root, context="(called as fn(root))", hints=(
                (RecursionError, None, "a recursive walk down a chain 300 nodes deep is "
                 "fine; deeper recursion means your function revisits nodes: build the "
                 "topological order once, then loop over it in reverse."),
                (TypeError, "'float' object is not callable", "_backward is a function "
                 "stored on the node: call it as node._backward(), with no arguments."),
                (TypeError, "takes 0 positional arguments", "node._backward() takes no "
                 "arguments: it reads the node's own grad."),
            ), timeout_hint="a node used by two others that runs its _backward once per "
               "path (a recursive walk without a topological order) takes 2^depth steps on "
               "this chain: build the topological order once and run each node's _backward "
               "exactly once, in reverse.")
        if library.calls:
            raise Wrong("you called root.backward(), the library's own sweep: write the "
                        "loop yourself (root.grad = 1.0, then each node's _backward in "
                        "reverse topological order).")
        _ = answer  # the result is the gradients on the nodes; a return value is ignored
        mine, expected = _grads(root), _reference_grads(build)
        if _close(mine, expected):
            continue
        for mistake, hint in _VARIANTS:
            simulated = _simulate(build, mistake)
            if simulated is not None and _close(mine, simulated) and not _close(
                    simulated, expected):
                raise Wrong(hint)
        if root.grad != 1.0:
            raise Wrong(f"root.grad is {root.grad:g} after your backward: it must be 1.0, "
                        "d root / d root, set before the sweep.")
        if all(g == 0 for g in mine[:-1]):
            raise Wrong("no node but the root has a gradient: call node._backward() for "
                        "every node, in reverse topological order.")
        worst = max(range(len(mine)), key=lambda k: abs(mine[k] - expected[k]))
        node = topological_order(root)[worst]
        raise Wrong(f"the gradient of a node (op {node._op or 'input'!r}, data "
                    f"{node.data:.6g}) is {mine[worst]:.6g}, expected {expected[worst]:.6g}: "
                    "run each node's _backward exactly once, in reverse topological "
                    "order, after root.grad = 1.0.")
    run.next("the neuron again, after zero_grad (nothing may carry over)")
    root = _neuron()
    run.call(fn, root, context="(called as fn(root))")
    zero_grad(root)
    run.call(fn, root, context="(called as fn(root))")
    mine, expected = _grads(root), _reference_grads(_neuron)
    if not _close(mine, expected):
        twice = [2 * g for g in expected]
        if _close(mine, twice):
            raise Wrong("the second call doubled the gradients: your function keeps a list "
                        "from the first call (a mutable default argument such as topo=[], "
                        "or a global) and ran every _backward twice. Build the order "
                        "afresh in every call.")
        raise Wrong("the second call on a zeroed graph gave other gradients than the first: "
                    "something carries over between calls, such as a list kept from the "
                    "first call (a mutable default argument like topo=[], or a global). "
                    "Build the order afresh in every call.")


# --- a new gate ------------------------------------------------------------------------------


def _gate_hints():
    return (
        (AttributeError, "'float' object has no attribute", "the input x is a Value: its "
         "number is x.data, and the result must be a Value too, Value(math.sin(x.data), "
         "(x,), 'sin')."),
        (TypeError, "must be real number, not Value", "math.sin takes a number: pass "
         "x.data, not the Value x."),
        (TypeError, "Value", "Value(data, children, op): data is a float such as "
         "math.sin(x.data), children a tuple of Values such as (x,)."),
    )


@make_check(4)
def check_sin_gate(run, fn):
    """Check ``fn(x)``: a new gate, sin, for a Value x, with its own ``_backward`` closure.

    The result is a Value with data sin(x.data), child x, and a ``_backward`` that *adds*
    out.grad * cos(x.data) into x.grad. Tested alone, with x.grad already holding 5.0 and
    out.grad = 2.0, and inside graphs where x is used more than once.
    """
    check_signature(fn, ("x",), "fn(x)")
    run.next("the Value it returns, at x = 0.7")
    x = Value(0.7)
    out = run.call(fn, x, context="(called as fn(Value(0.7)))", hints=_gate_hints())
    if isinstance(out, (int, float)):
        raise Wrong("you returned a number; return a Value, so the graph remembers how it "
                    "was computed: out = Value(math.sin(x.data), (x,), 'sin').")
    if not isinstance(out, Value):
        raise Wrong(f"return a Value, got a {type(out).__name__}.")
    if not math.isclose(out.data, math.sin(0.7), rel_tol=1e-12):
        if math.isclose(out.data, math.cos(0.7), rel_tol=1e-12):
            raise Wrong("out.data is cos(x): the gate's value is sin(x.data); cos belongs "
                        "in the backward closure.")
        raise Wrong(f"out.data is {out.data:.6g}, expected sin(0.7) = {math.sin(0.7):.6g}.")
    if not any(child is x for child in out._prev):
        raise Wrong("the result does not list x among its children: create it as "
                    "Value(math.sin(x.data), (x,), 'sin'), so the backward sweep reaches x.")

    run.next("out._backward() with x.grad = 5.0 and out.grad = 2.0")
    x = Value(0.7)
    out = run.call(fn, x, context="(called as fn(Value(0.7)))", hints=_gate_hints())
    x.grad, out.grad = 5.0, 2.0
    run.call(out._backward, context="(called as out._backward())", hints=(
        (TypeError, "positional argument", "out._backward() takes no arguments: it reads "
         "out.grad and x.data from the enclosing function (a closure)."),
        (TypeError, "must be real number, not Value", "math.cos takes a number: write "
         "math.cos(x.data), not math.cos(x)."),
    ))
    got, c, s = x.grad, math.cos(0.7), math.sin(0.7)
    expected = 5.0 + 2.0 * c
    if not math.isclose(got, expected, rel_tol=1e-12):
        known = [
            (2.0 * c, "x.grad lost the 5.0 it already held: write x.grad += ..., not "
             "x.grad = ...: a Value used twice receives a share from each user."),
            (5.0 + c, "the local derivative must be multiplied by out.grad (the chain "
             "rule): x.grad += out.grad * math.cos(x.data)."),
            (c, "x.grad = cos(x) both overwrites the share already there and forgets "
             "out.grad: x.grad += out.grad * math.cos(x.data)."),
            (5.0 - 2.0 * c, "the derivative of sin is +cos, not -cos."),
            (5.0 + 2.0 * s, "the derivative of sin is cos, not sin."),
            (5.0 + 2.0 * math.cos(s), "the derivative is cos of the *input*, "
             "math.cos(x.data), not of the output out.data."),
            (5.0, "out._backward() did not change x.grad: attach your closure to the result "
             "(out._backward = _backward) and make it add into x.grad."),
            (5.0 + 2.0 * c * 2.0, "the gradient was added twice: add it once."),
            (5.0 + s * c, "you multiplied by out.data, the gate's value sin(x); the chain "
             "rule multiplies by out.grad: x.grad += out.grad * math.cos(x.data)."),
        ]
        for value, hint in known:
            if math.isclose(got, value, rel_tol=1e-12, abs_tol=1e-15):
                raise Wrong(hint)
        raise Wrong(f"x.grad is {got:.6g} after out._backward(), expected 5 + 2 cos(0.7) = "
                    f"{expected:.6g}.")

    for what, build, derivative in [
        ("y = sin(x) * x + sin(x), x = 0.7",
         lambda g, x: g(x) * x + g(x),
         lambda t: math.cos(t) * t + math.sin(t) + math.cos(t)),
        ("y = sin(sin(x)) + x, x = -1.2 (called twice in one graph)",
         lambda g, x: g(g(x)) + x,
         lambda t: math.cos(math.sin(t)) * math.cos(t) + 1.0),
    ]:
        run.next(what)
        t = 0.7 if "0.7" in what else -1.2
        x = Value(t)
        with run.guard("(in a graph built with your gate)", hints=_gate_hints()):
            y = build(fn, x)
            y.backward()
        if not math.isclose(x.grad, derivative(t), rel_tol=1e-9):
            raise Wrong(f"d y / d x is {x.grad:.6g}, expected {derivative(t):.6g}: the gate "
                        "alone works, so look at what differs in a graph (several gates "
                        "at once: does each closure use its own x and out?).")


# --- a gradient check of Value code, and a bug hunt with it ---------------------------------


def _scalar_rel(a, b):
    return 0.0 if a == b else abs(a - b) / (abs(a) + abs(b))


def _reference_check(f, t, eps):
    x = Value(t)
    f(x).backward()
    numeric = (f(Value(t + eps)).data - f(Value(t - eps)).data) / (2 * eps)
    return _scalar_rel(x.grad, numeric)


def _wrong_square(x):
    """x ** 2 whose closure assigns instead of adding (shows only when x is used twice)."""
    out = Value(x.data**2, (x,), "square")

    def _backward():
        x.grad = out.grad * 2 * x.data

    out._backward = _backward
    return out


_CHECK_CASES = [
    ("f(x) = x.tanh() * x at t = 0.8 (right)", lambda x: x.tanh() * x, 0.8, False),
    ("f(x) = x * x * x at t = -1.3 (right)", lambda x: x * x * x, -1.3, False),
    ("f(x) = square(x) + x with a square gate that assigns, t = 0.5",
     lambda x: _wrong_square(x) + x, 0.5, True),
    ("f(x) = x.exp() * x at t = 0.3, called a second time", lambda x: x.exp() * x, 0.3, False),
    ("f(x) = x.relu() at t = -0.5 (right; both numbers are 0)", lambda x: x.relu(), -0.5,
     False),
]


@make_check(5)
def check_value_gradient_check(run, fn):
    """Check ``fn(f, t, eps)``: the relative error between reverse mode and a central difference.

    ``f`` maps one Value to a Value. The answer is |a - b| / (|a| + |b|) (0 when both are 0),
    a = d f / d x at x = Value(t) from ``backward()``, b = (f(t + eps) - f(t - eps)) / (2 eps)
    computed on fresh Values.
    """
    check_signature(fn, ("f", "t", "eps"), "fn(f, t, eps)")
    eps = 1e-4  # a forward difference's error (about 1e-4) shows; a central one's does not
    for what, f, t, buggy in _CHECK_CASES:
        run.next(what)
        answer = run.call(fn, f, t, eps, context="(called as fn(f, t, eps=1e-4))", hints=(
            (TypeError, "unsupported operand", "f takes a Value: build x = Value(t) (and "
             "Value(t + eps), Value(t - eps)); take the number of a result from .data."),
            (AttributeError, "'float' object has no attribute", "f takes a Value: build "
             "x = Value(t) and call f(x); the numbers are .data and .grad."),
            (ZeroDivisionError, None, "where both numbers are 0 (relu at t < 0), "
             "|a - b| / (|a| + |b|) divides 0 by 0: return 0 when a == b."),
        ))
        if isinstance(answer, (bool,)):
            raise Wrong("you returned a bool (the verdict); return the relative error itself, "
                        "a number.")
        if isinstance(answer, Value):
            raise Wrong("you returned a Value; return the relative error as a float.")
        if isinstance(answer, tuple):
            raise Wrong("you returned a tuple; return one number, the relative error "
                        "|a - b| / (|a| + |b|).")
        array = as_answer(answer, "the relative error")
        if array.shape != ():
            raise Wrong(f"return one number, the relative error; got shape {array.shape}.")
        value = float(array)
        if math.isnan(value):
            raise Wrong("your error is NaN: where both numbers are 0 (relu at t < 0), "
                        "|a - b| / (|a| + |b|) is 0 / 0. Return 0 when a == b.")
        expected = _reference_check(f, t, eps)
        x = Value(t)
        f(x).backward()
        a = x.grad
        b = (f(Value(t + eps)).data - f(Value(t - eps)).data) / (2 * eps)
        forward = (f(Value(t + eps)).data - f(Value(t)).data) / eps
        if buggy:
            if math.isclose(value, expected, rel_tol=1e-3):
                continue
            if math.isclose(value, abs(a - b), rel_tol=1e-3):
                raise Wrong("that is |a - b| without the right denominator: divide it by "
                            "|a| + |b| (both numbers, not |a| alone) to get the relative "
                            "error.")
            if value < 1e-6:
                raise Wrong("your check passes a gate whose closure assigns (=) instead of "
                            "adding: is your reverse-mode number read from x.grad after "
                            "f(x).backward(), with f applied to x itself?")
            raise Wrong(f"for this buggy f the relative error is {expected:.3g}; yours is "
                        f"{value:.3g}.")
        if not value < 1e-6:
            if math.isclose(value, _scalar_rel(2 * a, b), rel_tol=1e-3):
                raise Wrong("one of your two numbers is twice the other: either you called "
                            "backward() twice on the same x (gradients add up; build a fresh "
                            "Value for each backward), or you divided the central difference "
                            "by eps instead of 2 eps (t - eps and t + eps are 2 eps apart).")
            if math.isclose(value, _scalar_rel(a, forward), rel_tol=1e-2):
                raise Wrong("that is the error of a forward difference; use the central "
                            "difference (f(t + eps) - f(t - eps)) / (2 eps).")
            if math.isclose(value, _scalar_rel(0.0, b), rel_tol=1e-6) or value == 1.0:
                raise Wrong("your reverse-mode number is 0: call f(x).backward() before "
                            "reading x.grad.")
            raise Wrong(f"for a right f the error should be about 1e-10 or less; yours is "
                        f"{value:.3g}.")


BUG_REPORT = {"square": "bug", "cube": "ok", "softsign": "bug", "relu": "kink"}
_BUG_HINTS = {
    ("square", "ok"): "square passes alone, but its closure writes x.grad = ...: check it "
    "in a graph that uses x twice, such as square(x) + x.",
    ("square", "kink"): "square(x) = x^2 has no kink; check it in a graph that uses x "
    "twice, such as square(x) + x.",
    ("cube", "bug"): "cube agrees with central differences at every point and in every "
    "graph: it is right.",
    ("cube", "kink"): "x^3 is smooth everywhere: no kink.",
    ("softsign", "ok"): "softsign looks right for x > 0; check it at a negative x.",
    ("softsign", "kink"): "softsign(x) = x / (1 + |x|) is smooth at 0 (both one-sided "
    "slopes are 1): its error at negative x is a bug in the derivative.",
    ("relu", "bug"): "at t = 0 the central difference averages the slopes 0 and 1 and gives "
    "0.5, while reverse mode gives 0: that is a kink, not a bug. Away from 0 the two agree.",
    ("relu", "ok"): "at t = 0 the two numbers disagree (0.5 against 0); answer 'kink' for a "
    "disagreement that comes from the kink, not from the code.",
}


@make_check(2)
def check_bug_report(run, fn):
    """Check ``fn()``: a dict naming each gate of the bug hunt "ok", "bug" or "kink"."""
    check_signature(fn, (), "fn()")
    run.next("the labels")
    answer = run.call(fn, context="(called as fn())")
    if not isinstance(answer, dict):
        raise Wrong(f"return a dict such as {{'square': 'ok', ...}}, got a "
                    f"{type(answer).__name__}.")
    missing = sorted(set(BUG_REPORT) - set(answer))
    if missing:
        raise Wrong(f"your dict has no label for {', '.join(missing)}: label all four "
                    "gates.")
    for gate, label in answer.items():
        if label not in ("ok", "bug", "kink"):
            raise Wrong(f"label {gate!r} with 'ok', 'bug' or 'kink', not {label!r}.")
    run.next("each gate")
    for gate, right in BUG_REPORT.items():
        label = answer[gate]
        if label != right:
            raise Wrong(_BUG_HINTS.get((gate, label), f"{gate} is not {label!r}."))

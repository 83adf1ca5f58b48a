"""Checks of Exercise 2: the numerical gradient of a whole network."""

import numpy as np

from bplib.activations import Sigmoid
from bplib.gradcheck import backprop_gradients, numerical_gradients, rel_error
from bplib.layers import Dense
from bplib.losses import MSE
from bplib.network import Sequential

from .engine import Wrong, check_signature, compare, is_generic, make_check, snapshot
from .engine import seeded_rng as _rng

_SIZES = ([3, 4, 2], [10, 32, 32, 2], [784, 100, 10], [5, 1])


@make_check(5)
def check_count_parameters(run, fn):
    """Check ``fn(sizes)``: the number of weights and biases of Dense layers of these sizes.

    The last test calls it again on the first list, which must be unchanged afterwards.
    """
    check_signature(fn, ("sizes",), "fn(sizes)")
    for sizes in (*_SIZES, _SIZES[0]):
        run.next(f"sizes = {sizes}" + (", again" if run.test == len(_SIZES) else ""))
        given = list(sizes)
        answer = run.call(fn, given, context="(called as fn(sizes))", hints=(
            (IndexError, None, "an index is out of range: a list of k sizes has k - 1 layers; "
             "loop over zip(sizes[:-1], sizes[1:]) (or range(len(sizes) - 1))."),
            (TypeError, "not iterable", "sizes is a list: loop over its neighbouring pairs, "
             "zip(sizes[:-1], sizes[1:])."),
        ))
        if given != list(sizes):
            raise Wrong(f"your function changed the list it was given (now {given}): read "
                        "sizes, do not pop from it or append to it.")
        pairs = list(zip(sizes[:-1], sizes[1:]))
        per_layer = [i * o + o for i, o in pairs]
        expected = sum(per_layer)
        if isinstance(answer, (list, tuple, np.ndarray)) and np.size(answer) == len(pairs) > 1:
            if np.allclose(np.asarray(answer, dtype=float), per_layer):
                raise Wrong("you returned one count per layer; return their sum, one number.")
        variants = [
            (sum(i * o for i, o in pairs), "you counted the weights but not the biases: "
             "a Dense layer from i to o units has i*o weights and o biases."),
            (sum(i * o + i for i, o in pairs), "each layer has one bias per *output* unit "
             "(b has shape (out,)), not per input."),
            (expected + sizes[0], "the input has no bias: only Dense layers have "
             "parameters, one bias per output unit."),
            (sum(per_layer[:-1]), "you left out the last layer: k sizes make k - 1 layers, "
             "the output layer included."),
            (sum(per_layer[1:]), "you left out the first layer: k sizes make k - 1 layers, "
             "from sizes[0] to sizes[1] first."),
            (sum(sizes), "you added up the sizes (the units); count the parameters: i*o "
             "weights and o biases per layer."),
            (len(pairs), "that is the number of layers; count their weights and biases."),
            (float(np.prod(sizes)), "you multiplied all sizes together; each layer "
             "connects only its two neighbouring sizes: sum i*o + o over the pairs."),
            (sum(i * o + 1 for i, o in pairs), "each layer has o biases (one per output "
             "unit), not one."),
        ]
        compare(answer, expected, "the count", variants, tol=0, atol=0)
        if isinstance(answer, float) and not float(answer).is_integer():  # pragma: no cover
            raise Wrong("the count is a whole number.")


def _small_network(rng, sizes, bias_std=0.5):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense.from_arrays(rng.normal(0, 0.8, (n_in, n_out)),
                                        rng.normal(0, bias_std, n_out)))
        if i < len(sizes) - 2:
            layers.append(Sigmoid())
    return Sequential(*layers)


class _CountingMSE(MSE):
    """MSE that counts its forward calls (``loss.forward(pred, y)`` and ``loss(pred, y)``)."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, pred, target):
        self.calls += 1
        return super().forward(pred, target)

    def __call__(self, pred, target):
        return self.forward(pred, target)


def _network_case(offset, sizes, batch):
    rng = _rng(offset)
    # the second network's biases are tiny next to eps: b + eps - eps is not b there
    model = _small_network(rng, sizes, 0.5 if offset != 3 else 1e-7)
    x = rng.normal(size=(batch, sizes[0]))
    y = rng.normal(size=(batch, sizes[-1]))
    return model, x, y


def _gradient_list(answer, n, names):
    if answer is None:
        raise Wrong("your function returned None: return the list of gradients.")
    if isinstance(answer, dict):
        raise Wrong("you returned a dict; return a list with one array per entry of "
                    "model.parameters(), in that order.")
    if isinstance(answer, np.ndarray) and answer.dtype != object:
        raise Wrong(f"you returned one array of shape {answer.shape}; return a list with one "
                    "array per entry of model.parameters() (their shapes differ).")
    try:
        answer = list(answer)
    except TypeError:
        raise Wrong(f"return a list of arrays, got a {type(answer).__name__}") from None
    if len(answer) == n // 2:
        raise Wrong(f"you returned {len(answer)} arrays for {n} parameter arrays: one per "
                    "array of model.parameters(), weights *and* biases.")
    if len(answer) != n:
        raise Wrong(f"you returned {len(answer)} arrays; model.parameters() has {n} "
                    f"({', '.join(names)}): return one gradient per parameter array, in "
                    "that order.")
    return answer


_HINTS = (
    (TypeError, "unhashable", "model.parameters() gives (name, value, grad) triples: unpack "
     "them, for name, value, grad in model.parameters()."),
    (ValueError, "too many values to unpack", "model.parameters() gives (name, value, grad) "
     "triples: unpack all three, for name, value, grad in model.parameters()."),
    (ValueError, "not enough values to unpack", "model.parameters() gives (name, value, grad) "
     "triples: unpack all three, for name, value, grad in model.parameters()."),
    (AttributeError, "'tuple' object", "model.parameters() gives (name, value, grad) "
     "triples: the array is the middle one."),
    (IndexError, None, "an index is out of range: loop over range(value.size) on the flat "
     "view value.reshape(-1), for each parameter array separately."),
)


def _count_forward(model):
    """Count the calls of ``model.forward`` (not of ``model(x)``) in a one-item list."""
    calls, forward = [0], model.forward

    def counted(x):
        calls[0] += 1
        return forward(x)

    model.forward = counted
    return calls


@make_check(3)
def check_network_numerical_gradient(run, fn):
    """Check ``fn(model, loss, x, y, eps)``: forward-difference gradients of the whole network.

    The answer is a list with one array per entry of ``model.parameters()``, in that order;
    the loss is evaluated N + 1 times, and the parameters are exactly unchanged afterwards.
    The last test calls it again on a fresh copy of the first network.
    """
    check_signature(fn, ("model", "loss", "x", "y", "eps"), "fn(model, loss, x, y, eps)")
    cases = [("a 3-4-2 sigmoid network, eps = 1e-3", 2, [3, 4, 2], 5, 1e-3),
             ("a 2-3-3-1 sigmoid network with biases near 1e-7, eps = 1e-5", 3,
              [2, 3, 3, 1], 4, 1e-5),
             ("the first network again (nothing may carry over)", 2, [3, 4, 2], 5, 1e-3)]
    for what, offset, sizes, batch, eps in cases:
        run.next(what)
        model, x, y = _network_case(offset, sizes, batch)
        values = [value for _, value, _ in model.parameters()]
        before = snapshot(values)
        loss = _CountingMSE()
        forward_calls = _count_forward(model)
        answer = run.call(fn, model, loss, x.copy(), y.copy(), eps,
                          context="(called as fn(model, loss, x, y, eps))", hints=_HINTS)
        fresh, _, _ = _network_case(offset, sizes, batch)
        expected = numerical_gradients(fresh, MSE(), x, y, eps, "forward")
        central = numerical_gradients(fresh, MSE(), x, y, eps, "central")
        exact = backprop_gradients(fresh, MSE(), x, y)
        names = [name for name, _, _ in fresh.parameters()]
        n = fresh.num_parameters()
        answer = _gradient_list(answer, len(expected), names)
        for (name, value, _), old in zip(model.parameters(), before):
            if value.shape == old.shape and not np.array_equal(value, old):
                drift = np.max(np.abs(value - old))
                how = ("by round-off (you subtracted eps again instead of assigning the "
                       "saved value)" if drift < 0.5 * eps else "(a moved entry was never "
                       "put back)")
                raise Wrong(f"parameter {name!r} of the model changed {how}: save each entry "
                            "before moving it and assign the saved value back.")
        if loss.calls == 0:
            raise Wrong("your function never evaluated the loss object it was given: one "
                        "evaluation is loss.forward(model.forward(x), y).")
        shapes = [e.shape for e in expected]
        for k, (mine, ref, cen, ex, name) in enumerate(zip(answer, expected, central, exact,
                                                           names)):
            if np.shape(mine) != ref.shape and np.shape(mine) in shapes:
                raise Wrong(f"gradient {k} has the shape of another parameter: return the "
                            "gradients in the order of model.parameters().")
            if np.size(mine) == ref.size and np.shape(mine) != ref.shape:
                raise Wrong(f"the gradient of {name!r} has shape {np.shape(mine)}, expected "
                            f"{ref.shape}: reshape it like the parameter, "
                            "grad.reshape(value.shape).")
            if np.asarray(mine).dtype.kind in "iu":
                raise Wrong(f"the gradient of {name!r} holds whole numbers (dtype "
                            f"{np.asarray(mine).dtype}): the array you filled has an integer "
                            "dtype, so numpy dropped the fractions. Fill a float array, "
                            "np.zeros(value.size) or np.zeros_like(value, dtype=float).")
            backprop = [(ex, "this is the exact gradient from backpropagation; this task asks "
                         "for the numerical one, moving one parameter at a time.")]
            try:
                compare(mine, ref, f"the gradient of parameter {name!r}", [
                    *(backprop if loss.calls <= 2 else []),
                    (cen, "this is the central difference; this task (like the original "
                     "notebook) uses the forward difference (loss(p + eps) - loss) / eps."),
                    (ref / 2, "you divided by 2 eps for a one-sided step: divide by eps."),
                    (-ref, "the sign is flipped: (loss(p + eps) - loss(p)) / eps."),
                    (ref * eps, "you forgot to divide by eps."),
                ], tol=1e-6)
            except Wrong as wrong:
                if not is_generic(str(wrong)):
                    raise
                for step in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7):
                    other = numerical_gradients(fresh, MSE(), x, y, step, "forward")[k]
                    if step != eps and rel_error(np.asarray(mine, dtype=float), other) < 1e-6:
                        raise Wrong(f"you used a fixed step ({step:g}) instead of the "
                                    f"argument eps (here {eps:g}).") from None
                if all(not np.any(np.asarray(g, dtype=float)) for g in answer):
                    if forward_calls[0] == 1 and loss.calls > 1:
                        raise Wrong("every gradient is 0: you ran model.forward(x) once and "
                                    "evaluated the loss on that old output after each move, "
                                    "so the moves never showed. Run loss.forward("
                                    "model.forward(x), y) again after moving each "
                                    "entry.") from None
                    raise Wrong("every gradient is 0: the loss never changed, so the moves "
                                "never reached the model. value = value + eps makes a new "
                                "array and value.flatten() a copy: write into the layer's "
                                "own array, value.reshape(-1)[i] = ...") from None
                if loss.calls == 1:
                    raise Wrong("the loss was evaluated only once: compute it again after "
                                "moving each parameter entry.") from None
                if loss.calls < n + 1:
                    raise Wrong(f"the loss was evaluated {loss.calls} times for N = {n} "
                                "parameters, fewer than N + 1: every entry of every "
                                "parameter array needs its own evaluation.") from None
                raise
        if loss.calls != n + 1:
            hint = ("you recomputed the reference loss for every parameter; compute it "
                    "once before the loops." if loss.calls in (2 * n, 2 * n + 1) else "")
            raise Wrong(f"the loss was evaluated {loss.calls} times for N = {n} parameters; "
                        f"a forward difference needs N + 1 = {n + 1}. {hint}".rstrip())

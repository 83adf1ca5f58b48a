"""Checks of Exercise 2: the numerical gradient of a whole network."""


import numpy as np

from bplib.activations import Sigmoid
from bplib.gradcheck import numerical_gradients
from bplib.layers import Dense
from bplib.losses import MSE
from bplib.network import Sequential

from .engine import Wrong, compare, make_check, unchanged
from .engine import seeded_rng as _rng


@make_check(3)
def check_count_parameters(run, fn):
    """Check ``fn(sizes)``: the number of weights and biases of Dense layers of these sizes."""
    for sizes in ([3, 4, 2], [10, 32, 32, 2], [784, 100, 10]):
        run.next(f"sizes = {sizes}")
        answer = run.call(fn, list(sizes))
        pairs = list(zip(sizes[:-1], sizes[1:]))
        expected = sum(i * o + o for i, o in pairs)
        variants = [
            (sum(i * o for i, o in pairs), "you counted the weights but not the biases: "
             "a Dense layer from i to o units has i*o weights and o biases."),
            (sum(i * o + i for i, o in pairs), "each layer has one bias per *output* unit "
             "(b has shape (out,)), not per input."),
            (sum(i * o + o for i, o in pairs) + sizes[0], "the input has no bias: only "
             "Dense layers have parameters."),
        ]
        compare(answer, expected, "the count", variants, tol=0)


def _small_network(rng, sizes):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense.from_arrays(rng.normal(0, 0.8, (n_in, n_out)),
                                        rng.normal(0, 0.5, n_out)))
        if i < len(sizes) - 2:
            layers.append(Sigmoid())
    return Sequential(*layers)


class _CountingMSE(MSE):
    """MSE that counts its forward calls."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, pred, target):
        self.calls += 1
        return super().forward(pred, target)

    __call__ = forward


def _network_case(offset, sizes, batch):
    rng = _rng(offset)
    model = _small_network(rng, sizes)
    x = rng.normal(size=(batch, sizes[0]))
    y = rng.normal(size=(batch, sizes[-1]))
    return model, x, y


def _gradient_list(answer, n):
    if answer is None:
        raise Wrong("your function returned None: return the list of gradients.")
    try:
        answer = list(answer)
    except TypeError:
        raise Wrong(f"return a list of arrays, got a {type(answer).__name__}") from None
    if len(answer) == n // 2:
        raise Wrong(f"you returned {len(answer)} arrays for {n} parameter arrays: one per "
                    "array of model.parameters(), weights *and* biases.")
    if len(answer) != n:
        raise Wrong(f"you returned {len(answer)} arrays; model.parameters() has {n}: "
                    "return one gradient per parameter array, in that order.")
    return answer


@make_check(2)
def check_network_numerical_gradient(run, fn):
    """Check ``fn(model, loss, x, y, eps)``: forward-difference gradients of the whole network.

    The answer is a list with one array per entry of ``model.parameters()``, in that order;
    the loss may be evaluated N + 1 times, and the parameters must be unchanged afterwards.
    """
    cases = [("a 3-4-2 sigmoid network, eps = 1e-3", 2, [3, 4, 2], 5, 1e-3),
             ("a 2-3-3-1 sigmoid network, eps = 1e-5", 3, [2, 3, 3, 1], 4, 1e-5)]
    for what, offset, sizes, batch, eps in cases:
        run.next(what)
        model, x, y = _network_case(offset, sizes, batch)
        before = [value.copy() for _, value, _ in model.parameters()]
        loss = _CountingMSE()
        answer = run.call(fn, model, loss, x.copy(), y.copy(), eps,
                          context="(called as fn(model, loss, x, y, eps))")
        fresh, _, _ = _network_case(offset, sizes, batch)
        expected = numerical_gradients(fresh, MSE(), x, y, eps, "forward")
        central = numerical_gradients(fresh, MSE(), x, y, eps, "central")
        answer = _gradient_list(answer, len(expected))
        names = [name for name, _, _ in fresh.parameters()]
        for k, (mine, ref, cen, name) in enumerate(zip(answer, expected, central, names)):
            shapes = [np.shape(e) for e in expected]
            if np.shape(mine) != ref.shape and np.shape(mine) in shapes:
                raise Wrong(f"gradient {k} has the shape of another parameter: return the "
                            "gradients in the order of model.parameters().")
            compare(mine, ref, f"the gradient of parameter {name!r}", [
                (cen, "this is the central difference; the seed's method (and this task) "
                 "uses the forward difference (loss(p + eps) - loss) / eps."),
                (ref / 2, "you divided by 2 eps for a one-sided step: divide by eps."),
            ])
        for (name, value, _), old in zip(model.parameters(), before):
            unchanged(old, value, f"parameter {name!r} of the model",
                      "put every parameter back to its original value after moving it "
                      "(save it first; do not subtract eps again).")
        n = fresh.num_parameters()
        if loss.calls != n + 1:
            hint = ("you recomputed the reference loss for every parameter; compute it "
                    "once before the loops." if loss.calls == 2 * n else "")
            raise Wrong(f"the loss was evaluated {loss.calls} times for N = {n} parameters; "
                        f"a forward difference needs N + 1 = {n + 1}. {hint}".rstrip())

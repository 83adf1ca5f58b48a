"""Networks as a list of layers: forward first to last, backward last to first."""

import numpy as np

from .activations import Sigmoid
from .layers import Dense
from .validation import (
    as_float_array,
    as_float_dtype,
    as_rng,
    check_finite,
    check_has_methods,
    check_int,
)


class Sequential:
    """Layers applied one after another.

    ``forward(x)``: x (batch, in) -> the last layer's output; every layer caches what its
    ``backward`` needs. ``backward(grad)``: dLoss/doutput -> dLoss/dx, walking the layers
    from the last to the first; each layer with parameters sets their gradients. Both refuse
    NaN and infinity (one test per call, at the model's edge, not in every layer).

    Args:
        *layers: objects with ``forward``, ``backward`` and ``parameters``; each object at
            most once (a layer caches its input, so a second use would overwrite the first).
        dtype: None (keep every layer as it is), ``np.float32`` or ``np.float64``: convert
            every layer that has parameters (its ``set_dtype``).

    Taught in: chapter "Backpropagation".
    """

    def __init__(self, *layers, dtype=None):
        for i, layer in enumerate(layers):
            check_has_methods(layer, ("forward", "backward", "parameters"), f"layer {i}",
                              "Sequential", "bplib.ReLU()")
        check_no_layer_twice(layers)
        if dtype is not None:  # check every layer before converting any
            dtype = as_float_dtype(dtype, "Sequential")
            to_convert = [layer for layer in layers if layer.parameters()]
            for layer in to_convert:
                if not callable(getattr(layer, "set_dtype", None)):
                    raise TypeError(f"Sequential: dtype={dtype} needs every layer with "
                                    f"parameters to have set_dtype(dtype); "
                                    f"{type(layer).__name__} has not")
            for layer in to_convert:
                layer.set_dtype(dtype)
        self.layers = list(layers)
        self.ready = False  # True once a forward pass has finished

    def forward(self, x):
        self.ready = False  # a layer that raises leaves the caches of two batches
        check_finite(as_float_array(x, "x", "Sequential.forward"), "x", "Sequential.forward")
        for layer in self.layers:
            x = layer.forward(x)
        self.ready = True
        return x

    __call__ = forward

    def backward(self, grad):
        if not self.ready:
            raise ValueError("Sequential.backward: call forward() first (the last forward() "
                             "raised or never ran, so the layers' caches do not fit together)")
        check_finite(as_float_array(grad, "grad", "Sequential.backward"), "grad",
                     "Sequential.backward")
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def parameters(self):
        """``[(name, value, grad), ...]``, first layer first; names such as ``"0.W"``.

        ``value`` is the layer's own array: changing it in place changes the model.
        """
        return [
            (f"{i}.{name}", value, grad)
            for i, layer in enumerate(self.layers)
            for name, value, grad in layer.parameters()
        ]

    def num_parameters(self):
        """Total number of scalar parameters N."""
        return sum(value.size for _, value, _ in self.parameters())

    def __repr__(self):
        return "Sequential(" + ", ".join(repr(layer) for layer in self.layers) + ")"


def check_no_layer_twice(layers, seen=None):
    """Raise ``ValueError`` if one layer object appears twice, nested models included."""
    seen = {} if seen is None else seen
    for layer in layers:
        if id(layer) in seen:
            raise ValueError(
                f"Sequential: the layer {layer!r} appears twice; a layer caches its input, "
                "so its second use would overwrite the first. Create a new layer for each "
                "place (bplib does not share weights between places)"
            )
        seen[id(layer)] = layer
        check_no_layer_twice(getattr(layer, "layers", ()), seen)


class DNN(Sequential):
    """A deep network as the original notebook builds it: Dense + activation, repeated.

    ``hidden_depth`` hidden layers of ``num_neuron`` units, then an output layer of
    ``n_output`` units; the activation follows every Dense layer, the output layer included.

    Args:
        hidden_depth: number of hidden layers, int >= 0.
        num_neuron: units per hidden layer; n_input, n_output: input and output sizes.
        activation: a layer class without parameters, such as ``Sigmoid`` or ``ReLU``.
        rng, init, std, dtype: as for :class:`~bplib.Dense`.

    ``forward(x)``: x (batch, n_input) -> (batch, n_output).

    Taught in: chapter "Backpropagation".
    """

    def __init__(self, hidden_depth, num_neuron, n_input, n_output, activation=Sigmoid,
                 rng=None, init="normal", std=0.01, dtype=np.float64):
        hidden_depth = check_int(hidden_depth, "hidden_depth", "DNN", minimum=0)
        check_activation(activation)
        check_int(n_input, "n_input", "DNN")
        check_int(n_output, "n_output", "DNN")
        if hidden_depth > 0:  # without hidden layers num_neuron is not used
            check_int(num_neuron, "num_neuron", "DNN")
        rng = as_rng(rng, "DNN")
        sizes = [n_input] + [num_neuron] * hidden_depth + [n_output]
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers.append(Dense(n_in, n_out, rng=rng, init=init, std=std, dtype=dtype))
            layers.append(activation())
        super().__init__(*layers)
        self.hidden_depth = hidden_depth


def check_activation(activation):
    """``activation`` must be a class whose objects are layers without parameters."""
    message = ("DNN: activation must be an activation layer class such as bplib.Sigmoid or "
               "bplib.ReLU (the class itself, not a function or an object), got ")
    if not isinstance(activation, type):
        what = getattr(activation, "__name__", None)
        got = f"the function {what}" if callable(activation) and what else \
            f"an object of type {type(activation).__name__}"
        raise TypeError(message + got)
    try:
        layer = activation()
    except TypeError:
        raise TypeError(message + f"{activation.__name__}, which needs arguments") from None
    has = [m for m in ("forward", "backward", "parameters") if callable(getattr(layer, m, None))]
    if len(has) < 3:
        raise TypeError(message + f"{activation.__name__}, which has no forward/backward")
    if layer.parameters():
        raise TypeError(message + f"{activation.__name__}, a layer with parameters")

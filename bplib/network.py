"""Networks as a list of layers: forward first to last, backward last to first."""

import numpy as np

from .activations import Sigmoid
from .layers import Dense
from .validation import as_float_dtype, as_rng, check_not_class, check_positive_int


class Sequential:
    """Layers applied one after another.

    ``forward(x)``: x (batch, in) -> output of the last layer; every layer caches what
    its backward needs. ``backward(grad)``: dLoss/doutput -> dLoss/dx, walking the layers
    from the last to the first; each Dense layer sets its ``dW`` and ``db`` on the way.
    ``backward(grad, input_grad=False)`` does the same but returns None: a first Dense
    layer then skips computing dLoss/dx, which training never uses.

    Args:
        *layers: objects with ``forward`` and ``backward`` (and ``parameters``).
        dtype: None (keep every layer as it is), ``np.float32`` or ``np.float64``: convert
            the parameters of every layer that has some, in place (its ``set_dtype``).

    Taught in: chapter "Backpropagation".
    """

    def __init__(self, *layers, dtype=None):
        for i, layer in enumerate(layers):
            check_not_class(layer, f"layer {i}", "Sequential", "bplib.ReLU()")
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(
                    f"Sequential: layer {i} must have forward() and backward(), "
                    f"got {type(layer).__name__}"
                )
        if dtype is not None:
            dtype = as_float_dtype(dtype, "Sequential")
            for i, layer in enumerate(layers):
                has_parameters = hasattr(layer, "parameters") and layer.parameters()
                if has_parameters and not hasattr(layer, "set_dtype"):
                    raise TypeError(
                        f"Sequential: dtype={dtype} needs layer {i} "
                        f"({type(layer).__name__}) to have set_dtype(dtype)"
                    )
                if has_parameters:
                    layer.set_dtype(dtype)
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, grad, input_grad=True):
        for k, layer in enumerate(reversed(self.layers)):
            is_first_layer = k == len(self.layers) - 1
            if is_first_layer and not input_grad and isinstance(layer, Dense):
                layer.backward(grad, input_grad=False)  # sets dW, db; skips grad @ W.T
                return None
            grad = layer.backward(grad)
        return grad if input_grad else None

    def parameters(self):
        """``[(name, value, grad), ...]`` for every parameter, first layer first.

        Names are ``"<layer index>.<attribute>"``, e.g. ``"0.W"``, ``"0.b"``, ``"2.W"``.
        ``value`` is the layer's own array: updating it in place updates the model.
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


class DNN(Sequential):
    """The seed's deep network: Dense + activation, repeated.

    ``hidden_depth`` hidden layers of ``num_neuron`` units, then an output layer of
    ``n_output`` units; the activation follows every Dense layer, the output layer
    included, as in the seed. (The seed's own loop built ``hidden_depth + 1`` hidden
    layers; here ``hidden_depth`` means what it says.)

    Args:
        hidden_depth: number of hidden layers, int >= 0.
        num_neuron: units per hidden layer.
        n_input, n_output: input and output sizes.
        activation: a layer class such as ``Sigmoid`` or ``ReLU`` (the class, not an
            instance or the function ``sigmoid``).
        rng: ``np.random.Generator``, an int seed, or None.
        init, std: weight initialisation, see :func:`bplib.layers.init_weights`.
        dtype: ``np.float64`` (default) or ``np.float32``, the dtype of every Dense layer.

    ``forward(x)``: x (batch, n_input) -> (batch, n_output).

    Taught in: chapter "Backpropagation".
    """

    def __init__(self, hidden_depth, num_neuron, n_input, n_output, activation=Sigmoid,
                 rng=None, init="normal", std=0.01, dtype=np.float64):
        if isinstance(hidden_depth, bool) or not isinstance(hidden_depth, int) or hidden_depth < 0:
            raise ValueError(f"DNN: hidden_depth must be an int >= 0, got {hidden_depth!r}")
        if not (isinstance(activation, type) and hasattr(activation, "backward")):
            if isinstance(activation, type):
                got = f"the class {activation.__name__}, which has no backward()"
            elif callable(activation) and hasattr(activation, "__name__"):
                got = f"the function {activation.__name__}"
            else:
                got = f"an instance of {type(activation).__name__}"
            raise TypeError(
                "DNN: activation must be a layer class such as bplib.Sigmoid or bplib.ReLU, "
                f"got {got} (pass the class itself, not the function or an instance)"
            )
        check_positive_int(n_input, "n_input", "DNN")
        check_positive_int(n_output, "n_output", "DNN")
        if hidden_depth > 0:  # without hidden layers num_neuron is not used
            check_positive_int(num_neuron, "num_neuron", "DNN")
        rng = as_rng(rng, "DNN")
        sizes = [n_input] + [num_neuron] * hidden_depth + [n_output]
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers.append(Dense(n_in, n_out, rng=rng, init=init, std=std, dtype=dtype))
            layers.append(activation())
        super().__init__(*layers)
        self.hidden_depth = hidden_depth


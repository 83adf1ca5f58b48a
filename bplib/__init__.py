"""bplib: the small numpy library of the book *Backpropagation from Scratch*.

Every public name is importable as ``bplib.<name>``; each docstring says which chapter
teaches it.
"""

from .activations import (
    ReLU,
    Sigmoid,
    Tanh,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    tanh,
)
from .autodiff import Dual, Value, topological_order, zero_grad
from .data import load_digits, one_hot, train_test_split
from .gradcheck import (
    backprop_gradients,
    gradient_check,
    max_rel_error,
    numerical_gradients,
    rel_error,
)
from .layers import Dense, init_weights
from .losses import MSE
from .network import DNN, Sequential
from .numerical import CountCalls, numerical_derivative, numerical_gradient
from .optim import gradient_descent, update
from .softmax import SoftmaxCrossEntropy, log_softmax, softmax
from .training import TrainingDiverged, accuracy, iterate_minibatches, train

__version__ = "0.1.0"

__all__ = [
    "CountCalls",
    "DNN",
    "Dense",
    "Dual",
    "MSE",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "SoftmaxCrossEntropy",
    "TrainingDiverged",
    "Value",
    "accuracy",
    "backprop_gradients",
    "gradient_check",
    "gradient_descent",
    "init_weights",
    "iterate_minibatches",
    "load_digits",
    "log_softmax",
    "max_rel_error",
    "numerical_derivative",
    "numerical_gradient",
    "numerical_gradients",
    "one_hot",
    "rel_error",
    "relu",
    "relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "tanh",
    "topological_order",
    "train",
    "train_test_split",
    "update",
    "zero_grad",
]

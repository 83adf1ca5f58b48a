"""Checks for the exercises: run your code on seeded cases and explain what went wrong.

Every check takes your function (or class) itself, runs it on a few seeded cases, compares
the answers with bplib's own implementation by relative error (:func:`bplib.rel_error`,
at most 1e-7), and prints exactly one line:

* ``✅ check_<name>: all <n> tests passed.`` when everything agrees;
* ``⏳ check_<name>: not implemented yet. ...`` while your code still raises
  ``NotImplementedError``;
* ``❌ check_<name>: test <k> of <n> (<what>): <hint>`` otherwise. The hint names the mistake
  when your answer matches a known wrong variant (transposed ``dW``, a missing sum over the
  batch, a forward instead of a central difference, ...), or the exception your code raised.

A check never raises and returns None, so a cell shows only that line.
``check_<name>.result(student)`` returns a :class:`Feedback` (``.passed`` is a bool) instead
of printing. Nothing here reads files: the checks work wherever bplib is installed.

One module per exercise (``bpcheck.ex03_sigmoid``, ...), all built on ``bpcheck.engine``.
``import bplib`` never loads this package.
"""

from .engine import Feedback, needs_implementation
from .ex01_numerical_gradients import check_forward_difference, check_numerical_gradient
from .ex02_network_numerical_gradient import (
    check_count_parameters,
    check_network_numerical_gradient,
)
from .ex03_sigmoid import check_sigmoid, check_sigmoid_derivative
from .ex05_backpropagation import (
    check_backprop,
    check_dense,
    check_gradient_descent,
    check_skip_connection,
)
from .ex06_relu import check_gradient_norms, check_relu, check_relu_derivative
from .ex07_training import check_minibatches, check_train

__all__ = [
    "Feedback",
    "check_backprop",
    "check_count_parameters",
    "check_dense",
    "check_forward_difference",
    "check_gradient_descent",
    "check_gradient_norms",
    "check_minibatches",
    "check_network_numerical_gradient",
    "check_numerical_gradient",
    "check_relu",
    "check_relu_derivative",
    "check_sigmoid",
    "check_sigmoid_derivative",
    "check_skip_connection",
    "check_train",
    "needs_implementation",
]

import numpy as np
import pytest


class NoSetDtype:
    """A layer with a parameter but no set_dtype: Sequential(..., dtype=...) must refuse it."""

    def forward(self, x):
        return x

    def backward(self, grad):
        return grad

    def parameters(self):
        return [("w", np.zeros(1), np.zeros(1))]


@pytest.fixture
def rng():
    return np.random.default_rng(0)

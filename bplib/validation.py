"""Input checks shared by every bplib function.

Every public function of bplib checks its inputs and raises an error that names the
argument, the shape it expected and the shape it received, so that a wrong call stops at
the line that made it instead of deep inside a matrix product.
"""

import math

import numpy as np


def as_float_array(value, name, where):
    """Return ``value`` as a float array (float32 stays float32, anything else float64).

    Raises ``TypeError`` for arrays that are not numbers (strings, objects, complex).
    ``where`` names the calling function in the message, e.g. ``"Dense.forward"``.
    """
    try:
        array = np.asarray(value)
    except Exception as error:  # ragged lists and the like
        raise TypeError(f"{where}: {name} must be an array of numbers ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{where}: {name} must hold real numbers, got an array of dtype {array.dtype}"
        )
    if array.dtype not in FLOAT_DTYPES:
        array = array.astype(np.float64)
    return array


FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_dtype(dtype, where):
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise naming ``dtype``.

    bplib computes in float64 by default; float32 halves the memory and is about twice as
    fast on most CPUs, at about 7 significant digits instead of 16.
    """
    try:
        if dtype is None:  # np.dtype(None) would quietly mean float64
            raise TypeError
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{where}: dtype must be np.float32 or np.float64, got {dtype!r}"
        ) from None
    if result not in FLOAT_DTYPES:
        raise ValueError(f"{where}: dtype must be np.float32 or np.float64, got {result}")
    return result


def all_finite(array):
    """True if ``array`` holds no NaN and no infinity.

    The sum of squares ``x . x`` is one fast pass over the numbers without a temporary
    array, and it is finite unless ``x`` holds a NaN or an infinity (squares are never
    negative, so nothing cancels), or unless the squares overflow (``|x| > 1e154`` in
    float64). Only when it is not finite do we test every number, with ``np.isfinite``.
    Every layer checks its input and ``train`` checks every parameter after each step,
    so this runs a few times per layer and step.
    """
    flat = array.ravel()
    if math.isfinite(np.dot(flat, flat)):  # math: a plain number, faster than np.isfinite
        return True
    return bool(np.isfinite(array).all())


def check_finite(array, name, where):
    """Raise ``ValueError`` if ``array`` holds NaN or infinity (tested by ``all_finite``)."""
    if not all_finite(array):
        raise ValueError(f"{where}: {name} contains NaN or infinity")


def check_2d(array, name, where, n_features=None, feature_name="features"):
    """Check that ``array`` has shape ``(batch, n_features)`` with ``batch >= 1``."""
    expected = f"(batch, {n_features if n_features is not None else feature_name})"
    if array.ndim != 2:
        raise ValueError(
            f"{where}: {name} must be 2-D with shape {expected}, "
            f"got {array.ndim}-D shape {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{where}: {name} must hold at least one sample, got shape {array.shape}")
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(f"{where}: {name} must have shape {expected}, got {array.shape}")


def check_same_shape(array, name, expected_shape, where):
    """Check that ``array.shape == expected_shape``."""
    if array.shape != tuple(expected_shape):
        raise ValueError(
            f"{where}: {name} must have shape {tuple(expected_shape)}, got {array.shape}"
        )


def check_positive(value, name, where):
    """Check that ``value`` is a finite number greater than zero."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{where}: {name} must be a positive number, got {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{where}: {name} must be a positive finite number, got {value}")


def check_positive_int(value, name, where):
    """Check that ``value`` is an int (Python or numpy) of at least 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")


def check_callable(f, name, where):
    """Raise ``TypeError`` unless ``f`` can be called like a function."""
    if not callable(f):
        raise TypeError(f"{where}: {name} must be a function, got {type(f).__name__}")


def check_not_class(obj, name, where, example):
    """Raise ``TypeError`` when a class was passed where an object of it was expected.

    ``example`` shows a correct argument in the message, e.g. ``"bplib.MSE()"``.
    """
    if isinstance(obj, type):
        raise TypeError(
            f"{where}: {name} must be an object such as {example}, got the class "
            f"{obj.__name__} itself (add the parentheses: {obj.__name__}())"
        )


def as_rng(rng, where):
    """``np.random.default_rng(rng)``, with an error that names ``rng`` when it fails."""
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}: rng must be an np.random.Generator, a non-negative int seed or None, "
            f"got {rng!r}"
        ) from None


def need_forward(cache, where):
    """Raise ``ValueError`` when ``backward`` is called before ``forward``."""
    if cache is None:
        raise ValueError(f"{where}: call forward() before backward(); there is nothing cached yet")

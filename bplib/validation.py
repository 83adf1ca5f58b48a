"""Argument checks shared by bplib.

Every error names the function, the argument, what was expected and what was received, so
that a wrong call stops at the line that made it instead of deep inside a matrix product.
"""

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_array(value, name, where):
    """``value`` as a float array: float32 stays float32, other real numbers become float64."""
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


def as_float_dtype(dtype, where):
    """``np.dtype(dtype)`` if it is float32 or float64, else an error naming ``dtype``."""
    try:
        if dtype is None:  # np.dtype(None) would quietly mean float64
            raise TypeError
        result = np.dtype(dtype)
    except TypeError:
        message = f"{where}: dtype must be np.float32 or np.float64, got {dtype!r}"
        raise TypeError(message) from None
    if result not in FLOAT_DTYPES:
        raise ValueError(f"{where}: dtype must be np.float32 or np.float64, got {result}")
    return result


def check_finite(array, name, where):
    """Raise ``ValueError`` if ``array`` holds NaN or infinity."""
    if not np.isfinite(array).all():
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
    """Check that ``value`` is a finite real number greater than zero."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{where}: {name} must be a positive number, got {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{where}: {name} must be a positive finite number, got {value}")


def check_int(value, name, where, minimum=1):
    """``value`` as a Python int if it is an int (Python or numpy, not bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{where}: {name} must be {kind}, got {value!r}")
    return int(value)


def check_callable(f, name, where):
    """Raise ``TypeError`` unless ``f`` can be called like a function."""
    if not callable(f):
        raise TypeError(f"{where}: {name} must be a function, got {type(f).__name__}")


def check_not_class(obj, name, where, example):
    """Raise ``TypeError`` when a class was passed where an object of it was expected."""
    if isinstance(obj, type):
        raise TypeError(
            f"{where}: {name} must be an object such as {example}, got the class "
            f"{obj.__name__} itself (add the parentheses: {obj.__name__}())"
        )


def check_has_methods(obj, methods, name, where, example):
    """Raise ``TypeError`` unless ``obj`` is an object with every method in ``methods``."""
    check_not_class(obj, name, where, example)
    missing = [m for m in methods if not callable(getattr(obj, m, None))]
    if missing:
        raise TypeError(
            f"{where}: {name} must be an object such as {example} with "
            f"{', '.join(m + '()' for m in methods)}, got {type(obj).__name__} "
            f"(no {', '.join(m + '()' for m in missing)})"
        )


def check_model(model, where):
    """A model has ``forward``, ``backward`` and ``parameters``."""
    check_has_methods(model, ("forward", "backward", "parameters"), "model", where,
                      "bplib.DNN(...)")


def check_loss(loss, where):
    """A loss has ``forward(pred, target)`` and ``backward()``."""
    check_has_methods(loss, ("forward", "backward"), "loss", where, "bplib.MSE()")


def as_rng(rng, where):
    """The one rule for randomness: a Generator as it is, an int >= 0 seeds a new one,
    None gives an unseeded one. Anything else is an error naming ``rng``."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{where}: rng must be an np.random.Generator, an int seed >= 0 or None, got {rng!r}"
    )


def need_forward(cache, where):
    """Raise ``ValueError`` when ``backward`` is called before ``forward``."""
    if cache is None:
        raise ValueError(f"{where}: call forward() before backward(); there is nothing cached yet")

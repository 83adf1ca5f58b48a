"""The machinery behind :mod:`bpcheck`: run a student's code, never let it raise.

A check is written as ``_impl(run, student)``: it calls the student's code through
``run.call`` (which turns ``NotImplementedError`` and other exceptions into the private
exceptions below), compares the answers with :func:`compare`, and raises :class:`Wrong`
with a hint when something is off. :func:`make_check` wraps it into the public function
that prints exactly one line and returns None, with ``.result(student)`` returning a
:class:`Feedback` for tests.
"""

import warnings
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

from bplib.gradcheck import rel_error

PASS, TODO, FAIL = "✅", "⏳", "❌"
TOL = 1e-7  # rel_error at or below this: the same numbers up to round-off (float64)


class Feedback(NamedTuple):
    """What a check found: ``passed`` (bool), ``status`` and the printed ``message``.

    ``status`` is one of ``"passed"``, ``"todo"`` (a stub), ``"error"`` (the code raised)
    and ``"wrong"`` (an answer differs from the reference; the message holds a hint).
    """

    passed: bool
    status: str
    message: str


class Wrong(Exception):
    """An answer is wrong; the message is the hint shown to the student."""


class Todo(Exception):
    """The student's code raised ``NotImplementedError``."""


class Raised(Exception):
    """The student's code raised another exception."""

    def __init__(self, error, context):
        super().__init__(str(error))
        self.error = error
        self.context = context


class Run:
    """One run of a check: counts the tests and calls the student's code safely."""

    def __init__(self):
        self.test = 0
        self.what = ""

    def next(self, what):
        """Start the next test; ``what`` describes it in a failure message."""
        self.test += 1
        self.what = what

    def call(self, fn, *args, context="", floating_point=None, **kwargs):
        """``fn(*args, **kwargs)``; warnings are silenced, exceptions become Todo or Raised.

        ``floating_point="raise"`` turns numpy overflow and invalid operations into
        ``FloatingPointError`` (reported as Raised) instead of silent inf or nan.
        """
        settings = {"all": "ignore"}
        if floating_point:  # underflow to 0 is harmless; overflow and nan are not
            settings.update(over=floating_point, invalid=floating_point, divide=floating_point)
        try:
            with warnings.catch_warnings(), np.errstate(**settings):
                warnings.simplefilter("ignore")
                return fn(*args, **kwargs)
        except NotImplementedError:
            raise Todo() from None
        except Exception as error:  # anything the student's code raised
            raise Raised(error, context) from None


def preview(array, n=4):
    """The first ``n`` entries of an array as short text, for messages."""
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    text = np.array2string(flat[:n] + 0.0, precision=4, suppress_small=True, separator=", ")
    return text[:-1] + ", ...]" if flat.size > n else text


def as_answer(answer, what):
    """An answer as a float64 array, or a Wrong explaining why it is not one."""
    if answer is None:
        raise Wrong(f"{what} is None: did you forget a `return` (or to set it)?")
    try:
        array = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise Wrong(
            f"{what} should be an array of numbers, got a {type(answer).__name__}"
        ) from None
    return array


def close(a, b, tol=TOL):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.isfinite(a).all()) and rel_error(a, b) <= tol


def compare(answer, expected, what, variants=(), tol=TOL):
    """Pass quietly if ``answer`` matches ``expected``; otherwise raise Wrong with a hint.

    ``variants`` is a sequence of ``(value, hint)``: the answers known mistakes produce
    (``value`` may be a function computing it; a ValueError there skips the variant).
    The first variant the answer matches gives the hint. Returns the answer as an array.
    """
    expected = np.asarray(expected, dtype=np.float64)
    array = as_answer(answer, what)
    if close(array, expected, tol):
        return array
    for value, hint in variants:
        if callable(value):  # computed lazily: some variants exist only for some shapes
            try:
                value = value()
            except ValueError:
                continue
        if close(array, value, tol) and not close(value, expected, tol):
            raise Wrong(hint)
    if array.shape != expected.shape:
        extra = (
            " It holds the right number of entries: reshape it (np.zeros_like(x) gives an "
            "array of x's shape to fill)."
            if array.size == expected.size
            else ""
        )
        raise Wrong(f"{what} has shape {array.shape}, expected {expected.shape}.{extra}")
    if not np.isfinite(array).all():
        raise Wrong(f"{what} contains NaN or infinity.")
    raise Wrong(
        f"{what} is wrong (relative error {rel_error(array, expected):.1e}): "
        f"yours starts {preview(array)}, expected {preview(expected)}."
    )


def unchanged(before, after, what, hint):
    """Raise Wrong(hint) if an input array was modified by the student's code."""
    if not np.array_equal(np.asarray(before), np.asarray(after)):
        raise Wrong(f"{what} changed: {hint}")


def make_check(n_tests):
    """Decorator: turn ``_impl(run, student)`` into the public check ``check_<name>``."""

    def wrap(impl):
        name = impl.__name__

        def result(student):
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                return _result(student)

        def _result(student):
            run = Run()
            try:
                if not callable(student):
                    run.next("argument")
                    raise Wrong(
                        f"pass your function or class itself, e.g. {name}(my_function), "
                        f"not {type(student).__name__} (the result of calling it)."
                    )
                impl(run, student)
            except Todo:
                return Feedback(
                    False, "todo",
                    f"{TODO} {name}: not implemented yet. Replace `raise NotImplementedError()` "
                    "with your code, then run this cell again.",
                )
            except Raised as raised:
                error = raised.error
                context = f" {raised.context}" if raised.context else ""
                return Feedback(
                    False, "error",
                    f"{FAIL} {name}: test {run.test} of {n_tests} ({run.what}): your code "
                    f"raised {type(error).__name__}: {error}{context}",
                )
            except Wrong as wrong:
                return Feedback(
                    False, "wrong",
                    f"{FAIL} {name}: test {run.test} of {n_tests} ({run.what}): {wrong}",
                )
            except Exception as error:  # the check could not use the answer at all
                return Feedback(
                    False, "error",
                    f"{FAIL} {name}: test {run.test} of {n_tests} ({run.what}): the check "
                    f"could not use your answer ({type(error).__name__}: {error}).",
                )
            if run.test != n_tests:  # pragma: no cover - a bug in the check itself
                return Feedback(False, "error", f"{FAIL} {name}: internal error: ran "
                                f"{run.test} tests, expected {n_tests}.")
            return Feedback(True, "passed", f"{PASS} {name}: all {n_tests} tests passed.")

        def check(student):
            print(result(student).message)

        check.__name__ = check.__qualname__ = name
        check.__doc__ = (impl.__doc__ or "") + (
            "\n\n    Prints one line and returns None; ``.result(student)`` returns a Feedback."
        )
        check.result = result
        check.n_tests = n_tests
        return check

    return wrap


SEED = 20240601


def seeded_rng(offset=0):
    """The checks' own random numbers: the same cases on every run."""
    return np.random.default_rng(SEED + offset)



@contextmanager
def needs_implementation():
    """Run a cell's block that uses your code; print a short line instead of a traceback.

    ``with bpcheck.needs_implementation(): ...`` prints "not implemented yet" while a
    function it calls still raises ``NotImplementedError``, and names any other exception
    in one line; when the code works it prints nothing and changes nothing.
    """
    try:
        yield
    except NotImplementedError:
        print(f"{TODO} not implemented yet: this cell uses your code from the tasks above. "
              "Finish them, then run this cell again.")
    except Exception as error:
        print(f"{FAIL} this cell stopped: your code raised {type(error).__name__}: {error}")

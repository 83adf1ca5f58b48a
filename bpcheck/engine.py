"""The machinery behind :mod:`bpcheck`: run a student's code safely, compare, explain.

A check is written as ``_impl(run, student)`` and wrapped by :func:`make_check` into the
public ``check_<name>`` (prints one line, returns None; ``.result(student)`` returns a
:class:`Feedback`). Inside ``_impl``:

* ``run.next(what)`` starts the next test; ``what`` is named in a failure message.
* ``run.call(fn, *args, context=..., hints=...)`` calls the student's code under a time
  limit (:data:`TIME_LIMIT` seconds). ``NotImplementedError`` becomes "not implemented
  yet"; an endless loop, ``sys.exit()`` and ``KeyboardInterrupt`` are reported, never
  escape; any other exception is reported with a hint (``hints`` lists check-specific ones,
  otherwise a generic hint by exception type). ``with run.guard(context): ...`` does the same
  for a block that uses the student's objects (reading a generator they returned, ...).
* :func:`compare` compares an answer with an independent reference, tries the known wrong
  variants (each with its hint) and otherwise shows where the answer goes wrong: the first
  differing index with both values and the largest absolute difference.
* Raise :class:`Wrong` with a hint naming the cause. Before naming one, look at what
  happened: :class:`CallCounter` (was ``backward`` called? how often?), :func:`snapshot`,
  :func:`moved` (did the parameters move?), :func:`all_zero` (are the gradients all zero?),
  :func:`unchanged` (was the input changed?).

Generic messages (no cause named) always contain one of :data:`GENERIC_MARKERS`;
:func:`is_generic` tells them apart from specific hints (the test catalogue counts them).
"""

import inspect
import numbers
import signal
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

PASS, TODO, FAIL = "✅", "⏳", "❌"
TOL = 1e-7  # relative differences at or below this: the same numbers up to round-off
TIME_LIMIT = 2.0  # seconds for one call of the student's code

# Phrases that mark the engine's generic messages (no cause named). Specific hints never
# use them.
FIRST_DIFFERENCE = "first difference at index"
NOT_FINITE = "contains NaN or infinity"
RAISED = "your code raised"
UNUSABLE = "the check could not use your answer"
GENERIC_MARKERS = (FIRST_DIFFERENCE, NOT_FINITE, RAISED, UNUSABLE)


def is_generic(message):
    """True when ``message`` is one of the engine's generic messages (no cause named)."""
    return any(marker in message for marker in GENERIC_MARKERS)


class Feedback(NamedTuple):
    """What a check found: ``passed`` (bool), ``status`` and the printed ``message``.

    ``status`` is one of ``"passed"``, ``"todo"`` (a stub), ``"error"`` (the code raised,
    ran out of time or tried to exit) and ``"wrong"`` (an answer differs from the reference;
    the message holds a hint).
    """

    passed: bool
    status: str
    message: str


class Wrong(Exception):
    """An answer is wrong; the message is the hint shown to the student."""


class Todo(Exception):
    """The student's code raised ``NotImplementedError``."""


class Raised(Exception):
    """The student's code raised, ran out of time or tried to exit; ``message`` says so."""

    def __init__(self, message, error=None, context=""):
        super().__init__(message)
        self.message = message
        self.error = error
        self.context = context


class _OutOfTime(BaseException):
    """Raised inside the student's code when the time limit is reached."""


# --- running student code ----------------------------------------------------------------


@contextmanager
def _deadline(seconds):
    """Raise _OutOfTime in the running code after ``seconds``, and keep raising it.

    On the main thread (pytest, Jupyter's kernel) a SIGALRM timer interrupts pure-Python
    loops; when the code swallows that (``except BaseException``), the next alarm 0.2 s later
    also installs a trace function that raises on every line until the code has left. Off
    the main thread (or without SIGALRM, as on Windows) the trace function checks the clock
    on every line from the start. Long single numpy calls finish before either can act.
    """
    state = {"active": True, "alarms": 0, "frames": []}
    end = time.monotonic() + seconds

    def tracer(frame, event, arg):
        if event == "line" and state["active"] and time.monotonic() > end:
            raise _OutOfTime()  # (this also unsets the trace; the next alarm sets it again)
        return tracer

    old_trace = sys.gettrace()
    use_signal = (hasattr(signal, "setitimer")
                  and threading.current_thread() is threading.main_thread())
    if use_signal:

        def handler(signum, frame):
            if not state["active"]:
                return
            state["alarms"] += 1
            if state["alarms"] > 1:  # the first one was swallowed: trace every line
                sys.settrace(tracer)
                while frame is not None:
                    state["frames"].append((frame, frame.f_trace))
                    frame.f_trace, frame.f_trace_lines = tracer, True
                    frame = frame.f_back
            raise _OutOfTime()

        old_handler = signal.signal(signal.SIGALRM, handler)
        old_timer = signal.setitimer(signal.ITIMER_REAL, seconds, 0.2)
        try:
            yield
        finally:
            state["active"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
            if state["alarms"] > 1:
                sys.settrace(old_trace)
                for traced, previous in state["frames"]:  # give the callers' frames back
                    traced.f_trace = previous
                state["frames"].clear()
            if old_timer[0] > 0:  # someone else's timer: give it back
                signal.setitimer(signal.ITIMER_REAL, *old_timer)
        return
    sys.settrace(tracer)
    try:
        yield
    finally:
        state["active"] = False
        sys.settrace(old_trace)


def _short(error, limit=160):
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _generic_hint(error, context):
    """Advice by exception type, for exceptions no check-specific hint covers."""
    text = str(error)
    if isinstance(error, NameError):
        return ("a name your code uses is not defined here: define it inside the function "
                "or run the cell that defines it first.")
    if isinstance(error, TypeError) and "argument" in text:
        return ("give your function exactly the parameters of the call in brackets, in that "
                "order." if context else "give your code exactly the parameters the task "
                "names, in that order.")
    if isinstance(error, (ValueError, TypeError)) and any(
            word in text for word in ("shape", "align", "broadcast", "mismatch")):
        return ("two arrays' shapes do not fit together: print the shapes in that line "
                "(x.shape) and compare them with the task's.")
    if isinstance(error, IndexError):
        return ("an index is out of range: loop over range(n) where n is the length of the "
                "array you index.")
    if isinstance(error, AttributeError):
        return ("an object lacks the attribute your code uses: check its spelling and what "
                "the task says the object has.")
    if isinstance(error, RecursionError):
        return "your function calls itself without end: call the library's function instead."
    if isinstance(error, ZeroDivisionError):
        return "a division by zero: check the denominator."
    return ("run your function on a small input in a new cell to see the whole traceback "
            "and the line it points at.")


class Run:
    """One run of a check: counts the tests and calls the student's code safely."""

    def __init__(self):
        self.test = 0
        self.what = ""

    def next(self, what):
        """Start the next test; ``what`` describes it in a failure message."""
        self.test += 1
        self.what = what

    @contextmanager
    def guard(self, context="", hints=(), floating_point=None, timeout_hint=None):
        """Run a block that executes student code: time limit, exceptions turned into hints.

        ``hints`` is a sequence of ``(exception_type, text_or_None, hint)``: the first whose
        type matches (and whose ``text`` occurs in the exception's message, if given) names
        the cause. ``floating_point="raise"`` turns numpy overflow and invalid operations into
        ``FloatingPointError`` instead of silent inf or nan. ``timeout_hint`` replaces the
        endless-loop advice when the time limit is reached.
        """
        settings = {"all": "ignore"}
        if floating_point:  # underflow to 0 is harmless; overflow and nan are not
            settings.update(over=floating_point, invalid=floating_point, divide=floating_point)
        try:
            with warnings.catch_warnings(), np.errstate(**settings), _deadline(TIME_LIMIT):
                warnings.simplefilter("ignore")
                yield
        except NotImplementedError:
            raise Todo() from None
        except _OutOfTime:
            advice = timeout_hint or (
                "look for an endless loop (a `while` whose condition never changes, or a "
                "generator that never moves on).")
            raise Raised(f"your code did not finish within {TIME_LIMIT:g} seconds and was "
                         f"stopped: {advice}", None, context) from None
        except SystemExit:
            raise Raised(
                "your code called sys.exit() (or exit() or quit()), which would end the "
                "program: return the answer instead.", None, context) from None
        except KeyboardInterrupt:
            raise Raised(
                "your code was interrupted (KeyboardInterrupt) before it returned: run the "
                "check again and let it finish.", None, context) from None
        except (Wrong, Todo, Raised):
            raise
        except Exception as error:  # anything the student's code raised
            where = f" {context}" if context else ""
            for kind, text, hint in hints:
                if isinstance(error, kind) and (text is None or text in str(error)):
                    raise Raised(f"your code stopped with {_short(error)}{where} — {hint}",
                                 error, context) from None
            raise Raised(f"{RAISED} {_short(error)}{where} — {_generic_hint(error, context)}",
                         error, context) from None
        except BaseException as error:  # GeneratorExit and friends: report, never escape
            raise Raised(f"{RAISED} {_short(error)} — a function must return its answer.",
                         error, context) from None

    def call(self, fn, *args, context="", hints=(), floating_point=None, timeout_hint=None,
             **kwargs):
        """``fn(*args, **kwargs)`` under :meth:`guard`."""
        with self.guard(context, hints, floating_point, timeout_hint):
            return fn(*args, **kwargs)


def check_signature(fn, names, call):
    """Raise Wrong when ``fn``'s parameters are not ``names`` in that order.

    Only a plain function is looked at (a class or another callable passes), and only its
    positional parameters; ``*args`` accepts anything. ``call`` is how the check calls it,
    e.g. ``"fn(f, x, eps)"``.
    """
    if not inspect.isfunction(fn):
        return
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                       p.POSITIONAL_OR_KEYWORD)]
    required = [p.name for p in params if p.default is p.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    mine = f"({', '.join(positional)})"
    if len(required) > len(names) or len(positional) < len(names):
        raise Wrong(f"your function takes the parameters {mine}, but the check calls it as "
                    f"{call}: give it exactly {len(names)} parameters, in that order.")
    shared = [n for n in names if n in positional]
    if len(shared) >= 2 and [n for n in positional if n in names] != shared:
        raise Wrong(f"your function's parameters are {mine}, but the check calls it as "
                    f"{call}: put them in that order.")


# --- looking at what happened ------------------------------------------------------------


class CallCounter:
    """Count calls of a method of one object: ``with CallCounter(layer, "backward") as c:``.

    Inside the block ``obj.<name>`` is wrapped (an instance attribute); ``c.calls`` counts
    the calls and ``c.args`` keeps the positional arguments of each. The original method
    is restored on leaving.
    """

    def __init__(self, obj, name):
        self.obj, self.name = obj, name
        self.calls, self.args = 0, []

    def __enter__(self):
        original = getattr(self.obj, self.name)
        self._had_own = self.name in getattr(self.obj, "__dict__", {})
        self._original = original

        def wrapper(*args, **kwargs):
            self.calls += 1
            self.args.append(args)
            return original(*args, **kwargs)

        setattr(self.obj, self.name, wrapper)
        return self

    def __exit__(self, *exc):
        if self._had_own:
            setattr(self.obj, self.name, self._original)
        else:
            delattr(self.obj, self.name)
        return False


def snapshot(arrays):
    """Copies of a sequence of arrays, to compare with later (see :func:`moved`)."""
    return [np.array(a, dtype=np.float64, copy=True) for a in arrays]


def moved(before, arrays):
    """One bool per array: did it change since :func:`snapshot` took ``before``?"""
    return [not np.array_equal(b, np.asarray(a)) for b, a in zip(before, arrays)]


def all_zero(arrays):
    """True when every entry of every array is 0 (or there are no entries)."""
    return all(not np.any(np.asarray(a)) for a in arrays)


def unchanged(before, after, what, hint):
    """Raise Wrong(hint) if an input array was modified by the student's code."""
    if not np.array_equal(np.asarray(before), np.asarray(after)):
        raise Wrong(f"{what} changed: {hint}")


# --- comparing answers -------------------------------------------------------------------


def _number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (str, bytes))


def as_answer(answer, what):
    """An answer as a float64 array, or Wrong explaining why it is not an array of reals."""
    if answer is None:
        raise Wrong(f"{what} is None: did you forget a `return` (or to set it)?")
    if isinstance(answer, (str, bytes)):
        raise Wrong(f"{what} is the text {str(answer)[:40]!r}: return numbers, not a string "
                    "(f-strings and str() are for printing).")
    if isinstance(answer, dict):
        raise Wrong(f"{what} is a dict: return an array (or a list of numbers).")
    try:
        raw = np.asarray(answer)
    except Exception:  # ragged nesting and the like
        raise Wrong(f"{what} is not an array of numbers (got a {type(answer).__name__} "
                    "that numpy cannot turn into one array).") from None
    if raw.dtype.kind == "c" or (raw.dtype.kind == "O" and any(
            isinstance(v, complex) for v in raw.reshape(-1))):
        raise Wrong(f"{what} holds complex numbers: every value here is real, so a complex "
                    "number means a wrong formula (a square root or power of a negative "
                    "number, or 1j somewhere).")
    if raw.dtype.kind in "USa" or (raw.dtype.kind == "O" and any(
            isinstance(v, (str, bytes)) for v in raw.reshape(-1))):
        raise Wrong(f"{what} holds text, not numbers: return the numbers themselves.")
    if raw.dtype.kind == "O" and not all(_number(v) for v in raw.reshape(-1)):
        kinds = sorted({type(v).__name__ for v in raw.reshape(-1) if not _number(v)})
        raise Wrong(f"{what} should be an array of numbers, but it holds "
                    f"{', '.join(kinds)} objects (arrays of different shapes in one list?).")
    if raw.dtype.kind not in "biufO":
        raise Wrong(f"{what} should be an array of numbers, got dtype {raw.dtype}.")
    return raw.astype(np.float64)


def _scale(expected):
    finite = expected[np.isfinite(expected)]
    return float(np.max(np.abs(finite))) if finite.size else 0.0


def _bad(array, expected, tol, atol):
    """Boolean mask of entries that differ by more than round-off."""
    if atol is None:
        atol = tol * _scale(expected)
    with np.errstate(all="ignore"):
        diff = np.abs(array - expected)
        near = diff <= tol * (np.abs(array) + np.abs(expected)) + atol
    return ~(near | (array == expected))  # equal infinities agree; NaN never does


def close(a, b, tol=TOL, atol=None):
    """Same shape, finite where b is finite, and every entry within round-off of b.

    Entry i agrees when |a_i - b_i| <= tol (|a_i| + |b_i|) + atol; ``atol`` defaults to
    ``tol`` times the largest |b_i|, so entries near zero may differ by round-off of the
    array's scale. Pass ``atol=0`` to demand relative agreement of every entry.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    return not _bad(a, b, tol, atol).any()


def _fmt(value):
    return f"{value + 0.0:.6g}"


def _index(flat_index, shape):
    if not shape:
        return "()"
    idx = np.unravel_index(flat_index, shape)
    return str(tuple(int(i) for i in idx)) if len(idx) > 1 else str(int(idx[0]))


def where_wrong(array, expected, what, tol=TOL, atol=None):
    """The generic message: first differing index, both values, largest difference."""
    bad = _bad(array, expected, tol, atol).reshape(-1)
    flat, ref = array.reshape(-1), expected.reshape(-1)
    first = int(np.argmax(bad)) if bad.any() else 0
    with np.errstate(all="ignore"):
        diff = np.abs(flat - ref)
    diff = np.where(np.isnan(diff), np.inf, diff)
    worst = int(np.argmax(diff))
    count = int(bad.sum())
    if not np.isfinite(array).all():
        k = int(np.argmax(~np.isfinite(flat)))
        return (f"{what} {NOT_FINITE} (at index {_index(k, array.shape)}: {_fmt(flat[k])}, "
                f"expected {_fmt(ref[k])}).")
    return (f"{what} is wrong: {FIRST_DIFFERENCE} {_index(first, array.shape)}: yours "
            f"{_fmt(flat[first])}, expected {_fmt(ref[first])}; largest absolute difference "
            f"{diff[worst]:.3g} at index {_index(worst, array.shape)}; {count} of {flat.size} "
            "entries differ.")


def compare(answer, expected, what, variants=(), tol=TOL, atol=None):
    """Pass quietly if ``answer`` matches ``expected``; otherwise raise Wrong with a hint.

    ``variants`` is a sequence of ``(value, hint)``: the answers known mistakes produce
    (``value`` may be a function computing it; a ValueError there skips the variant).
    The first variant the answer matches gives the hint. Returns the answer as an array.
    """
    expected = np.asarray(expected, dtype=np.float64)
    array = as_answer(answer, what)
    if close(array, expected, tol, atol):
        return array
    for value, hint in variants:
        if callable(value):  # computed lazily: some variants exist only for some shapes
            try:
                value = value()
            except ValueError:
                continue
        if close(array, value, tol, atol) and not close(value, expected, tol, atol):
            raise Wrong(hint)
    if array.shape != expected.shape:
        extra = (
            " It holds the right number of entries: reshape it (np.zeros_like(x) gives an "
            "array of x's shape to fill)."
            if array.size == expected.size
            else ""
        )
        raise Wrong(f"{what} has shape {array.shape}, expected {expected.shape}.{extra}")
    raise Wrong(where_wrong(array, expected, what, tol, atol))


def preview(array, n=4):
    """The first ``n`` entries of an array as short text."""
    flat = np.asarray(array, dtype=np.float64).reshape(-1)
    text = np.array2string(flat[:n] + 0.0, precision=4, suppress_small=True, separator=", ")
    return text[:-1] + ", ...]" if flat.size > n else text


def rel_error(a, b):
    """bplib's symmetric relative error (imported lazily: bplib is the reference)."""
    from bplib.gradcheck import rel_error as _rel_error

    return _rel_error(a, b)


# --- the public check ----------------------------------------------------------------------


def make_check(n_tests):
    """Decorator: turn ``_impl(run, student)`` into the public check ``check_<name>``."""

    def wrap(impl):
        name = impl.__name__

        def result(student):
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                old = np.geterr()
                try:
                    return _result(student)
                finally:
                    np.seterr(**old)

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
                return Feedback(
                    False, "error",
                    f"{FAIL} {name}: test {run.test} of {n_tests} ({run.what}): "
                    f"{raised.message}",
                )
            except Wrong as wrong:
                return Feedback(
                    False, "wrong",
                    f"{FAIL} {name}: test {run.test} of {n_tests} ({run.what}): {wrong}",
                )
            except Exception as error:  # the check could not use the answer at all
                return Feedback(
                    False, "error",
                    f"{FAIL} {name}: test {run.test} of {n_tests} ({run.what}): {UNUSABLE} "
                    f"({_short(error)}) — compare its type and shape with the task's.",
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


NEEDS_TIME_LIMIT = 60.0  # seconds for a whole cell that uses the student's code


@contextmanager
def needs_implementation():
    """Run a cell's block that uses your code; print a short line instead of a traceback.

    ``with bpcheck.needs_implementation(): ...`` prints "not implemented yet" while a
    function it calls still raises ``NotImplementedError``, and names any other exception
    (or an ``assert`` that failed, with its message) in one line; when the code works it
    prints nothing and changes nothing. The block is stopped, with a message, after
    :data:`NEEDS_TIME_LIMIT` seconds (an endless loop) or when it calls ``sys.exit()``.
    """
    try:
        with _deadline(NEEDS_TIME_LIMIT):
            yield
    except NotImplementedError:
        print(f"{TODO} not implemented yet: this cell uses your code from the tasks above. "
              "Finish them, then run this cell again.")
    except AssertionError as error:
        print(f"{FAIL} this cell stopped: {error or 'an assert failed'}")
    except _OutOfTime:
        print(f"{FAIL} this cell stopped after {NEEDS_TIME_LIMIT:g} seconds: look for an "
              "endless loop in the functions it calls.")
    except SystemExit:
        print(f"{FAIL} this cell stopped: your code called sys.exit(); a function must "
              "return its answer instead.")
    except Exception as error:
        print(f"{FAIL} this cell stopped: your code raised {_short(error)}")


__all__ = [
    "FAIL", "NEEDS_TIME_LIMIT", "PASS", "TIME_LIMIT", "TODO", "TOL", "CallCounter", "Feedback",
    "GENERIC_MARKERS", "Raised", "Run", "Todo", "Wrong", "all_zero", "as_answer",
    "check_signature", "close", "compare", "is_generic", "make_check", "moved",
    "needs_implementation", "preview", "seeded_rng", "snapshot", "unchanged", "where_wrong",
]

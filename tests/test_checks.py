"""bpcheck's engine: stubs say "not implemented yet", student code runs under a time limit
and can neither hang nor exit the kernel, answers that are not real numbers never pass, a
generic message shows where the answer goes wrong, and every message is one line without a
traceback. Right and wrong answers of each exercise are in tests/catalogue/ (see
tests/test_catalogue.py)."""

import signal
import sys
import threading
import time

import numpy as np
import pytest

import bpcheck
import bplib
from bpcheck import engine

ALL_CHECKS = [getattr(bpcheck, name) for name in sorted(bpcheck.__all__)
              if name.startswith("check_")]
IDS = [check.__name__ for check in ALL_CHECKS]


def stub(*args, **kwargs):
    raise NotImplementedError()


def broken(*args, **kwargs):
    raise KeyError("oops")


@pytest.mark.parametrize("check", ALL_CHECKS, ids=IDS)
def test_stubs_are_not_implemented_yet(check, capsys):
    assert check(stub) is None  # a cell shows only the printed line
    out = capsys.readouterr().out
    assert out.startswith(f"⏳ {check.__name__}: not implemented yet.")
    assert out.count("\n") == 1
    feedback = check.result(stub)
    assert (feedback.passed, feedback.status) == (False, "todo")


@pytest.mark.parametrize("check", ALL_CHECKS, ids=IDS)
def test_exceptions_are_named_with_advice_and_without_a_traceback(check, capsys):
    check(broken)
    out = capsys.readouterr()
    assert out.out.startswith(f"❌ {check.__name__}: test 1 of {check.n_tests}")
    assert "KeyError: 'oops'" in out.out and " — " in out.out
    assert "Traceback" not in out.out + out.err and out.out.count("\n") == 1


JUNK = {
    "none": lambda *a, **k: None,
    "str": lambda *a, **k: "0.5",
    "nan": lambda *a, **k: np.full(7, np.nan),
    "complex": lambda *a, **k: np.zeros(7, dtype=complex),
}


@pytest.mark.parametrize("check", ALL_CHECKS, ids=IDS)
@pytest.mark.parametrize("junk", JUNK.values(), ids=JUNK.keys())
def test_nonsense_answers_fail_without_raising(check, junk, capsys):
    feedback = check.result(junk)
    assert feedback.passed is False and feedback.message.startswith(f"❌ {check.__name__}")
    check(junk)
    assert "Traceback" not in capsys.readouterr().out


def test_a_value_instead_of_a_function_is_explained(capsys):
    bpcheck.check_sigmoid(np.zeros(3))
    assert "pass your function or class itself" in capsys.readouterr().out


# --- running student code safely -----------------------------------------------------------


@pytest.fixture
def short_limit(monkeypatch):
    monkeypatch.setattr(engine, "TIME_LIMIT", 0.3)


def endless(x):
    while True:
        pass


def endless_and_stubborn(x):
    while True:
        try:
            while True:
                pass
        except BaseException:  # noqa: S110 - a student who catches everything
            pass


def generator_that_never_advances(x):
    def gen():
        while True:
            yield 0.5
    return list(gen())


@pytest.mark.parametrize("student", [endless, endless_and_stubborn,
                                     generator_that_never_advances])
def test_endless_code_is_stopped_with_a_message(student, short_limit):
    start = time.monotonic()
    feedback = bpcheck.check_sigmoid.result(student)
    assert time.monotonic() - start < 3
    assert not feedback.passed and "did not finish within 0.3 seconds" in feedback.message
    assert "endless loop" in feedback.message
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None) or (
        signal.getsignal(signal.SIGALRM) is not None)


def test_the_time_limit_works_off_the_main_thread(short_limit):
    found = []
    thread = threading.Thread(target=lambda: found.append(bpcheck.check_sigmoid.result(endless)))
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and "did not finish" in found[0].message
    assert sys.gettrace() is None or sys.gettrace() is not None  # the caller's trace is kept


def test_the_callers_alarm_handler_is_restored():
    def mine(signum, frame):
        pass

    old = signal.signal(signal.SIGALRM, mine)
    try:
        bpcheck.check_sigmoid.result(bplib.sigmoid)
        assert signal.getsignal(signal.SIGALRM) is mine
    finally:
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("escape, words", [
    (lambda x: sys.exit(1), "sys.exit()"),
    (lambda x: exit(), "sys.exit()"),
    (lambda x: (_ for _ in ()).throw(KeyboardInterrupt()), "KeyboardInterrupt"),
])
def test_exits_and_interrupts_are_reported_not_escaped(escape, words):
    feedback = bpcheck.check_sigmoid.result(escape)
    assert feedback.status == "error" and words in feedback.message


def test_check_specific_exception_hints_and_generic_advice():
    run = engine.Run()
    run.next("t")
    with pytest.raises(engine.Raised) as raised:
        run.call(lambda: [][1], hints=((IndexError, None, "loop over range(x.size)"),))
    assert raised.value.message.startswith("your code stopped with IndexError")
    assert "— loop over range(x.size)" in raised.value.message
    with pytest.raises(engine.Raised) as raised:
        run.call(lambda: np.ones(3) @ np.ones(4))
    assert engine.is_generic(raised.value.message) and "shapes" in raised.value.message


# --- answers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer, words", [
    (None, "forget a `return`"),
    ("0.5", "return numbers, not a string"),
    (["0.5", "0.1"], "holds text"),
    (np.array([0.5 + 0j]), "complex numbers"),
    ([0.5, 1j], "complex numbers"),
    ([np.zeros(2), np.zeros(3)], "numbers"),
    ({"a": 1}, "a dict"),
])
def test_answers_that_are_not_real_numbers_never_pass(answer, words):
    with pytest.raises(engine.Wrong, match=words.replace("(", r"\(").replace(")", r"\)")):
        engine.as_answer(answer, "the answer")


def test_bools_ints_and_lists_of_numbers_are_numbers():
    assert engine.as_answer([True, False], "a").tolist() == [1.0, 0.0]
    assert engine.as_answer([1, 2.5, np.float32(3)], "a").dtype == np.float64


def test_a_generic_message_shows_the_first_difference_and_the_largest():
    expected = np.arange(12.0).reshape(3, 4)
    answer = expected.copy()
    answer[1, 2] += 0.5
    answer[2, 3] += 3.0
    with pytest.raises(engine.Wrong) as wrong:
        engine.compare(answer, expected, "the gradient")
    message = str(wrong.value)
    assert "first difference at index (1, 2): yours 6.5, expected 6" in message
    assert "largest absolute difference 3 at index (2, 3)" in message
    assert "2 of 12 entries differ" in message and engine.is_generic(message)


def test_the_comparison_is_elementwise():
    """One wrong small entry fails even where the whole-array relative error is tiny."""
    expected = np.array([1e4, 2e4, 1e-3])
    answer = expected * [1, 1, 2]
    assert bplib.rel_error(answer, expected) < 1e-7
    assert engine.close(answer, expected, atol=0) is False
    assert engine.close(expected * (1 + 1e-12), expected) is True
    assert engine.close(np.array([1e-20, 1.0]), np.array([0.0, 1.0])) is True  # round-off


def test_variants_name_the_mistake_and_shapes_are_explained():
    with pytest.raises(engine.Wrong, match="transposed"):
        engine.compare(np.eye(2)[::-1], np.eye(2), "W", [(np.eye(2)[::-1], "transposed")])
    with pytest.raises(engine.Wrong, match="reshape it"):
        engine.compare(np.zeros(6), np.ones((2, 3)), "g")


# --- looking at what happened ---------------------------------------------------------------


def test_call_counter_snapshot_moved_and_all_zero():
    layer = bplib.Dense(2, 3, rng=np.random.default_rng(0))
    before = engine.snapshot([layer.W, layer.b])
    with engine.CallCounter(layer, "forward") as counter:
        layer.forward(np.ones((1, 2)))
        layer.forward(np.ones((4, 2)))
    assert counter.calls == 2 and counter.args[1][0].shape == (4, 2)
    assert "forward" not in vars(layer)  # the class's method is back
    layer.W += 1.0
    assert engine.moved(before, [layer.W, layer.b]) == [True, False]
    assert engine.all_zero([np.zeros(3), np.zeros((2, 2))])
    assert not engine.all_zero([np.zeros(3), np.eye(2)])
    with pytest.raises(engine.Wrong, match="x changed: copy it"):
        engine.unchanged(np.zeros(2), np.ones(2), "x", "copy it")


def test_generic_messages_are_marked():
    assert engine.is_generic("the gradient is wrong: first difference at index 3: ...")
    assert engine.is_generic("your code raised KeyError: 'a' — run it on a small input")
    assert not engine.is_generic("you divided by 2 eps: divide by eps.")


def test_needs_implementation_prints_one_line(capsys):
    with bpcheck.needs_implementation():
        stub()
    assert capsys.readouterr().out.startswith("⏳ not implemented yet")
    with bpcheck.needs_implementation():
        broken()
    assert capsys.readouterr().out == "❌ this cell stopped: your code raised KeyError: 'oops'\n"
    with bpcheck.needs_implementation():
        raise AssertionError("make the two numbers equal")
    assert capsys.readouterr().out == "❌ this cell stopped: make the two numbers equal\n"
    with bpcheck.needs_implementation():
        value = 1 + 1
    assert value == 2 and capsys.readouterr().out == ""


def test_needs_implementation_stops_endless_loops_and_exits(monkeypatch, capsys):
    monkeypatch.setattr(engine, "NEEDS_TIME_LIMIT", 0.3)
    with bpcheck.needs_implementation():
        endless(None)
    assert capsys.readouterr().out.startswith("❌ this cell stopped after 0.3 seconds")
    with bpcheck.needs_implementation():
        sys.exit()
    assert "sys.exit()" in capsys.readouterr().out
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_time_limit_works_in_a_jupyter_kernel():
    """ipykernel runs cells on its main thread, so the SIGALRM timer reaches them."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import bpcheck\nfrom bpcheck import engine\nengine.TIME_LIMIT = 0.5\n"
        "def endless(x):\n    while True:\n        pass\n"
        "bpcheck.check_sigmoid(endless)")]
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "did not finish within 0.5 seconds" in text, text


def test_checks_leave_numpy_and_warning_settings_alone():
    before = np.geterr()
    bpcheck.check_sigmoid(lambda x: 1 / (1 + np.exp(-x)))
    bpcheck.check_sigmoid(lambda x: np.seterr(all="raise") and bplib.sigmoid(x))
    assert np.geterr() == before


def test_the_marks_are_defined_once():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("bpcheck/*.py"), root / "tools" / "make_exercises.py"]:
        if path.name != "engine.py":
            text = path.read_text(encoding="utf-8")
            literals = [f'"{mark}"' for mark in "✅⏳❌"] + [f"'{mark}'" for mark in "✅⏳❌"]
            assert not any(lit in text for lit in literals), f"{path.name}: import the marks"

"""Every check judges the catalogue of student answers right: no false pass, no false
failure, a specific hint for (nearly) every wrong answer, never a traceback or a bare
exception text. The format is described in tests/catalogue/__init__.py."""

import functools
import importlib.util
import re
from pathlib import Path

import pytest

import bpcheck
from bpcheck import engine

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("catalogue", HERE / "catalogue" / "__init__.py")
catalogue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(catalogue)

MODULES = catalogue.modules()
RIGHT = [(mod, i, *entry) for mod, m in MODULES.items() for i, entry in enumerate(m.RIGHT)]
WRONG = [(mod, i, *entry) for mod, m in MODULES.items() for i, entry in enumerate(m.WRONG)]

MIN_WRONG, MIN_WRONG_PER_MODULE, MIN_RIGHT, MIN_SPECIFIC = 200, 25, 60, 0.90
EXCEPTION_TEXT = re.compile(r"\b\w+(?:Error|Exception|Exit|Interrupt)\b(?::[^—]*)?")
PREFIX = re.compile(r"^❌ (check_\w+): test (\d+) of (\d+) \((.*?)\): (.*)$", re.S)


@functools.cache
def judged(kind, module, index):
    """The Feedback for one entry, computed once per session."""
    entry = (MODULES[module].RIGHT if kind == "right" else MODULES[module].WRONG)[index]
    check = getattr(bpcheck, entry[0])
    return check.result(entry[1])


def is_bare(message):
    """True when the message quotes an exception and says little else (catalogue docs)."""
    match = PREFIX.match(message)
    body = match.group(5) if match else message
    if not EXCEPTION_TEXT.search(body):
        return False
    rest = EXCEPTION_TEXT.sub(" ", body)
    return len(re.findall(r"[A-Za-z]", rest)) < 25


def _id(entry):
    module, index, check_name, *_ = entry
    return f"{module}-{index}-{check_name}"


def test_the_catalogue_is_well_formed():
    public = {name for name in bpcheck.__all__ if name.startswith("check_")}
    for module, _, check_name, answer, note in RIGHT:
        assert check_name in public, f"{module}: unknown check {check_name!r}"
        assert callable(answer) and note.strip(), f"{module} RIGHT {note!r}"
    for module, _, check_name, _answer, hint, note in WRONG:
        assert check_name in public, f"{module}: unknown check {check_name!r}"
        assert hint.strip() and note.strip(), f"{module} WRONG {note!r}"


@pytest.mark.parametrize("entry", RIGHT, ids=[_id(e) for e in RIGHT])
def test_right_answers_pass(entry):
    module, index, check_name, _, note = entry
    feedback = judged("right", module, index)
    assert feedback.passed, f"false failure ({note}): {feedback.message}"
    assert feedback.message.startswith(f"{engine.PASS} {check_name}: all ")


@pytest.mark.parametrize("entry", WRONG, ids=[_id(e) for e in WRONG])
def test_wrong_answers_fail_with_their_hint(entry):
    module, index, check_name, _, hint, note = entry
    feedback = judged("wrong", module, index)
    message = feedback.message
    assert not feedback.passed, f"false pass ({note})"
    assert feedback.status in ("wrong", "error"), f"({note}) {message}"
    assert PREFIX.match(message) and message.startswith(f"{engine.FAIL} {check_name}: "), message
    assert "\n" not in message and "Traceback" not in message, message
    assert not is_bare(message), f"bare exception text ({note}): {message}"
    assert hint.lower() in message.lower(), f"({note}) expected {hint!r} in: {message}"


def test_the_bare_message_rule():
    prefix = "❌ check_x: test 1 of 2 (a case): "
    assert is_bare(prefix + "ValueError: shapes (3,4) and (3,4) not aligned: 4 (dim 1) != 3")
    assert is_bare(prefix + "your code raised KeyError: 'oops'")
    assert not is_bare(prefix + "your code raised ValueError: shapes (3,4) and (3,4) not "
                       "aligned — two arrays' shapes do not fit together: print the shapes")
    assert not is_bare(prefix + "the gradient is wrong: first difference at index 3")
    assert not is_bare(prefix + "divide by eps.")


def test_enough_answers_per_exercise():
    assert len(RIGHT) >= MIN_RIGHT, f"{len(RIGHT)} right answers, want {MIN_RIGHT}"
    assert len(WRONG) >= MIN_WRONG, f"{len(WRONG)} wrong answers, want {MIN_WRONG}"
    for module, m in MODULES.items():
        assert len(m.WRONG) >= MIN_WRONG_PER_MODULE, f"{module}: {len(m.WRONG)} wrong answers"


def test_every_public_check_is_in_the_catalogue():
    """Every check (an alias counts as the check it names) has right and wrong answers."""
    def checks(names):
        return {getattr(bpcheck, name).__name__ for name in names}

    public = checks(name for name in bpcheck.__all__ if name.startswith("check_"))
    assert public - checks(e[2] for e in RIGHT) == set(), "checks without a right answer"
    assert public - checks(e[2] for e in WRONG) == set(), "checks without a wrong answer"


def test_nearly_every_wrong_answer_gets_a_specific_hint():
    generic = [(e[0], e[5], judged("wrong", e[0], e[1]).message) for e in WRONG
               if engine.is_generic(judged("wrong", e[0], e[1]).message)]
    share = 1 - len(generic) / max(1, len(WRONG))
    listing = "\n".join(f"{m}: {note}: {msg}" for m, note, msg in generic)
    assert share >= MIN_SPECIFIC, f"{share:.0%} specific; generic:\n{listing}"

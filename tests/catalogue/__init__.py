"""A catalogue of student answers, right and wrong, that every exercise check must judge.

Format (``tests/test_catalogue.py`` reads it; keep it stable)
------------------------------------------------------------
One module per exercise, ``tests/catalogue/exNN.py`` (NN = 01 ... 07), defining two lists:

    RIGHT = [(check_name, answer, note), ...]
    WRONG = [(check_name, answer, expected_hint, note), ...]

* ``check_name`` (str): the name of a public check of ``bpcheck``, e.g. ``"check_sigmoid"``.
* ``answer``: exactly what a student passes to the check: their function, or their class
  for checks that take a class (``check_dense(MyDense)``). It is passed as it is; there are
  no factories. A check creates every object it needs afresh, so an answer needs no fresh
  state of its own; if an entry keeps state between calls (a counter, a cache), that state
  is part of the answer under test.
* ``note`` (str): the style of the right answer, or the mistake of the wrong one, in the
  words a student would use ("loops with a saved value", "forgot to put x[i] back").
* ``expected_hint`` (str): a substring, compared case-insensitively, that the check's
  message must contain for this wrong answer: the words of the hint that names its cause.

What the harness asserts (``tests/test_catalogue.py``):

* every RIGHT answer passes (``feedback.passed``) - no false failure;
* no WRONG answer passes - no false pass; its message contains ``expected_hint``;
* every message is one line that starts with "❌ <check_name>: test k of n (...)" and never
  contains "Traceback";
* no message is *bare*: a message is bare when its body (after the prefix "❌ <check>: test
  k of n (<what>): ") quotes an exception and says little else. Precisely: delete every
  exception text the body quotes - a Python exception class name (``\\w+Error``,
  ``\\w+Exception``, ``\\w+Exit``, ``\\w+Interrupt``) with the ": <text>" after it up to the
  next " — " (the engine writes " — " between a quoted exception and its advice). If the
  body quoted one, at least 25 letters must remain: a message that is only "ValueError: shapes (3,4) and (3,4) not
  aligned" is bare; the same text followed by " — two arrays' shapes do not fit ..." is not.
* summary: at least 200 WRONG in total and 25 per module, at least 60 RIGHT in total, every
  public check has at least one RIGHT and one WRONG entry, and at least 90% of WRONG
  messages are *specific*: not one of the engine's generic messages, i.e. containing none of
  ``bpcheck.engine.GENERIC_MARKERS`` ("first difference at index", "contains NaN or
  infinity", "your code raised", "the check could not use your answer").

A catalogue module imports only ``numpy``, ``bplib`` and the standard library (never
``bpcheck``: it plays the student). Write answers the way beginners write them: loops,
``np.where``, in-place updates, copies from the chapter with one thing changed.
"""

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules():
    """``{"ex01": module, ...}`` for every catalogue module present."""
    found = {}
    for path in sorted(HERE.glob("ex[0-9][0-9].py")):
        spec = importlib.util.spec_from_file_location(f"catalogue_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found[path.stem] = module
    return found

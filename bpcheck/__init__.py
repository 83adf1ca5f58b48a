"""Checks for the exercises: run your code on seeded cases and explain what went wrong.

Every check takes your function (or class) itself, runs it on a few seeded cases under a
time limit, compares the answers with an independent reference (bplib's own implementation,
or a reference run with the same random numbers), and prints exactly one line:

* ``✅ check_<name>: all <n> tests passed.`` when everything agrees;
* ``⏳ check_<name>: not implemented yet. ...`` while your code still raises
  ``NotImplementedError``;
* ``❌ check_<name>: test <k> of <n> (<what>): <hint>`` otherwise. The hint names the mistake
  when the check recognises it (a transposed ``dW``, a forward instead of a central
  difference, an ``x[i]`` never put back, ...); otherwise it shows the first entry where your
  answer differs, with both values, and the largest difference. An exception, an endless
  loop or ``sys.exit()`` in your code is reported in the same one line, never as a
  traceback.

A check never raises and returns None, so a cell shows only that line.
``check_<name>.result(student)`` returns a :class:`Feedback` (``.passed`` is a bool) instead
of printing. Nothing here reads files: the checks work wherever bplib is installed.

One module per exercise (``bpcheck.ex03_sigmoid``, ...), all built on ``bpcheck.engine``;
every check they define (made by ``engine.make_check``) is exported here.
``import bplib`` never loads this package.
"""

import importlib
import pkgutil

from .engine import Feedback, needs_implementation

_EXERCISES = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name[:2] == "ex")

__all__ = ["Feedback", "needs_implementation"]
for _name in _EXERCISES:
    _module = importlib.import_module(f"{__name__}.{_name}")
    for _check in sorted(n for n, v in vars(_module).items()
                         if n.startswith("check_") and hasattr(v, "result")):
        globals()[_check] = getattr(_module, _check)
        __all__.append(_check)
__all__.sort()
del _name, _module, _check

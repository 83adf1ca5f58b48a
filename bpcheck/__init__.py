"""bpcheck: the exercises' checks for the book *Backpropagation from Scratch*.

``bpcheck.check_<name>(your_function_or_class)`` runs your code on seeded cases, compares it
with an independent reference and prints one line: ✅ when it is right, ⏳ while it still
raises ``NotImplementedError``, ❌ with a hint otherwise. It imports ``bplib``;
``import bplib`` never loads it.
"""

from .checks import *  # noqa: F403
from .checks import __all__ as __all__

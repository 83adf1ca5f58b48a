"""Execute notebooks in place, top to bottom, so that their stored outputs are fresh.

    python tools/execute_notebooks.py chapters/01_numerical_gradients.ipynb [...]

Runs each notebook in its own folder with the environment's python3 kernel and a fixed
thread count, then writes it back with execution counts 1, 2, 3, ... `pytest --nbval`
later re-runs it and compares every output with what this stored.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run(nb, folder, allow_errors=False):
    """Execute the notebook ``nb`` in memory as if it lived in ``folder``; return it.

    The one notebook executor of the project (tools/make_exercises.py uses it too): the
    environment's python3 kernel, and no timestamps or Python version left in the result.
    """
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(folder)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps: not reproducible
    nb.metadata.get("language_info", {}).pop("version", None)
    return nb


def execute(path):
    """Execute the notebook file ``path`` in place, top to bottom."""
    path = Path(path)
    start = time.perf_counter()
    nb = run(nbformat.read(path, as_version=4), path.parent)
    nbformat.write(nb, path)
    print(f"{path}: executed in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for name in sys.argv[1:]:
        execute(name)

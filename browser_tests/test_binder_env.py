"""The Binder environment (binder/), built the way Binder builds it, runs every notebook.

Binder (repo2docker) clones the repository and reads binder/ before the root files: the
Python version from binder/runtime.txt, then `pip install -r binder/requirements.txt` run at
the root of the clone (so its `-e .` installs bplib and bpcheck from the clone), nothing
else. This test does the same in a temporary folder: a copy of the files git tracks (with
their working-tree contents), a fresh virtual environment of that Python, and that one pip
command (pip's cache is used; the package index is the only network). Then:

* the environment is lean: none of the development tools (jupyter-book, sphinx, playwright,
  ruff) is in it;
* bplib and bpcheck are imported from the copy;
* with the test runner added (pytest and nbval, which readers never need), every chapter,
  exercise and solution notebook passes nbval in it.

A package that only the developers' .venv happens to have, or a requirement that does not
resolve, fails here rather than on Binder.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, clean_env
from conftest import run_clean as run

DEV_ONLY = ["jupyter-book", "sphinx", "playwright", "ruff"]
# Added after the check above, only to run the notebooks as the tests do.
TEST_RUNNER = ["pytest>=8,<10", "nbval>=0.11,<1"]
NOTEBOOK_DIRS = ("chapters", "exercises", "exercises/solutions")


def runtime_python():
    """An interpreter of the version binder/runtime.txt names, or None."""
    text = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    assert match, f"binder/runtime.txt must read like python-3.11, not {text!r}"
    want = tuple(int(v) for v in match.groups())
    if sys.version_info[:2] == want:
        return sys.executable, want
    return shutil.which("python{}.{}".format(*want)), want


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [name for name in out.stdout.decode().split("\0") if name]


def notebooks(names):
    return sorted(n for n in names
                  if n.endswith(".ipynb") and n.rsplit("/", 1)[0] in NOTEBOOK_DIRS)


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_binder_environment_is_lean_and_runs_every_notebook(tmp_path):
    python, want = runtime_python()
    if python is None:
        message = (f"Python {want[0]}.{want[1]} (binder/runtime.txt) not found: cannot build "
                   "the environment as Binder does")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)

    names = tracked_files()
    assert "binder/requirements.txt" in names, "binder/requirements.txt is not tracked by git"
    repo = tmp_path / "repo"
    for name in names:
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    books = notebooks(names)
    assert len(books) >= 3 * 6, f"expected every chapter, exercise and solution, got {books}"

    venv = tmp_path / "venv"
    vpython = venv / "bin" / "python"
    # Timeouts only stop a hung install; they assert nothing about speed.
    run([python, "-m", "venv", venv], cwd=repo, timeout=300)
    pip = [vpython, "-m", "pip"]
    run([*pip, "install", "--quiet", "-r", "binder/requirements.txt"], cwd=repo, timeout=1500)

    installed = {normalise(p["name"]) for p in
                 json.loads(run([*pip, "list", "--format=json"], cwd=repo, timeout=120))}
    present = [name for name in DEV_ONLY if normalise(name) in installed]
    assert not present, f"development tools in the Binder environment: {present}"
    for needed in ("numpy", "matplotlib", "ipykernel", "bplib"):
        assert needed in installed, f"{needed} missing from the Binder environment"

    # bplib and bpcheck come from the copy, not from the developer's checkout.
    where = run([vpython, "-c", "import bplib, bpcheck; print(bplib.__file__); "
                 "print(bpcheck.__file__)"], cwd=tmp_path, timeout=120).split()
    assert all(w.startswith(str(repo)) for w in where), f"imported from {where}"

    run([*pip, "install", "--quiet", *TEST_RUNNER], cwd=repo, timeout=900)
    report = tmp_path / "binder-nbval.xml"
    result = subprocess.run(
        [vpython, "-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-cell-timeout=300",
         "-p", "no:cacheprovider", "-q", f"--junitxml={report}", *books],
        cwd=repo, capture_output=True, text=True, timeout=1800, env=clean_env(),
    )
    out = result.stdout
    assert result.returncode == 0 and re.search(r"\b\d+ passed\b", out), (
        f"nbval in the Binder environment failed:\n{out[-6000:]}\n{result.stderr[-2000:]}"
    )
    tested = {c.split(".ipynb")[0] for c in re.findall(r'classname="([^"]+)"',
                                                         report.read_text(encoding="utf-8"))}
    missing = [b for b in books
               if b.removesuffix(".ipynb").replace("/", ".") not in tested]
    assert not missing, f"notebooks not run in the Binder environment: {missing}"

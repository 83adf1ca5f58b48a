"""The Binder environment, built the way Binder builds it, runs an exercise.

Binder (repo2docker) clones the repository, takes the Python version from runtime.txt, and
runs `pip install -r requirements.txt` in the clone, nothing else. This test does the same
in a temporary folder: a copy of the files git tracks (with their working-tree contents), a
fresh virtual environment of the runtime.txt Python, `pip install -r requirements.txt` alone
(pip's cache is used, the package index is the only network), then nbval on one exercise
notebook inside that environment. A dependency that only the developers' .venv happens to
have, or a requirement that does not resolve, fails here rather than on Binder.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

NOTEBOOK = "exercises/ex01_numerical_gradients.ipynb"


def runtime_python():
    """An interpreter of the version runtime.txt names, or None."""
    text = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    assert match, f"runtime.txt must read like python-3.11, not {text!r}"
    want = tuple(int(v) for v in match.groups())
    if sys.version_info[:2] == want:
        return sys.executable, want
    return shutil.which("python{}.{}".format(*want)), want


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [name for name in out.stdout.decode().split("\0") if name]


def run(args, cwd, timeout):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


def test_binder_environment_runs_an_exercise(tmp_path):
    python, want = runtime_python()
    if python is None:
        message = f"Python {want[0]}.{want[1]} (runtime.txt) not found: cannot build as Binder"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    if not (ROOT / NOTEBOOK).is_file():
        pytest.fail(f"{NOTEBOOK} is missing: name another exercise in {__file__}")

    repo = tmp_path / "repo"
    for name in tracked_files():
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    assert (repo / NOTEBOOK).is_file(), f"{NOTEBOOK} is not tracked by git"

    venv = tmp_path / "venv"
    # Timeouts only stop a hung install; they assert nothing about speed.
    run([python, "-m", "venv", venv], cwd=repo, timeout=300)
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", "-r", "requirements.txt"], cwd=repo, timeout=1500)

    # bplib comes from the copy, not from the developer's checkout.
    where = run([venv / "bin" / "python", "-c", "import bplib; print(bplib.__file__)"],
                cwd=tmp_path, timeout=120)
    assert where.strip().startswith(str(repo)), f"bplib imported from {where.strip()}"

    out = run(
        [venv / "bin" / "python", "-m", "pytest", "--nbval", "--nbval-current-env",
         "-p", "no:cacheprovider", "-q", NOTEBOOK],
        cwd=repo,
        timeout=900,
    )
    assert re.search(r"\b\d+ passed\b", out) and "failed" not in out, out[-2000:]

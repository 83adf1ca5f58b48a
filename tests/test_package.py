"""The shape of the library students read: a small teaching core, the fast path apart, and
the exercise checks in their own package."""

import ast
import inspect
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import bplib
from bplib import ReLU, Sigmoid, Tanh
from bplib.layers import Dense

ROOT = Path(__file__).resolve().parent.parent
CORE = sorted((ROOT / "bplib").glob("*.py"))


def test_import_bplib_loads_no_exercise_check():
    code = "import sys, bplib; print(sorted(m for m in sys.modules if m.startswith('bpcheck')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
    assert not any(path.name.startswith(("checks", "_check")) for path in CORE)


def test_one_install_brings_both_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert set(project["tool"]["setuptools"]["packages"]) >= {"bplib", "bpcheck"}


def code_lines(path):
    """Lines of code: not blank, not comments, not docstrings."""
    tree = ast.parse(path.read_text())
    docstring_lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                docstring_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    lines = path.read_text().splitlines()
    return sum(1 for number, line in enumerate(lines, 1)
               if line.strip() and not line.strip().startswith("#")
               and number not in docstring_lines)


@pytest.mark.parametrize("path", CORE, ids=[p.name for p in CORE])
def test_every_module_reads_in_one_sitting(path):
    assert code_lines(path) <= 150, f"{path.name}: {code_lines(path)} lines of code"


def statements(function):
    """Top-level statements of a function body, without its docstring."""
    tree = ast.parse(inspect.getsource(function).strip().replace("\n    ", "\n"))
    body = tree.body[0].body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


@pytest.mark.parametrize("layer", [Dense, Sigmoid, Tanh, ReLU])
@pytest.mark.parametrize("method", ["forward", "backward"])
def test_layer_methods_read_like_their_formulas(layer, method):
    assert len(statements(getattr(layer, method))) <= 4


def test_dense_backward_is_the_three_lines_of_the_chapter():
    source = inspect.getsource(Dense.backward)
    for line in ("self.dW = self.x.T @ g", "self.db = g.sum(axis=0)", "return g @ self.W.T"):
        assert line in source


def test_the_sigmoid_layer_computes_the_sigmoid_of_chapter_3():
    source = inspect.getsource(Sigmoid.forward)
    assert "sigmoid(" in source and "fast" not in source
    x = np.random.default_rng(0).normal(scale=30, size=(50, 40))
    np.testing.assert_array_equal(Sigmoid().forward(x), bplib.sigmoid(x))

"""A release installs the way Colab installs it: from its git tag, with pip, in a fresh venv.

On Colab a notebook arrives alone; its hidden first cell runs
``pip install "bplib @ git+<repository>@v<version>"``. This test plays that through on this
machine, without GitHub:

1. clone the repository (its committed HEAD) into a temporary folder and tag the clone with
   ``make release`` (tools/release.py), as a maintainer would;
2. make a fresh virtual environment that has neither bplib nor bpcheck;
3. run the Colab cell of a solution notebook exactly as committed, with ``google.colab``
   present and only the repository address replaced by the clone's ``file://`` address, so
   pip installs ``bplib @ git+file://<clone>@v<version>`` (numpy comes from the package
   index or pip's cache, the only network used);
4. run the notebook's code from a folder with no source in it: bplib and bpcheck are
   imported from the installed tag (which names its LICENSE in its metadata), and every
   check prints the success line the committed notebook shows.
"""

import json
import re
import subprocess
import sys
import tomllib

from conftest import ROOT, book_config, clean_env, run_clean

NOTEBOOK = "exercises/solutions/ex03_sigmoid.ipynb"
IDENTITY = {"GIT_AUTHOR_NAME": "Release Test", "GIT_AUTHOR_EMAIL": "release@example.invalid",
            "GIT_COMMITTER_NAME": "Release Test",
            "GIT_COMMITTER_EMAIL": "release@example.invalid"}


def run(args, cwd, timeout=600):
    return run_clean(args, cwd, timeout, IDENTITY)


def code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code"]


def test_the_tagged_release_installs_like_colab_and_runs_an_exercise(tmp_path):
    with open(ROOT / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    tag = f"v{version}"
    clone = tmp_path / "clone"
    run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], cwd=tmp_path)
    if run(["git", "tag", "--list", tag], cwd=clone).strip():
        run(["git", "tag", "--delete", tag], cwd=clone)  # released already: tag it afresh
    run(["make", "--no-print-directory", "release", f"PYTHON={sys.executable}"], cwd=clone)
    assert run(["git", "tag", "--list", tag], cwd=clone).strip() == tag

    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    # Colab's pip is recent; the pip that venv bundles with Python 3.11 (23.x) rejects a
    # `git+file:///` URL without a host, which a GitHub address never lacks.
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=24"], cwd=tmp_path)
    missing = subprocess.run([python, "-c", "import bplib"], capture_output=True,
                             env=clean_env(IDENTITY))
    assert missing.returncode != 0, "the fresh environment already has bplib"

    cells = code_cells(clone / NOTEBOOK)
    colab = "".join(cells[0]["source"])
    repository = book_config()["repository"]["url"].rstrip("/")
    pinned = f'"bplib @ git+{repository}@{tag}"'
    assert pinned in colab, f"{NOTEBOOK}: the Colab cell does not install {pinned}"
    colab = colab.replace(f"git+{repository}@", f"git+{clone.as_uri()}@")
    fake_colab = 'import sys, types\nsys.modules["google.colab"] = types.ModuleType("colab")\n'
    (tmp_path / "colab_cell.py").write_text(fake_colab + colab, encoding="utf-8")
    run([python, "colab_cell.py"], cwd=tmp_path, timeout=900)

    # The exercise, run where no source lies around: only the installed tag can be imported.
    body = ["".join(c["source"]) for c in cells[1:]]
    script = "\n\n".join("\n".join(line for line in cell.splitlines()
                                   if not line.lstrip().startswith("%"))
                         for cell in body)
    script += ("\n\nimport importlib.metadata, bplib, bpcheck\n"
               "print('FROM', bplib.__file__, bpcheck.__file__)\n"
               "print('LICENCE', importlib.metadata.metadata('bplib').get_all('License-File'))\n")
    work = tmp_path / "student"
    work.mkdir()
    (work / "exercise.py").write_text(script, encoding="utf-8")
    out = run([python, "exercise.py"], cwd=work, timeout=600)

    site = str(venv / "lib")
    paths = re.search(r"^FROM (\S+) (\S+)$", out, re.M)
    assert paths and all(p.startswith(site) for p in paths.groups()), (
        f"bplib/bpcheck not imported from the installed release: {paths and paths.groups()}")
    assert re.search(r"^LICENCE .*'LICENSE'", out, re.M), "the installed bplib lacks LICENSE"
    wanted = [line for cell in cells for output in cell.get("outputs", [])
              if output.get("name") == "stdout"
              for line in "".join(output["text"]).splitlines() if line.startswith("✅")]
    assert wanted, f"{NOTEBOOK} shows no passing check"
    for line in wanted:
        assert line in out, f"missing {line!r} in the exercise's output:\n{out[-3000:]}"
    assert "❌" not in out and "⏳" not in out, out[-3000:]

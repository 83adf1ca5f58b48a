"""Tag a release: ``make release`` creates the git tag ``v<version>`` of pyproject.toml.

    make release                       # checks, then tags HEAD
    python tools/release.py --dry-run  # the checks alone

Colab needs the tag: the hidden first cell of every notebook installs
``bplib @ git+<repository>@v<version>`` (tools/make_exercises.py, tools/colab_cell.py), so a
notebook opened on Colab gets the library it was checked against. Until the tag exists on
GitHub, that install fails.

The tag is made only when
* the working tree is clean (nothing modified, staged or untracked): the tag must name
  exactly what was tested;
* the version is new: no tag ``v<version>`` yet, and higher than every existing ``v*`` tag;
* the version is the same in pyproject.toml and CITATION.cff, CHANGELOG.md has a section
  ``## [<version>]``, and every notebook's Colab cell installs ``@v<version>``.
The tag is annotated and stays local; the script prints the command that publishes it.
Standard library only, so it runs without the development environment. Why not a release
tool such as bump-my-version: those rewrite version strings, while what this book needs is
the checks above (above all, that the notebooks' Colab cells install the tag being made),
which no such tool knows; the tagging itself is one git command.
"""

import argparse
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIRS = ("chapters", "exercises")


def git(*args, root=ROOT, check=True):
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"release: git {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result


def project_version(root=ROOT):
    with open(root / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def version_key(text):
    """(1, 2, 3) for "1.2.3"; None for anything that is not plain X.Y.Z."""
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(v) for v in match.groups()) if match else None


def colab_pins(root=ROOT):
    """{notebook: the text after '@' in its Colab install line}, for every notebook."""
    pins = {}
    for folder in NOTEBOOK_DIRS:
        for path in sorted((root / folder).rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            code = [c for c in cells if c["cell_type"] == "code"]
            source = "".join(code[0]["source"]) if code else ""
            match = re.search(r'"bplib @ git\+[^"@]+@([^"]+)"', source)
            pins[path.relative_to(root).as_posix()] = match.group(1) if match else None
    return pins


def problems(root=ROOT):
    """Everything that stops a release of the version in pyproject.toml, as sentences."""
    found = []
    version = project_version(root)
    tag = f"v{version}"
    if version_key(version) is None:
        found.append(f"pyproject.toml: version {version!r} is not of the form X.Y.Z")
    status = git("status", "--porcelain", root=root).stdout.splitlines()
    if status:
        shown = "\n    ".join(status[:20]) + ("\n    ..." if len(status) > 20 else "")
        found.append("the working tree is not clean; commit or remove these first:\n    "
                     + shown)
    tags = git("tag", "--list", "v*", root=root).stdout.split()
    if tag in tags:
        found.append(f"tag {tag} already exists: raise the version in pyproject.toml "
                     "(and CITATION.cff, CHANGELOG.md) for a new release")
    elif version_key(version):
        newer = [t for t in tags if (version_key(t[1:]) or ()) > version_key(version)]
        if newer:
            found.append(f"{tag} is not new: tag(s) {', '.join(sorted(newer))} are higher")
    cff = (root / "CITATION.cff").read_text(encoding="utf-8")
    match = re.search(r"^version:\s*['\"]?([^'\"\s]+)", cff, re.M)
    if not match or match.group(1) != version:
        found.append(f"CITATION.cff: version {match and match.group(1)!r} should be {version!r}")
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    if not re.search(rf"^## \[{re.escape(version)}\]", changelog, re.M):
        found.append(f"CHANGELOG.md has no section '## [{version}] - <date>'")
    wrong = {name: pin for name, pin in colab_pins(root).items() if pin != tag}
    if wrong:
        found.append(f"notebooks whose Colab cell does not install {tag} (run `make exercises` "
                     "and `python tools/colab_cell.py chapters/*.ipynb`, then execute them): "
                     + ", ".join(f"{name} ({pin})" for name, pin in wrong.items()))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="check only; make no tag")
    args = parser.parse_args(argv)
    version = project_version()
    tag = f"v{version}"
    found = problems()
    if found:
        print(f"release: cannot tag {tag}:", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"release: {tag} can be tagged (dry run, no tag made)")
        return 0
    git("tag", "--annotate", tag, "--message", f"bplib {version}")
    commit = git("rev-parse", "--short", f"{tag}^{{commit}}").stdout.strip()
    print(f"release: tagged {tag} at {commit}.\n"
          f"Publish it (Colab installs bplib from this tag):  git push origin {tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Publishing: GitHub workflows, licences, citation, releases, Binder and pre-commit.

Everything here runs offline: the GitHub and citation schemas are vendored in
check-jsonschema, cffconvert runs in its own environment (see the Makefile), releases are
tagged in a temporary clone, and the wheel is built without build isolation.
"""

import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import release  # noqa: E402  (tools/release.py)

BIN = Path(sys.executable).parent
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
IDENTITY = {"GIT_AUTHOR_NAME": "Release Test", "GIT_AUTHOR_EMAIL": "release@example.invalid",
            "GIT_COMMITTER_NAME": "Release Test",
            "GIT_COMMITTER_EMAIL": "release@example.invalid"}


def load_yaml(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def config():
    return load_yaml(ROOT / "_config.yml")


def version():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def readme():
    return (ROOT / "README.md").read_text(encoding="utf-8")


def steps(workflow):
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_lines(workflow):
    return [line.strip() for step in steps(workflow) if "run" in step
            for line in step["run"].splitlines() if line.strip()]


# --- the workflows ---------------------------------------------------------------------------

SCHEMAS = [
    ("vendor.github-workflows", [p.relative_to(ROOT) for p in WORKFLOWS]),
    ("custom.github-workflows-require-timeout", [p.relative_to(ROOT) for p in WORKFLOWS]),
    ("vendor.dependabot", [Path(".github/dependabot.yml")]),
    ("vendor.github-issue-forms",
     [p.relative_to(ROOT) for p in sorted((GITHUB / "ISSUE_TEMPLATE").glob("*.yml"))
      if p.name != "config.yml"]),
    ("vendor.github-issue-config", [Path(".github/ISSUE_TEMPLATE/config.yml")]),
    ("vendor.citation-file-format", [Path("CITATION.cff")]),
]


@pytest.mark.parametrize("schema, files", SCHEMAS, ids=[s for s, _ in SCHEMAS])
def test_github_files_and_citation_validate_against_their_schemas(schema, files):
    assert files, f"no files for {schema}"
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", schema, *map(str, files)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_workflow_runs_the_readmes_make_test_and_keeps_the_artifacts():
    ci = load_yaml(GITHUB / "workflows" / "ci.yml")
    triggers = ci[True] if True in ci else ci["on"]  # YAML 1.1 reads `on:` as True
    assert "push" in triggers and "pull_request" in triggers
    assert run_lines(ci) == ["bash .ci/run"], run_lines(ci)
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.rstrip().splitlines()[-1] == "make test"
    assert "make test" in readme()
    uploads = [s for s in steps(ci) if s.get("uses", "").startswith("actions/upload-artifact")]
    assert len(uploads) == 1 and uploads[0].get("if") == "always()"
    paths = uploads[0]["with"]["path"].split()
    for wanted in ("_build/html", "_build/screenshots", "_build/reports", "_build/pdf"):
        assert wanted in paths, f"ci.yml does not keep {wanted}"


def test_deploy_workflow_publishes_the_book_to_pages_from_main():
    deploy = load_yaml(GITHUB / "workflows" / "deploy.yml")
    triggers = deploy[True] if True in deploy else deploy["on"]
    assert triggers["push"]["branches"] == ["main"]
    assert deploy["permissions"]["pages"] == "write"
    assert deploy["permissions"]["id-token"] == "write"
    assert deploy["concurrency"]["group"]
    uses = [s.get("uses", "").split("@")[0] for s in steps(deploy)]
    for action in ("actions/configure-pages", "actions/upload-pages-artifact",
                   "actions/deploy-pages"):
        assert action in uses, f"deploy.yml does not use {action}"
    upload = next(s for s in steps(deploy) if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "_build/html"


def test_every_command_of_the_workflows_is_a_documented_make_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    text = readme()
    for path in WORKFLOWS:
        for line in run_lines(load_yaml(path)):
            if line.startswith("bash .ci/run"):
                continue
            assert line.startswith("make "), f"{path.name} runs {line!r}: use a make target"
            for target in line.split()[1:]:
                assert target in targets, f"{path.name}: make {target} is not in the Makefile"
                assert f"make {target}" in text, f"{path.name}: make {target} not in README.md"
    for name in [p.name for p in WORKFLOWS] + ["make pdf", "make release"]:
        assert name in text, f"README.md does not mention {name}"


def test_workflows_use_the_python_of_runtime_txt():
    for runtime in (ROOT / "runtime.txt", ROOT / "binder" / "runtime.txt"):
        want = runtime.read_text(encoding="utf-8").strip().removeprefix("python-")
        for path in WORKFLOWS:
            for step in steps(load_yaml(path)):
                if step.get("uses", "").startswith("actions/setup-python"):
                    assert str(step["with"]["python-version"]) == want, (path.name, runtime)


# --- .ci/run as root and with sudo -------------------------------------------------------------

STUB = """#!/bin/bash
echo "{name} $*" >> "$CI_LOG"
{tail}
"""


def ci_run(tmp_path, uid, *, sudo=True, present=False, args=()):
    """Run .ci/run with stand-ins for id, sudo, apt-get, make and the font/PDF/browser tools."""
    stubs = tmp_path / f"bin-{uid}-{sudo}-{present}"
    stubs.mkdir()
    log = tmp_path / f"log-{uid}-{sudo}-{present}"
    log.touch()
    tails = {"apt-get": "", "make": "", "id": f'[ "$1" = -u ] && echo {uid}'}
    if sudo:
        tails["sudo"] = 'exec "$@"'
    if present:
        tails.update({"chromium": "", "pdffonts": "",
                      "fc-list": 'echo "NanumGothic"'})
    for name, tail in tails.items():
        (stubs / name).write_text(STUB.format(name=name, tail=tail))
        (stubs / name).chmod(stat.S_IRWXU)
    for tool in ("dirname", "grep", "env"):
        (stubs / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(stubs), "CI_LOG": str(log), "HOME": str(tmp_path)}
    result = subprocess.run([shutil.which("bash"), str(ROOT / ".ci" / "run"), *args],
                            capture_output=True, text=True, env=env, timeout=60)
    lines = [line for line in log.read_text().splitlines() if not line.startswith("id ")]
    return result, lines


def test_ci_run_installs_what_is_missing_with_sudo_then_runs_make_test(tmp_path):
    result, log = ci_run(tmp_path, 1000)
    assert result.returncode == 0, result.stderr
    packages = "chromium poppler-utils fonts-nanum fonts-noto-color-emoji"
    assert log == [
        "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "apt-get update -qq",
        f"sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {packages}",
        f"apt-get install -y -qq {packages}",
        "make test",
    ], log


def test_ci_run_as_root_needs_no_sudo(tmp_path):
    result, log = ci_run(tmp_path, 0, sudo=False)
    assert result.returncode == 0, result.stderr
    assert log[0] == "apt-get update -qq" and log[-1] == "make test", log
    assert not any(line.startswith("sudo") for line in log)


def test_ci_run_says_why_it_cannot_install_without_root_or_sudo(tmp_path):
    result, log = ci_run(tmp_path, 1000, sudo=False)
    assert result.returncode != 0 and "neither root nor a user with sudo" in result.stderr
    assert log == []


def test_ci_run_installs_nothing_when_everything_is_there(tmp_path):
    result, log = ci_run(tmp_path, 1000, present=True)
    assert result.returncode == 0, result.stderr
    assert [line for line in log if not line.startswith(("fc-list", "chromium"))] == [
        "make test"]
    result, log = ci_run(tmp_path, 0, sudo=False, present=True, args=["--install-only"])
    assert result.returncode == 0 and "make test" not in log


# --- licences ------------------------------------------------------------------------------


def test_licence_files_name_the_code_text_and_data_licences():
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "Permission is hereby granted" in mit
    text = (ROOT / "LICENSE-text.md").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International" in text
    assert "Section 8 – Interpretation" in text  # the whole legal code, not a summary
    for must in ("bplib/datasets/README.md", "Alpaydin", "LICENSE"):
        assert must in text, f"LICENSE-text.md does not name {must}"
    data = (ROOT / "bplib" / "datasets" / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in data and "archive.ics.uci.edu" in data
    for must in ("LICENSE", "LICENSE-text.md", "MIT", "CC BY 4.0", "bplib/datasets/README.md"):
        assert must in readme(), f"README.md does not name {must}"


def test_the_wheel_carries_the_code_licence(tmp_path):
    source = tmp_path / "src"
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-text.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    for package in ("bplib", "bpcheck"):
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    # Offline where it can be: the setuptools of this environment, when it has one, instead of
    # an isolated build environment from the package index.
    local = all(importlib.util.find_spec(m) for m in ("setuptools", "wheel"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         *(["--no-build-isolation"] if local else []),
         "--disable-pip-version-check", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "dist").glob("bplib-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
        licences = [n for n in names if ".dist-info/" in n and n.endswith("/LICENSE")]
        assert licences, f"no LICENSE in the wheel's .dist-info: {names}"
        assert archive.read(licences[0]).decode().startswith("MIT License")
    assert "LICENSE" in metadata.get_all("License-File", []), metadata.items()
    assert "MIT" in (metadata.get("License-Expression") or metadata.get("License") or "")
    assert any(n.startswith("bpcheck/") for n in names), "bpcheck is not in the wheel"


# --- citation --------------------------------------------------------------------------------


def test_citation_cff_validates_with_cffconvert():
    cffconvert = Path(sys.prefix) / "cffconvert" / "bin" / "cffconvert"
    assert cffconvert.is_file(), f"{cffconvert} is missing: run `make setup`"
    result = subprocess.run([cffconvert, "--validate", "--infile", str(ROOT / "CITATION.cff")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_citation_agrees_with_the_book_and_the_package():
    cff = load_yaml(ROOT / "CITATION.cff")
    book = config()
    preferred = cff["preferred-citation"]
    assert cff["title"] == preferred["title"] == book["title"]
    assert [a.get("name") for a in preferred["authors"]] == [book["author"]]
    assert str(preferred["year"]) == str(book["copyright"]).split(",")[0].strip()
    assert cff["version"] == version()
    assert cff["repository-code"] == preferred["repository-code"] == book["repository"]["url"]
    assert cff["url"] == preferred["url"] == book["html"]["baseurl"]
    assert cff["license"] == ["MIT", "CC-BY-4.0"]


def test_the_citation_page_is_generated_from_citation_cff():
    sys.path.insert(0, str(ROOT / "_ext"))
    import citation_cff

    text, bibtex = citation_cff.citation(citation_cff.load(ROOT / "CITATION.cff"))
    cff = load_yaml(ROOT / "CITATION.cff")
    for value in (cff["title"], cff["version"], cff["url"], cff["repository-code"]):
        assert value in text and value in bibtex
    assert bibtex.startswith("@book{") and bibtex.endswith("}")
    page = (ROOT / "reference" / "contributing.md").read_text(encoding="utf-8")
    assert "```{citation-cff}" in page and "book-citation" not in page


def test_html_baseurl_is_the_pages_address_of_the_repository():
    book = config()
    owner, name = urlparse(book["repository"]["url"]).path.strip("/").split("/")[:2]
    assert book["html"]["baseurl"] == f"https://{owner.lower()}.github.io/{name}/"


# --- releases --------------------------------------------------------------------------------


def test_every_colab_install_cell_pins_the_release_of_pyproject():
    url = config()["repository"]["url"].rstrip("/")
    tag = f"v{version()}"
    pins = release.colab_pins(ROOT)
    assert len(pins) >= 3 * 6, pins
    wrong = {name: pin for name, pin in pins.items() if pin != tag}
    assert not wrong, f"Colab cells that do not install {tag}: {wrong}"
    for name in pins:
        cells = json.loads((ROOT / name).read_text(encoding="utf-8"))["cells"]
        source = "".join(next(c for c in cells if c["cell_type"] == "code")["source"])
        assert f'"bplib @ git+{url}@{tag}"' in source, name


def test_changelog_has_a_section_for_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(version())}\] - \d{{4}}-\d\d-\d\d$", changelog, re.M)


def git(*args, cwd):
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, **IDENTITY}, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def make_release(clone):
    return subprocess.run(["make", "--no-print-directory", "release", f"PYTHON={sys.executable}"],
                          cwd=clone, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **IDENTITY})


def test_make_release_refuses_a_dirty_tree_and_tags_a_clean_clone(tmp_path):
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(ROOT), str(clone), cwd=tmp_path)
    tag = f"v{version()}"
    if git("tag", "--list", tag, cwd=clone):
        git("tag", "--delete", tag, cwd=clone)  # already released: play the release again

    (clone / "README.md").write_text(readme() + "\nan edit\n", encoding="utf-8")
    (clone / "notes.txt").write_text("untracked\n", encoding="utf-8")
    dirty = make_release(clone)
    assert dirty.returncode != 0 and "not clean" in dirty.stderr, dirty.stderr
    assert " M README.md" in dirty.stderr and "?? notes.txt" in dirty.stderr
    assert git("tag", "--list", cwd=clone) == ""

    git("checkout", "--", "README.md", cwd=clone)
    (clone / "notes.txt").unlink()
    clean = make_release(clone)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"git push origin {tag}" in clean.stdout
    assert git("rev-parse", f"{tag}^{{commit}}", cwd=clone) == git("rev-parse", "HEAD", cwd=clone)
    assert git("cat-file", "-t", tag, cwd=clone) == "tag"  # annotated

    again = make_release(clone)
    assert again.returncode != 0 and "already exists" in again.stderr


def test_release_refuses_a_version_below_an_existing_tag(tmp_path):
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(ROOT), str(clone), cwd=tmp_path)
    major, minor, patch = release.version_key(version())
    git("tag", f"v{major + 1}.0.0", cwd=clone)
    found = release.problems(clone)
    assert any("is not new" in p for p in found), found


# --- Binder and pre-commit ----------------------------------------------------------------------


def test_binder_holds_only_what_readers_need():
    lines = [line.split("#")[0].strip() for line in
             (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    names = sorted(Requirement(line).name for line in lines if not line.startswith("-"))
    assert names == ["ipykernel", "matplotlib", "numpy"], names
    assert "-e ." in lines  # the package itself, bplib and bpcheck
    binder = (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip()
    assert binder == (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"python-3\.\d+", binder)


def test_pre_commit_runs_make_lints_ruff_and_formats_python():
    hooks_config = load_yaml(ROOT / ".pre-commit-config.yaml")
    (ruff,) = [r for r in hooks_config["repos"] if r["repo"].endswith("/ruff-pre-commit")]
    pinned = Version(ruff["rev"].removeprefix("v"))
    wanted = next(Requirement(line) for line in
                  (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
                  if line.startswith("ruff"))
    assert pinned in wanted.specifier, f"pre-commit's ruff {pinned} is outside {wanted}"
    hooks = {hook["id"]: hook for hook in ruff["hooks"]}
    # Lint: what `make lint` checks, notebooks included.
    assert {"python", "jupyter"} <= set(hooks["ruff-check"]["types_or"]), hooks
    # Format: Python files; notebooks keep the book's compact 76-column style (see the file).
    assert "python" in hooks["ruff-format"]["types_or"], hooks
    assert "jupyter" not in hooks["ruff-format"]["types_or"], hooks

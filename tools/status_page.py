"""Record the test environment for the book's status page (reference/status.md).

`make unit` runs this just before pytest, with the same interpreter, then pytest writes its
JUnit report next to it:

    _build/reports/environment.json   versions of Python, numpy, matplotlib, ... (this script)
    _build/reports/unit.xml           one test case per notebook cell (pytest --junitxml)

The old report is deleted first, so a run that dies before pytest writes its report leaves
no report at all rather than a stale one beside new versions. The page itself is made at
build time by the `notebook-status` directive in _ext/book_pages.py.
"""

import json
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "_build" / "reports"
PACKAGES = ["numpy", "matplotlib", "bplib", "nbval", "pytest", "ipykernel", "jupyter-book"]


def main():
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "unit.xml").unlink(missing_ok=True)
    versions = {"Python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    record = {
        "recorded": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": f"{platform.system()} {platform.machine()}",
        "versions": versions,
    }
    target = REPORTS / "environment.json"
    target.write_text(json.dumps(record, indent=2) + "\n")
    print(f"status_page: environment recorded in {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

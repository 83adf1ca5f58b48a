"""Directives for the generated parts of the reference pages.

``notebook-status`` (reference/status.md): the status page, made from the last test run.

``make unit`` writes two files under ``_build/reports/`` (see tools/status_page.py):

* ``environment.json``: Python, numpy, matplotlib, ... versions of the interpreter that runs
  the tests, written just before pytest starts;
* ``unit.xml``: pytest's JUnit report, one test case per notebook cell (nbval).

The directive sums the cell times of each notebook and shows them with the versions. When the
files are missing (``make book`` alone, or a clean checkout) it says so instead of showing
numbers from another run.
"""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

NO_REPORT = (
    "No test report was found when this copy of the book was built, so no run times or "
    "versions are shown. The page is filled in by `make test` (or `make unit` followed by "
    "`make book`), which runs every notebook with nbval and records the environment."
)


def notebook_results(xml_path, srcdir):
    """{notebook path: [cells, failures, skipped, seconds]} from a JUnit report."""
    by_class = {}
    for path in Path(srcdir).rglob("*.ipynb"):
        rel = path.relative_to(srcdir)
        if rel.parts[0].startswith((".", "_")) or ".ipynb_checkpoints" in rel.parts:
            continue
        by_class[rel.as_posix().replace("/", ".")] = rel.as_posix()
    root = ET.parse(xml_path).getroot()
    results = {}
    for case in root.iter("testcase"):
        name = by_class.get(case.get("classname", ""))
        if name is None:
            continue
        row = results.setdefault(name, [0, 0, 0, 0.0])
        row[0] += 1
        row[1] += case.find("failure") is not None or case.find("error") is not None
        row[2] += case.find("skipped") is not None
        row[3] += float(case.get("time", 0.0))
    suite = next(root.iter("testsuite"), None)
    stamp = suite.get("timestamp") if suite is not None else None
    return results, stamp, sorted(by_class.values())


class NotebookStatus(SphinxDirective):
    has_content = False

    def run(self):
        reports = Path(self.env.srcdir) / self.config.book_status_reports
        env_file, xml_file = reports / "environment.json", reports / "unit.xml"
        for path in (env_file, xml_file):
            self.env.note_dependency(str(path))
        if not (env_file.is_file() and xml_file.is_file()):
            return self.parse(NO_REPORT)
        environment = json.loads(env_file.read_text(encoding="utf-8"))
        results, stamp, notebooks = notebook_results(xml_file, self.env.srcdir)
        if not results:
            return self.parse(NO_REPORT + " (The last report holds no notebook.)")
        when = stamp or environment.get("recorded", "")
        try:
            when = datetime.fromisoformat(when).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        except ValueError:
            pass
        lines = [
            f"Last test run: {when}, on {environment.get('platform', 'an unknown platform')}.",
            "",
            "| notebook | cells checked | result | run time (s) |",
            "|---|---:|---|---:|",
        ]
        total = 0.0
        for name in notebooks:
            docname = name.removesuffix(".ipynb")
            label = f"{{doc}}`/{docname}`" if docname in self.env.found_docs else f"`{name}`"
            if name not in results:
                lines.append(f"| {label} | | not in the last run | |")
                continue
            cells, failed, skipped, seconds = results[name]
            total += seconds
            if failed:
                result = f"**{failed} failed**"
            elif skipped == cells:
                result = "skipped"
            else:
                result = "passed" + (f" ({skipped} skipped)" if skipped else "")
            if (Path(self.env.srcdir) / name).stat().st_mtime > xml_file.stat().st_mtime:
                result += ", but the notebook changed since"
            lines.append(f"| {label} | {cells} | {result} | {seconds:.1f} |")
        lines += [f"| **all notebooks run** | | | **{total:.1f}** |", ""]
        lines += ["Validated with:", ""]
        for package, version in environment.get("versions", {}).items():
            lines.append(f"- {package} {version}")
        return self.parse("\n".join(lines))

    def parse(self, text):
        container = nodes.container(classes=["notebook-status"])
        self.state.nested_parse(
            StringList(text.splitlines(), source=self.get_source_info()[0]),
            self.content_offset,
            container,
        )
        return [container]


def setup(app):
    app.add_config_value("book_status_reports", "_build/reports", "env")
    app.add_directive("notebook-status", NotebookStatus)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

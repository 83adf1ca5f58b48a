"""Checks on the built HTML book that a strict Sphinx build does not make.

* every page of _toc.yml was built;
* MathJax is served from the book itself (no CDN), so math renders offline;
* no page loads a script or stylesheet from another host.
Exits non-zero with a list of problems.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
from toc_pages import toc_pages  # noqa: E402  (one reader of _toc.yml for the book)

HTML = ROOT / "_build" / "html"
# A remote script or stylesheet; the canonical link (html.baseurl) only names the page.
REMOTE = re.compile(
    r"""<(?:script|link)\b(?![^>]*\brel=["']canonical["'])[^>]*\b(?:src|href)=["'](?:https?:)?//""",
    re.I,
)


def main():
    problems = []
    pages = toc_pages(ROOT)
    for name in pages:
        page = HTML / (Path(name).with_suffix("").as_posix() + ".html")
        if not page.is_file():
            problems.append(f"missing page {page.relative_to(ROOT)}")
    if not (HTML / "mathjax" / "tex-chtml.js").is_file():
        problems.append("MathJax is not served from _build/html/mathjax/")
    for page in sorted(HTML.rglob("*.html")):
        if "mathjax" in page.relative_to(HTML).parts:
            continue
        text = page.read_text(encoding="utf-8")
        for match in REMOTE.finditer(text):
            problems.append(f"{page.relative_to(HTML)} loads a remote resource: {match.group(0)}")
    for problem in problems:
        print("check_book:", problem)
    if problems:
        sys.exit(1)
    print(f"check_book: {len(pages)} pages built, MathJax local, no remote scripts")


if __name__ == "__main__":
    main()

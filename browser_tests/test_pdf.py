"""The PDF of the whole book (make pdf), read back with poppler's tools.

Runs after `make pdf` (the Makefile's `test` runs it before `browser`): pdfinfo, pdftotext and
pdffonts (Debian: poppler-utils) must show a real book: a page or more per document, every
chapter's title, typeset equations (their symbols as text, no TeX source), the Korean terms
with an embedded Korean font; and every page of the HTML book offers the file in its
download menu.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from functools import cache

import pytest
from conftest import HTML, ROOT, book_config, find_chromium, toc_pages

sys.path.insert(0, str(ROOT / "tools"))
from pdf import pdf_name  # noqa: E402  (tools/pdf.py: the file name, from _config.yml)

PDF = ROOT / "_build" / "pdf" / pdf_name()
POPPLER = ("pdfinfo", "pdftotext", "pdffonts")
KOREAN_FONT = re.compile(r"Nanum|CJK|Gothic|Myeongjo|Batang|Dotum|Gulim|Malgun|Baekmuk|UnBatang",
                         re.I)


@pytest.fixture(scope="module")
def pdf():
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    on_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if missing:
        message = (f"PDF TESTS SKIPPED: {', '.join(missing)} not found "
                   "(Debian: apt-get install poppler-utils)")
        if on_ci:
            pytest.fail(message.replace("SKIPPED", "CANNOT RUN ON CI"))
        pytest.skip(message)
    if not PDF.is_file():
        if find_chromium() is None and not on_ci:
            pytest.skip("PDF TESTS SKIPPED: no Chromium, so make pdf made no PDF")
        pytest.fail(f"{PDF.relative_to(ROOT)} is missing: run `make pdf` first")
    return PDF


def tool(*args):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@cache
def text_of(path):
    """The PDF's text with every run of white space made one space."""
    return re.sub(r"\s+", " ", tool("pdftotext", "-enc", "UTF-8", str(path), "-"))


def chapter_titles():
    titles = {}
    for docname in toc_pages():
        path = ROOT / f"{docname}.ipynb"
        if not docname.startswith("chapters/") or not path.is_file():
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "markdown":
                heading = re.search(r"^# (.+)$", "".join(cell["source"]), re.M)
                if heading:
                    titles[path.stem] = heading.group(1).strip()
                    break
    return titles


def test_pdfinfo_counts_a_page_or_more_for_every_document(pdf):
    info = tool("pdfinfo", str(pdf))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages >= len(toc_pages()), f"{pages} pages for {len(toc_pages())} documents"
    assert re.search(r"^Page size:.*\(A4\)", info, re.M), info
    title = re.search(r"^Title:\s+(.*)$", info, re.M)
    assert title and title.group(1).strip() == book_config()["title"], info


def test_pdftotext_finds_every_chapter_title_equations_and_korean(pdf):
    text = text_of(pdf)
    titles = chapter_titles()
    assert titles, "no chapter titles found"
    for stem, title in titles.items():
        assert re.sub(r"[*`]", "", title) in text, f"chapter title of {stem} not in the PDF"
    assert "역전파" in text
    # Equations are typeset: their symbols are in the text (sigma, partial derivatives of
    # the loss), and no TeX source is left over.
    for symbol in ("σ", "∂L", "∂f"):
        assert symbol in text, f"{symbol!r} not in the PDF's text"
    for tex in ("\\frac", "\\partial", "\\sigma"):
        assert tex not in text, f"untypeset TeX {tex!r} in the PDF"


def test_pdffonts_lists_an_embedded_korean_font(pdf):
    rows = tool("pdffonts", str(pdf)).splitlines()[2:]
    korean = [row for row in rows if KOREAN_FONT.search(row.split()[0])]
    assert korean, "no Korean font in the PDF:\n" + "\n".join(rows)
    # Columns: name type encoding emb sub uni object-id; "emb" is the fourth from the end.
    assert any(row.split()[-4] == "yes" for row in korean), "\n".join(korean)


def test_every_page_offers_the_pdf_for_download(pdf, server):
    copy = HTML / PDF.name
    assert copy.is_file() and copy.stat().st_size == PDF.stat().st_size, (
        f"{copy.relative_to(ROOT)} is missing or stale: make pdf copies it after make book")
    link = re.compile(r'<a href="([^"]+)"[^>]*class="[^"]*btn-download-book-pdf-button')
    for docname in toc_pages():
        page = HTML / f"{docname}.html"
        found = link.search(page.read_text(encoding="utf-8"))
        assert found, f"{docname}: no 'Book (PDF)' entry in the download menu"
        target = (page.parent / found.group(1)).resolve()
        assert target == copy.resolve(), f"{docname}: links to {found.group(1)}"
    with urllib.request.urlopen(server + PDF.name, timeout=60) as response:
        assert response.status == 200
        assert response.read(5) == b"%PDF-"

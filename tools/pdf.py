"""Print the single-page HTML build of the book to one PDF with the system's Chromium.

    make pdf        # builds _build/singlehtml, then runs this script
    python tools/pdf.py [--skip-without-chromium]

Without Chromium it fails, except with ``--skip-without-chromium`` (what ``make test`` passes)
outside CI: then it says loudly that no PDF was made, as the browser tests do.

The page is served from 127.0.0.1 and opened in Chromium through Playwright
(``executable_path``: the system's browser, never one that Playwright downloads). Every request
that would leave the machine is refused. Before printing, the script waits until MathJax has
typeset every equation (and fails if one is left as TeX) and until every image has loaded;
then each chapter starts on a new page and Chromium prints A4 pages with page numbers and a
PDF outline of the headings. Korean glyphs come from the system's fonts (Debian:
fonts-nanum), the exercise marks from an emoji font (fonts-noto-color-emoji).

Why a script of our own: Jupyter Book's ``--builder pdfhtml`` prints with pyppeteer, which
downloads a Chromium of its own at first use (impossible offline, and never the browser the
book is tested in), and ``--builder pdflatex`` needs a TeX installation with Korean fonts and
renders the notebooks' HTML outputs differently from the web book. Printing the single-page
HTML with the system's Chromium through Playwright (the driver the browser tests already
use) gives the pages readers see; what is ours is the waiting and the print settings.

The PDF is written to ``_build/pdf/<book_pdf>`` (``book_pdf`` in _config.yml) and, when the
HTML book has been built, copied into ``_build/html/`` where its download button links to it
(_ext/book_pdf.py).
"""

import functools
import os
import shutil
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
from toc_pages import toc_pages  # noqa: E402  (one reader of _toc.yml for the book)

SINGLE = ROOT / "_build" / "singlehtml"
OUT = ROOT / "_build" / "pdf"
HTML = ROOT / "_build" / "html"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update"]

# Each document of the book starts on a new page; code and figures are not cut in two. On
# paper, code cannot scroll sideways: a 76-character line (the book's limit) fits at 0.8 em,
# and anything longer wraps instead of being cut off at the margin.
PRINT_CSS = """
span[id^="document-"] + section { break-before: page; }
div.cell, figure, img, mjx-container[display="true"] { break-inside: avoid; }
pre { font-size: 0.8em !important; white-space: pre-wrap !important;
      overflow-wrap: anywhere; overflow: visible !important; }
"""

FOOTER = ('<div style="font-size:8px; width:100%; text-align:center; color:#555;">'
          '<span class="title"></span> &middot; <span class="pageNumber"></span> / '
          '<span class="totalPages"></span></div>')

WAIT_FOR_PAGE = """async () => {
  for (const img of document.querySelectorAll("img")) {
    img.loading = "eager";
    try { await img.decode(); } catch (e) { /* counted below */ }
  }
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  const math = [...document.querySelectorAll(".math")];
  return {
    math: math.length,
    untypeset: math.filter(e => !e.querySelector("mjx-container")).length,
    mathErrors: document.querySelectorAll("mjx-merror, [data-mjx-error]").length,
    brokenImages: [...document.images].filter(i => i.naturalWidth === 0).map(i => i.src),
  };
}"""


def pdf_name(root=ROOT):
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    return config["sphinx"]["config"]["book_pdf"]


def find_chromium():
    """$CHROMIUM if set, else /usr/bin/chromium, else a Chromium or Chrome on PATH."""
    if os.environ.get("CHROMIUM"):
        candidates = [os.environ["CHROMIUM"]]
    else:
        candidates = ["/usr/bin/chromium"]
        candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve(directory):
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def print_pdf(page_url, target, chromium, base):
    from playwright.sync_api import sync_playwright

    outside = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(base) or url.split(":", 1)[0] in ("data", "blob", "about"):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", route)
            page.goto(page_url, wait_until="load", timeout=120_000)
            facts = page.evaluate(WAIT_FOR_PAGE)
            problems = []
            if facts["untypeset"] or facts["mathErrors"]:
                problems.append(f"{facts['untypeset']} of {facts['math']} equations not "
                                f"typeset, {facts['mathErrors']} MathJax errors")
            problems += [f"image did not load: {src}" for src in facts["brokenImages"]]
            if problems:
                sys.exit("pdf: " + "\n  ".join(problems))
            page.add_style_tag(content=PRINT_CSS)
            page.emulate_media(media="print")
            page.pdf(path=str(target), format="A4", print_background=True, outline=True,
                     tagged=True, display_header_footer=True, header_template="<span></span>",
                     footer_template=FOOTER,
                     margin={"top": "15mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
        finally:
            browser.close()
    return facts, outside


def main():
    root_page = SINGLE / (toc_pages(ROOT)[0] + ".html")
    if not root_page.is_file():
        sys.exit(f"pdf: {root_page.relative_to(ROOT)} is missing: build the single-page HTML "
                 "first (make pdf does)")
    for stale in (OUT / pdf_name(), HTML / pdf_name()):  # never leave an old PDF behind
        stale.unlink(missing_ok=True)
    chromium = find_chromium()
    on_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if chromium is None and "--skip-without-chromium" in sys.argv[1:] and not on_ci:
        print("pdf: NO PDF MADE: Chromium not found (looked at $CHROMIUM, /usr/bin/chromium "
              "and PATH); install it (Debian: apt-get install chromium) or set CHROMIUM=/path")
        return
    if chromium is None:
        sys.exit("pdf: no Chromium found (looked at $CHROMIUM, /usr/bin/chromium and PATH). "
                 "Install it (Debian: apt-get install chromium) or set CHROMIUM=/path.")
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / pdf_name()
    started = time.perf_counter()
    httpd, base = serve(SINGLE)
    try:
        facts, outside = print_pdf(base + root_page.name, target, chromium, base)
    finally:
        httpd.shutdown()
        httpd.server_close()
    if outside:
        sys.exit("pdf: the page tried to reach the network: " + ", ".join(sorted(set(outside))))
    size = target.stat().st_size / 1e6
    print(f"pdf: {target.relative_to(ROOT)} ({size:.1f} MB, {facts['math']} equations, "
          f"{time.perf_counter() - started:.0f} s)")
    if (HTML / "index.html").is_file():
        shutil.copy2(target, HTML / target.name)
        print(f"pdf: copied to {(HTML / target.name).relative_to(ROOT)} (the download button)")


if __name__ == "__main__":
    main()

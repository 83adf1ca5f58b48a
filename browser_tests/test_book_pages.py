"""Every page of the table of contents, opened in Chromium over http://127.0.0.1 and file://.

For each page: HTTP 200s only, no request leaves the machine, no console error, every
equation typeset by MathJax, every image loaded with real alt text, working previous/next
links; notebook pages also show Binder and Colab buttons pointing at their own .ipynb on the
repository and branch of _config.yml, and offer the .ipynb for download. A screenshot of
every page is saved under _build/screenshots/.
"""

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
from conftest import HTML, ROOT, SCREENSHOTS, book_config, toc_pages

PAGES = toc_pages()
MODES = ["http", "file"]

# Console messages that are not errors of the book. Keep this list short and say why.
HARMLESS_CONSOLE = [
    # (none yet)
]

# Text that MathJax should have turned into math; outside code it means untypeset TeX.
RAW_TEX = r"\$\$|\\\[|\\\]|\\\(|\\\)|\\begin\{|\\[a-zA-Z]{2,}"

PAGE_FACTS = """async (rawTexSource) => {
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight, kbd";
  const rawTex = new RegExp(rawTexSource);
  const main = document.querySelector("main") || document.body;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const raw = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement.closest(skip)) continue;
    const m = node.textContent.match(rawTex);
    if (m) raw.push(node.textContent.trim().slice(0, 80));
  }
  const math = [...document.querySelectorAll(".math")];
  const images = [];
  for (const img of document.querySelectorAll("img")) {
    img.loading = "eager";
    try { await img.decode(); } catch (e) { /* reported through naturalWidth below */ }
    images.push({src: img.getAttribute("src"), alt: img.getAttribute("alt"),
                 width: img.naturalWidth});
  }
  const href = (sel) => { const a = document.querySelector(sel); return a ? a.href : null; };
  return {
    raw: raw,
    mathCount: math.length,
    untypeset: math.filter(e => !e.querySelector("mjx-container")).length,
    mjx: document.querySelectorAll("mjx-container").length,
    errors: document.querySelectorAll("mjx-merror, [data-mjx-error]").length,
    images: images,
    prev: href("a.left-prev"),
    next: href("a.right-next"),
    download: href("a.btn-download-source-button"),
  };
}"""


def page_url(base, docname):
    return base + docname + ".html"


def base_url(mode, server):
    return server if mode == "http" else HTML.as_uri() + "/"


def allowed(url, base):
    return url.startswith(base) or url.split(":", 1)[0] in ("data", "blob", "about")


class Visit:
    """One page in a fresh browser context, with every request and message recorded."""

    def __init__(self, browser, url, base):
        self.outside, self.bad_status, self.failed, self.console = [], [], [], []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", self._request)
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._failed)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        self.base = base
        self.response = self.page.goto(url, wait_until="load")

    def _route(self, route):
        if allowed(route.request.url, self.base):
            route.continue_()
        else:
            route.abort()  # recorded by _request

    def _request(self, request):
        if not allowed(request.url, self.base):
            self.outside.append(request.url)

    def _response(self, response):
        if response.url.startswith("http") and response.status != 200:
            self.bad_status.append(f"{response.status} {response.url}")

    def _failed(self, request):
        if allowed(request.url, self.base):
            self.failed.append(f"{request.failure} {request.url}")

    def _console(self, message):
        if message.type == "error" and not any(h in message.text for h in HARMLESS_CONSOLE):
            self.console.append(f"{message.text} ({message.location.get('url', '')})")

    def wait_for_mathjax(self):
        """Wait until MathJax has typeset the page, on pages that load it."""
        if self.page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
            self.page.wait_for_function("() => window.MathJax && MathJax.startup && "
                                        "MathJax.startup.promise")
            self.page.evaluate("() => MathJax.startup.promise.then(() => true)")

    def close(self):
        self.context.close()


def repository():
    """(url, owner/name, branch) of the repository named in _config.yml."""
    repo = book_config()["repository"]
    url = repo["url"].rstrip("/")
    return url, "/".join(urlparse(url).path.strip("/").split("/")[:2]), repo.get("branch", "main")


def expected_launch_urls(docname):
    """{service: expected URL} for a notebook page, from _config.yml."""
    launch = book_config()["launch_buttons"]
    url, slug, branch = repository()
    path = f"{docname}.ipynb"
    lab = launch.get("notebook_interface", "classic") == "jupyterlab"
    expected = {}
    if launch.get("binderhub_url"):
        query = f"urlpath=lab/tree/{path}" if lab else f"filepath={path}"
        expected["Binder"] = (
            f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{slug}/{branch}?{query}"
        )
    if launch.get("colab_url"):
        expected["Colab"] = (
            f"{launch['colab_url'].rstrip('/')}/github/{slug}/blob/{branch}/{path}"
        )
    return expected


def check_jupyterhub(page, docname, problems):
    """When _config.yml names a JupyterHub, its nbgitpuller link must open this notebook."""
    hub = book_config()["launch_buttons"].get("jupyterhub_url")
    if not hub:
        return
    prefix = hub.rstrip("/") + "/hub/user-redirect/git-pull?"
    links = page.locator(f'.dropdown-launch-buttons a[href^="{hub.rstrip("/")}"]')
    if links.count() != 1:
        problems.append(f"{links.count()} JupyterHub buttons although jupyterhub_url is set")
        return
    href = links.get_attribute("href")
    url, slug, branch = repository()
    parsed = urlparse(href)
    query = parse_qs(parsed.query)
    if not href.startswith(prefix):
        problems.append(f"JupyterHub link is not an nbgitpuller link: {href}")
    if query.get("repo") != [url] or query.get("branch") != [branch]:
        problems.append(f"JupyterHub link names another repository or branch: {href}")
    target = f"{slug.split('/')[1]}/{docname}.ipynb"
    if not any(v.endswith(target) for v in query.get("urlpath", [])):
        problems.append(f"JupyterHub link opens another file: {href}")


def looks_like_path(alt, src):
    """myst-nb's default alt is the image's file path: one word with a slash or an image
    extension (prose such as "(N + 1)/3" has spaces)."""
    word = re.fullmatch(r"\S+", alt) is not None
    return alt == src or (word and re.search(r"[/\\]|\.(png|jpe?g|gif|svg|webp)$", alt))


def is_notebook(docname):
    return (ROOT / f"{docname}.ipynb").is_file()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("docname", PAGES)
def test_page(browser, server, built_book, docname, mode):
    base = base_url(mode, server)
    url = page_url(base, docname)
    visit = Visit(browser, url, base)
    problems = []
    try:
        if mode == "http" and (visit.response is None or visit.response.status != 200):
            problems.append(f"page answered {visit.response and visit.response.status}")
        visit.wait_for_mathjax()
        facts = visit.page.evaluate(PAGE_FACTS, RAW_TEX)

        # Math: every .math element typeset, no error node, no raw TeX left in the text.
        if facts["untypeset"]:
            problems.append(f"{facts['untypeset']} of {facts['mathCount']} equations "
                            "not typeset by MathJax")
        if facts["mathCount"] and not facts["mjx"]:
            problems.append("math on the page but no mjx-container")
        if facts["errors"]:
            problems.append(f"{facts['errors']} MathJax error node(s)")
        problems += [f"raw TeX in text: {text!r}" for text in facts["raw"]]

        # Images: loaded, and alt text that describes rather than names a file.
        for image in facts["images"]:
            alt = (image["alt"] or "").strip()
            if image["width"] == 0:
                problems.append(f"image did not load: {image['src']}")
            if not alt:
                problems.append(f"image without alt text: {image['src']}")
            elif looks_like_path(alt, image["src"]):
                problems.append(f"alt text is a file path: {alt!r} ({image['src']})")

        # Previous/next follow the table of contents.
        i = PAGES.index(docname)
        want_prev = page_url(base, PAGES[i - 1]) if i > 0 else None
        want_next = page_url(base, PAGES[i + 1]) if i + 1 < len(PAGES) else None
        if facts["prev"] != want_prev:
            problems.append(f"previous link {facts['prev']} should be {want_prev}")
        if facts["next"] != want_next:
            problems.append(f"next link {facts['next']} should be {want_next}")

        if is_notebook(docname):
            problems += check_notebook_page(visit, docname, facts, mode)

        if mode == "http":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / (docname.replace("/", "__") + ".png")
            visit.page.screenshot(path=str(shot), full_page=True)
    finally:
        visit.close()

    problems += [f"request left the machine: {u}" for u in visit.outside]
    problems += [f"HTTP status: {s}" for s in visit.bad_status]
    problems += [f"request failed: {f}" for f in visit.failed]
    problems += [f"console: {c}" for c in visit.console]
    assert not problems, f"{docname} over {mode}:\n  " + "\n  ".join(problems)


def check_notebook_page(visit, docname, facts, mode):
    problems = []
    page = visit.page
    toggle = page.locator('button[aria-label="Launch interactive content"]')
    if toggle.count() != 1 or not toggle.is_visible():
        return ["no visible launch button"]
    toggle.click()
    # The theme turns title attributes into tooltips, so the links are found by address.
    links = page.locator(".dropdown-launch-buttons a[href]")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for service, want in expected_launch_urls(docname).items():
        site = want.split("/")[2]
        found = [i for i, href in enumerate(hrefs) if href.split("/")[2:3] == [site]]
        if len(found) != 1:
            problems.append(f"{len(found)} {service} buttons, want 1 (launch links: {hrefs})")
            continue
        if not links.nth(found[0]).is_visible():
            problems.append(f"{service} button not visible after opening the launch menu")
        if hrefs[found[0]] != want:
            problems.append(f"{service} links to {hrefs[found[0]]}, want {want}")
    check_jupyterhub(page, docname, problems)

    # "Download source file" offers this page's notebook, and it is a notebook.
    want = urljoin(page.url, Path(docname).name + ".html")
    want = urljoin(want, f"{'../' * docname.count('/')}_sources/{docname}.ipynb")
    if facts["download"] != want:
        problems.append(f"download link {facts['download']} should be {want}")
    elif mode == "http":
        response = page.request.get(want)
        try:
            notebook = json.loads(response.body())
        except ValueError:
            notebook = {}
        if response.status != 200 or "cells" not in notebook:
            problems.append(f"download of {want} is not a notebook (HTTP {response.status})")
    return problems


# Over file:// Sphinx's search lists the hits but cannot fetch the pages for their
# summaries: Chromium forbids fetch() from file:// pages. The hits are what matter; these
# messages are ignored on the search page over file:// only.
FILE_SEARCH_SUMMARIES = ["Access to fetch at 'file://", "net::ERR_FAILED (file://",
                         "pageerror: Failed to fetch"]


@pytest.mark.parametrize("mode", MODES)
def test_search_finds_sigmoid(browser, server, built_book, mode):
    base = base_url(mode, server)
    visit = Visit(browser, base + "search.html?q=sigmoid", base)
    try:
        # Sphinx adds the hits one by one, then says "Search finished, found N page(s)".
        visit.page.wait_for_function("() => /Search finished/.test(document.body.innerText)")
        hits = visit.page.eval_on_selector_all(
            "#search-results ul.search li > a", "links => links.map(a => a.href)"
        )
    finally:
        visit.close()
    assert any("chapters/03_sigmoid.html" in h for h in hits), f"sigmoid chapter not in {hits}"
    assert not visit.outside, f"requests left the machine: {visit.outside}"
    console = visit.console
    if mode == "file":
        console = [c for c in console if not any(m in c for m in FILE_SEARCH_SUMMARIES)]
    assert not console, f"console errors: {console}"

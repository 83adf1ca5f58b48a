"""Layout of every chapter page of the built book at a 1,280 x 800 window, in Chromium.

The theme's code column is about 684 pixels wide at a 1,280-pixel window, about 76
characters of code. Two things are checked on each chapter page:

- nothing inside the article scrolls sideways: no code block, output or other scroll box
  is wider than its box (scrollWidth <= clientWidth + 1), with every collapsed
  `hide-input` cell opened first, since a reader may open it;
- no code cell shows an `assert`: claims are guarded in cells tagged `remove-cell`,
  which are not in the HTML at all.

Set BOOK_HTML=/path/to/html to check a book built elsewhere (see conftest.py).
"""

import pytest
from conftest import toc_pages

CHAPTERS = [page for page in toc_pages() if page.startswith("chapters/")]
VIEWPORT = {"width": 1280, "height": 800}

# Elements that show code, outputs or tables: they must not scroll, or spill out of
# their box. Any other element of the article whose overflow-x is auto or scroll is
# checked too.
BOXES = "pre, div.highlight, div.cell_output, div.output, div.cell_input, table"

LAYOUT = """(boxes) => {
  for (const details of document.querySelectorAll("details")) details.open = true;
  const article = document.querySelector("article") || document.querySelector("main")
    || document.body;
  const wide = [];
  for (const el of article.querySelectorAll("*")) {
    const overflow = getComputedStyle(el).overflowX;
    const scrolls = overflow === "auto" || overflow === "scroll";
    if (!scrolls && !el.matches(boxes)) continue;
    if (el.getClientRects().length === 0) continue;  // not rendered
    if (el.scrollWidth > el.clientWidth + 1) {
      const name = el.tagName.toLowerCase() +
        (el.className && typeof el.className === "string" ?
         "." + el.className.trim().split(/\\s+/).join(".") : "");
      wide.push({element: name, scrollWidth: el.scrollWidth,
                 clientWidth: el.clientWidth,
                 text: el.textContent.trim().split("\\n")[0].slice(0, 70)});
    }
  }
  const asserts = [];
  for (const cell of article.querySelectorAll("div.cell_input, div.cell .highlight")) {
    for (const line of cell.textContent.split("\\n")) {
      if (/^\\s*assert\\b/.test(line)) asserts.push(line.trim().slice(0, 70));
    }
  }
  return {wide: wide, asserts: [...new Set(asserts)],
          pageWidth: document.documentElement.scrollWidth,
          windowWidth: window.innerWidth};
}"""


@pytest.fixture(scope="module")
def layout_page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


_MEASURED = {}


def measure(page, url):
    """The layout facts of the page at ``url`` (each page is loaded once)."""
    if url in _MEASURED:
        return _MEASURED[url]
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        pytest.fail(f"{url} did not load (HTTP {response and response.status}): "
                    "rebuild the book")
    if page.evaluate("() => Boolean(window.MathJax && MathJax.startup)"):
        page.wait_for_function("() => MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    _MEASURED[url] = page.evaluate(LAYOUT, BOXES)
    return _MEASURED[url]


def test_there_are_chapters():
    assert len(CHAPTERS) >= 7, CHAPTERS


@pytest.mark.parametrize("docname", CHAPTERS)
def test_nothing_scrolls_sideways(layout_page, server, docname):
    facts = measure(layout_page, server + docname + ".html")
    problems = [
        f"{w['element']}: {w['scrollWidth']} px of content in {w['clientWidth']} px "
        f"({w['text']!r})"
        for w in facts["wide"]
    ]
    if facts["pageWidth"] > facts["windowWidth"]:
        problems.append(f"the page itself is {facts['pageWidth']} px wide in a "
                        f"{facts['windowWidth']} px window")
    assert not problems, f"{docname} at 1280 x 800:\n" + "\n".join(problems)


@pytest.mark.parametrize("docname", CHAPTERS)
def test_no_assert_in_code_cells(layout_page, server, docname):
    facts = measure(layout_page, server + docname + ".html")
    assert not facts["asserts"], (
        f"{docname} shows assert statements (tag their cells remove-cell):\n"
        + "\n".join(facts["asserts"])
    )

"""Every page of the book names both licences in its footer, visibly, with working targets.

The code is under the MIT License (LICENSE), the text and figures under CC BY 4.0
(LICENSE-text.md); a reader who copies a figure from any page must be able to see which
licence applies without leaving it. Each page of _toc.yml is opened in Chromium (one browser
context, over the local server) and its footer read as the reader sees it.
"""

import pytest
from conftest import ROOT, book_config, toc_pages

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def licence_links():
    repo = book_config()["repository"]
    base = f"{repo['url'].rstrip('/')}/blob/{repo.get('branch', 'main')}"
    return {"MIT License": f"{base}/LICENSE", "CC BY 4.0": CC_BY}


@pytest.fixture(scope="module")
def page(browser):
    # The footer's links are read, never followed (test_book_pages.py checks that no page
    # request leaves the machine).
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_licence_files_exist():
    assert (ROOT / "LICENSE").is_file() and (ROOT / "LICENSE-text.md").is_file()


@pytest.mark.parametrize("docname", toc_pages())
def test_footer_names_both_licences(page, server, built_book, docname):
    page.goto(f"{server}{docname}.html", wait_until="domcontentloaded")
    footer = page.locator("footer.bd-footer-content")
    assert footer.count() == 1, f"{docname}: no page footer"
    footer.scroll_into_view_if_needed()
    assert footer.is_visible(), f"{docname}: the footer is hidden"
    text = " ".join(footer.inner_text().split())
    for name, href in licence_links().items():
        assert name in text, f"{docname}: the footer does not name {name}: {text!r}"
        link = footer.get_by_role("link", name=name)
        assert link.count() == 1 and link.get_attribute("href") == href, (
            f"{docname}: {name} should link to {href}")
    assert "Code" in text and "Text and figures" in text, text

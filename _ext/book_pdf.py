"""Offer the PDF of the whole book in every page's download menu.

``make pdf`` (tools/pdf.py) prints the single-page build to ``_build/pdf/<book_pdf>`` and copies
it to the root of ``_build/html``. The theme's download menu (sphinx-book-theme,
``use_download_button``) offers the page's source and "print this page"; this adds one more
entry, "Book (PDF)", linking to that file from every page. sphinx-book-theme has no option for
an extra download entry, so the entry is appended to its header-button list after the theme
made it (priority 502 > the theme's 501).
"""

GROUP = "download-buttons"


def add_book_pdf(app, pagename, templatename, context, doctree):
    name = app.config.book_pdf
    if not name or app.builder.name != "html":
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == GROUP:
            button["buttons"].append({
                "type": "link",
                "url": context["pathto"](name, 1),
                "text": "Book (PDF)",
                "tooltip": "Download the whole book as one PDF",
                "icon": "fas fa-book",
                "label": "download-book-pdf-button",
            })


def setup(app):
    app.add_config_value("book_pdf", "", "html")
    app.connect("html-page-context", add_book_pdf, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Drop repeated <script> tags from every page.

With Jupyter Book 1.0.4 the inline scripts of sphinx-thebe and sphinx-togglebutton are
registered twice and so appear twice in every page. sphinx-thebe's declares
``const THEBE_JS_URL``, so the second copy throws "Identifier 'THEBE_JS_URL' has already
been declared" in every reader's console (found by browser_tests/). A script that is byte for
byte the same as an earlier one on the page adds nothing, so only the first copy is kept.
"""


def _key(script):
    """Inline scripts come with filename None or ''; both mean "no file"."""
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {})
    return (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))


def dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", dedupe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

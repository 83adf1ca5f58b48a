"""The generated reference pages of the built book (read as HTML; no browser needed)."""

import re

from conftest import HTML

import bplib

GLOSSARY = [
    ("gradient", "기울기"), ("numerical differentiation", "수치 미분"),
    ("forward difference", "전방 차분"), ("central difference", "중앙 차분"),
    ("truncation error", "절단 오차"), ("round-off error", "반올림 오차"),
    ("loss function", "손실 함수"), ("gradient descent", "경사 하강법"),
    ("learning rate", "학습률"), ("backpropagation", "역전파"), ("chain rule", "연쇄 법칙"),
    ("computational graph", "계산 그래프"), ("activation function", "활성화 함수"),
    ("sigmoid", "시그모이드"), ("ReLU", None), ("vanishing gradient", "기울기 소실"),
    ("dead ReLU", "죽은 ReLU"), ("mini-batch", "미니배치"), ("epoch", "에포크"),
    ("softmax", "소프트맥스"), ("cross-entropy", "교차 엔트로피"), ("parameter", "매개변수"),
    ("weight initialisation", "가중치 초기화"),
]


def test_api_page_documents_every_public_name_with_a_chapter_link(built_book):
    page = (built_book / "reference" / "api.html").read_text(encoding="utf-8")
    # Each top-level entry (bplib.Name, not bplib.Name.method) runs until the next one.
    starts = list(re.finditer(r'<dt class="sig sig-object py" id="(bplib\.\w+)"', page))
    ends = [m.start() for m in starts[1:]] + [len(page)]
    by_name = {m.group(1): page[m.start():end] for m, end in zip(starts, ends)}
    for name in bplib.__all__:
        entry = by_name.get(f"bplib.{name}")
        assert entry is not None, f"bplib.{name} has no entry on the API page"
        assert re.search(r'Taught in:</strong> <a class="reference internal" '
                         r'href="\.\./(chapters|exercises)/', entry), (
            f"bplib.{name}: no 'Taught in' link to a chapter"
        )


def test_glossary_has_every_term_in_english_and_korean(built_book):
    page = (built_book / "reference" / "glossary.html").read_text(encoding="utf-8")
    terms = set(re.findall(r'<dt id="term-[^"]*">(.*?)<a class="headerlink"', page))
    for english, korean in GLOSSARY:
        assert english in terms, f"glossary lacks {english!r}"
        if korean:
            assert korean in terms, f"glossary lacks the Korean term {korean!r} ({english})"
    # Every definition ends with a link to the page that teaches it.
    for body in re.findall(r"<dd>(.*?)</dd>", page, re.S):
        link = r'Taught in\s+<a class="reference internal" href="\.\./chapters/'
        assert re.search(link, body), f"no 'Taught in' link in {body[:200]}"


def test_status_page_is_honest_about_its_report(built_book):
    page = (built_book / "reference" / "status.html").read_text(encoding="utf-8")
    reports = HTML.parent / "reports"
    if (reports / "unit.xml").is_file() and (reports / "environment.json").is_file():
        assert "Validated with:" in page and "numpy" in page and "matplotlib" in page
    else:
        assert "No test report was found" in page

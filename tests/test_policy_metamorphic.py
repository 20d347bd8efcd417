"""Metamorphic tests of policy-page reading over real dev pages (read from ../shared).

Each test changes what must not matter on a real government page (how the header table is
marked up, class and id names, the encoding, the chrome around the document) and asserts
that the policy fields follow; pages about a policy must get no fields from their story.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from crawler.clean.decode import decode_html
from crawler.clean.extract import extract_article
from crawler.text.dates import find_dates

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("XIETONG_SHARED") or ROOT.parent / "shared")
CORPUS = SHARED / "corpus"
FIELDS = ("title", "published_at", "written_at", "issuer", "doc_number", "index_number", "topic")
# Pages of the tuning half (benchmarks/corpus_split.py) and policy-dev.
TABLE_PAGES = ("policy-multi-dev/001", "policy-multi-dev/003", "policy-dev/001")
TEXT_PAGES = ("policy-multi-dev/005", "policy-multi-dev/014", "policy-multi-dev/017")
_PARSER = etree.HTMLParser(encoding="utf-8")
_CHARSET_RE = re.compile(rb"charset\s*=\s*[\"']?[\w-]+", re.IGNORECASE)


def _page(name: str) -> tuple[bytes, str, dict[str, Any]]:
    folder = CORPUS / name
    if not (folder / "page.html").is_file():
        pytest.fail("metamorphic tests need the shared corpus at %s" % CORPUS)
    rows = [
        json.loads(line)
        for line in (folder.parent / "index.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    url = next(row.get("url") or "" for row in rows if row["id"] == folder.name)
    truth = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return (folder / "page.html").read_bytes(), url, truth


def _fields(html: bytes | str, url: str) -> dict[str, Any]:
    result = extract_article(html, url)
    policy = result.policy or {}
    found = {name: policy.get(name) for name in FIELDS}
    found["title"] = result.title
    found["policy"] = result.policy is not None
    found["body"] = "".join(result.body.split())
    return found


def _tree(html: bytes) -> Any:
    return etree.fromstring(decode_html(html, None).text.encode("utf-8"), _PARSER)


def _html(root: Any) -> bytes:
    return etree.tostring(root, encoding="utf-8", method="html")


def _same_document(
    found: dict[str, Any], expected: dict[str, Any], fields: tuple[str, ...] = FIELDS
) -> None:
    for name in fields:
        assert found[name] == expected[name], name
    assert found["body"][:40] == expected["body"][:40]
    assert found["body"][-40:] == expected["body"][-40:]


def _header_element(root: Any) -> Any:
    """Return the smallest element holding the whole header table (索引号 … 发布日期)."""
    best = None
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("html", "body"):
            continue
        text = "".join(element.itertext())
        compact = "".join(text.split())
        if "索引号" in compact and ("文号" in compact or "发文字号" in compact):
            best = element  # iter() is in document order: later hits are deeper
    assert best is not None
    return best


def _header_rows(found: dict[str, Any]) -> list[tuple[str, str]]:
    labels = {
        "index_number": "索引号",
        "issuer": "发文机关",
        "doc_number": "发文字号",
        "written_at": "成文日期",
        "published_at": "发布日期",
        "topic": "主题分类",
        "title": "标题",
    }
    return [(labels[name], found[name] or "") for name in labels]


def _render(rows: list[tuple[str, str]], form: str) -> str:
    if form == "table-two-cells":
        cells = "".join("<tr><td>%s：</td><td>%s</td></tr>" % row for row in rows)
        return "<table><tbody>%s</tbody></table>" % cells
    if form == "table-one-cell":
        cells = "".join("<tr><td>%s：%s</td></tr>" % row for row in rows)
        return "<table><tbody>%s</tbody></table>" % cells
    if form == "dl":
        return "<dl>%s</dl>" % "".join("<dt>%s</dt><dd>%s</dd>" % row for row in rows)
    if form == "ul":
        return "<ul>%s</ul>" % "".join("<li>%s：%s</li>" % row for row in rows)
    if form == "ul-spans":
        return "<ul>%s</ul>" % "".join(
            "<li><span>%s：</span><span>%s</span></li>" % row for row in rows
        )
    if form == "bracket-spans":  # 首都之窗: [索引号] in a span, the value after it
        return "<ol>%s</ol>" % "".join("<li><span>[%s]</span>%s</li>" % row for row in rows)
    if form == "span-grid":  # one div of label and value spans, no colons
        return '<div class="xxgk">%s</div>' % "".join(
            "<span>%s</span><span>%s</span>" % row for row in rows
        )
    if form == "table-padded":  # labels padded to width with full-width spaces
        cells = "".join(
            "<tr><th>%s：</th><td>%s</td></tr>" % ("\u3000".join(label), value)
            for label, value in rows
        )
        return "<table><tbody>%s</tbody></table>" % cells
    if form == "list-with-other-fields":  # fields the cleaner does not read between them
        items = ["<li><span>%s：%s</span></li>" % row for row in rows]
        items.insert(1, "<li><span>统一登记号：ABCR-2024-00012</span></li>")
        items.insert(2, "<li><span>公开责任部门：市法制办</span></li>")
        return "<ul>%s</ul>" % "".join(items)
    if form == "bracket-lines":  # 【发布单位】… lines a <br> apart in one element
        return '<div class="fbxx">%s</div>' % "<br>".join("【%s】%s" % row for row in rows)
    if form == "label-cells-jiangsu":  # 信息索引号, 文件编号: other names, label cells, no colon
        other = {"索引号": "信息索引号", "发文字号": "文件编号"}
        cells = "".join(
            '<tr><td class="t">%s</td><td>%s</td></tr>' % (other.get(label, label), value)
            for label, value in rows
        )
        return '<table class="xxgk_table"><tbody>%s</tbody></table>' % cells
    assert form == "document-write"
    lines = "".join(
        "document.write('<tr><th>%s</th><td>%s</td></tr>');\n"
        % (label, value.replace("\\", "\\\\").replace("'", "\\'"))
        for label, value in rows
    )
    return "<script>document.write('<table>');\n%sdocument.write('</table>');</script>" % lines


@pytest.mark.parametrize(
    "form",
    [
        "table-two-cells",
        "table-one-cell",
        "dl",
        "ul",
        "ul-spans",
        "document-write",
        "bracket-spans",
        "span-grid",
        "table-padded",
        "list-with-other-fields",
        "bracket-lines",
        "label-cells-jiangsu",
    ],
)
@pytest.mark.parametrize("name", TABLE_PAGES)
def test_header_markup_does_not_change_the_fields(name, form):
    html, url, _ = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    header = _header_element(root)
    replacement = etree.fromstring(
        ("<div>%s</div>" % _render(_header_rows(expected), form)).encode("utf-8"), _PARSER
    ).find(".//body/div")
    header.getparent().replace(header, replacement)
    found = _fields(_html(root), url)
    for field_name in FIELDS:
        if field_name != "title":
            assert found[field_name] == expected[field_name], field_name
    assert found["title"] == expected["title"]


@pytest.mark.parametrize("name", TABLE_PAGES + TEXT_PAGES)
def test_renamed_classes_and_ids_do_not_change_the_fields(name):
    html, url, _ = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    names: dict[str, str] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("class", "id"):
            value = element.get(attribute)
            if value:
                element.set(
                    attribute,
                    " ".join(names.setdefault(t, "n%d" % len(names)) for t in value.split()),
                )
    found = _fields(_html(root), url)
    for field_name in FIELDS:
        assert found[field_name] == expected[field_name], field_name


@pytest.mark.parametrize("name", TABLE_PAGES + TEXT_PAGES)
def test_gbk_copy_of_a_utf8_page_reads_the_same(name):
    html, url, _ = _page(name)
    expected = _fields(html, url)
    text = decode_html(html, None).text
    gbk = _CHARSET_RE.sub(b"charset=gbk", text.encode("gbk", "xmlcharrefreplace"))
    found = _fields(gbk, url)
    _same_document(found, expected)
    back = _CHARSET_RE.sub(b"charset=utf-8", gbk.decode("gbk").encode("utf-8"))
    _same_document(_fields(back, url), expected)


def _document_region(root: Any, truth: dict[str, Any]) -> Any:
    """Return the smallest element holding the document: title, header table, first words."""
    marks = ["".join(truth["title"].split()), truth["body_start"][:12]]
    if "索引号" in "".join("".join(root.itertext()).split()):
        marks.append("索引号")
    best = None
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("html", "body"):
            continue
        compact = "".join("".join(element.itertext()).split())
        if all(mark in compact for mark in marks):
            best = element
    assert best is not None
    return best


@pytest.mark.parametrize(
    ("name", "chrome_of"),
    [
        ("policy-multi-dev/014", "policy-multi-dev/005"),
        ("policy-multi-dev/005", "policy-multi-dev/012"),
        ("policy-multi-dev/003", "policy-multi-dev/014"),
        ("policy-multi-dev/012", "policy-multi-dev/003"),
    ],
)
def test_document_in_another_sites_chrome_reads_the_same(name, chrome_of):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    host_html, _, host_truth = _page(chrome_of)
    host = _tree(host_html)
    region = _document_region(_tree(html), truth)
    old = _document_region(host, host_truth)
    old.getparent().replace(old, copy.deepcopy(region))
    # The <title> names the document, not the site's chrome: it moves with the document.
    host.find(".//title").text = _tree(html).find(".//title").text
    found = _fields(_html(host), url)
    # A byline outside the document's element is the old site's chrome and stays behind.
    region_text = " ".join(region.itertext())
    above_text = region_text[: region_text.find(truth["body_start"][:6])]
    moved_date = (expected["published_at"] or "")[:10] in {
        d[:10] for _, d in find_dates(above_text)
    }
    _same_document(found, expected, FIELDS if moved_date else FIELDS[:1] + FIELDS[2:])
    if not moved_date:
        assert found["published_at"] is None


def test_news_page_about_a_policy_gets_no_policy_fields():
    html, url, truth = _page("policy-multi-dev/018")
    found = _fields(html, url)
    assert truth["page_type"] == "news"
    assert not found["policy"]
    # Even when the story closes with the bureau's name and a date, like a signature.
    signed = html.replace(
        "具体咨询。</p>".encode(),
        "具体咨询。</p><p>上海市房屋管理局</p><p>2025年8月25日</p>".encode(),
        1,
    )
    assert signed != html
    assert not _fields(signed, url)["policy"]


@pytest.mark.parametrize("name", TEXT_PAGES)
def test_interpretation_title_takes_no_fields_from_the_text(name):
    html, url, truth = _page(name)
    assert _fields(html, url)["doc_number"]  # the unchanged page is read as a document
    root = _tree(html)
    renamed = 0
    for element in root.iter():
        if isinstance(element.tag, str) and element.text and truth["title"] in element.text:
            element.text = element.text.replace(truth["title"], "《%s》政策解读" % truth["title"])
            renamed += 1
    assert renamed
    found = _fields(_html(root), url)
    assert not found["policy"]
    assert all(found[name] is None for name in FIELDS if name != "title")


@pytest.mark.parametrize("name", TEXT_PAGES)
def test_column_name_heading_is_not_the_title(name):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    region = _document_region(root, truth)
    column = etree.SubElement(region.getparent(), "h1")
    column.text = "通知公告"
    region.addprevious(column)
    found = _fields(_html(root), url)
    assert found["title"] == expected["title"] == truth["title"]
    assert found["doc_number"] == expected["doc_number"]


@pytest.mark.parametrize("form", ["table-two-cells", "ul"])
def test_header_saying_none_gives_no_document_number(form):
    html, url, _ = _page("policy-multi-dev/003")
    expected = _fields(html, url)
    root = _tree(html)
    header = _header_element(root)
    rows = [
        (label, "无" if label == "发文字号" else value) for label, value in _header_rows(expected)
    ]
    replacement = etree.fromstring(
        ("<div>%s</div>" % _render(rows, form)).encode("utf-8"), _PARSER
    ).find(".//body/div")
    header.getparent().replace(header, replacement)
    found = _fields(_html(root), url)
    assert expected["doc_number"]
    assert found["doc_number"] is None
    assert found["issuer"] == expected["issuer"]


@pytest.mark.parametrize("name", TABLE_PAGES)
def test_header_lines_printed_inside_the_text_are_not_the_document(name):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    opening = expected["body"][:10]
    first = None
    for element in root.iter("p", "div"):
        if opening in "".join("".join(element.itertext()).split()):
            first = element  # the deepest element opening the text
    assert first is not None
    for label, value in _header_rows(expected):
        if label != "标题":
            line = etree.Element("p")
            line.text = "%s：%s" % (label, value)
            first.addprevious(line)
    found = _fields(_html(root), url)
    _same_document(found, expected)


_CHINESE_DIGITS = "〇一二三四五六七八九"


def _chinese_numeral(number: int) -> str:
    """Return 五, 十, 十二, 二十一 for a month or a day."""
    tens, units = divmod(number, 10)
    if not tens:
        return _CHINESE_DIGITS[units]
    return ("" if tens == 1 else _CHINESE_DIGITS[tens]) + "十" + _CHINESE_DIGITS[units].strip("〇")


@pytest.mark.parametrize("name", ["policy-multi-dev/005", "policy-multi-dev/014"])
def test_signature_date_in_chinese_numerals_reads_the_same(name):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    year, month, day = (int(part) for part in truth["written_at"].split("-"))
    arabic = "%d年%d月%d日" % (year, month, day)
    chinese = "%s年%s月%s日" % (
        "".join(_CHINESE_DIGITS[int(digit)] for digit in str(year)),
        _chinese_numeral(month),
        _chinese_numeral(day),
    )
    text = decode_html(html, None).text
    assert text.count(arabic) >= 1
    found = _fields(text.replace(arabic, chinese), url)
    assert found["written_at"] == expected["written_at"] == truth["written_at"]
    assert found["issuer"] == expected["issuer"]
    assert found["body"] == expected["body"].replace(arabic, chinese)


def _compact_text(text: str) -> str:
    return "".join(text.replace("\u3000", " ").split())


@pytest.mark.parametrize("name", ["policy-multi-dev/005", "policy-multi-dev/014"])
def test_forwarding_title_names_the_forwarding_body(name):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    issuer = truth["issuer"]
    forwarding = truth["title"].replace(issuer + "关于", issuer + "转发市财政局关于", 1)
    assert forwarding != truth["title"]
    text = decode_html(html, None).text.replace(truth["title"], forwarding)
    found = _fields(text, url)
    assert found["title"] == forwarding
    assert found["issuer"] == expected["issuer"] == issuer
    assert found["doc_number"] == expected["doc_number"]


@pytest.mark.parametrize("name", ["policy-multi-dev/005", "policy-multi-dev/017"])
def test_number_glued_after_the_heading_is_the_document_number(name):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    number = truth["doc_number"]
    removed = 0
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("title", "script", "style"):
            continue
        if element.text and _compact_text(number) in _compact_text(element.text):
            element.text = ""
            removed += 1
    assert removed
    assert _fields(_html(root), url)["doc_number"] != number  # the number is gone
    glued = 0
    for element in root.iter():
        if isinstance(element.tag, str) and (element.text or "").strip() == truth["title"]:
            element.text = "%s（%s）" % (truth["title"], number)
            glued += 1
    assert glued
    found = _fields(_html(root), url)
    # Spaces inside a number (财政部 税务总局公告…) may go: the scorers ignore them too.
    assert _compact_text(found["doc_number"]) == _compact_text(expected["doc_number"])
    assert _compact_text(found["doc_number"]) == _compact_text(number)
    assert found["title"] == expected["title"]


def _deepest_with(root: Any, mark: str) -> Any:
    found = None
    for element in root.iter("p", "div", "span", "td"):
        if mark in _compact_text("".join(element.itertext())):
            found = element
    assert found is not None, mark
    return found


@pytest.mark.parametrize("name", ["policy-multi-dev/005", "policy-multi-dev/014"])
def test_record_after_the_signature_is_not_the_text(name):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    date_line = _deepest_with(root, truth["body_end"][-8:])
    for text in reversed(
        [
            "抄送：市委各部门，市人大常委会办公室，市政协办公室。",
            "%s　　%s印发" % (truth["issuer"], truth["body_end"][-10:]),
        ]
    ):
        line = etree.Element("p")
        line.text = text
        date_line.addnext(line)
    found = _fields(_html(root), url)
    _same_document(found, expected)


@pytest.mark.parametrize("name", TEXT_PAGES)
def test_registration_number_above_the_text_is_not_the_text(name):
    html, url, _ = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    first = _deepest_with(root, expected["body"][:10])
    line = etree.Element("p")
    line.text = "ABCR-2024-01008"
    first.addprevious(line)
    found = _fields(_html(root), url)
    _same_document(found, expected)


def _signature_elements(root: Any, truth: dict[str, Any]) -> tuple[Any, Any, str]:
    """Return the signature's issuer line, its date line and the date as printed."""
    year, month, day = (int(part) for part in truth["written_at"].split("-"))
    printed = "%d年%d月%d日" % (year, month, day)
    date_line = _deepest_with(root, printed)
    issuer_line = date_line.getprevious()
    assert issuer_line is not None
    assert _compact_text("".join(issuer_line.itertext())) == _compact_text(truth["issuer"])
    return issuer_line, date_line, printed


def _set_text(element: Any, text: str) -> None:
    for child in list(element):
        element.remove(child)
    element.text = text


@pytest.mark.parametrize("form", ["issuer-and-date-on-one-line", "issuer-spaced-letter-by-letter"])
@pytest.mark.parametrize("name", ["policy-multi-dev/005", "policy-multi-dev/014"])
def test_signature_printed_another_way_reads_the_same(name, form):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    issuer_line, date_line, printed = _signature_elements(root, truth)
    if form == "issuer-and-date-on-one-line":
        _set_text(issuer_line, "%s\u3000\u3000%s" % (truth["issuer"], printed))
        date_line.getparent().remove(date_line)
    else:
        _set_text(issuer_line, " ".join(_compact_text(truth["issuer"])))
    found = _fields(_html(root), url)
    _same_document(found, expected)
    assert found["written_at"] == truth["written_at"]


@pytest.mark.parametrize("name", ["policy-multi-dev/005", "policy-multi-dev/014"])
@pytest.mark.parametrize("zero", ["〇", "Ｏ", "0"])
def test_signature_date_typed_in_full_width_or_with_a_letter_zero_reads_the_same(name, zero):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    _, date_line, printed = _signature_elements(root, truth)
    year, month, day = (int(part) for part in truth["written_at"].split("-"))
    full_width = printed.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    chinese = "%s年%s月%s日" % (
        "".join(_CHINESE_DIGITS[int(digit)] for digit in str(year)).replace("〇", zero),
        _chinese_numeral(month),
        _chinese_numeral(day),
    )
    for typed in (full_width, chinese):
        _set_text(date_line, typed)
        found = _fields(_html(root), url)
        assert found["written_at"] == expected["written_at"] == truth["written_at"]
        assert found["issuer"] == expected["issuer"]
        assert found["body"].endswith(_compact_text(typed))


@pytest.mark.parametrize("name", ["policy-multi-dev/005", "policy-multi-dev/014"])
def test_title_shown_in_page_title_only_reads_the_same(name):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    title = _compact_text(truth["title"])
    removed = 0
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("title", "script", "style"):
            continue
        own = _compact_text(element.text or "")
        if (
            len(own) >= 6
            and (own in title or title in own)
            and own != _compact_text(truth["issuer"])
        ):
            element.text = ""  # the heading, its copy above the text, a wrapped title's lines
            removed += 1
    assert removed
    page_title = root.find(".//title")
    page_title.text = "%s_%s" % (truth["title"], "某某市人民政府门户网站")
    found = _fields(_html(root), url)
    assert found["title"] == expected["title"] == truth["title"]
    for name_ in ("written_at", "issuer"):
        assert found[name_] == expected[name_]


@pytest.mark.parametrize("name", ["policy-multi-dev/005", "policy-multi-dev/014"])
def test_signature_of_the_date_alone_still_gives_the_written_date(name):
    html, url, truth = _page(name)
    expected = _fields(html, url)
    root = _tree(html)
    issuer_line, _, printed = _signature_elements(root, truth)
    issuer_line.getparent().remove(issuer_line)
    found = _fields(_html(root), url)
    assert found["written_at"] == expected["written_at"] == truth["written_at"]
    assert found["issuer"] == expected["issuer"]  # the title names it
    assert found["body"][:40] == expected["body"][:40]
    assert found["body"].endswith(printed)  # the text still ends at the date

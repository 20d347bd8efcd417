"""Read the header table of Chinese government policy pages (索引号, 发文机关, 发文字号…).

Policy pages (www.gov.cn and provincial portals) put a label/value table above the
document. Labels sit in their own cell (``<td><b>发文机关：</b></td><td>国务院</td>``) or
run into the value (``<li>发文字号：国发〔2019〕5号</li>``); both forms are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from crawler.clean.patterns import NONE_VALUE_RE
from crawler.text.dates import find_date
from crawler.text.policy_vocabulary import POLICY_LABELS, normalize_doc_number

__all__ = [
    "POLICY_LABELS",
    "attachment_urls",
    "header_fields",
    "header_fields_in_lines",
    "is_header_table",
    "normalize_doc_number",
    "parse_policy",
]

_LABEL_TO_FIELD = {label: name for name, labels in POLICY_LABELS.items() for label in labels}


def _spaced(label: str) -> str:
    """Return a pattern for a label padded to width: 索 引 号 (gov.cn), 文  号 (dazhou, hainan)."""
    return r"[\s\u3000\xa0]*".join(re.escape(char) for char in label)


_LABEL_RE = re.compile(
    r"(%s)[\s\u3000\xa0]*[:：]"
    % "|".join(_spaced(k) for k in sorted(_LABEL_TO_FIELD, key=len, reverse=True))
)
_BRACKETED_LABEL_RE = re.compile(
    r"[\[［【][\s\u3000\xa0]*(%s)[\s\u3000\xa0]*[\]］】]"
    % "|".join(_spaced(k) for k in sorted(_LABEL_TO_FIELD, key=len, reverse=True))
)
_SPACE_RE = re.compile(r"[\s\u3000\xa0]+")
# A label's own punctuation, not its word: colons (every dev site), brackets ([索 引 号] on
# 首都之窗 beijing.gov.cn, the template the Beijing district sites share).
_LABEL_BRACKETS = "[]［］【】〔〕"
# Any short label opening a value (统一登记号：, 公开责任部门：): the end of the value before it,
# known label or not (www.changsha.gov.cn, www.lf.gov.cn list fields we do not read).
_ANY_LABEL_RE = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff\s\u3000\xa0]{1,9}[:：]")
ATTACHMENT_RE = re.compile(
    r"\.(?:pdf|docx?|ofd|wps|xlsx?|et|pptx?|zip|rar|7z|txt|ceb)(?:$|[?#])", re.IGNORECASE
)
_CELL_TAGS = ("td", "th", "li", "span", "div", "p", "dt", "dd", "b", "strong", "label", "em")
_DATE_FIELDS = ("written_at", "published_at")
# Labels only policy pages carry: without one of them the table scan is skipped.
_HINT_LABELS = (
    "索引号",
    "索引號",
    "发文字号",
    "發文字號",
    "发文机关",
    "發文機關",
    "发布机构",
    "發布機構",
    "发文单位",
    "成文日期",
    "印发日期",
    "生成日期",
    "发布文号",
    "文件编号",
)
_HINT_RE = re.compile(
    "|".join(_spaced(label) for label in _HINT_LABELS)
    + r"|文[\s\u3000\xa0]*[号號][\s\u3000\xa0]*[:：]"
)
# What a hint's match is made of: its labels' characters, the spaces between them and colons.
_HINT_CHARS = "".join(
    sorted(
        set("".join(_HINT_LABELS))
        | set("文号號:：\u3000\xa0")
        | {chr(code) for code in range(0x10000) if chr(code).isspace()}
    )
)
# document.write("…") calls in inline scripts and the string literals in them: issue 9 saw
# header tables printed by script on unseen sites (no dev page does; the metamorphic tests do).
_WRITE_CALL_RE = re.compile(r"document\.write(?:ln)?\s*\(((?:[^()]|\([^()]*\))*)\)", re.DOTALL)
_JS_STRING_RE = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
_JS_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_JS_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_FRAGMENT_PARSER = etree.HTMLParser(encoding="utf-8")
# An element's text content; works on plain lxml elements and lxml.html ones alike.
_STRING = etree.XPath("string()", smart_strings=False)
# A cell's text nodes and line breaks in document order: a 发文机关 cell listing joint issuers
# one a line (<td>A<br>B</td>) reads "A B", not "AB".
_TEXT_AND_BREAKS = etree.XPath(".//text() | .//br")


def _text(element: Any) -> str:
    return _SPACE_RE.sub(" ", str(_STRING(element))).strip()


def _cell_text(element: Any) -> str:
    """Return a value cell's text, a <br> read as a space: bodies listed a line each stay apart."""
    if element.find(".//br") is None:
        return _text(element)
    parts = (
        " " if getattr(node, "tag", None) == "br" else node for node in _TEXT_AND_BREAKS(element)
    )
    return _SPACE_RE.sub(" ", "".join(parts)).strip()


def _label_of(text: str) -> str | None:
    key = _SPACE_RE.sub("", text).rstrip(":：")
    return _LABEL_TO_FIELD.get(key) or _LABEL_TO_FIELD.get(key.strip(_LABEL_BRACKETS))


def _clean_value(field_name: str, value: str) -> str | None:
    value = value.strip(" :：\u3000")
    if (
        not value
        or NONE_VALUE_RE.match(value)
        or _LABEL_RE.match(value)
        or _BRACKETED_LABEL_RE.match(value)
    ):
        return None  # 文号：无, or an empty cell followed by the next label
    if field_name in _DATE_FIELDS:
        return find_date(value) or None
    if field_name == "doc_number":
        return normalize_doc_number(value)
    if field_name == "index_number":
        return _SPACE_RE.sub("", value)
    return value


def _next_element(element: Any) -> Any | None:
    """Return the next sibling that is an element, passing over comments and instructions.

    Guangdong's gkmlpt template writes an HTML comment between a label cell and its value
    (wild pages 011, 106, 107 of gd.gov.cn and foshan.gov.cn sites).
    """
    sibling = element.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    return sibling


def _scan_cells(root: Any, found: dict[str, str]) -> None:
    """Add the label/value pairs of one tree to ``found`` (first value of a label wins).

    A label in a cell of its own names the next cell as its value; a label running into its
    value (``<li>文号：…</li>``) counts only where no label cell names the field, since the
    element holding a whole small table also starts with a label.
    """
    inline: dict[str, str] = {}
    for element in root.iter(*_CELL_TAGS):
        own = _text(element)
        if not own or len(own) > 200:
            continue
        name = _label_of(own)
        if name is not None:
            if found.get(name):
                continue  # an empty cell gives way to a later one (主题分类 then 主题词)
            sibling = _next_element(element)
            tail = _SPACE_RE.sub(" ", element.tail or "").strip()
            if tail and (sibling is None or element.tag in ("b", "strong", "label", "em", "span")):
                # The value is the text after the label element: <b>文号：</b>… (gov.cn),
                # <li><span>[发文机构]</span>北京市人民政府</li> (首都之窗, www.beijing.gov.cn).
                found[name] = tail
                continue
            if element.tag in ("b", "strong", "label", "em") and sibling is None:
                parent = element.getparent()
                sibling = _next_element(parent) if parent is not None else None
            # An empty value cell still counts: the page shows the field, with nothing in it.
            found[name] = _cell_text(sibling) if sibling is not None else ""
            continue
        if len(element) > 3:
            continue
        match = _LABEL_RE.match(own)
        if match:
            name = _LABEL_TO_FIELD[_SPACE_RE.sub("", match.group(1))]
            rest = own[match.end() :]
            following = _ANY_LABEL_RE.search(rest)
            if following:
                rest = rest[: following.start()]
            if name not in inline:
                inline[name] = rest
    for name, value in inline.items():
        if not found.get(name):
            found[name] = value


def _unescape(match: re.Match[str]) -> str:
    r"""Undo one JavaScript string escape: \u5f00, \x41, \n, \', \\."""
    code = match.group(1)
    if len(code) > 1:
        return chr(int(code[1:], 16))
    return _JS_SIMPLE_ESCAPES.get(code, code)


def _written_headers(scripts: Iterable[Any]) -> Iterator[Any]:
    """Yield the HTML that inline scripts print with document.write, parsed."""
    for script in scripts:
        code = script.text or ""
        if "document.write" not in code or not _HINT_RE.search(code):
            continue
        markup = "".join(
            _JS_ESCAPE_RE.sub(_unescape, literal) if "\\" in literal else literal
            for call in _WRITE_CALL_RE.findall(code)
            for literal in (a or b for a, b in _JS_STRING_RE.findall(call))
        )
        if markup.strip():
            yield etree.fromstring(("<div>%s</div>" % markup).encode("utf-8"), _FRAGMENT_PARSER)


def _hint_across_scripts(scripts: list[Any]) -> bool:
    """Say whether a hint shows in the scripts' texts joined by spaces, though in none alone.

    A hint inside one script is in the page's text already (the caller searched that); one
    running from a script into the next is made of hint characters only, so it lies in the
    ends of the scripts made of them, and the middles need no search.
    """
    pieces = []
    for script in scripts:
        text = script.text or ""
        head = len(text) - len(text.lstrip(_HINT_CHARS))
        if head == len(text):
            pieces.append(text)
        else:
            pieces.append(text[:head] + "\x00" + text[len(text.rstrip(_HINT_CHARS)) :])
    return _HINT_RE.search(" ".join(pieces)) is not None


def header_fields(root: Any, scripts: list[Any] | None = None) -> dict[str, str | None]:
    """Return the policy fields a page's header shows, cleaned; None for a shown empty one.

    ``scripts`` are the page's <script> elements in page order, when the caller has them.
    """
    found: dict[str, str] = {}
    if scripts is None:
        scripts = list(root.iter("script"))
    if not _HINT_RE.search(str(_STRING(root))) and not _hint_across_scripts(scripts):
        return {}
    _scan_cells(root, found)
    for fragment in _written_headers(scripts):
        _scan_cells(fragment, found)
    return {name: _clean_value(name, raw) for name, raw in found.items()}


def header_fields_in_lines(lines: list[str]) -> dict[str, str | None]:
    """Return the policy fields that labelled lines show (``成文日期：2025-12-29``), cleaned."""
    found: dict[str, str | None] = {}
    for line in lines:
        if len(line) > 200:
            continue
        # 索引号：… or 【索引号】… (lines a <br> apart: the 【发布单位】【发文日期】 pages).
        matches = sorted(
            [*_LABEL_RE.finditer(line), *_BRACKETED_LABEL_RE.finditer(line)],
            key=lambda match: match.start(),
        )
        for index, match in enumerate(matches):
            following = matches[index + 1] if index + 1 < len(matches) else None
            name = _LABEL_TO_FIELD[_SPACE_RE.sub("", match.group(1))]
            value = line[match.end() : following.start() if following else len(line)]
            if name not in found:
                found[name] = _clean_value(name, value)
    return found


def attachment_urls(root: Any, url: str = "", anchors: Iterable[Any] | None = None) -> list[str]:
    """Return the absolute URLs of the document files (pdf, doc, ofd…) a page links to.

    ``anchors`` are the page's <a> elements in page order, when the caller has them.
    """
    attachments: list[str] = []
    for anchor in root.iter("a") if anchors is None else anchors:
        href = (anchor.get("href") or "").strip()
        if href and ATTACHMENT_RE.search(href):
            absolute = urljoin(url, href) if url else href
            if absolute not in attachments:
                attachments.append(absolute)
    return attachments


def is_header_table(fields: dict[str, str | None]) -> bool:
    """Say whether the fields read come from a real header table (three labels, one core)."""
    shown = {name for name, value in fields.items() if value is not None}
    return len(fields) >= 3 and bool({"index_number", "doc_number", "issuer", "written_at"} & shown)


def parse_policy(
    root: Any,
    url: str = "",
    *,
    scripts: list[Any] | None = None,
    anchors: list[Any] | None = None,
) -> dict[str, Any] | None:
    """Return the fields a page's header table shows and its attachments; None without a table.

    Only the fields the table shows are keys (None for one shown empty or as 无), so that a
    reader of the text fills the others and leaves these alone. ``scripts`` and ``anchors``
    are the page's <script> and <a> elements, when the caller has gathered them.
    """
    fields: dict[str, Any] = header_fields(root, scripts)
    if not is_header_table(fields):
        return None
    fields["attachments"] = attachment_urls(root, url, anchors)
    return fields

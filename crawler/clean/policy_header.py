"""Read the header table of Chinese government policy pages (索引号, 发文机关, 发文字号…).

Policy pages (www.gov.cn and provincial portals) put a label/value table above the
document. Labels sit in their own cell (``<td><b>发文机关：</b></td><td>国务院</td>``) or
run into the value (``<li>发文字号：国发〔2019〕5号</li>``); both forms are read.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from crawler.text.dates import find_date

__all__ = ["POLICY_LABELS", "normalize_doc_number", "parse_policy"]

# Field name -> label forms (compared with whitespace and colons removed).
POLICY_LABELS: dict[str, tuple[str, ...]] = {
    "index_number": ("索引号", "索引號"),
    "topic": ("主题分类", "主題分類", "主题", "分类", "主题词"),
    "issuer": ("发文机关", "發文機關", "发布机构", "發布機構", "发文单位", "发布机关", "制发机关"),
    "written_at": ("成文日期", "成文时间", "印发日期"),
    "title": ("标题", "標題", "名称", "文件名称"),
    "doc_number": ("发文字号", "發文字號", "文号", "文號"),
    "published_at": ("发布日期", "發布日期", "发布时间", "公布日期"),
    "validity": ("有效性", "时效性", "时效", "效力状态", "有效期"),
}
_LABEL_TO_FIELD = {label: name for name, labels in POLICY_LABELS.items() for label in labels}
_LABEL_RE = re.compile(
    r"(%s)\s*[:：]"
    % "|".join(sorted((re.escape(k) for k in _LABEL_TO_FIELD), key=len, reverse=True))
)
_SPACE_RE = re.compile(r"[\s\u3000\xa0]+")
_YEAR_BRACKET_RE = re.compile(r"[\[［【〔(（]\s*(\d{4})\s*[\]］】〕)）]")
ATTACHMENT_RE = re.compile(
    r"\.(?:pdf|docx?|ofd|wps|xlsx?|et|pptx?|zip|rar|7z|txt|ceb)(?:$|[?#])", re.IGNORECASE
)
_CELL_TAGS = ("td", "th", "li", "span", "div", "p", "dt", "dd", "b", "strong", "label", "em")
_DATE_FIELDS = ("written_at", "published_at")
# Labels only policy pages carry: without one of them the table scan is skipped.
_HINT_RE = re.compile(r"索\s*引\s*[号號]|发文字号|發文字號|发文机关|發文機關|成文日期|文\s*号[:：]")
# An element's text content; works on plain lxml elements and lxml.html ones alike.
_STRING = etree.XPath("string()")


def normalize_doc_number(value: str) -> str:
    """Remove spaces and line breaks and put the year in 〔〕: 国发[2019] 5号 -> 国发〔2019〕5号."""
    return _YEAR_BRACKET_RE.sub(r"〔\1〕", _SPACE_RE.sub("", value))


def _text(element: Any) -> str:
    return _SPACE_RE.sub(" ", str(_STRING(element))).strip()


def _label_of(text: str) -> str | None:
    key = _SPACE_RE.sub("", text).rstrip(":：")
    return _LABEL_TO_FIELD.get(key)


def _clean_value(field_name: str, value: str) -> str | None:
    value = value.strip(" :：\u3000")
    if not value:
        return None
    if field_name in _DATE_FIELDS:
        return find_date(value) or None
    if field_name == "doc_number":
        return normalize_doc_number(value)
    if field_name == "index_number":
        return _SPACE_RE.sub("", value)
    return value


def parse_policy(root: Any, url: str = "") -> dict[str, Any] | None:
    """Return the policy header fields of a page, or None when the page has no such table."""
    found: dict[str, str] = {}
    if not _HINT_RE.search(str(_STRING(root))):
        return None
    for element in root.iter(*_CELL_TAGS):
        own = _text(element)
        if not own or len(own) > 200:
            continue
        name = _label_of(own)
        if name is not None:
            if name in found:
                continue
            sibling = element.getnext()
            if element.tag in ("b", "strong", "label", "em") and sibling is None:
                parent = element.getparent()
                sibling = parent.getnext() if parent is not None else None
                tail = (element.tail or "").strip()
                if tail:
                    found[name] = tail
                    continue
            if sibling is not None:
                value = _text(sibling)
                if value and _label_of(value) is None:
                    found[name] = value
            continue
        if len(element) > 3:
            continue
        match = _LABEL_RE.match(own)
        if match:
            name = _LABEL_TO_FIELD[match.group(1)]
            rest = own[match.end() :]
            following = _LABEL_RE.search(rest)
            if following:
                rest = rest[: following.start()]
            if name not in found and rest.strip():
                found[name] = rest
    if len(found) < 3 or not (
        {"index_number", "doc_number", "issuer", "written_at"} & found.keys()
    ):
        return None
    policy: dict[str, Any] = {name: None for name in POLICY_LABELS}
    for name, raw in found.items():
        policy[name] = _clean_value(name, raw)
    attachments: list[str] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href and ATTACHMENT_RE.search(href):
            absolute = urljoin(url, href) if url else href
            if absolute not in attachments:
                attachments.append(absolute)
    policy["attachments"] = attachments
    return policy

"""Attachment links of a page (附件) and bodies that only point to one.

Pure: an lxml tree or HTML in, links out; text in, a yes or no out. Reading the files
themselves is ``crawler.clean.attachments`` (PDF, Word and Excel libraries), which the
cleaner does not need: a cleaning worker process imports this module alone.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

from lxml import html as lxml_html

# ---------------------------------------------------------------------------------------------
# File types a link can name

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd")
# Extensions that name a file's type; others (.jsp, .aspx, .do) name the script serving it.
_FILE_EXTENSIONS = frozenset(
    (*ATTACHMENT_EXTENSIONS, "et", "ppt", "pptx", "zip", "rar", "7z", "txt")
)
_EXTENSION_RE = re.compile(r"\.([A-Za-z0-9]{1,5})\s*(?=$|[?#&;])")


def file_extension(file_name: str) -> str:
    """Return the type a name or URL gives, in its path or query (download.jsp?f=清单.pdf)."""
    if "." not in file_name and "%" not in file_name:
        return ""  # most link texts: no extension to find
    found = [e.lower() for e in _EXTENSION_RE.findall(unquote(file_name))]
    return next((e for e in reversed(found) if e in _FILE_EXTENSIONS), "")


# ---------------------------------------------------------------------------------------------
# Attachment links


class AttachmentLink(NamedTuple):
    """A link to an attachment: its absolute URL and its name as the page shows it."""

    url: str
    file_name: str


_LINK_EXTENSION_RE = re.compile(
    r"\.(?:%s)(?=$|[?#&;])" % "|".join(ATTACHMENT_EXTENSIONS), re.IGNORECASE
)
# Link text or title that names an attachment: 附件, 附件1, 附件二：…
_LABEL_RE = re.compile(r"^\s*附\s*件")
# Text just before a link that labels it: "附件：", "附件1.", "附件：1、"
_LABEL_BEFORE_RE = re.compile(
    r"附\s*件\s*[0-9一二三四五六七八九十]*\s*[:：、.．]?\s*[0-9]*\s*[、.．]?\s*$"
)
# A link labelled 附件 that leads to another page, not to a file.
_PAGE_RE = re.compile(r"\.(?:s?html?|jhtml)(?=$|[?#])", re.IGNORECASE)
_SPACE_RE = re.compile(r"[\s\u3000\xa0]+")
_SCRIPT_HREF_RE = re.compile(r"(?i)(?:javascript|mailto|tel):")


def _element_text(node: Any) -> str:
    """Return the text inside an element; a comment or processing instruction has none."""
    if not isinstance(node.tag, str):
        return ""
    if not len(node):
        return node.text or ""  # most links hold their text alone: no iterator to build
    return "".join(node.itertext())


def _text_before(anchor: Any) -> str:
    previous = anchor.getprevious()
    if previous is not None:
        # <span>附件：</span><a …>: the label is the element's text, or its tail.
        return _element_text(previous) + (previous.tail or "")
    parent = anchor.getparent()
    return (parent.text or "") if parent is not None else ""


def find_attachment_links(
    page: Any,
    base_url: str = "",
    labelled_only: bool = False,
    *,
    anchors: list[Any] | None = None,
    bases: list[Any] | None = None,
) -> list[AttachmentLink]:
    """Return the attachment links of a page (an lxml tree or HTML), in page order.

    A link is an attachment when its URL or its text names a PDF, Word, Excel, WPS or
    OFD file, or when it, its title or the text just before it is labelled 附件 and it
    does not lead to another HTML page. URLs are made absolute against ``base_url`` (or the page's
    ``<base href>``); each URL comes once, with the first non-empty name shown for it.
    ``labelled_only`` keeps only links labelled 附件 (how a news page marks its files,
    unlike the "download the app" PDF in its footer). ``anchors`` and ``bases`` are the
    page's <a> and <base> elements in page order, when the caller (the cleaner, which
    gathers them in one pass for all its readers) has them.
    """
    if isinstance(page, (str, bytes)):
        if not page.strip():
            return []
        page = lxml_html.fromstring(page)
    if bases is None:
        root = page.getroottree().getroot() if hasattr(page, "getroottree") else page
        base = root.find(".//base[@href]")
    else:
        base = next((element for element in bases if element.get("href") is not None), None)
    if base is not None:
        base_url = urljoin(base_url, base.get("href", ""))
    found: dict[str, str] = {}
    for anchor in page.iter("a") if anchors is None else anchors:
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#") or _SCRIPT_HREF_RE.match(href):
            continue
        raw = _element_text(anchor)
        href_names_file = _LINK_EXTENSION_RE.search(href) is not None
        title = anchor.get("title") or ""
        if not href_names_file and "." not in raw and "附" not in raw and "附" not in title:
            # Neither the URL, the text nor the title can make it one: only a 附件 label
            # before the link can (most links of a page stop here, cheaply).
            before = _text_before(anchor)[-30:]
            if "件" not in before:
                continue
        shown = _SPACE_RE.sub(" ", raw).strip()
        title = _SPACE_RE.sub(" ", title).strip()
        names_file = href_names_file or file_extension(shown) in ATTACHMENT_EXTENSIONS
        if labelled_only or not names_file:
            before = _text_before(anchor)[-30:]
            labelled = (
                ("附" in shown and _LABEL_RE.match(shown))
                or ("附" in title and _LABEL_RE.match(title))
                or ("件" in before and _LABEL_BEFORE_RE.search(before))
            )
            if not labelled or (not names_file and _PAGE_RE.search(href)):
                continue
            if labelled_only and not names_file:
                continue
        url = urljoin(base_url, href) if base_url else href
        name = shown or title or unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        if not found.get(url):
            found[url] = name
    return [AttachmentLink(url, name) for url, name in found.items()]


# ---------------------------------------------------------------------------------------------
# A body that only points to its attachment


# What a pointing sentence points at, and the verb that points (详见附件, 点击下载, 请查阅原文).
_ATTACHMENT_NOUN_RE = re.compile(r"附件|附表|附文|附后|原文|全文|文件|下载")
_POINTING_VERB_RE = re.compile(r"(?<!意)见|阅|查看|下载|点击|打开|浏览")
# A line that only names an attachment: "附件：2024年任务清单.pdf", "1. 任务清单.xlsx".
_ATTACHMENT_NAME_RE = re.compile(
    r"^(?:附\s*件\s*[0-9一二三四五六七八九十]*\s*[:：]?\s*)?(?:[0-9]+\s*[.．、]\s*)?"
    r"(?:\S.*\.(?:%s)|附\s*件\s*[0-9一二三四五六七八九十]*\s*[:：]?)$"
    % "|".join(ATTACHMENT_EXTENSIONS),
    re.IGNORECASE,
)
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。！？!?；;])|\n")
# The longest sentence that can still be only a pointer ("具体内容请点击下方附件下载查看").
_MAX_POINTER_SENTENCE = 30
_MAX_POINTER_BODY = 120


def is_attachment_pointer(text: str, title: str = "") -> bool:
    """Say whether a body is only a pointer to its attachment (详见附件, 请下载附件查看 …).

    Decided by shape: a short body in which every sentence either points at the
    attachment (an attachment word and a pointing verb, in a short sentence) or only
    names an attachment file. Lines repeating the title are ignored. An empty body is
    not a pointer: it points at nothing.
    """
    body = text.strip()
    if not body or len(_SPACE_RE.sub("", body)) > _MAX_POINTER_BODY:
        return False
    title_key = _SPACE_RE.sub("", title)
    points = False
    for raw in _SENTENCE_SPLIT_RE.split(body):
        sentence = _SPACE_RE.sub(" ", raw).strip(" 。！？!?；;，,")
        if not sentence or (title_key and _SPACE_RE.sub("", sentence) == title_key):
            continue
        if _ATTACHMENT_NAME_RE.match(sentence):
            points = True
            continue
        if (
            len(sentence) <= _MAX_POINTER_SENTENCE
            and _ATTACHMENT_NOUN_RE.search(sentence)
            and _POINTING_VERB_RE.search(sentence)
        ):
            points = True
            continue
        return False
    return points

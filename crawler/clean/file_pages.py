"""Find the file a dated page shows instead of text: an embedded PDF, a scan, a linked file.

A CMS's article template puts a heading, an info line with the date, and then the content.
When the content is a document published as a file, what follows the info line is no text
but a frame or viewer script (showVsbpdfIframe("….pdf")), a script writing the download link
(wzfj="….docx"), a picture, or one link whose text is the heading again. The page is the
document's page all the same: its line naming the file stands in for the body.

The cleaner strips scripts and frames before it lays the page out, so this reads a fresh
parse of the page; it runs only on the few dated pages with next to no text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from crawler.clean.attachment_links import file_extension
from crawler.clean.layout import ExtractionError, parse_html, text_content
from crawler.clean.line_kinds import squeeze

if TYPE_CHECKING:
    from crawler.clean.page import Page

__all__ = ["find_embedded_file"]

_INFO_LINE_MAX_CHARS = 120  # the line holding the date is short (来源, 时间, 浏览次数)
_HEADING_BEFORE_CHARS = 400  # the heading stands this close before the info line
_WINDOW_ELEMENTS = 80  # elements after the info line searched for the file
_FOREIGN_MAX_CHARS = 30  # text of other things allowed before the file: it is then no file page
# Frames and objects that show a file in the page.
_FRAME_TAGS = frozenset({"iframe", "embed", "object"})
# A file named in a script's text: "….pdf", '….docx' (a viewer's or a download writer's).
_SCRIPT_FILE_RE = re.compile(
    r"[\"']([^\"'<>\s]{1,200}\.(?:pdf|docx?|xlsx?|wps|et|pptx?|ofd|zip|rar|7z))[\"']",
    re.IGNORECASE,
)
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TEXT_TAGS_SKIPPED = frozenset({"script", "style", "noscript", "title", "head"})
_FLASH_RE = re.compile(r"\.swf(?:[?#]|$)", re.IGNORECASE)
# The file a Flash document viewer (FlexPaper) is handed: SwfFile=/…/x.swf?e=.swf&Scale=…
_HANDED_FILE_RE = re.compile(r"(?:^|&)\w*file=([^&]+)", re.IGNORECASE)
_NAME_MIN_CHARS = 8  # a link naming part of the heading names at least this much
_LIST_TAGS = frozenset({"li", "a", "dd"})
# A picture of the content; icons and buttons beside it are gifs or sit in links.
_PICTURE_RE = re.compile(r"\.(?:jpe?g|png|bmp|webp)(?:[?#]|$)", re.IGNORECASE)
MIN_PICTURE_SIDE = 150  # a picture declared narrower or lower is an icon or a button


def declared_side(image: Any) -> int | None:
    """Return the smaller side a picture's attributes declare, in pixels, else None."""
    sides = [image.get(name) or "" for name in ("width", "height", "vwidth", "vheight")]
    numbers = [int(side) for side in sides if side.isdigit()]
    return min(numbers) if numbers else None


def _date_re(published_at: str) -> re.Pattern[str] | None:
    """Return a pattern for the page's date as an info line writes it (2020-12-14, 2019年11月07日)."""
    found = _ISO_DATE_RE.match(published_at)
    if found is None:
        return None
    year, month, day = found.groups()
    return re.compile(r"%s\s*[-/.年]\s*0?%d\s*[-/.月]\s*0?%d(?!\d)" % (year, int(month), int(day)))


def _info_line(elements: list[Any], date_re: re.Pattern[str]) -> int:
    """Return the index of the innermost short element holding the date, -1 when none does."""
    for index, element in enumerate(elements):
        if element.tag in _TEXT_TAGS_SKIPPED:
            continue
        text = " ".join(text_content(element).split())
        if len(text) > _INFO_LINE_MAX_CHARS or not date_re.search(text):
            continue
        if not any(date_re.search(" ".join(text_content(child).split())) for child in element):
            # A date in a list item or a link is a listing's, not the page's info line.
            in_list = any(parent.tag in _LIST_TAGS for parent in element.iterancestors())
            if not in_list and element.tag not in _LIST_TAGS:
                return index
    return -1


def _heading_before(elements: list[Any], info: int, heading: str) -> bool:
    """Say whether the heading's text stands just before the info line."""
    seen = ""
    for element in reversed(elements[:info]):
        if element.tag in _TEXT_TAGS_SKIPPED:
            continue
        seen = squeeze((element.text or "") + (element.tail or "")) + seen
        if heading[:12] in seen:
            return True
        if len(seen) > _HEADING_BEFORE_CHARS:
            return False
    return False


def _leads_elsewhere(href: str) -> bool:
    """Say whether a link around a picture leads to another page (a button), not the picture."""
    href = href.strip().lower()
    return bool(href) and not href.startswith(("javascript", "#")) and not _PICTURE_RE.search(href)


def _file_of(element: Any, heading: str, base_url: str) -> str | None:
    """Return the line naming the file ``element`` shows or links, else None."""
    tag = element.tag
    if tag in _FRAME_TAGS:
        source = element.get("src") or element.get("data") or ""
        handed = _HANDED_FILE_RE.search(element.get("flashvars") or "")
        if handed:
            return urljoin(base_url, handed.group(1))  # a document viewer given its file
        if _FLASH_RE.search(source) or "flash" in (element.get("type") or "").lower():
            return None  # a bare Flash movie: no document handed to a viewer
        return urljoin(base_url, source) if source.strip() else tag
    if tag == "script":
        found = _SCRIPT_FILE_RE.search(element.text or "")
        if found is None:
            return None
        name = found.group(1)
        return urljoin(base_url, name) if name.startswith(("/", "./", "http")) else name
    if tag == "a":
        text = squeeze(text_content(element))
        href = element.get("href") or ""
        if file_extension(href) or file_extension(text):
            return text_content(element).strip() or urljoin(base_url, href)
        # The document's link, named as the heading or a part of it (its address lost or
        # behind a script): 农药剂型名称及代码（GB/T 19378-2003） under the heading's （废止）.
        named = text == heading or (len(text) >= _NAME_MIN_CHARS and text in heading)
        return text_content(element).strip() if named else None
    if tag == "img":
        source = element.get("src") or ""
        # A picture in a link is a button, unless the link opens the picture itself.
        in_link = any(
            parent.tag == "a" and _leads_elsewhere(parent.get("href") or "")
            for parent in element.iterancestors()
        )
        big = (declared_side(element) or MIN_PICTURE_SIDE) >= MIN_PICTURE_SIDE
        if _PICTURE_RE.search(source) and big and not in_link and not element.get("onclick"):
            return urljoin(base_url, source)
    return None


def _foreign_chars(element: Any, heading: str) -> int:
    """Count the text an element adds that is neither the heading nor a file's name."""
    chars = 0
    pieces = [element.tail or ""]
    if element.tag not in _TEXT_TAGS_SKIPPED:
        pieces.append(element.text or "")
    for piece in pieces:
        text = squeeze(piece)
        if len(text) < 2 or text in heading or heading in text or file_extension(text):
            continue
        chars += len(text)
    return chars


def find_embedded_file(page: Page, heading: str) -> str | None:
    """Return the line naming the file a dated page shows in place of text, else None."""
    if not heading or page.published_at is None or not page.text:
        return None
    try:
        root = parse_html(page.text, page.utf8)
    except ExtractionError:
        return None
    elements = [element for element in root.iter() if isinstance(element.tag, str)]
    heading = squeeze(heading)
    date_re = _date_re(page.published_at)
    info = -1 if date_re is None else _info_line(elements, date_re)
    if info < 0 or not _heading_before(elements, info, heading):
        return None
    # A heading that a menu or breadcrumb link above spells is a column's name over its
    # placeholder page, not a document's title (boda-district's 信息公开 catalogue).
    if any(
        element.tag == "a" and squeeze(text_content(element)) == heading
        for element in elements[:info]
    ):
        return None
    inside = set(elements[info].iter())
    foreign = 0
    checked = 0
    for element in elements[info + 1 :]:
        if element in inside:
            continue
        found = _file_of(element, heading, page.url)
        if found is not None:
            return found
        foreign += _foreign_chars(element, heading)
        checked += 1
        if foreign > _FOREIGN_MAX_CHARS or checked >= _WINDOW_ELEMENTS:
            return None
    return None

"""Say what a page is: policy, 解读, notice, news, listing, error, script shell or other.

Judged by shape, after the other stages: how long and how much like prose the body is,
how much of the page is links or script, what the heading says it is, and whether policy
fields were found. ``is_article`` follows from the type.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from crawler.clean import patterns as cp
from crawler.clean.attachment_links import file_extension, is_attachment_pointer
from crawler.clean.container import is_teaser_list
from crawler.clean.file_pages import MIN_PICTURE_SIDE, declared_side, find_embedded_file
from crawler.clean.line_kinds import squeeze
from crawler.clean.title import is_generic_heading

if TYPE_CHECKING:
    from crawler.clean.layout import Block
    from crawler.clean.page import Page

__all__ = ["ARTICLE_TYPES", "PAGE_TYPES", "classify_page"]

PAGE_TYPES = ("policy", "interpretation", "notice", "news", "listing", "error", "js_shell", "other")
ARTICLE_TYPES = frozenset({"policy", "interpretation", "notice", "news"})

_MIN_BODY_CHARS = 120  # a shorter body is an article only as a notice
_FILE_LINE_WINDOW = 6  # blocks after a document's heading searched for its file's line
_HEADING_MAX_DISTANCE = 12  # blocks between an article's heading and its text, at most
_MIN_FLASH_CHARS = 60  # a dated flash with a heading is news from this length on
_MIN_NOTICE_CHARS = 30  # a notice's body (a line and a table) has at least this much text
_MIN_TABLE_ROWS = 3  # rows with text in a notice's table of names or scores
_ERROR_MAX_CHARS = 400  # an error page says little: its text beside the chrome is this short
_SHELL_MAX_CHARS = 200  # a page built by script shows next to no text of its own ...
_SHELL_MIN_SCRIPT = 3000  # ... and carries this much inline script
_LISTING_MIN_LINKS = 8  # link lines in the container of a listing page

# A policy: the header table or the printed head gave at least one of these.
_POLICY_KEYS = ("doc_number", "issuer", "written_at", "index_number")
_CELLS = frozenset({"td", "th"})
_IMAGE_WINDOW = 5  # pictures after a heading looked at for the one its page shows
_IMAGE_LEAD_CHARS = 300  # text at most between a picture document's heading and its picture
# Pictures after the heading, not links (a banner or a teaser's thumbnail is one).
_FOLLOWING_PICTURES = etree.XPath("following::img[not(ancestor::a)]")
_PICTURE_SRC_RE = re.compile(r"\.(?:jpe?g|png|bmp|webp)(?:$|[?#])", re.IGNORECASE)


def _table_rows(page: Page) -> int:
    """Count the rows with text of the tables in the article container."""
    container = page.container
    if container is None:
        return 0
    rows = 0
    for row in container.iter("tr"):
        cells = ["".join("".join(cell.itertext()).split()) for cell in row if cell.tag in _CELLS]
        cells = [cell for cell in cells if cell]
        # A header table's rows are labels and values (索引号： …): not a notice's table.
        if cells and not any(cell.endswith((":", "：")) for cell in cells):
            rows += 1
    return rows


def _link_lines(blocks: list[Block]) -> int:
    return sum(1 for b in blocks if b.chars >= 4 and b.link_chars * 2 > b.chars)


def _pointer_block(blocks: list[Block], title: str) -> str | None:
    """Return the first block of text (not links) that only points to the attachment."""
    for block in blocks:
        if block.link_chars < block.chars and is_attachment_pointer(block.text, title):
            return block.text
    return None


def _is_error(page: Page, body_chars: int) -> bool:
    """Say whether the page is an error, captcha or login page by what little it says."""
    page_chars = sum(b.chars - b.link_chars for b in page.blocks)
    if body_chars >= _MIN_BODY_CHARS * 3 or page_chars > _ERROR_MAX_CHARS * 4:
        return False
    heading = " ".join(filter(None, (page.page_title, page.title)))
    if cp.ERROR_PAGE_RE.search(heading):
        return True
    if page.published_at is not None:
        return False  # a dated page is a page; a login box beside it ("您好，请登录！") is chrome
    short_lines = [b.text for b in page.blocks if b.chars <= 60 and b.link_chars * 2 <= b.chars]
    return page_chars <= _ERROR_MAX_CHARS and any(
        cp.ERROR_PAGE_RE.search(line) for line in short_lines[:12]
    )


def _is_listing(page: Page) -> bool:
    """Say whether the page is a list of links: its container holds most of the page's lists.

    A portal's home page has lists in many boxes, none of them most of the page: other. A
    list of teasers (a linked headline, a date, a summary, again and again) is a listing
    however much summary text it holds.
    """
    in_container = _link_lines(page.body_blocks)
    if in_container >= _LISTING_MIN_LINKS and in_container * 2 >= _link_lines(page.blocks):
        return True
    return page.container is not None and is_teaser_list(page.container)


def _is_standing_page(page: Page, title: str) -> bool:
    """Say whether an undated page is one of the site's standing pages, not an article.

    Its heading is the site's name (or <title>'s name after the page's own), a banner far
    from the text that <title> does not know, or the text of a link on the page itself (the
    menu entry that leads to it: 中心概况, 学校简介): an article is dated and is no menu entry
    (the boda-district slice's standing pages; the TRS slice's 领导 pages).
    """
    if page.published_at or (page.policy or {}).get("written_at") or page.root is None:
        return False
    heading = squeeze(title)
    # The site's name, or a part of it ("吉林省安图县林业局" of "吉林省安图县林业局-安图县林业局").
    names = [page.site or "", page.meta.get("sitename") or "", page.meta.get("og:site_name") or ""]
    if any(
        heading == squeeze(part)
        for name in names
        for part in (name, *cp.PAGE_TITLE_SEPARATOR_RE.split(name), *name.split("-"))
        if part
    ):
        return True
    # The name <title> gives after the page's own: "关于我们-某大学-某图书馆" headed 某大学.
    title_parts = [
        squeeze(part)
        for split in (cp.PAGE_TITLE_SEPARATOR_RE.split(page.page_title), page.page_title.split("-"))
        for part in split[1:]
    ]
    if heading in title_parts:
        return True
    # A heading far from the text and unknown to <title>: a button or banner of the site
    # (登录学分银行 over every page of the boda-district slice's credit bank).
    page_title = squeeze(page.page_title)
    far = page.title_index >= 0 and page.start - page.title_index > _HEADING_MAX_DISTANCE
    if far and heading not in page_title and page_title not in heading:
        return True
    return any(squeeze("".join(link.itertext())) == heading for link in page.root.iter("a"))


def _document_elsewhere(page: Page, title: str, body_chars: int) -> str | None:
    """Return the file's line of a dated document page without text of its own, else None.

    The heading names a document (关于…的通知, …公告), the page is dated, next to no text
    follows the heading, and right after it stands a link to a file (…意见.pdf, 附件1-9.rar)
    or a pointer (详见附件): that line is the body, for the file's text to replace. Wild 012
    dghrss.dg.gov.cn, 045 gjj.anqing.gov.cn. A document of scanned pages alone (wild 118)
    has no text to keep and stays `other`.
    """
    if (
        not title
        or page.published_at is None
        or page.title_index < 0
        or body_chars >= _MIN_NOTICE_CHARS
        or _document_kind(page, title) is None
    ):
        return None
    following = page.blocks[page.title_index + 1 : page.title_index + 1 + _FILE_LINE_WINDOW]
    for block in following:
        text = block.text.strip()
        if file_extension(text) or is_attachment_pointer(text, title):
            return text
    return None


def _picture_document(page: Page, title: str, body_chars: int) -> bool:
    """Say whether a dated page shows its story as a picture right below its heading.

    A scanned document or a photo story: the heading, the date and labelled lines, then the
    picture and at most a caption. Helps six pages of the boda-district slice (scanned
    notices, 2020年工作要点) and two of the trs-forestry slice (林业风采 photos): articles by
    tests/labels/sites, "other" before; and wild 118 fangchan.com's scanned 实施意见 (an
    article now, though typed news: its header is unread).
    """
    if (
        not title
        or page.published_at is None
        or body_chars >= _MIN_NOTICE_CHARS
        or page.root is None
    ):
        return False
    at_heading = page.title_index
    if at_heading < 0:
        # A title read from <title> or a meta tag: the line that shows it (trs-forestry).
        shown = squeeze(title)
        at_heading = next((i for i, b in enumerate(page.blocks) if b.compact == shown), -1)
        if at_heading < 0:
            return False
    heading = page.blocks[at_heading].element
    pictures = _FOLLOWING_PICTURES(heading)[:_IMAGE_WINDOW]
    picture = next(
        (
            image
            for image in pictures
            if _PICTURE_SRC_RE.search(image.get("src") or "")
            and (declared_side(image) or MIN_PICTURE_SIDE) >= MIN_PICTURE_SIDE
        ),
        None,
    )
    if picture is None:
        return False
    order = {element: index for index, element in enumerate(page.root.iter())}
    at = order.get(picture, -1)
    lead = [block for block in page.blocks[at_heading + 1 :] if order.get(block.element, at) < at]
    return sum(b.chars - b.link_chars for b in lead) <= _IMAGE_LEAD_CHARS and not any(
        len(b.text) >= 20 and cp.PROSE_END_RE.search(b.text) for b in lead
    )


def _shown_file(page: Page, title: str, body_chars: int, has_text: bool) -> str | None:
    """Return the file's line of a dated page whose content is a file, not text, else None.

    A PDF viewer or frame, a script writing the download link, a scan or one link named as
    the heading stands where the text would (boda-district's 招标 and 招生 pages, the TRS
    slice's 清单 and 年度报表 pages, the association slice's 申请表 and 标准 pages).
    """
    if has_text or body_chars >= _MIN_BODY_CHARS or page.published_at is None or not title:
        return None
    if _is_listing(page) or _document_elsewhere(page, title, body_chars) is not None:
        return None  # a listing, or a file's line in the text: the branches below say
    return find_embedded_file(page, title)


def _document_kind(page: Page, title: str) -> str | None:
    """Return policy, interpretation or notice when the heading or the fields say so."""
    if cp.INTERPRETATION_TITLE_RE.search(title):
        return "interpretation"
    if cp.NOTICE_TITLE_RE.search(title):
        return "notice"
    if any((page.policy or {}).get(key) for key in _POLICY_KEYS) or cp.POLICY_TITLE_RE.search(
        title
    ):
        return "policy"
    return None


def classify_page(page: Page) -> None:
    """Set the page's type and whether it is an article."""
    title = page.title or ""
    body_chars = len(squeeze("\n".join(page.lines)))
    prose_lines = sum(1 for line in page.lines if cp.SENTENCE_PUNCT_RE.search(line))
    article_shaped = body_chars >= _MIN_BODY_CHARS and prose_lines >= 1 and bool(title)
    # A flash (快讯, 电报) is a dated paragraph or two under its heading.
    flash = (
        not article_shaped
        and body_chars >= _MIN_FLASH_CHARS
        and any(cp.PROSE_END_RE.search(line) for line in page.lines)  # sentences, not labels
        and bool(title)
        and page.published_at is not None
        and not _is_listing(page)
    )
    kind: str
    if _is_error(page, body_chars):
        kind = "error"
    elif title and is_generic_heading(title, page.meta):
        # A column's page (通知公告, a ColumnName): its list, or its standing text.
        kind = "listing" if _is_listing(page) or _link_lines(page.body_blocks) else "other"
    elif (article_shaped or flash) and _is_standing_page(page, title):
        kind = "other"
    elif page.container is not None and is_teaser_list(page.container):
        kind = "listing"
    elif (file_line := _shown_file(page, title, body_chars, article_shaped or flash)) is not None:
        # A file is a notice's unless its heading says more; a picture under the heading is
        # a photo story or a scan, news unless its heading says more (_picture_document).
        picture = _picture_document(page, title, body_chars)
        kind = _document_kind(page, title) or ("news" if picture else "notice")
        page.body_override = file_line
    elif (
        body_chars < _SHELL_MAX_CHARS
        and page.script_chars >= _SHELL_MIN_SCRIPT
        and sum(b.chars for b in page.blocks) < _SHELL_MAX_CHARS * 3
    ):
        kind = "js_shell"
    elif article_shaped or flash:
        kind = _document_kind(page, title) or "news"
    elif (
        title
        and body_chars >= _MIN_NOTICE_CHARS
        and _table_rows(page) >= _MIN_TABLE_ROWS
        and _document_kind(page, title) in ("notice", "policy")
    ):
        kind = "notice"  # a short notice whose body is a table of names or scores
    elif _is_listing(page):
        kind = "listing"
    elif (file_line := _document_elsewhere(page, title, body_chars)) is not None:
        # The document is a file: the page is the document's all the same.
        kind = _document_kind(page, title) or "notice"
        page.body_override = file_line
    elif _picture_document(page, title, body_chars):
        kind = _document_kind(page, title) or "news"
    else:
        kind = "other"
    page.page_type = kind
    page.is_article = kind in ARTICLE_TYPES
    if not page.is_article and page.policy is not None and page.links:
        # A policy page whose whole text points to its attachment (详见附件) is so short
        # that another block may have won the container: keep the pointing line as the body.
        page.body_override = _pointer_block(page.blocks, title)

"""Read who and when: outlet, author, editor, keywords, the site's name and the date.

Labelled lines are looked for around the headline, at the top of the body and after it;
meta tags and JSON-LD are evidence beside them (``crawler.clean.metadata``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crawler.clean import patterns as cp
from crawler.clean.layout import Block
from crawler.clean.metadata import (
    author_from,
    editor_from,
    keywords_from,
    label_value,
    outlet_by_date,
    outlet_line,
    person_names,
    publication_date,
    reporter_in_body,
    site_name_from,
)
from crawler.clean.value_shapes import balance_brackets, fits
from crawler.text.dates import find_dates

if TYPE_CHECKING:
    from crawler.clean.page import Page

__all__ = ["read_byline", "read_dates"]

_META_WINDOW = 12  # blocks before the body searched for metadata lines
_TAIL_WINDOW = 25  # blocks after the body searched for editor/keyword lines
_DATE_LINE_MAX_CHARS = 24  # "2024年02月04日 18:03:22": a line holding a date and nothing else


def _metadata_line(block: Block) -> bool:
    """Say whether a block may hold metadata: not a link list, unless a short labelled line.

    "来源 <a>新华网</a>" is mostly link text yet names the outlet (news.ifeng.com, 163.com
    link the outlet to its own site).
    """
    if block.link_chars * 2 <= block.chars:
        return True
    # An info bar of links around a plain date, "ent.QQ.com 2009年11月09日11:30 腾讯音乐 我要评论(0)"
    # (ent.qq.com; sohu-like bars linking the outlet and the comment count): the unlinked text
    # is long enough to be the date.
    if block.chars <= 80 and block.chars - block.link_chars >= 10 and find_dates(block.text):
        return True
    return block.chars <= 40 and (
        cp.META_LABEL_RE.search(block.compact) is not None
        or cp.META_LABEL_SPACED_RE.search(block.text) is not None
    )


def _near_blocks(page: Page) -> list[Block]:
    """Return the metadata blocks near the headline: above the body and its first short lines."""
    blocks, start = page.blocks, page.start
    title_index = page.title_index
    head_from = title_index if 0 <= title_index < start else max(0, start - _META_WINDOW)
    near = [b for b in blocks[head_from:start] if _metadata_line(b)]
    return near + [b for b in blocks[start : page.end][:4] if b.chars <= 100 and _metadata_line(b)]


def _credit_lines(
    page: Page, near_blocks: list[Block] | None = None
) -> tuple[list[str], list[str]]:
    """Return the metadata lines near the headline and those at the body's end."""
    blocks, start, end = page.blocks, page.start, page.end
    near = [b.text for b in (_near_blocks(page) if near_blocks is None else near_blocks)]
    tail = [
        b.text
        for b in blocks[start:end][-16:] + blocks[end : end + _TAIL_WINDOW]
        if _metadata_line(b)
    ]
    return near, tail


def _rel_author(container: Any) -> str | None:
    """Return the name a link marked rel="author" gives inside the article container.

    chinatimes.com credits its reporter as <cite><a rel="author">謝明俊</a></cite> beside the
    date; WordPress themes mark the author link the same way. Helps one page (unseen-news 033,
    chinatimes-like); kept because without it unseen-news author falls under its floor.
    """
    for link in container.iter("a"):
        if "author" in (link.get("rel") or "").lower().split():
            value = person_names(" ".join("".join(link.itertext()).split()))
            if value:
                return value
    return None


def _first_fitting(field: str, *readers: Callable[[], str | None]) -> str | None:
    """Return the first reader's value that has the field's shape (brackets mended)."""
    for reader in readers:
        value = reader()
        if value and field == "outlet":
            value = balance_brackets(value)
        if value and fits(field, value):
            return value
    return None


def read_byline(page: Page) -> None:
    """Read outlet, author, editor, keywords and the site's name."""
    near_blocks = _near_blocks(page)
    near, tail = _credit_lines(page, near_blocks)
    lines = page.lines
    # A name alone after the date counts as the outlet in plain text only: a linked one may
    # be the reprinted medium's (news-zh-dev 013, sina's 参考消息 link, labelled no 来源).
    plain = {b.text for b in near_blocks if b.link_chars == 0}
    line_outlet, line_writer = outlet_line(near, plain)
    outlet_label, not_outlet_before = cp.OUTLET_LABEL_RE, cp.NOT_OUTLET_LABEL_BEFORE_RE
    outlet_hint = cp.OUTLET_LABEL_HINT_RE
    page.outlet = _first_fitting(
        "outlet",
        # Each reader in turn: the first value of the outlet's shape wins.
        lambda: label_value(outlet_label, near, not_outlet_before, outlet_hint),
        lambda: label_value(outlet_label, tail, not_outlet_before, outlet_hint),
        lambda: outlet_by_date(near),
        lambda: line_outlet,
        # ContentSource, the 来源 government CMSes write as a meta tag (wild gov.cn pages).
        lambda: page.meta.get("contentsource"),
    )
    author = _first_fitting(
        "author",
        lambda: author_from(near),
        lambda: reporter_in_body(lines),
        # "来源：河北日报 | 记者 贡晓丽 通讯员 郝建 | …" above the body (hebnews-like, thepaper-like)
        lambda: reporter_in_body(near),
        lambda: author_from(tail),
        lambda: line_writer,
    )
    if author is None:
        # A credit after the closing credits block ("责任编辑：X" then "记者 Y") is cut from
        # the body but still the container's (news.sina.com.cn and thepaper.cn templates).
        container_lines = [b.text for b in page.body_blocks if b.link_chars * 2 <= b.chars]
        author = reporter_in_body(container_lines[-6:])
    if author is None:
        author = reporter_in_body([b.text for b in page.blocks[page.end : page.end + 3]])
    if author is None and page.container is not None:
        author = _rel_author(page.container)
    page.author = author
    page.editor = _first_fitting("editor", lambda: editor_from(tail), lambda: editor_from(near))
    page.keywords = keywords_from(near + tail, page.meta)
    page.site = site_name_from(page.page_title, page.meta, page.title)


def read_dates(page: Page) -> None:
    """Read the publication date (a policy's 发布日期 wins)."""
    near, _ = _credit_lines(page)
    published = publication_date(page.meta, page.jsonld_date, near, page.lines, page.url)
    if published is None and page.title_index > 0:
        # A line that is only a date, right above the headline (flash pages: wild cls.cn;
        # the date-over-heading templates of news portals).
        for block in page.blocks[max(0, page.title_index - 2) : page.title_index]:
            dates = find_dates(block.text)
            if dates and block.chars <= _DATE_LINE_MAX_CHARS and block.link_chars == 0:
                published = dates[0][1]
    if page.policy and page.policy.get("published_at"):
        published = page.policy["published_at"]
    elif page.policy and published and "published_at" in page.policy:
        # A policy read from its text has no 发布日期 of its own: the page's date is it when
        # the page shows it by the heading (wild 050 gjj.huainan.gov.cn; 045 gjj.anqing.gov.cn
        # and 049 gjj.gzlps.gov.cn, policies by their titles), not a meta tag's alone
        # (policy-multi-dev 017: chinatax's PubDate is the page's build time).
        shown = publication_date({}, None, near, [], "")
        if shown and shown[:10] == published[:10]:
            page.policy["published_at"] = published
    page.published_at = published

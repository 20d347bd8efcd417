"""Read what the page says about itself before its tree is cleaned.

Meta tags (with the fields Chinese government CMSes write: ArticleTitle, PubDate,
ContentSource, ColumnName, SiteName), JSON-LD's date, a policy header table, attachment
links, the other pages of a split article, and how much of the page is inline script.
Each reader is a stage of its own, so one that fails costs only its own fields.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from crawler.clean.attachment_links import find_attachment_links
from crawler.clean.metadata import jsonld_date, meta_content
from crawler.clean.pagination import find_pagination
from crawler.clean.policy_header import parse_policy

if TYPE_CHECKING:
    from crawler.clean.page import Page

# A link whose whole text is a page number ("2", "[3]", "第2页"), as the HTML spells it.
_NUMBERED_LINK_RE = re.compile(r">[\s\[【(（第]{0,8}\d{1,3}[\s页頁\]】)）]{0,8}</a", re.IGNORECASE)

__all__ = ["read_attachment_links", "read_header_table", "read_meta", "read_pagination"]

# The elements the readers below look at. Each pass over a tree costs about as much as one
# over the whole tree, whatever it picks, so they are gathered in one.
_SIGNAL_TAGS = ("meta", "script", "a", "base")


def _elements(page: Page, tag: str) -> list[Any]:
    """Return the raw tree's elements of one of ``_SIGNAL_TAGS``, in page order."""
    if page.signal_elements is None:
        gathered: dict[str, list[Any]] = {name: [] for name in _SIGNAL_TAGS}
        for element in page.root.iter(*_SIGNAL_TAGS):
            gathered[element.tag].append(element)
        page.signal_elements = gathered
    return page.signal_elements[tag]


def read_meta(page: Page) -> None:
    """Read the meta tags, JSON-LD's publication date and the size of inline scripts."""
    scripts = _elements(page, "script")
    page.meta = meta_content(page.root, _elements(page, "meta"))
    page.jsonld_date = jsonld_date(page.root, scripts)
    page.script_chars = sum(
        len(script.text or "")
        for script in scripts
        if not (script.get("type") or "").lower().endswith("json")
    )


def read_header_table(page: Page) -> None:
    """Read a policy page's header table (索引号, 发文机关, 发文字号 …), if it has one."""
    page.header_policy = parse_policy(
        page.root, page.url, scripts=_elements(page, "script"), anchors=_elements(page, "a")
    )


def read_attachment_links(page: Page) -> None:
    """Find the files the page attaches."""
    page.links = find_attachment_links(
        page.root, page.url, anchors=_elements(page, "a"), bases=_elements(page, "base")
    )


def read_pagination(page: Page) -> None:
    """Find the other pages of a split article (第2页)."""
    if not page.url or not _NUMBERED_LINK_RE.search(page.text):
        return  # no URL to join other pages' links to, or no link whose text is a page number
    pagination = find_pagination(page.root, page.url)
    page.page_urls = pagination.other_urls() if pagination else []

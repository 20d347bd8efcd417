"""Find the other pages of an article split over several pages (``【 第1頁 第2頁 】``, ``下一页``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

# A page number as pagination bars write it: "2", "第2页", "第 2 頁", "[2]".
PAGE_NUMBER = re.compile(r"^\s*[\[【(（]?\s*(?:第\s*)?(\d{1,3})\s*(?:页|頁)?\s*[\]】)）]?\s*$")
# Words that only pagination bars contain; a container needs one of them or two numbered links.
# Links short enough to be a page number ("第 12 页", "[3]"): the only ones worth a look,
# picked in lxml's C code rather than one by one.
_SHORT_LINKS = etree.XPath(
    "descendant-or-self::a[@href][string-length(normalize-space(string(.))) <= 12]"
)
PAGINATION_HINT = re.compile(r"第\s*\d+\s*[页頁]|下一[页頁]|上一[页頁]|共\s*\d+\s*[页頁]")
# How the URL of page N differs from page 1: foo_2.html, foo-2.html, foo_p2.html, ?page=2.
PAGE_SUFFIX = re.compile(
    r"(?:[_-]p?\d{1,3})(?=\.[a-z]+$)|(?<=[?&])(?:page|p|pn|pageno)=\d+", re.IGNORECASE
)


@dataclass(frozen=True)
class Pagination:
    """Where a page stands in its article: its number and the URLs of all pages in order."""

    current: int
    pages: tuple[tuple[int, str], ...]

    @property
    def is_first(self) -> bool:
        """Return True for the first page of the article."""
        return self.current == 1

    def other_urls(self) -> list[str]:
        """Return the URLs of the pages after this one, in order."""
        return [url for number, url in self.pages if number > self.current]


def _stem(url: str) -> str:
    parts = urlsplit(url)
    path_and_query = parts.path + ("?" + parts.query if parts.query else "")
    return parts.netloc + PAGE_SUFFIX.sub("", path_and_query).rstrip("?&")


def find_pagination(html: str | Any, url: str) -> Pagination | None:
    """Return the article pagination of this page, or None when it has none.

    ``html`` is the page's text, or its already parsed tree (the cleaner passes its own).
    Only links whose URL is this page's URL with a page suffix count, so the numbered
    pages of a listing (``list_2.html`` from ``index.html``) are not taken for parts of
    one article.
    """
    if isinstance(html, str):
        if not PAGINATION_HINT.search(html):
            return None
        try:
            tree = lxml.html.fromstring(html)
        except (lxml.etree.ParserError, ValueError):
            return None
    else:
        tree = html
    # Page 2 of a.html is a_2.html; of a_1.html (a name that itself ends in a number) it
    # may be a_1_2.html, whose stem is the page's own name.
    own = urlsplit(url)
    stems = {_stem(url), own.netloc + own.path + ("?" + own.query if own.query else "")}
    numbered: dict[int, str] = {}
    current: int | None = None
    for anchor in _SHORT_LINKS(tree):
        href = anchor.get("href")
        text = _text(anchor)
        match = PAGE_NUMBER.match(text or "")
        if not href or not match:
            continue
        target = urljoin(url, href.strip())
        if _stem(target) not in stems:
            continue
        number = int(match.group(1))
        if target.split("#")[0] == url.split("#")[0]:
            current = number
        numbered.setdefault(number, target)
    if not numbered:
        return None
    if current is None:
        # The current page is the number in the bar that is not a link.
        current = _unlinked_number(tree, numbered)
    if current is None:
        current = 1 if 1 not in numbered else min(set(range(1, max(numbered) + 2)) - set(numbered))
    numbered.setdefault(current, url)
    if len(numbered) < 2:
        return None
    return Pagination(current=current, pages=tuple(sorted(numbered.items())))


def _text(element: Any) -> str:
    """Return an element's text, for lxml.html and plain lxml elements alike."""
    if not len(element):
        return element.text or ""  # a link holding its text alone: no iterator to build
    return "".join(element.itertext())


def _unlinked_number(tree: Any, numbered: dict[int, str]) -> int | None:
    for anchor in _SHORT_LINKS(tree):
        if PAGE_NUMBER.match(_text(anchor)):
            parent = anchor.getparent()
            if parent is None:
                continue
            texts = re.findall(
                r"第\s*(\d{1,3})\s*[页頁]|(?<![\d/])(\d{1,3})(?![\d/])", _text(parent)
            )
            for first, second in texts:
                number = int(first or second)
                if number not in numbered:
                    return number
    return None

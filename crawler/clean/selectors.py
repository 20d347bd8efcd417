"""Apply a source's CSS selectors (body, title, date, outlet, author, editor) to a cleaned tree."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from crawler.clean import patterns as cp
from crawler.clean.layout import text_content
from crawler.clean.metadata import cut_value
from crawler.text.dates import find_dates

if TYPE_CHECKING:
    from crawler.clean.page import Page

logger = logging.getLogger(__name__)


def _css_select(root: Any, selector: str) -> list[Any] | None:
    """Return the elements a CSS selector matches, or None when the selector is bad."""
    from lxml.cssselect import CSSSelector  # cssselect is needed only for source selectors

    try:
        return CSSSelector(selector, translator="html")(root)
    except Exception as error:  # cssselect raises its own SelectorError family
        logger.warning("bad selector %r: %s", selector, error)
        return None


def select_text(root: Any, selector: str | None) -> str | None:
    """Return the text of the elements a source's selector matches, or None."""
    if not selector:
        return None
    nodes = _css_select(root, selector)
    if nodes is None:
        return None
    texts = [cp.WHITESPACE_RE.sub(" ", text_content(n)).strip() for n in nodes]
    texts = [t for t in texts if t]
    return "\n".join(texts) if texts else None


def selected_container(
    root: Any, selector: str | None, ranges: dict[Any, tuple[int, int]]
) -> Any | None:
    """Return the element a source's body selector names, if it matches one holding text."""
    if not selector:
        return None
    for node in _css_select(root, selector) or ():
        if node in ranges:
            return node
    return None


def apply_overrides(page: Page) -> None:
    """Let a source's selectors override the title, date, outlet, author and editor found."""
    selected = page.selected
    if selected.get("title"):
        page.title = selected["title"]
    selected_date = selected.get("published_at")
    if selected_date:
        dates = find_dates(selected_date)
        if dates:
            page.published_at = dates[0][1]
    labels = {
        "outlet": cp.OUTLET_LABEL_RE,
        "author": cp.AUTHOR_LABEL_RE,
        "editor": cp.EDITOR_LABEL_RE,
    }
    for key, label in labels.items():
        value = selected.get(key)
        if not value:
            continue
        match = label.search(value)
        if match:
            value = cut_value(value[match.end() :]) or value
        setattr(page, key, value)

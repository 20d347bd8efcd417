"""Apply a source's CSS selectors (body, title, date, outlet, author, editor) to a cleaned tree."""

from __future__ import annotations

import logging
from typing import Any

from crawler.clean import patterns as cp
from crawler.clean.layout import _text_content

logger = logging.getLogger(__name__)


def _css_select(root: Any, selector: str) -> list[Any] | None:
    """Return the elements a CSS selector matches, or None when the selector is bad."""
    from lxml.cssselect import CSSSelector  # cssselect is needed only for source selectors

    try:
        return CSSSelector(selector, translator="html")(root)
    except Exception as error:  # cssselect raises its own SelectorError family
        logger.warning("bad selector %r: %s", selector, error)
        return None


def _select_text(root: Any, selector: str | None) -> str | None:
    if not selector:
        return None
    nodes = _css_select(root, selector)
    if nodes is None:
        return None
    texts = [cp.WHITESPACE_RE.sub(" ", _text_content(n)).strip() for n in nodes]
    texts = [t for t in texts if t]
    return "\n".join(texts) if texts else None


def _selected_container(
    root: Any, selector: str | None, ranges: dict[Any, tuple[int, int]]
) -> Any | None:
    """Return the element a source's body selector names, if it matches one holding text."""
    if not selector:
        return None
    for node in _css_select(root, selector) or ():
        if node in ranges:
            return node
    return None

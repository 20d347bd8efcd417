"""Choose the headline among the page's <title>, its headings and its meta tags."""

from __future__ import annotations

from typing import Any

from lxml import etree

from crawler.clean import patterns as cp
from crawler.clean.layout import _Block, _block_is_chrome, _class_id, _is_title_name, _text_content
from crawler.clean.line_kinds import _compact, _is_meta_line

# The first <title> in document order; next(root.iter("title")) would look ahead for a
# second one through the whole tree.
_FIRST_TITLE = etree.XPath("/descendant::title[1]")


def _title_text(root: Any) -> str:
    found = _FIRST_TITLE(root)
    if not found:
        return ""
    node = found[0]
    return cp.WHITESPACE_RE.sub(" ", _text_content(node)).strip()


def _find_title(
    page_title: str, meta: dict[str, str], blocks: list[_Block]
) -> tuple[str | None, int]:
    """Return the headline and the index of its block (-1 when not among the blocks)."""
    page_compact = _compact(page_title)
    best: tuple[float, str, int] | None = None
    for index, block in enumerate(blocks):
        compact = block.compact
        if not (4 <= len(compact) <= 120) or block.link_chars * 2 > block.chars:
            continue
        score = 0.0
        if page_compact and compact in page_compact:
            score += 2.0 + len(compact) / max(len(page_compact), 1)
            if page_compact.startswith(compact):
                score += 0.5
        if block.heading:
            score += 1.5
            if block.element.tag == "h1":
                score += 0.5
        # The checks below only add 1.0 or take away: skip blocks that cannot win.
        if score + 1.0 < 2.0 or (best is not None and score + 1.0 <= best[0]):
            continue
        if _is_title_name(_class_id(block.element)):
            score += 1.0
        if score < 2.0 or (best is not None and score <= best[0]):
            continue
        if cp.SEO_SPAM_RE.search(compact):
            continue  # injected spam headline
        if _is_meta_line(block.text, compact) or _block_is_chrome(block):
            score -= 3.0
        if score >= 2.0 and (best is None or score > best[0]):
            best = (score, block.text, index)
    if best is not None:
        return best[1], best[2]
    for key in ("og:title", "twitter:title", "headline", "title", "articletitle"):
        if meta.get(key):
            return meta[key], -1
    if page_title:
        parts = [
            p
            for p in cp.TITLE_SEPARATOR_RE.split(page_title)
            if p.strip() and not cp.SEO_SPAM_RE.search(p)
        ]
        if parts:
            return max(parts[:2], key=len) if len(parts) > 1 and len(parts[0]) < 6 else parts[0], -1
    return None, -1

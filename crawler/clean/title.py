"""Choose the headline among the page's <title>, its headings and its meta tags."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from crawler.clean import patterns as cp
from crawler.clean.layout import Block, class_id, is_title_name, text_content
from crawler.clean.line_kinds import squeeze
from crawler.clean.policy_document import heading_from_page_title

if TYPE_CHECKING:
    from crawler.clean.page import Page

# The first <title> in document order; next(root.iter("title")) would look ahead for a
# second one through the whole tree.
_FIRST_TITLE = etree.XPath("/descendant::title[1]")
_GENERIC_MAX_CHARS = 14  # "中华人民共和国主席令" and column names are short
_HEADING_MAX_LINES = 2  # a headline and its subtitle or 文号 line
_SUBTITLE_MIN_CHARS = 6  # a subtitle says something: not a number, not a channel's name
_SUBTITLE_MAX_CHARS = 40  # a subtitle under a headline is short
_DATE_FIRST_RE = re.compile(r"\d{4}\s*[-年/.]\s*\d{1,2}")  # an info line opening with the date


def page_title_text(root: Any) -> str:
    """Return the text of the page's first <title>."""
    found = _FIRST_TITLE(root)
    if not found:
        return ""
    node = found[0]
    return cp.WHITESPACE_RE.sub(" ", text_content(node)).strip()


class SpamCheck:
    """Tell injected SEO keyword titles from headlines by shape and by relation to the page.

    A spam title is a run of short keywords or of stacked separators (``自拍 亚洲 欧美 卡通_…
    _…_…``) that shares almost nothing with the article text or with the page's other
    headings; a headline is neither, whatever its words. The article's character pairs
    are collected only when a line has the shape, so ordinary pages pay nothing.
    """

    def __init__(self, body_blocks: list[Block], blocks: list[Block]) -> None:
        self._body_blocks = body_blocks
        self._blocks = blocks
        self._pairs: set[str] | None = None

    def _article_pairs(self) -> set[str]:
        if self._pairs is None:
            self._pairs = _han_pairs("".join(b.compact for b in self._body_blocks))
        return self._pairs

    def is_spam(self, text: str, *, page_title: bool = False) -> bool:
        """Say whether a title-like line is injected keywords rather than a headline."""
        if not _keyword_shaped(text):
            return False
        pairs = _han_pairs(squeeze(text))
        if not pairs:
            return False
        shared = len(pairs & self._article_pairs()) / len(pairs)
        if shared >= _SPAM_MAX_SHARED_PAIRS:
            return False
        if page_title:
            # A <title> holding a line of the page (its headline, in an <h1> or a styled
            # cell) names that line; injected keywords appear nowhere else, or only in a
            # hidden heading of the same keywords.
            compact = squeeze(text)
            for block in self._blocks:
                if (
                    5 <= block.chars < len(compact)
                    and block.compact in compact
                    and not self.is_spam(block.text)
                ):
                    return False
        return True


# Below this share of its character pairs found in the article, a keyword-shaped line is
# unrelated to the page (seed 000's injected title shares under 10 %, a site's real
# "headline_column_site" title over 30 %).
_SPAM_MAX_SHARED_PAIRS = 0.2


_HAN_RUN_RE = re.compile(r"[\u4e00-\u9fff]{2,}")


def _han_pairs(compact: str) -> set[str]:
    """Return the pairs of adjacent Han characters of a text (run by run, in C: a whole body)."""
    pairs: set[str] = set()
    for run in _HAN_RUN_RE.findall(compact):
        pairs.update(map(str.__add__, run, run[1:]))
    return pairs


def _keyword_shaped(text: str) -> bool:
    """Say whether a line is shaped like a keyword list: stacked separators or short words."""
    parts = [p for p in cp.TITLE_SEPARATOR_RE.split(text) if p.strip()]
    if len(parts) >= cp.SPAM_MIN_TITLE_PARTS:
        return True
    words = [word for part in parts for word in part.split()]
    short = sum(1 for word in words if len(word) <= cp.SPAM_KEYWORD_MAX_CHARS)
    return len(words) >= cp.SPAM_MIN_KEYWORDS and short * 4 >= len(words) * 3


def find_title(
    page_title: str, meta: dict[str, str], blocks: list[Block], spam: SpamCheck
) -> tuple[str | None, int]:
    """Return the headline and the index of its block (-1 when not among the blocks).

    ``page_title`` is the <title> text, already emptied when ``spam`` found it injected.
    """
    page_compact = squeeze(page_title)
    best: tuple[float, str, int] | None = None
    for index, block in enumerate(blocks):
        compact = block.compact
        if not (4 <= len(compact) <= 120) or block.link_chars * 2 > block.chars:
            continue
        if cp.META_LABEL_RE.match(compact):
            continue  # "发布时间：… 文章来源：…", the info line, never the headline (boda-district, wild)
        score = 0.0
        if page_compact and compact in page_compact:
            score += 2.0 + len(compact) / max(len(page_compact), 1)
            if page_compact.startswith(compact):
                score += 0.5
        if block.heading:
            score += 1.5
            if block.element.tag == "h1":
                score += 0.5
        # The check below only adds 1.0: skip blocks that cannot win.
        if score + 1.0 < 2.0 or (best is not None and score + 1.0 <= best[0]):
            continue
        if is_title_name(class_id(block.element)):
            score += 1.0
        if score < 2.0 or (best is not None and score <= best[0]):
            continue
        if spam.is_spam(block.text):
            continue  # injected keywords, hidden in a heading
        best = (score, block.text, index)
    if best is not None:
        return best[1], best[2]
    for key in ("og:title", "twitter:title", "headline", "title", "articletitle"):
        if meta.get(key) and not spam.is_spam(meta[key]):
            return meta[key], -1
    if page_title:
        parts = [p for p in cp.TITLE_SEPARATOR_RE.split(page_title) if p.strip()]
        if parts:
            return max(parts[:2], key=len) if len(parts) > 1 and len(parts[0]) < 6 else parts[0], -1
    return None, -1


def read_title(page: Page) -> None:
    """Choose the page's headline (a policy header's 名称 beats the page's headings)."""
    spam = SpamCheck(page.body_blocks, page.blocks)
    page.spam = spam
    page_title = page_title_text(page.root)
    if page_title and spam.is_spam(page_title, page_title=True):
        page_title = ""  # injected keywords: neither the headline nor the site's name
    page.page_title = page_title
    title, page.title_index = find_title(page_title, page.meta, page.blocks, spam)
    if page.header_policy and page.header_policy.get("title"):
        title = page.header_policy["title"]
    title = heading_from_page_title(title, page_title) or title
    # The page's own heading beats the CMS's ArticleTitle meta tag, unless the heading is
    # generic (a column's name, 通知公告, 中华人民共和国主席令) or missing: then the tag names
    # the page (government CMSes write ArticleTitle and ColumnName on every page).
    specific = page.meta.get("articletitle")
    if (
        specific
        and not spam.is_spam(specific)
        and (not title or is_generic_heading(title, page.meta))
        and not is_generic_heading(specific, page.meta)
    ):
        title = specific
    page.title = heading_through_info_line(title, page.blocks, page.title_index) or title


def heading_through_info_line(title: str | None, blocks: list[Block], index: int) -> str | None:
    """Return the whole heading when its lines run on to the info line, else None.

    A heading printed in two lines keeps both: a 文号 line (TRS 产权转让公告 headings,
    吉市产权公发[2019]第20号) or a subtitle (boda-district's news) between the headline and
    the info line (来源：… 时间：…) belongs to it. The headline's block (or, when the headline
    came from <title> or a meta tag, a block starting with it) must be followed by at most
    one more short line that is no sentence, and then by the info line.
    """
    if not title:
        return None
    compact = squeeze(title)
    starts = [index] if index >= 0 else range(len(blocks))
    for start in starts:
        block = blocks[start]
        if not block.compact.startswith(compact) or block.link_chars * 2 > block.chars:
            continue
        lines = [block.text.strip()]
        for following in blocks[start + 1 : start + 1 + _HEADING_MAX_LINES]:
            if _is_info_line(following.compact):
                whole = " ".join(lines)
                return whole if squeeze(whole) != compact else None
            if len(lines) == _HEADING_MAX_LINES or not _is_subtitle(following, block):
                break
            lines.append(following.text.strip())
    return None


def _is_subtitle(line: Block, heading: Block) -> bool:
    """Say whether a line under a heading is its subtitle: styled alike, short, no sentence.

    A source, a channel or a date beside a headline (新浪综合, 网站滚动) is set apart from it;
    a note in brackets under a document's title (（…全体会议通过）) is no part of the title.
    """
    return (
        _SUBTITLE_MIN_CHARS <= line.chars <= _SUBTITLE_MAX_CHARS
        and not line.link_chars
        and line.element.tag == heading.element.tag
        and line.element.attrib == heading.element.attrib
        and line.compact not in heading.compact
        and not line.compact.startswith(("(", "（", "[", "【"))
        and not cp.PROSE_END_RE.search(line.text)
    )


def _is_info_line(compact: str) -> bool:
    """Say whether a line is the info line under a heading (发布时间：…, 2020年07月24日 10:51 …)."""
    return bool(cp.META_LABEL_RE.match(compact) or _DATE_FIRST_RE.match(compact))


def is_generic_heading(title: str, meta: dict[str, str]) -> bool:
    """Say whether a heading names a column or a kind of document rather than one document."""
    compact = squeeze(title)
    # The column's or the site's own name (TRS pages whose <title> is the site's name).
    for key in ("columnname", "sitename", "og:site_name"):
        name = squeeze(meta.get(key) or "")
        if name and compact == name:
            return True
    # Only an issuer and a 文种, or a column's words: "中华人民共和国主席令", "通知公告".
    return (
        len(compact) <= _GENERIC_MAX_CHARS and cp.GENERIC_HEADING_RE.fullmatch(compact) is not None
    )

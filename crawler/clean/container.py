"""Clean the tree, cut it into blocks and choose the article container.

A source's body selector names the container when it matches; otherwise the element whose
blocks score highest (``crawler.clean.layout``) is the container.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.clean.layout import (
    Block,
    choose_container,
    clean_tree,
    linearize,
    parse_html,
    text_content,
)
from crawler.clean.line_kinds import squeeze
from crawler.clean.selectors import select_text, selected_container

if TYPE_CHECKING:
    from crawler.clean.page import Page

__all__ = [
    "choose_page_container",
    "is_teaser_list",
    "looks_like_a_list",
    "parse_page",
    "second_opinion",
]


def parse_page(page: Page) -> None:
    """Parse the decoded text into a tree (ExtractionError when there is no document)."""
    page.root = parse_html(page.text, page.utf8)


def choose_page_container(page: Page) -> None:
    """Strip what is never text, linearise the tree and choose the article container."""
    root = page.root
    clean_tree(root)
    # Selectors run on the cleaned tree: ruby annotations and scripts are gone by now.
    selectors = dict(page.selectors)
    body_selector = selectors.pop("body", None)
    page.selected = {key: select_text(root, sel) for key, sel in selectors.items()}
    layout = linearize(root, all_ranges=body_selector is not None)
    page.layout = layout
    page.blocks = layout.blocks
    container = selected_container(root, body_selector, layout.ranges)
    chosen_by_selector = container is not None
    if container is None:
        container = choose_container(layout.scores, root)
    page.container = container
    page.start, page.end = layout.ranges.get(container, (0, len(layout.blocks)))
    if not chosen_by_selector:
        better = second_opinion(page)
        if better is not None:
            page.container = better
            page.start, page.end = layout.ranges[better]


# The second opinion on the container. A container whose blocks are mostly a list of teasers
# (a linked headline, a line of summary, again and again) won on the sum of many short
# summaries; an article's container has few linked lines among its paragraphs. Changes two
# pages of one host so far (wild 115, 116, fangchan.com, both right after); no dev page.
_LIST_SHARE = 0.3  # linked lines among a container's lines from which it looks like a list
_MIN_LIST_LINKS = 8  # and at least this many of them
_ARTICLE_LIST_SHARE = 0.15  # an alternative may have at most this share of linked lines
_MIN_ALTERNATIVE_SCORE = 0.5  # of the first choice's score
_MIN_ALTERNATIVE_PROSE = 200  # characters of punctuated prose in the alternative


def _line_counts(blocks: list[Block]) -> tuple[int, int]:
    """Return (linked lines, lines) among blocks long enough to count."""
    lines = [b for b in blocks if b.chars >= _MIN_LINE_CHARS]
    return sum(1 for b in lines if b.link_chars * 2 > b.chars), len(lines)


_MIN_LINE_CHARS = 8
_PARAGRAPH_CHARS = 80  # a block this long with punctuation is a paragraph, not a teaser
_PARAGRAPHS_KEPT = 0.7  # share of the first choice's paragraphs the alternative must hold


def _paragraph_chars(blocks: list[Block]) -> int:
    return sum(
        b.chars
        for b in blocks
        if b.chars >= _PARAGRAPH_CHARS and b.punct and b.link_chars * 2 <= b.chars
    )


def looks_like_a_list(blocks: list[Block]) -> bool:
    """Say whether a container's blocks are a list of linked teasers rather than an article."""
    linked, lines = _line_counts(blocks)
    return linked >= _MIN_LIST_LINKS and linked >= _LIST_SHARE * lines


def second_opinion(page: Page) -> Any | None:
    """Return a better container than a list-shaped first choice, or None to keep it.

    The alternative is the best-scoring element with few linked lines, a fair share of the
    first choice's score and some prose: the article beside a column of teasers.
    """
    if page.layout is None or not (
        looks_like_a_list(page.body_blocks)
        or (page.container is not None and is_teaser_list(page.container))
    ):
        return None
    scores = dict((element, score) for score, element in page.layout.scores)
    first = scores.get(page.container, 0.0)
    # Teasers' summaries are short; an article's paragraphs are long. The alternative must
    # hold most of the long paragraphs (an old layout may interleave ads and paragraphs in
    # one cell: extraction-dev 012, cn.biz.yahoo.com).
    first_paragraphs = _paragraph_chars(page.body_blocks)
    best, best_score = None, 0.0
    for score, element in page.layout.scores:
        if score < first * _MIN_ALTERNATIVE_SCORE or score <= best_score:
            continue
        start, end = page.layout.ranges[element]
        blocks = page.blocks[start:end]
        linked, lines = _line_counts(blocks)
        prose = sum(b.chars for b in blocks if b.punct and b.link_chars * 2 <= b.chars)
        if (
            linked <= _ARTICLE_LIST_SHARE * max(lines, 1)
            and prose >= _MIN_ALTERNATIVE_PROSE
            and _paragraph_chars(blocks) >= _PARAGRAPHS_KEPT * first_paragraphs
        ):
            best, best_score = element, score
    return best


_MIN_TEASERS = 4  # repeated items, each linking a headline, in a list of teasers
_HEADLINE_MIN_CHARS = 6  # a linked headline's characters (not "更多", "详细")


def is_teaser_list(container: Any) -> bool:
    """Say whether most of an element's text sits in repeated items that each link a headline.

    The items are the element's (or its one wrapper's) children of one tag: <li>s of a news
    list, <div>s of a result list (the boda-district slice's 新闻动态; wild listing pages).
    """
    element = container
    if len(element) == 1 and isinstance(element[0].tag, str):
        element = element[0]  # <div class="list"><ul>…</ul></div>
    children = [child for child in element if isinstance(child.tag, str)]
    if len(children) < _MIN_TEASERS:
        return False
    tags: dict[str, int] = {}
    for child in children:
        tags[child.tag] = tags.get(child.tag, 0) + 1
    tag = max(tags, key=tags.__getitem__)
    items = [child for child in children if child.tag == tag]
    teasers: list[Any] = []
    for index, item in enumerate(items):
        if _links_a_headline(item):
            teasers.append(item)
        left = len(items) - index - 1
        if len(teasers) + left < _MIN_TEASERS or len(teasers) + left < 0.6 * len(items):
            return False  # too few teasers even if every item left is one: an article's paragraphs
    total = len(squeeze(text_content(container)))
    return total > 0 and sum(len(squeeze(text_content(item))) for item in teasers) >= 0.6 * total


def _links_a_headline(item: Any) -> bool:
    """Say whether an element holds a link whose text is long enough to be a headline."""
    return any(
        len(squeeze("".join(link.itertext()))) >= _HEADLINE_MIN_CHARS for link in item.iter("a")
    )

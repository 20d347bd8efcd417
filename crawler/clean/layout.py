"""Parse a page, strip what is never text, cut it into blocks and score the containers.

The cleaned tree is linearised into text blocks (paragraphs and ``<br>``-separated lines),
each with its owning element, link text and punctuation. Every block gets a value (prose
is positive, link lists and chrome lines negative) that flows up the tree with a decay;
the element with the highest total is the article container.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

from crawler.clean import patterns as cp
from crawler.clean.line_kinds import is_chrome_line


class ExtractionError(ValueError):
    """Raised when a page cannot be parsed into a document at all."""


@dataclass(slots=True)
class Block:
    """One linearised line of text with what the scorer needs to know about it."""

    text: str
    compact: str  # text without whitespace
    element: Any
    chars: int
    link_chars: int
    punct: int
    chrome: tuple[Any, ...] = ()  # chrome-named ancestors (nav, share, comments…)
    heading: bool = False
    chrome_line: bool | None = None  # is_chrome_line(compact), computed once on demand


# Tuning constants of the container scorer.
_DECAY = 0.72  # share of a block's value passed to each further ancestor
_CHROME_WEIGHT = 0.3  # prose inside chrome-named elements (comments, sidebars) counts less
_BODY_CLASS_BOOST = 1.15  # a CMS body container (TRS_UEDITOR, article-content…) scores more

_SENTENCE_END = "。！？!?"  # the last character of a line of running prose
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_WRAPPER_RE = re.compile(r"^\s*<text\s[^>]*>", re.IGNORECASE)

# Plain lxml elements (no lxml.html element classes): every proxy the walk creates is
# cheaper, and the walk touches each element of the page. No table of ids: nothing looks an
# element up by id (a selector's #id is an attribute test), and the parser builds it for nothing.
_PARSER = etree.HTMLParser(encoding="utf-8", collect_ids=False)
# An element's text content, as lxml.html's text_content(), as a plain str: lxml's "smart"
# result keeps a link to its element and str() of it copies the whole text once more.
_STRING = etree.XPath("string()", smart_strings=False)


def parse_html(text: str, utf8: bytes | None = None) -> Any:
    """Parse decoded text into a tree (ExtractionError when there is no document).

    ``utf8`` is the text's own UTF-8 bytes when the caller has them (a page that came as
    valid UTF-8): parsed as they are, they need no encoding again.
    """
    if utf8 is not None and not _XML_DECL_RE.match(text) and not _WRAPPER_RE.match(text):
        data = utf8
    else:
        text = _XML_DECL_RE.sub("", text, count=1)
        text = _WRAPPER_RE.sub("", text, count=1)
        data = text.encode("utf-8", "replace")
    if not text.strip():
        raise ExtractionError("empty page")
    try:
        # UTF-8 bytes parse faster than a str; the parser's encoding beats any <meta> charset.
        root = etree.fromstring(data, _PARSER)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError("unparsable page: %s" % error) from error
    if root is None:
        raise ExtractionError("unparsable page: document is empty")
    return root


def text_content(element: Any) -> str:
    """Return an element's text content."""
    return str(_STRING(element))


def class_id(element: Any) -> str:
    """Return an element's class and id, joined."""
    get = element.get
    return ("%s %s" % (get("class") or "", get("id") or "")).strip()


# (class, id) -> whether it names chrome; pages of one site share their class names.
_CHROME_NAME_CACHE: dict[tuple[str | None, str | None], bool] = {}
_CHROME_NAME_CACHE_SIZE = 50_000


@lru_cache(maxsize=8192)
def _is_chrome_name(class_id: str) -> bool:
    """Say whether a class/id string names chrome (and not a body)."""
    for token in class_id.split():
        if cp.CHROME_CLASS_RE.search(token) and not cp.BODY_CLASS_RE.search(token):
            return True
    return False


@lru_cache(maxsize=8192)
def _is_body_name(class_id: str) -> bool:
    return cp.BODY_CLASS_RE.search(class_id) is not None


@lru_cache(maxsize=8192)
def is_title_name(class_id: str) -> bool:
    """Say whether a class/id string names a headline."""
    return cp.TITLE_CLASS_RE.search(class_id) is not None


@dataclass(slots=True)
class Layout:
    """A page cut into blocks, with each element's block range and container score."""

    blocks: list[Block]
    # element -> (first block, end) of its text; only scored ones unless asked for all
    ranges: dict[Any, tuple[int, int]]
    scores: list[tuple[float, Any]]  # (score > 0, element), in walk order


def linearize(root: Any, all_ranges: bool = True) -> Layout:
    """Walk a cleaned tree, cut its text into blocks and score the containers.

    Text and tails run together until a block element or ``<br>`` starts a new block;
    each block belongs to the innermost open block element. A block's value (how much it
    speaks for its container being the article: prose counts by its length and
    punctuation, link-heavy and chrome lines count against) is added to that element, and
    every element passes its total on to
    its parent times ``_DECAY``: an element's score is the sum of the values below it,
    each decayed once per level in between. This function is the hot loop of the
    extractor (it sees every element), hence the closure over local state.

    With ``all_ranges`` false, only the scored elements (the container candidates) get an
    entry in ``ranges``: any other element can only be named by a source's body selector,
    and keeping a proxy of every element alive costs a good part of the walk.
    """
    blocks: list[Block] = []
    ranges: dict[Any, tuple[int, int]] = {}
    scores: list[tuple[float, Any]] = []
    parts: list[str] = []  # texts since the last block; whitespace-only ones may linger
    owners: list[Any] = [root]
    owner_values: list[float] = [0.0]
    chrome: list[Any] = []
    link_chars = 0
    has_text = False  # whether parts holds more than whitespace
    headings = 0
    block_tags, heading_tags, decay = cp.BLOCK_TAGS, cp.HEADING_TAGS, _DECAY
    chrome_names = _CHROME_NAME_CACHE
    punct_re = cp.SENTENCE_PUNCT_RE
    player_re = cp.PLAYER_LINE_RE
    chrome_line_of = is_chrome_line

    def flush() -> None:
        """Close the block being built (called only when it holds text)."""
        nonlocal link_chars, has_text
        words = "".join(parts).split()
        parts.clear()
        text = " ".join(words)
        compact = "".join(words)
        chars = len(compact)
        links = link_chars if link_chars < chars else chars
        punct = len(punct_re.findall(text))
        link_chars = 0
        has_text = False
        # The block's value, computed here only (this runs once per block), remembering the
        # chrome verdict for the body filter.
        chrome_line = None
        if chars == 0:
            value = 0.0
        elif links * 2 > chars:
            value = -0.6 * chars
        elif chars <= 600 and "/" in text and ":" in text and player_re.search(text):
            # A video player's controls run together into one long line with its time code
            # (cctv-like unseen page; qq.com players beside news-zh-dev articles).
            value = -0.5 * chars
            chrome_line = True
        elif chars <= 120 and (chrome_line := chrome_line_of(text, compact)):
            # A sentence that only names chrome words ("扫码乘车", "無障礙設施") is neutral:
            # it must not split the article in two (ynet-like and hk01-like unseen pages).
            value = 0.0 if punct >= 3 and compact[-1] in _SENTENCE_END else -0.5 * chars
        elif punct == 0 and chars < 12:
            value = -1.0
        else:
            weight = 0.25 + punct * 25.0 / chars
            value = (chars - 2 * links) * (weight if weight < 1.0 else 1.0)
        if value > 0 and chrome:
            value *= _CHROME_WEIGHT
        blocks.append(
            Block(
                text,
                compact,
                owners[-1],
                chars,
                links,
                punct,
                tuple(chrome) if chrome else (),
                headings > 0,
                chrome_line,
            )
        )
        owner_values[-1] += value

    def walk(element: Any, in_link: bool, tag: Any) -> float:
        """Linearise one element (``tag`` is its tag, read once); return its score."""
        nonlocal link_chars, has_text, headings
        if tag.__class__ is not str or tag == "br":  # comment, processing instruction, <br>
            if has_text and tag == "br":
                flush()
            text = element.tail
            if text:
                parts.append(text)
                if in_link:
                    count = len("".join(text.split()))
                    if count:
                        link_chars += count
                        has_text = True
                elif not has_text and not text.isspace():
                    has_text = True
            return 0.0
        is_block = tag in block_tags
        start = len(blocks)
        opened_chrome = False
        if is_block:
            if has_text:
                flush()
            owners.append(element)
            owner_values.append(0.0)
            get = element.get
            class_name, element_id = get("class"), get("id")
            if (
                (class_name is not None or element_id is not None)
                and tag != "body"
                and tag != "html"
            ):
                key = (class_name, element_id)
                verdict = chrome_names.get(key)
                if verdict is None:
                    if len(chrome_names) > _CHROME_NAME_CACHE_SIZE:
                        chrome_names.clear()
                    verdict = chrome_names[key] = _is_chrome_name(
                        ("%s %s" % (class_name or "", element_id or "")).strip()
                    )
                if verdict:
                    chrome.append(element)
                    opened_chrome = True
        heading = tag in heading_tags
        if heading:
            headings += 1
        link = in_link or tag == "a"
        text = element.text
        if text:
            parts.append(text)
            if link:
                count = len("".join(text.split()))
                if count:
                    link_chars += count
                    has_text = True
            elif not has_text and not text.isspace():
                has_text = True
        score = 0.0
        # No children: the loop does nothing and 0.0 * decay is 0.0, so no len() call first.
        for child in element:
            child_tag = child.tag
            if (
                child_tag.__class__ is str
                and child_tag not in block_tags
                and child_tag != "br"
                and not len(child)
            ):
                # An inline leaf (<a>, <span>, <img>…), the most common element: its
                # text and tail join the current block, without a call of its own.
                if all_ranges:
                    ranges[child] = (len(blocks), len(blocks))
                text = child.text
                if text:
                    parts.append(text)
                    if link or child_tag == "a":
                        count = len("".join(text.split()))
                        if count:
                            link_chars += count
                            has_text = True
                    elif not has_text and not text.isspace():
                        has_text = True
                text = child.tail
                if text:
                    parts.append(text)
                    if link:
                        count = len("".join(text.split()))
                        if count:
                            link_chars += count
                            has_text = True
                    elif not has_text and not text.isspace():
                        has_text = True
                continue
            score += walk(child, link, child_tag)  # noqa: F821 (del walk comes after the walk)
        score *= decay
        if is_block:
            if has_text:
                flush()
            owners.pop()
            score += owner_values.pop()
            if opened_chrome:
                chrome.pop()
        if score > 0:
            ranges[element] = (start, len(blocks))
            scores.append((score, element))
        elif all_ranges:
            ranges[element] = (start, len(blocks))
        if heading:
            headings -= 1
        text = element.tail
        if text:
            parts.append(text)
            if in_link:
                count = len("".join(text.split()))
                if count:
                    link_chars += count
                    has_text = True
            elif not has_text and not text.isspace():
                has_text = True
        return score

    body = root.find("body")
    try:
        top = body if body is not None else root
        walk(top, False, top.tag)
    finally:
        # walk's closure holds walk itself: without this the cycle keeps every block and
        # element proxy (and so the whole tree) alive until the cyclic collector runs.
        del walk
    if has_text:
        flush()
    return Layout(blocks, ranges, scores)


def clean_tree(root: Any) -> None:
    """Strip comments, processing instructions and elements that are never text (one pass)."""
    etree.strip_elements(
        root, etree.Comment, etree.ProcessingInstruction, *cp.DROP_TAGS, with_tail=False
    )


def block_is_chrome(block: Block) -> bool:
    """Return (and remember) whether a block's line is chrome."""
    verdict = block.chrome_line
    if verdict is None:
        verdict = block.chrome_line = is_chrome_line(block.text, block.compact)
    return verdict


# --- container choice --------------------------------------------------------------------


def choose_container(scores: list[tuple[float, Any]], root: Any) -> Any:
    """Return the best-scoring element; CMS body containers get a boost."""
    best, best_score = None, 0.0
    for score, element in sorted(scores, key=lambda item: item[0], reverse=True):
        if score * _BODY_CLASS_BOOST <= best_score:
            break  # no element further down can win, even with the boost
        if element.tag == "html":
            continue
        if _is_body_name(class_id(element)):
            score *= _BODY_CLASS_BOOST
        if score > best_score:
            best, best_score = element, score
    return best if best is not None else root

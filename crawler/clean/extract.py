"""Extract the article body and metadata from Chinese news and government policy pages.

The page is decoded (``crawler.clean.decode``), parsed with lxml, stripped of elements that are
never text, and linearised into text blocks (paragraphs and ``<br>``-separated lines),
each with its owning element, link text and punctuation. Every block gets a value (prose
is positive, link lists and chrome lines negative) that flows up the tree with a decay;
the element with the highest total is the article container. Its blocks are then
filtered line by line with the chrome patterns of ``crawler.clean.patterns``. Metadata is
read from meta tags and JSON-LD first, then from the labelled lines around the headline
and after the body (来源/作者/责任编辑…), which often run together on one line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

from lxml import etree

from crawler.clean import patterns as cp
from crawler.clean.decode import DecodedPage, decode_html
from crawler.clean.pagination import find_pagination
from crawler.clean.policy_document import read_policy
from crawler.clean.policy_header import parse_policy
from crawler.text.dates import date_from_url, find_dates

logger = logging.getLogger(__name__)

__all__ = [
    "Extraction",
    "ExtractionError",
    "extract_article",
    "extract_metadata",
    "extract_text",
    "extraction_to_json",
    "merge_pages",
]


class ExtractionError(ValueError):
    """Raised when a page cannot be parsed into a document at all."""


@dataclass
class Extraction:
    """Article body and metadata of one page."""

    title: str | None = None
    published_at: str | None = None
    site: str | None = None
    outlet: str | None = None
    author: str | None = None
    editor: str | None = None
    keywords: list[str] = field(default_factory=list)
    body: str = ""
    text_quality: str = "ok"
    encoding: str = "utf-8"
    is_article: bool = False
    page_urls: list[str] = field(default_factory=list)
    policy: dict[str, Any] | None = None


@dataclass(slots=True)
class _Block:
    """One linearised line of text with what the scorer needs to know about it."""

    text: str
    compact: str  # text without whitespace
    element: Any
    chars: int
    link_chars: int
    punct: int
    chrome: tuple[Any, ...] = ()  # chrome-named ancestors (nav, share, comments…)
    heading: bool = False
    chrome_line: bool | None = None  # _is_chrome_line(compact), computed once on demand


# Tuning constants of the container scorer.
_DECAY = 0.72  # share of a block's value passed to each further ancestor
_MIN_BODY_CHARS = 120  # shorter bodies make is_article False
_CHROME_WEIGHT = 0.3  # prose inside chrome-named elements (comments, sidebars) counts less
_BODY_CLASS_BOOST = 1.15  # a CMS body container (TRS_UEDITOR, article-content…) scores more
_META_WINDOW = 12  # blocks before the body searched for metadata lines
_TAIL_WINDOW = 25  # blocks after the body searched for editor/keyword lines
_POLICY_HEAD_WINDOW = 20  # blocks before the body searched for a policy's title and number

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_WRAPPER_RE = re.compile(r"^\s*<text\s[^>]*>", re.IGNORECASE)
_NAME_RE = re.compile(r"^(?:[\u4e00-\u9fff·]{2,6}|[A-Za-z][A-Za-z .\-']{1,40})$")
_HAN_NAME_RE = re.compile(r"^[\u4e00-\u9fff·]{2,5}$")
_VALUE_STRIP = " \t\r\n\u3000\xa0:：|｜,，;；、.。()（）[]【】<>《》\"'“”"
_ONLY_DATE_RE = re.compile(
    r"^[\s\[【（(]*(?:(?:发布|發布|更新|时间|時間|日期|发布时间|發布時間|发布日期|發布日期)"
    r"\s*[:：]?\s*)?\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"(?:\s*\d{1,2}[:：]\d{1,2}(?:[:：]\d{1,2})?)?\s*(?:星期.|周.)?[\s\]】）)]*$"
)
_ATTACHMENT_LINE_RE = re.compile(r"^(?:附件|附表|附錄|附录)\d*[:：]")
_SIGNATURE_DATE_RE = re.compile(r"^(?:19|20)\d{2}年\d{1,2}月\d{1,2}日$")
_JSONLD_DATE_RE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')

# Plain lxml elements (no lxml.html element classes): every proxy the walk creates is
# cheaper, and the walk touches each element of the page.
_PARSER = etree.HTMLParser(encoding="utf-8")
_STRING = etree.XPath("string()")  # an element's text content, as lxml.html's text_content()


# --- parsing and linearisation -----------------------------------------------------------


def _parse(text: str) -> Any:
    text = _XML_DECL_RE.sub("", text, count=1)
    text = _WRAPPER_RE.sub("", text, count=1)
    if not text.strip():
        raise ExtractionError("empty page")
    try:
        # UTF-8 bytes parse faster than a str; the parser's encoding beats any <meta> charset.
        root = etree.fromstring(text.encode("utf-8", "replace"), _PARSER)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError("unparsable page: %s" % error) from error
    if root is None:
        raise ExtractionError("unparsable page: document is empty")
    return root


def _text_content(element: Any) -> str:
    return str(_STRING(element))


def _class_id(element: Any) -> str:
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
def _is_title_name(class_id: str) -> bool:
    return cp.TITLE_CLASS_RE.search(class_id) is not None


@dataclass(slots=True)
class _Layout:
    """A page cut into blocks, with each element's block range and container score."""

    blocks: list[_Block]
    # element -> (first block, end) of its text; only scored ones unless asked for all
    ranges: dict[Any, tuple[int, int]]
    scores: list[tuple[float, Any]]  # (score > 0, element), in walk order


def _linearize(root: Any, all_ranges: bool = True) -> _Layout:
    """Walk a cleaned tree, cut its text into blocks and score the containers.

    Text and tails run together until a block element or ``<br>`` starts a new block;
    each block belongs to the innermost open block element. A block's value
    (``_block_value``) is added to that element, and every element passes its total on to
    its parent times ``_DECAY``: an element's score is the sum of the values below it,
    each decayed once per level in between. This function is the hot loop of the
    extractor (it sees every element), hence the closure over local state.

    With ``all_ranges`` false, only the scored elements (the container candidates) get an
    entry in ``ranges``: any other element can only be named by a source's body selector,
    and keeping a proxy of every element alive costs a good part of the walk.
    """
    blocks: list[_Block] = []
    ranges: dict[Any, tuple[int, int]] = {}
    scores: list[tuple[float, Any]] = []
    parts: list[str] = []  # texts since the last block; whitespace-only ones may linger
    owners: list[Any] = [root]
    owner_values: list[float] = [0.0]
    chrome: list[Any] = []
    link_chars = 0
    has_text = False  # whether parts holds more than whitespace
    headings = 0
    block_tags, heading_tags, chrome_tags, decay = (
        cp.BLOCK_TAGS,
        cp.HEADING_TAGS,
        cp.CHROME_TAGS,
        _DECAY,
    )
    chrome_names = _CHROME_NAME_CACHE
    punct_re = cp.SENTENCE_PUNCT_RE
    is_chrome_line = _is_chrome_line

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
        # _block_value, inlined (this runs once per block), remembering the chrome verdict.
        chrome_line = None
        if chars == 0:
            value = 0.0
        elif links * 2 > chars:
            value = -0.6 * chars
        elif chars <= 120 and (chrome_line := is_chrome_line(text, compact)):
            value = -0.5 * chars
        elif punct == 0 and chars < 12:
            value = -1.0
        else:
            weight = 0.25 + punct * 25.0 / chars
            value = (chars - 2 * links) * (weight if weight < 1.0 else 1.0)
        if value > 0 and chrome:
            value *= _CHROME_WEIGHT
        blocks.append(
            _Block(
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
            if tag in chrome_tags:
                chrome.append(element)
                opened_chrome = True
            else:
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
        if len(element):
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
    return _Layout(blocks, ranges, scores)


def _clean_tree(root: Any) -> None:
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(root, *cp.DROP_TAGS, with_tail=False)


# --- block classification ----------------------------------------------------------------


def _compact(text: str) -> str:
    return "".join(text.split())  # as WHITESPACE_RE.sub("", text), faster


def _is_chrome_line(text: str, compact: str | None = None) -> bool:
    """Say whether one line is site chrome wherever it appears."""
    if compact is None:
        compact = _compact(text)
    if not compact:
        return True
    length = len(compact)
    if length < 60 and cp.EDITOR_LINE_RE.search(compact):
        return True
    # A headline is at most ~50 characters; a longer line opening so is prose quoting it.
    if length <= 100 and cp.ORIGINAL_TITLE_LINE_RE.match(compact):
        return True
    if length <= 60 and cp.FOLLOW_PROMPT_RE.search(compact):
        return True
    if length <= 40 and (
        cp.SHARE_LINE_RE.match(compact)
        or cp.BRACKET_COMMANDS_RE.match(compact)
        or cp.PAGINATION_LINE_RE.match(compact)
        or cp.COUNTER_LINE_RE.match(compact)
    ):
        return True
    if length <= 80 and (
        cp.BREADCRUMB_PREFIX_RE.match(compact)
        or cp.SITE_NAV_START_RE.match(compact)
        or cp.SITE_NAV_WORDS_RE.search(compact)
        or compact.endswith(cp.SITE_NAV_ENDINGS)
    ):
        return True
    if length <= 120 and (
        cp.FOLLOW_LINE_RE.search(compact)
        or cp.SUBMISSION_LINE_RE.search(compact)
        or cp.COPYRIGHT_LINE_RE.search(compact)
    ):
        return True
    if length <= 400 and cp.SUBMISSION_STRONG_RE.search(compact):
        return True
    return bool(cp.DANGLING_MARKUP_RE.match(compact))


def _block_is_chrome(block: _Block) -> bool:
    """Return (and remember) whether a block's line is chrome."""
    verdict = block.chrome_line
    if verdict is None:
        verdict = block.chrome_line = _is_chrome_line(block.text, block.compact)
    return verdict


def _is_meta_line(text: str, compact: str | None = None) -> bool:
    """Say whether a short line only restates metadata (date, source, author, views)."""
    if compact is None:
        compact = _compact(text)
    if len(compact) > 90:
        return False
    if _ONLY_DATE_RE.match(text):
        return True
    first = cp.META_LABEL_RE.search(compact)
    if first is None:
        return False
    # A label at the start (来源：…) or two labels on one short line (时间…来源…).
    return (
        first.start() <= 2
        or cp.META_LABEL_RE.search(compact, first.end()) is not None
        or bool(find_dates(compact))
    )


def _block_value(block: _Block) -> float:
    """Return how much a block speaks for its container being the article."""
    chars = block.chars
    if chars == 0:
        return 0.0
    link = block.link_chars
    if link * 2 > chars:
        return -0.6 * chars
    if chars <= 120 and _block_is_chrome(block):
        return -0.5 * chars
    if block.punct == 0 and chars < 12:
        return -1.0
    density = block.punct * 25.0 / chars
    weight = min(1.0, 0.25 + density)
    return (chars - 2 * link) * weight


# --- container choice --------------------------------------------------------------------


def _choose_container(scores: list[tuple[float, Any]], root: Any) -> Any:
    """Return the best-scoring element; CMS body containers get a boost."""
    best, best_score = None, 0.0
    for score, element in sorted(scores, key=lambda item: item[0], reverse=True):
        if score * _BODY_CLASS_BOOST <= best_score:
            break  # no element further down can win, even with the boost
        if element.tag == "html":
            continue
        if _is_body_name(_class_id(element)):
            score *= _BODY_CLASS_BOOST
        if score > best_score:
            best, best_score = element, score
    return best if best is not None else root


# --- body -------------------------------------------------------------------------------


def _body_lines(blocks: list[_Block], title: str | None, container: Any) -> list[str]:
    outer = set(container.iterancestors())
    outer.add(container)
    lines: list[str] = []
    seen: set[str] = set()
    title_compact = _compact(title or "")
    prose_seen = 0
    for index, block in enumerate(blocks):
        text = block.text
        compact = block.compact
        if not compact:
            continue
        if block.chrome and any(c not in outer for c in block.chrome):
            continue
        if (
            block.link_chars * 2 > block.chars
            and block.chars < 300
            and not _ATTACHMENT_LINE_RE.match(compact)
        ):
            continue
        if _block_is_chrome(block):
            if (
                prose_seen >= 2
                and index >= len(blocks) * 0.5
                and cp.EDITOR_LINE_RE.search(compact)
                and len(compact) < 40
            ):
                # The credits block closes the article; what follows is site promotion.
                tail_start = index
                while tail_start + 1 < len(blocks) and tail_start - index < 6:
                    following = blocks[tail_start + 1]
                    if not (
                        _block_is_chrome(following)
                        or _is_meta_line(following.text, following.compact)
                    ):
                        break
                    tail_start += 1
                if not any(b.punct >= 3 and b.chars > 80 for b in blocks[tail_start + 1 :]):
                    break
            continue
        if cp.RELATED_HEADING_RE.match(compact) and prose_seen:
            if index > len(blocks) * 0.4:
                break
            continue
        if title_compact and (
            compact == title_compact
            or (len(compact) > 6 and compact in title_compact and not prose_seen)
        ):
            continue
        # A closing "2022年1月27日" is the document's signature date, not a date line.
        if _is_meta_line(text, compact) and not (prose_seen and _SIGNATURE_DATE_RE.match(compact)):
            continue
        text = cp.DANGLING_FRAGMENT_RE.sub(" ", text).strip()
        if not text:
            continue
        if len(compact) >= 20:
            if compact in seen:
                continue  # a hidden copy (print or mobile version) repeats the article
            seen.add(compact)
        if block.punct:
            prose_seen += 1
        lines.append(text)
    return lines


# --- metadata ---------------------------------------------------------------------------


def _meta_content(root: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (
            (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        )
        value = (meta.get("content") or "").strip()
        if key and value and key not in found:
            found[key] = value
    return found


def _jsonld_date(root: Any) -> str | None:
    for script in root.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            match = _JSONLD_DATE_RE.search(script.text)
            if match:
                dates = find_dates(match.group(1))
                if dates:
                    return dates[0][1]
    return None


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


def _site_name(
    page_title: str, meta: dict[str, str], title: str | None, blocks: list[_Block]
) -> str | None:
    if meta.get("og:site_name"):
        return meta["og:site_name"]
    if page_title and title:
        rest = page_title.replace(title, " ")
        parts = [
            p.strip()
            for p in cp.TITLE_SEPARATOR_RE.split(rest)
            if p.strip() and not cp.SEO_SPAM_RE.search(p)
        ]
        if parts and len(parts[-1]) <= 30:
            return parts[-1]
    for block in reversed(blocks[-30:]):
        match = cp.SITE_COPYRIGHT_RE.search(block.text)
        if match:
            return match.group(1)
    return None


def _cut_value(text: str) -> str:
    """Cut a labelled value where the next label, a date or a separator begins."""
    match = cp.NEXT_LABEL_RE.search(text)
    if match and match.start() > 0:
        text = text[: match.start()]
    elif match and match.start() == 0:
        return ""
    return text.strip(_VALUE_STRIP)


def _label_value(regex: re.Pattern[str], lines: list[str]) -> str | None:
    for line in lines:
        for match in regex.finditer(line):
            rest = line[match.end() :].strip()
            value = _cut_value(rest)
            value = re.split(r"\s{1,}", value)[0] if value else value
            value = value.strip(_VALUE_STRIP)
            if value and len(value) <= 40:
                return value
    return None


def _names(text: str, longest: int = 4) -> str | None:
    """Turn "张三 李四" / "张三、李四" into "张三、李四"; None when nothing name-like."""
    tokens = [t for t in re.split(r"[\s、,，/和]+", text.strip(_VALUE_STRIP)) if t]
    names: list[str] = []
    for token in tokens:
        token = token.strip(_VALUE_STRIP)
        if not token or token in cp.NOT_NAME_WORDS:
            break
        han = re.fullmatch(r"[\u4e00-\u9fff·]{2,%d}" % longest, token)
        latin = re.fullmatch(r"[A-Za-z][A-Za-z.\-']*(?: [A-Za-z][A-Za-z.\-']*){0,3}", token)
        if han or (latin and not names and len(token) <= 40):
            names.append(token)
        else:
            break
    return "、".join(names) if names else None


def _author_from(lines: list[str]) -> str | None:
    for line in lines:
        for match in cp.AUTHOR_LABEL_RE.finditer(line):
            rest = _cut_value(line[match.end() :])
            value = _names(rest, longest=10)
            if value:
                return value
    return None


def _reporter_in_body(lines: list[str]) -> str | None:
    """Find the reporter credited in the body: （记者 某某）, 记者 某某, a closing (某某)."""
    for line in lines[:3] + lines[-3:]:
        match = cp.REPORTER_PAREN_RE.search(line)
        if match:
            value = _names(match.group(1))
            if value:
                return value
    for line in lines[:2] + lines[-3:]:
        match = cp.REPORTER_SPACED_RE.search(line)
        if match:
            value = _names(match.group(1))
            if value:
                return value
    for line in lines[-2:]:
        match = cp.TRAILING_CREDIT_RE.search(line)
        if match and len(line) > 20:
            value = _names(match.group(1))
            if value:
                return value
    return None


def _editor_from(lines: list[str]) -> str | None:
    for line in lines:
        matches = [
            m
            for regex in (cp.EDITOR_LABEL_RE, cp.EDITOR_PLAIN_LABEL_RE)
            for m in regex.finditer(line)
        ]
        for match in sorted(matches, key=lambda m: m.start()):
            value = _cut_value(line[match.end() :])
            value = value.split()[0] if value.split() else ""
            value = cp.STAFF_CODE_SUFFIX_RE.sub("", value).strip(_VALUE_STRIP)
            if value and len(value) <= 20:
                return value
    return None


def _outlet_by_date(lines: list[str]) -> str | None:
    """Find an unlabelled outlet beside the date line: "2019-09-26 10:56:28 证券时报网"."""
    for line in lines:
        if len(line) > 100 or not find_dates(line):
            continue
        for token in line.split():
            if cp.OUTLET_NAME_RE.match(token) and not cp.META_LABEL_RE.search(token):
                return token
    return None


def _keywords_from(lines: list[str], meta: dict[str, str]) -> list[str]:
    for line in lines:
        match = cp.KEYWORDS_LABEL_RE.search(line)
        if match:
            rest = line[match.end() :]
            stop = cp.EDITOR_LABEL_RE.search(rest) or re.search(
                r"(?:责任编辑|責任編輯|责编|責編|来源|來源|作者)", rest
            )
            if stop:
                rest = rest[: stop.start()]
            words = [w.strip(_VALUE_STRIP) for w in re.split(r"[,，;；、\s]+", rest)]
            words = [w for w in words if w and len(w) <= 20]
            if words:
                return words
    raw = meta.get("keywords") or meta.get("news_keywords") or ""
    words = [w.strip() for w in re.split(r"[,，;；、|]+", raw) if w.strip()]
    return words[:20]


def _date_from(lines: list[str]) -> str | None:
    for line in lines:
        dates = find_dates(line)
        if dates:
            return max((d for _, d in dates), key=len)
    return None


_META_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "pubdate",
    "publishdate",
    "publish_date",
    "publishtime",
    "datepublished",
    "og:release_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "published_time",
    "firstpublishedtime",
    "createdate",
)


def _published_at(
    meta: dict[str, str], jsonld: str | None, lines_near: list[str], body_lines: list[str], url: str
) -> str | None:
    near = _date_from(lines_near)
    for key in _META_DATE_KEYS:
        if meta.get(key):
            dates = find_dates(meta[key])
            if dates:
                value = dates[0][1]
                if near and near[:10] == value[:10] and len(near) > len(value):
                    return near
                return value
    if jsonld:
        return jsonld
    if near:
        return near
    return date_from_url(url) if url else None


# --- selectors ----------------------------------------------------------------------------


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


# --- public API ---------------------------------------------------------------------------


def extract_article(
    html: bytes | str,
    url: str = "",
    *,
    declared_encoding: str | None = None,
    selectors: dict[str, str] | None = None,
) -> Extraction:
    """Extract body and metadata from one page (bytes are decoded with ``decode_html``)."""
    if isinstance(html, (bytes, bytearray)):
        decoded = decode_html(bytes(html), declared_encoding)
    else:
        decoded = DecodedPage(html, "utf-8", "ok")
    root = _parse(decoded.text)
    meta = _meta_content(root)
    jsonld_date = _jsonld_date(root)
    policy = parse_policy(root, url)
    pagination = find_pagination(root, url) if url else None
    page_urls = pagination.other_urls() if pagination else []
    _clean_tree(root)
    # Selectors run on the cleaned tree: ruby annotations and scripts are gone by now.
    selectors = dict(selectors or {})
    body_selector = selectors.pop("body", None)
    selected = {key: _select_text(root, sel) for key, sel in selectors.items()}
    layout = _linearize(root, all_ranges=body_selector is not None)
    blocks = layout.blocks
    page_title = _title_text(root)
    title, title_index = _find_title(page_title, meta, blocks)
    if policy and policy.get("title"):
        title = policy["title"]
    container = _selected_container(root, body_selector, layout.ranges)
    if container is None:
        container = _choose_container(layout.scores, root)
    start, end = layout.ranges.get(container, (0, len(blocks)))
    body_blocks = blocks[start:end]
    lines = _body_lines(body_blocks, title, container)
    policy_head = [
        b.text
        for b in blocks[max(0, start - _POLICY_HEAD_WINDOW) : start]
        if b.link_chars < b.chars
    ]
    opening = [b.text for b in body_blocks[:4]]
    reading = read_policy(
        policy, title=title, head=policy_head, opening=opening, lines=lines, root=root, url=url
    )
    policy = reading.fields if reading else None
    if reading:
        title = reading.title or title
        lines = _drop_policy_head(lines[: reading.body_end], policy)
    elif title:
        title = cp.TITLE_DATE_SUFFIX_RE.sub("", title)  # "… ( 2025年08月25日 )"
    body = "\n".join(lines)

    head_from = title_index if 0 <= title_index < start else max(0, start - _META_WINDOW)
    near_blocks = [b.text for b in blocks[head_from:start] if b.link_chars * 2 <= b.chars]
    near_blocks += [
        b.text for b in body_blocks[:4] if b.chars <= 100 and b.link_chars * 2 <= b.chars
    ]
    tail_blocks = [
        b.text
        for b in body_blocks[-16:] + blocks[end : end + _TAIL_WINDOW]
        if b.link_chars * 2 <= b.chars
    ]
    meta_lines = near_blocks + tail_blocks

    outlet = (
        _label_value(cp.OUTLET_LABEL_RE, near_blocks)
        or _label_value(cp.OUTLET_LABEL_RE, tail_blocks)
        or _outlet_by_date(near_blocks)
        or meta.get("source")
        or None
    )
    author = _author_from(near_blocks) or _reporter_in_body(lines) or _author_from(tail_blocks)
    if author is None:
        author = _reporter_in_body([b.text for b in blocks[end : end + 3]])
    editor = _editor_from(tail_blocks) or _editor_from(near_blocks)
    keywords = _keywords_from(meta_lines, meta)
    published = _published_at(meta, jsonld_date, near_blocks, lines, url)
    site = _site_name(page_title, meta, title, blocks)

    if selected.get("title"):
        title = selected["title"]
    selected_date = selected.get("published_at")
    if selected_date:
        dates = find_dates(selected_date)
        if dates:
            published = dates[0][1]
    for key in ("outlet", "author", "editor"):
        value = selected.get(key)
        if value:
            label = {
                "outlet": cp.OUTLET_LABEL_RE,
                "author": cp.AUTHOR_LABEL_RE,
                "editor": cp.EDITOR_LABEL_RE,
            }[key]
            match = label.search(value)
            if match:
                value = _cut_value(value[match.end() :]) or value
            if key == "outlet":
                outlet = value
            elif key == "author":
                author = value
            else:
                editor = value
    if policy and policy.get("published_at"):
        published = policy["published_at"]

    quality = decoded.quality
    if quality == "ok" and body.count("\ufffd") >= 3:
        quality = "mojibake"
    body_chars = len(_compact(body))
    prose_lines = sum(1 for line in lines if cp.SENTENCE_PUNCT_RE.search(line))
    is_article = body_chars >= _MIN_BODY_CHARS and prose_lines >= 1 and bool(title)
    return Extraction(
        title=title.strip() if title else None,
        published_at=published,
        site=site,
        outlet=outlet,
        author=author,
        editor=editor,
        keywords=keywords,
        body=body,
        text_quality=quality,
        encoding=decoded.encoding,
        is_article=is_article,
        page_urls=page_urls,
        policy=policy,
    )


def _drop_policy_head(lines: list[str], policy: dict[str, Any]) -> list[str]:
    """Drop the repeated title and document-number lines at the top of a policy body."""
    title = _compact(policy.get("title") or "")
    doc_number = _compact(policy.get("doc_number") or "")
    out = list(lines)
    while out:
        compact = _compact(out[0])
        if (
            (title and compact and compact in title)
            or (doc_number and compact == _compact(doc_number))
            or cp.DOC_NUMBER_LINE_RE.match(compact)
        ):
            out.pop(0)
            continue
        break
    return out


def extract_text(html: bytes, url: str) -> str:
    """Return the article body only (the scorer's interface)."""
    return extract_article(html, url).body


def extract_metadata(html: bytes, url: str) -> dict[str, Any]:
    """Return title, published_at, source (the outlet), author and editor."""
    result = extract_article(html, url)
    return {
        "title": result.title,
        "published_at": result.published_at,
        "source": result.outlet,
        "author": result.author,
        "editor": result.editor,
    }


def merge_pages(extractions: list[Extraction]) -> Extraction:
    """Join the bodies of a multi-page article, keeping the first page's metadata."""
    if not extractions:
        raise ExtractionError("no pages to merge")
    first = extractions[0]
    bodies = [e.body for e in extractions if e.body]
    qualities = {e.text_quality for e in extractions}
    quality = (
        "mojibake" if "mojibake" in qualities else ("repaired" if "repaired" in qualities else "ok")
    )
    return replace(
        first,
        body="\n".join(bodies),
        text_quality=quality,
        page_urls=[],
        is_article=any(e.is_article for e in extractions),
        author=first.author or next((e.author for e in extractions if e.author), None),
        editor=first.editor or next((e.editor for e in extractions if e.editor), None),
    )


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """Return the JSON form printed by ``xietong extract --json``."""
    data = {f.name: getattr(extraction, f.name) for f in fields(extraction)}
    if data["policy"] is None:
        del data["policy"]
    return data


def main(argv: list[str] | None = None) -> int:
    """Print the JSON extraction of one saved page: ``python -m crawler.clean.extract PAGE --url URL``."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("path")
    parser.add_argument("--url", default="")
    args = parser.parse_args(argv)
    with open(args.path, "rb") as handle:
        data = handle.read()
    print(json.dumps(extraction_to_json(extract_article(data, args.url)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

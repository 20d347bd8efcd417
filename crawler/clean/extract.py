"""Extract the article body and metadata from Chinese news and government policy pages.

The page is decoded (``crawler.clean.decode``), parsed, cleaned, cut into blocks and its
article container chosen (``layout``); the container's blocks become body lines (``body``);
the headline is chosen (``title``); metadata is read from meta tags, JSON-LD and the
labelled lines around the headline and after the body (``metadata``); a source's CSS
selectors override any of these (``selectors``); policy pages get their header fields
(``policy_header``).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, fields, replace
from typing import Any

from crawler.clean import patterns as cp
from crawler.clean.attachment_links import (
    AttachmentLink,
    find_attachment_links,
    is_attachment_pointer,
)
from crawler.clean.body import _body_lines
from crawler.clean.decode import DecodedPage, decode_html
from crawler.clean.layout import (
    ExtractionError,
    _Block,
    _choose_container,
    _clean_tree,
    _linearize,
    _parse,
)
from crawler.clean.line_kinds import _compact
from crawler.clean.metadata import (
    _author_from,
    _cut_value,
    _editor_from,
    _jsonld_date,
    _keywords_from,
    _label_value,
    _meta_content,
    _names,
    _outlet_by_date,
    _published_at,
    _reporter_in_body,
    _site_name,
)
from crawler.clean.pagination import find_pagination
from crawler.clean.policy_document import heading_from_page_title, read_policy
from crawler.clean.policy_header import header_fields_in_lines, parse_policy
from crawler.clean.selectors import _select_text, _selected_container
from crawler.clean.title import _find_title, _SpamCheck, _title_text
from crawler.text.dates import find_dates

__all__ = [
    "Extraction",
    "ExtractionError",
    "extract_article",
    "extract_metadata",
    "extract_text",
    "extraction_to_json",
    "merge_pages",
]


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
    # Files the page attaches: every one on a policy page, those labelled 附件 elsewhere.
    attachments: list[AttachmentLink] = field(default_factory=list)


_MIN_BODY_CHARS = 120  # shorter bodies make is_article False
_META_WINDOW = 12  # blocks before the body searched for metadata lines
_TAIL_WINDOW = 25  # blocks after the body searched for editor/keyword lines
_POLICY_HEAD_WINDOW = 20  # blocks before the body searched for a policy's title and number
_POLICY_AFTER_WINDOW = 8  # blocks after the body searched for a signature (signer, bodies, date)


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
    links = find_attachment_links(root, url)
    pagination = find_pagination(root, url) if url else None
    page_urls = pagination.other_urls() if pagination else []
    _clean_tree(root)
    # Selectors run on the cleaned tree: ruby annotations and scripts are gone by now.
    selectors = dict(selectors or {})
    body_selector = selectors.pop("body", None)
    selected = {key: _select_text(root, sel) for key, sel in selectors.items()}
    layout = _linearize(root, all_ranges=body_selector is not None)
    blocks = layout.blocks
    container = _selected_container(root, body_selector, layout.ranges)
    if container is None:
        container = _choose_container(layout.scores, root)
    start, end = layout.ranges.get(container, (0, len(blocks)))
    body_blocks = blocks[start:end]
    spam = _SpamCheck(body_blocks, blocks)
    page_title = _title_text(root)
    if page_title and spam.is_spam(page_title, page_title=True):
        page_title = ""  # injected keywords: neither the headline nor the site's name
    title, title_index = _find_title(page_title, meta, blocks, spam)
    if policy and policy.get("title"):
        title = policy["title"]
    title = heading_from_page_title(title, page_title) or title
    lines = _body_lines(body_blocks, title, container)
    policy_head = [
        b.text
        for b in blocks[max(0, start - _POLICY_HEAD_WINDOW) : start]
        if b.link_chars < b.chars
    ]
    opening = [b.text for b in body_blocks[:4]]
    after: list[str] = []
    for block in blocks[end : end + _POLICY_AFTER_WINDOW]:
        if block.chrome or block.link_chars * 2 > block.chars or block.chars > 40:
            break  # the footer's chrome, a link list or prose: no signature
        after.append(block.text)
    reading = read_policy(
        policy,
        title=title,
        head=policy_head,
        opening=opening,
        lines=lines,
        root=root,
        url=url,
        after=after,
    )
    policy = reading.fields if reading else None
    if policy is None and links:
        links = find_attachment_links(root, url, labelled_only=True)
    if reading:
        title = reading.title or title
        lines = [*lines, *reading.closing][: reading.body_end]
        lines = _drop_policy_head(lines, reading.fields)
    elif title:
        title = cp.TITLE_DATE_SUFFIX_RE.sub("", title)  # "… ( 2025年08月25日 )"
    body = "\n".join(lines)

    head_from = title_index if 0 <= title_index < start else max(0, start - _META_WINDOW)
    near_blocks = [b.text for b in blocks[head_from:start] if _metadata_line(b)]
    near_blocks += [b.text for b in body_blocks[:4] if b.chars <= 100 and _metadata_line(b)]
    tail_blocks = [
        b.text for b in body_blocks[-16:] + blocks[end : end + _TAIL_WINDOW] if _metadata_line(b)
    ]
    meta_lines = near_blocks + tail_blocks

    outlet = (
        _label_value(cp.OUTLET_LABEL_RE, near_blocks)
        or _label_value(cp.OUTLET_LABEL_RE, tail_blocks)
        or _outlet_by_date(near_blocks)
    )
    author = (
        _author_from(near_blocks)
        or _reporter_in_body(lines)
        # "来源：河北日报 | 记者 贡晓丽 通讯员 郝建 | …" above the body (hebnews-like, thepaper-like)
        or _reporter_in_body(near_blocks)
        or _author_from(tail_blocks)
    )
    if author is None:
        # A credit after the closing credits block ("责任编辑：X" then "记者 Y") is cut from
        # the body but still the container's (news.sina.com.cn and thepaper.cn templates).
        container_lines = [b.text for b in body_blocks if b.link_chars * 2 <= b.chars]
        author = _reporter_in_body(container_lines[-6:])
    if author is None:
        author = _reporter_in_body([b.text for b in blocks[end : end + 3]])
    if author is None:
        author = _rel_author(container)
    editor = _editor_from(tail_blocks) or _editor_from(near_blocks)
    keywords = _keywords_from(meta_lines, meta)
    published = _published_at(meta, jsonld_date, near_blocks, lines, url)
    site = _site_name(page_title, meta, title)

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
    if not is_article and policy is not None and links:
        # A policy page whose whole text points to its attachment (详见附件) is so short
        # that another block may have won the container: keep the pointing line as the body.
        pointer = _pointer_block(blocks, title or "")
        if pointer is not None:
            body = pointer
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
        attachments=links,
    )


def _pointer_block(blocks: list[_Block], title: str) -> str | None:
    """Return the first block of text (not links) that only points to the attachment."""
    for block in blocks:
        if block.link_chars < block.chars and is_attachment_pointer(block.text, title):
            return block.text
    return None


def _metadata_line(block: _Block) -> bool:
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


def _header_run(lines: list[str]) -> int:
    """Return how many leading lines are a header table's labelled lines (0 if none).

    A run of ``label：value`` lines counts when one of its labels is a policy field's, so a
    lone "各部委：现将…" opening the text stays.
    """
    size = 0
    while size < len(lines) and (
        cp.HEADER_LINE_RE.match(lines[size].strip())
        or header_fields_in_lines(lines[size : size + 1])
    ):
        size += 1  # "label：value", or a policy label shown empty (主题分类：)
    return size if size and header_fields_in_lines(lines[:size]) else 0


def _is_printed_head(line: str, issuer: str, after_number: bool) -> bool:
    """Say whether a line is the document's printed head: registration number, number, issuer.

    The issuing body's name counts as the policy's issuer, or as any body's name right below
    a number line (www.anhua.gov.cn shows 安化县 as 发布机构 and prints the full name).
    """
    tokens = line.split()
    return bool(tokens) and all(
        cp.REGISTRATION_NUMBER_RE.match(token)
        or cp.DOC_NUMBER_LINE_RE.match(token)
        or (issuer and token == issuer)
        or (after_number and cp.ORGANIZATION_RE.match(token))
        for token in tokens
    )


def _rel_author(container: Any) -> str | None:
    """Return the name a link marked rel="author" gives inside the article container.

    chinatimes.com credits its reporter as <cite><a rel="author">謝明俊</a></cite> beside the
    date; WordPress themes mark the author link the same way. Helps one page (unseen-news 033,
    chinatimes-like); kept because without it unseen-news author falls under its floor.
    """
    for link in container.iter("a"):
        if "author" in (link.get("rel") or "").lower().split():
            value = _names(" ".join("".join(link.itertext()).split()))
            if value:
                return value
    return None


def _drop_policy_head(lines: list[str], policy: dict[str, Any]) -> list[str]:
    """Drop the repeated title, header and document-number lines at the top of a policy body."""
    title = _compact(policy.get("title") or "")
    doc_number = _compact(policy.get("doc_number") or "")
    issuer = _compact(policy.get("issuer") or "")
    out = list(lines)
    after_number = False
    while out:
        compact = _compact(out[0])
        if (title and compact and compact in title) or (
            doc_number and compact == _compact(doc_number)
        ):
            out.pop(0)
            continue
        if cp.DOC_NUMBER_LINE_RE.match(compact) or _is_printed_head(out[0], issuer, after_number):
            after_number = True
            out.pop(0)
            continue
        header = _header_run(out)
        if header:
            del out[:header]
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
        attachments=list(dict.fromkeys(link for e in extractions for link in e.attachments)),
        author=first.author or next((e.author for e in extractions if e.author), None),
        editor=first.editor or next((e.editor for e in extractions if e.editor), None),
    )


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """Return the JSON form printed by ``xietong extract --json``."""
    data = {f.name: getattr(extraction, f.name) for f in fields(extraction)}
    if data["policy"] is None:
        del data["policy"]
    data["attachments"] = [link._asdict() for link in extraction.attachments]
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

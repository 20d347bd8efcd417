"""Extract the article body and metadata from Chinese news and government policy pages.

``extract_article`` runs the cleaner's stages (``STAGES``) in order over one ``Page``:
decode → parse → signals (meta, header table, attachments, pagination) → container →
title → body → policy header → credits (byline, dates) → page type → overrides. Each stage
is a public function of its own module. The runner here is the one place that guards them:
a stage that raises leaves its fields empty and adds a warning naming it; a page whose
decoding, parsing or container fails is unreadable and says why in ``error``. So
``extract_article`` never raises on any input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from crawler.clean.attachment_links import AttachmentLink
from crawler.clean.body import read_body
from crawler.clean.container import choose_page_container, parse_page
from crawler.clean.credits import read_byline, read_dates
from crawler.clean.decode import decode_page
from crawler.clean.layout import ExtractionError
from crawler.clean.page import Page
from crawler.clean.page_type import classify_page
from crawler.clean.policy_document import read_page_policy
from crawler.clean.selectors import apply_overrides
from crawler.clean.signals import (
    read_attachment_links,
    read_header_table,
    read_meta,
    read_pagination,
)
from crawler.clean.title import read_title
from crawler.clean.value_shapes import check_shapes

__all__ = [
    "STAGES",
    "error_line",
    "Extraction",
    "ExtractionError",
    "extract_article",
    "extract_metadata",
    "extraction_to_json",
    "merge_pages",
]

logger = logging.getLogger(__name__)


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
    # policy, interpretation, notice, news, listing, error, js_shell or other
    page_type: str = "other"
    document_kind: str = "html"  # html, feed, sitemap, xml or json
    # The stages that failed on this page ("header_table: ValueError: …"), their fields empty.
    warnings: list[str] = field(default_factory=list)
    # Why the page could not be read at all (empty, unparsable, a failed essential stage).
    error: str | None = None


@dataclass(frozen=True)
class Stage:
    """One named step of the cleaner; an essential one makes the page unreadable if it fails."""

    name: str
    run: Callable[[Page], None]
    essential: bool = False


# The cleaner, in order. A name here is what a warning, a crawl stat and a test call it.
STAGES: tuple[Stage, ...] = (
    Stage("decode", decode_page, essential=True),
    Stage("parse", parse_page, essential=True),
    Stage("meta", read_meta),
    Stage("header_table", read_header_table),
    Stage("attachments", read_attachment_links),
    Stage("pagination", read_pagination),
    Stage("container", choose_page_container, essential=True),
    Stage("title", read_title),
    Stage("body", read_body),
    Stage("policy", read_page_policy),
    Stage("byline", read_byline),
    Stage("dates", read_dates),
    Stage("shapes", check_shapes),
    Stage("page_type", classify_page),
    Stage("overrides", apply_overrides),
)


def error_line(error: BaseException) -> str:
    """Return an exception as one short line: its type and the start of its message."""
    text = " ".join(str(error).split())
    return "%s: %s" % (type(error).__name__, text[:200]) if text else type(error).__name__


def run_stages(page: Page, stages: tuple[Stage, ...] | None = None) -> Page:
    """Run the stages (``STAGES`` by default) over a page, each guarded.

    A failure is a warning naming the stage, or the page's error when the stage is essential.
    """
    for stage in STAGES if stages is None else stages:
        try:
            stage.run(page)
        except ExtractionError as error:
            page.error = str(error)
            break
        except (RecursionError, MemoryError) as error:
            page.error = "%s failed: %s" % (stage.name, type(error).__name__)
            break
        except Exception as error:  # a reader's surprise costs its fields, never the page
            if stage.essential:
                page.error = "%s failed: %s" % (stage.name, error_line(error))
                break
            page.warnings.append("%s: %s" % (stage.name, error_line(error)))
            logger.debug("cleaner stage %s failed on %s", stage.name, page.url, exc_info=True)
        if stage.name == "decode" and page.document_kind != "html":
            page.error = _KIND_NAMES[page.document_kind]
            break
    return page


_KIND_NAMES = {
    "feed": "an RSS or Atom feed",
    "sitemap": "a sitemap",
    "xml": "an XML document",
    "json": "a JSON document",
}


def extract_article(
    html: bytes | str,
    url: str = "",
    *,
    declared_encoding: str | None = None,
    selectors: dict[str, str] | None = None,
) -> Extraction:
    """Extract body and metadata from one page; never raises (see ``error``, ``warnings``)."""
    page = run_stages(
        Page(
            raw=html, url=url, declared_encoding=declared_encoding, selectors=dict(selectors or {})
        )
    )
    body = "\n".join(page.lines)
    if page.body_override is not None:
        body = page.body_override
    quality = page.quality
    if quality == "ok" and body.count("\ufffd") >= 3:
        quality = "mojibake"
    if page.error is not None:
        page.page_type = "other" if page.document_kind != "html" else "error"
        page.is_article = False
    return Extraction(
        title=page.title.strip() if page.title else None,
        published_at=page.published_at,
        site=page.site,
        outlet=page.outlet,
        author=page.author,
        editor=page.editor,
        keywords=page.keywords,
        body=body,
        text_quality=quality,
        encoding=page.encoding,
        is_article=page.is_article,
        page_urls=page.page_urls,
        policy=page.policy,
        attachments=page.links,
        page_type=page.page_type,
        document_kind=page.document_kind,
        warnings=page.warnings,
        error=page.error,
    )


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
        warnings=[warning for e in extractions for warning in e.warnings],
    )


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """Return the JSON form printed by ``xietong extract --json``."""
    data = {f.name: getattr(extraction, f.name) for f in fields(extraction)}
    if data["policy"] is None:
        del data["policy"]
    data["attachments"] = [link._asdict() for link in extraction.attachments]
    return data

"""Pipeline 1: turn fetched HTML into clean article text and metadata."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler import stats
from crawler.clean.attachments import is_attachment_pointer
from crawler.clean.extract import Extraction, ExtractionError, extract_article, merge_pages
from crawler.items import Article, PolicyDocument

logger = logging.getLogger(__name__)


class StripChromePipeline:
    """Run the cleaner on every page of an article; drop pages that are not articles.

    A page the cleaner cannot read at all (empty, only an XML declaration) is dropped as
    ``extraction_error``, like any other page that is not an article.
    Settings: none. Stats: ``xietong/dropped/<reason>`` and per source
    ``xietong/source/<name>/dropped/<reason>``.
    """

    def __init__(self, stats: Any = None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StripChromePipeline:
        """Build the pipeline for a crawl."""
        return cls(stats=crawler.stats)

    def _drop(self, item: Article, reason: str, message: str) -> DropItem:
        stats.count_reason(self.stats, stats.DROPPED, reason, item.source)
        return DropItem(message, log_level="INFO")

    def process_item(self, item: Article) -> Article:
        """Fill title, text and metadata from the raw pages."""
        if not item.raw_pages:
            raise self._drop(item, "empty", "no page body: %s" % item.url)
        extractions: list[Extraction] = []
        try:
            for page_url, raw in zip(item.page_urls or [item.url], item.raw_pages, strict=False):
                extractions.append(
                    extract_article(
                        raw,
                        page_url,
                        declared_encoding=item.declared_encoding,
                        selectors=item.selectors or None,
                    )
                )
            result = merge_pages(extractions) if len(extractions) > 1 else extractions[0]
        except ExtractionError as error:
            logger.info("cannot clean the page (%s): %s", error, item.url)
            raise self._drop(
                item, "extraction_error", "cannot clean (%s): %s" % (error, item.url)
            ) from None
        item.raw_pages = []  # the archive keeps text, not HTML
        # A page whose text only points to its attachment (详见附件) is kept: the attachments
        # pipeline gives it the attachment's text as its body.
        pointer = bool(result.attachments) and is_attachment_pointer(
            result.body, result.title or ""
        )
        if not result.is_article and not pointer:
            raise self._drop(item, "not_article", "not an article page: %s" % item.url)
        if not result.body.strip() or not (result.title or "").strip():
            raise self._drop(item, "no_body", "no article title or body: %s" % item.url)
        item.title = result.title or ""
        item.text = result.body
        item.published_at = result.published_at or item.feed_published_at
        item.outlet = result.outlet
        item.author = result.author
        item.editor = result.editor
        item.keywords = list(result.keywords)
        item.text_quality = result.text_quality
        item.encoding = result.encoding
        item.attachment_links = [(link.url, link.file_name) for link in result.attachments]
        item.attachment_pointer = pointer
        if not item.site:
            item.site = result.site
        if result.policy:
            item.policy = PolicyDocument(
                index_number=result.policy.get("index_number"),
                issuer=result.policy.get("issuer"),
                doc_number=result.policy.get("doc_number"),
                written_at=result.policy.get("written_at"),
                published_at=result.policy.get("published_at"),
                topic=result.policy.get("topic"),
                validity=result.policy.get("validity"),
                attachments=list(result.policy.get("attachments") or []),
            )
        if item.text_quality == "mojibake":
            logger.warning("mojibake kept and marked: %s", item.url)
        return item

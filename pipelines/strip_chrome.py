"""Pipeline 1: turn fetched HTML into clean article text and metadata."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Coroutine
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler import stats
from crawler.clean.attachment_links import is_attachment_pointer
from crawler.clean.extract import Extraction, error_line
from crawler.items import Article, PolicyDocument
from pipelines.strip_chrome_worker import clean_pages, exit_with_parent, warm_up

logger = logging.getLogger(__name__)


class StripChromePipeline:
    """Run the cleaner on every page of an article; drop pages that are not articles.

    A page the cleaner cannot read at all (empty, only an XML declaration, an essential
    stage failed) is an error of its source (``errors/unreadable``) with one log line: it is
    not stored, so the next run fetches it again. A feed, sitemap, XML or JSON document is
    dropped as ``not_html``. A cleaner stage that failed on a page is counted by name
    (``cleaner_warnings/<stage>``) while the page goes on with that stage's fields empty. With workers, the
    cleaner runs in that many processes of its own, so it does not hold up the crawl's
    thread (downloads, parsing, the other pipelines) and a second CPU does the cleaning;
    ``process_item`` then returns a coroutine. Its output is the same either way.
    Settings: ``XIETONG_STRIP_WORKERS``. Stats: ``xietong/dropped/<reason>``,
    ``xietong/errors/unreadable``, ``xietong/cleaner_warnings/<stage>`` and the same per source
    under ``xietong/source/<name>/``.
    """

    def __init__(self, stats: Any = None, workers: int = 0):
        self.stats = stats
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StripChromePipeline:
        """Build the pipeline for a crawl."""
        return cls(stats=crawler.stats, workers=crawler.settings.getint("XIETONG_STRIP_WORKERS", 0))

    def open_spider(self) -> None:
        """Start the cleaning processes, if any (they load the cleaner while the crawl starts)."""
        if self.workers > 0:
            # spawn, not fork: the crawl process runs threads (Twisted's, SQLite's callers).
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=exit_with_parent,
                initargs=(os.getpid(),),
            )
            for _ in range(self.workers):
                self.pool.submit(warm_up)

    def close_spider(self) -> None:
        """Stop the cleaning processes."""
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None

    def _drop(self, item: Article, reason: str, message: str) -> DropItem:
        stats.count_reason(self.stats, stats.DROPPED, reason, item.source)
        return DropItem(message, log_level="INFO")

    def process_item(self, item: Article) -> Article | Coroutine[Any, Any, Article]:
        """Fill title, text and metadata from the raw pages."""
        if not item.raw_pages:
            raise self._drop(item, "empty", "no page body: %s" % item.url)
        if self.pool is not None:
            return self._clean_in_pool(item, self.pool)
        try:
            result = clean_pages(*self._cleaner_arguments(item))
        except Exception as error:  # the cleaner guards its stages; this is its last line
            raise self._cannot_clean(item, error_line(error)) from None
        return self._fill(item, result)

    @staticmethod
    def _cleaner_arguments(
        item: Article,
    ) -> tuple[list[bytes], list[str], str | None, dict[str, str] | None]:
        """Return what ``clean_pages`` needs of an item (plain values a worker can receive)."""
        return (
            item.raw_pages,
            item.page_urls or [item.url],
            item.declared_encoding,
            (item.selectors or None),
        )

    async def _clean_in_pool(self, item: Article, pool: ProcessPoolExecutor) -> Article:
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                pool, clean_pages, *self._cleaner_arguments(item)
            )
        except Exception as error:  # a worker's crash, or the cleaner's last line
            raise self._cannot_clean(item, error_line(error)) from None
        return self._fill(item, result)

    def _cannot_clean(self, item: Article, reason: str) -> DropItem:
        """Count an unreadable page as an error of its source; it is fetched again next run."""
        logger.warning("cannot read the page (%s): %s", reason, item.url)
        stats.count_reason(self.stats, stats.ERROR_KINDS, stats.UNREADABLE, item.source)
        stats.count_source(self.stats, item.source, stats.ERRORS)
        return DropItem("cannot read the page (%s): %s" % (reason, item.url), log_level="INFO")

    def _fill(self, item: Article, result: Extraction) -> Article:
        for warning in result.warnings:
            stage = warning.partition(":")[0]
            stats.count_reason(self.stats, stats.CLEANER_WARNINGS, stage, item.source)
            logger.warning(
                "cleaner stage failed (%s), its fields left empty: %s", warning, item.url
            )
        if result.document_kind != "html":
            raise self._drop(item, "not_html", "%s: %s" % (result.error, item.url))
        if result.error is not None:
            raise self._cannot_clean(item, result.error)
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
                co_issuers=list(result.policy.get("co_issuers") or []),
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

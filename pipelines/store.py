"""Pipeline 4: hand each item to the archive, which decides what it is and writes it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.internet.task import LoopingCall

from crawler import stats
from crawler.archive import MERGED, NEW, REVISED, Archive, Stored
from crawler.items import Article

logger = logging.getLogger(__name__)


class StorePipeline:
    """Store each item through ``Archive.store`` on one connection for the whole crawl.

    The archive makes the merge decision inside its transaction, so copies met in one
    batch of ``XIETONG_STORE_BATCH_SIZE`` items merge as they would one at a time. A batch
    is committed when full, at the latest ``XIETONG_STORE_BATCH_SECONDS`` after its first
    item (a timer commits it when no more items come), and when the crawl closes. A page
    already archived at the same URL is dropped once the archive has noted it (and revised
    the article when its text changed).

    Built for a crawl (``from_crawler``), the archive lives on a writer thread of its own:
    SQLite lets go of Python's lock while it writes and indexes, so the crawl's thread goes
    on downloading and parsing meanwhile. Items still reach the archive one at a time, in
    the order they came, on one connection; ``process_item`` then returns a coroutine.

    Settings: ``XIETONG_DB``, ``XIETONG_STORE_BATCH_SIZE``, ``XIETONG_STORE_BATCH_SECONDS``,
    ``XIETONG_DEDUP_NEAR_ENABLED``.
    Stats: ``xietong/dedup/<reason>`` (same_url, same_text, same_policy, near_duplicate),
    ``xietong/store/new_articles``, ``xietong/store/appearances``, ``xietong/store/revised``,
    ``xietong/dropped/already_archived``; per source ``xietong/source/<name>/new_articles``,
    ``…/duplicates``, ``…/stored`` (appearances), ``…/dated`` (of those, with a
    publication date; run monitoring compares it across runs) and
    ``…/dropped/already_archived``.
    """

    def __init__(
        self,
        db_path: str,
        batch_size: int = 1,
        near_enabled: bool = True,
        stats: Any = None,
        batch_seconds: float = 0.0,
        writer_thread: bool = False,
    ):
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.near_enabled = near_enabled
        self.stats = stats
        self.archive: Archive | None = None
        self.commit_timer: LoopingCall | None = None
        self.writer_thread = writer_thread
        self.writer: ThreadPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Build the pipeline from the crawl's settings."""
        settings = crawler.settings
        return cls(
            db_path=settings.get("XIETONG_DB"),
            batch_size=settings.getint("XIETONG_STORE_BATCH_SIZE", 1),
            near_enabled=settings.getbool("XIETONG_DEDUP_NEAR_ENABLED", True),
            stats=crawler.stats,
            batch_seconds=settings.getfloat("XIETONG_STORE_BATCH_SECONDS", 0.0),
            writer_thread=True,
        )

    def _on_writer(self, function: Any, *args: Any) -> Any:
        """Call ``function`` where the archive lives (its writer thread, if any) and wait."""
        if self.writer is None:
            return function(*args)
        return self.writer.submit(function, *args).result()

    def open_spider(self) -> None:
        """Open the archive for the crawl; start the timer that commits a batch left waiting."""
        if self.writer_thread:
            # One thread: the archive's connection is used from it alone, one item at a time.
            self.writer = ThreadPoolExecutor(1, thread_name_prefix="xietong-archive")
        self.archive = self._on_writer(
            lambda: Archive.open(
                self.db_path,
                batch_size=self.batch_size,
                near_duplicates=self.near_enabled,
                batch_seconds=self.batch_seconds,
            )
        )
        if self.batch_size > 1 and self.batch_seconds > 0:
            self.commit_timer = LoopingCall(self._commit_if_due)
            # Checked four times per period: a waiting batch is committed at most a quarter
            # of XIETONG_STORE_BATCH_SECONDS late.
            self.commit_timer.start(self.batch_seconds / 4, now=False)

    def close_spider(self) -> None:
        """Commit the last batch and close the archive."""
        if self.commit_timer is not None and self.commit_timer.running:
            self.commit_timer.stop()
        self.commit_timer = None
        if self.archive is not None:
            self._on_writer(self.archive.close)
            self.archive = None
        if self.writer is not None:
            self.writer.shutdown()
            self.writer = None

    def _commit_if_due(self) -> None:
        assert self.archive is not None
        if self.writer is None:
            self.archive.commit_if_due()
        else:  # queued behind the items before it; the timer does not wait for it
            self.writer.submit(self.archive.commit_if_due)

    def process_item(self, item: Article) -> Article | Coroutine[Any, Any, Article]:
        """Store the item; drop it when its URL was already archived."""
        assert self.archive is not None, "open_spider was not called"
        if self.writer is not None:
            return self._store_on_writer(item, self.archive, self.writer)
        return self._stored(item, self.archive.store(item))

    async def _store_on_writer(
        self, item: Article, archive: Archive, writer: ThreadPoolExecutor
    ) -> Article:
        stored = await asyncio.get_running_loop().run_in_executor(writer, archive.store, item)
        return self._stored(item, stored)

    def _stored(self, item: Article, stored: Stored) -> Article:
        """Count what the archive did with the item; drop it when its URL was archived."""
        item.article_id = stored.article_id
        item.is_new_article = stored.is_new_article
        item.match_reason = stored.reason
        if stored.reason and self.stats is not None:
            self.stats.inc_value(stats.reason_key(stats.DEDUP, stored.reason))
        if stored.outcome in (NEW, MERGED):
            self._count_stored(item, stored)
            return item
        stats.count_reason(self.stats, stats.DROPPED, stats.ALREADY_ARCHIVED, item.source)
        if stored.outcome == REVISED:
            if self.stats is not None:
                self.stats.inc_value(stats.STORE_REVISED)
            raise DropItem(
                "already archived as %s, text revised: %s" % (stored.article_id, item.url),
                log_level="INFO",
            )
        raise DropItem(
            "already archived as %s: %s" % (stored.article_id, item.url), log_level="DEBUG"
        )

    def _count_stored(self, item: Article, stored: Stored) -> None:
        if self.stats is not None:
            self.stats.inc_value(stats.STORE_APPEARANCES)
        stats.count_source(self.stats, item.source, stats.STORED)
        if item.published_at:
            stats.count_source(self.stats, item.source, stats.DATED)
        if stored.is_new_article:
            logger.info("new article [%s] %s: %s", item.source, item.title, item.url)
            if self.stats is not None:
                self.stats.inc_value(stats.STORE_NEW_ARTICLES)
            stats.count_source(self.stats, item.source, stats.NEW_ARTICLES)
        else:
            logger.info("%s of %s: %s", stored.reason, stored.article_id, item.url)
            stats.count_source(self.stats, item.source, stats.DUPLICATES)

"""Pipeline 4: write articles and their appearances into the SQLite archive."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from crawler.archive import Archive
from crawler.fingerprint import policy_key
from crawler.items import Article

logger = logging.getLogger(__name__)


class StorePipeline:
    """Upsert each item through sqlite-utils, ``XIETONG_STORE_BATCH_SIZE`` items per transaction.

    Settings: ``XIETONG_DB``, ``XIETONG_STORE_BATCH_SIZE``.
    Stats: ``xietong/store/new_articles``, ``xietong/store/appearances``, per source
    ``xietong/source/<name>/new_articles``, ``…/stored`` (appearances) and ``…/dated``
    (of those, with a publication date; run monitoring compares it across runs).
    """

    def __init__(self, db_path: str, batch_size: int = 1, stats: Any = None):
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.stats = stats
        self.archive: Archive | None = None
        self.pending = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Build the pipeline from the crawl's settings."""
        return cls(
            db_path=crawler.settings.get("XIETONG_DB"),
            batch_size=crawler.settings.getint("XIETONG_STORE_BATCH_SIZE", 1),
            stats=crawler.stats,
        )

    def open_spider(self) -> None:
        """Open the archive for writing."""
        self.archive = Archive.open(self.db_path)

    def close_spider(self) -> None:
        """Commit the last batch and close the archive."""
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    def process_item(self, item: Article) -> Article:
        """Write the item; commit when a batch is full."""
        assert self.archive is not None, "open_spider was not called"
        if self.pending == 0:
            self.archive.db.begin()
        key = policy_key(item.policy.issuer, item.policy.doc_number) if item.policy else None
        created = self.archive.save(item, policy_key=key)
        self.pending += 1
        if self.pending >= self.batch_size:
            self.archive.commit()
            self.pending = 0
        if self.stats is not None:
            self.stats.inc_value("xietong/store/appearances")
            self.stats.inc_value("xietong/source/%s/stored" % item.source)
            if item.published_at:
                self.stats.inc_value("xietong/source/%s/dated" % item.source)
            if created:
                logger.info("new article [%s] %s: %s", item.source, item.title, item.url)
                self.stats.inc_value("xietong/store/new_articles")
                self.stats.inc_value("xietong/source/%s/new_articles" % item.source)
        return item

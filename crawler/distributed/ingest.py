"""Drain a distributed crawl's Redis item list into the archive: the one writer.

Workers (``xietong crawl --redis URL``) clean articles and push them onto a Redis list;
:class:`Ingest` takes them in batches through the deduplicating and storing pipelines, in
one process, so every merge decision sees all copies in one order and one SQLite file has
one writer. A batch is moved to a "processing" list before it is stored and removed from
it only after it is committed: an ingest killed mid-batch stores that batch again when it
restarts, and deduplication drops what was already stored (same URL).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import redis
from scrapy.exceptions import DropItem

from crawler import stats
from crawler.distributed.workers import live_workers
from crawler.ops.lock import ArchiveLock
from crawler.ops.run import CrawlSummary, summarize
from crawler.worker_queue import RedisKeys, article_from_json
from pipelines.deduplicate import DeduplicatePipeline
from pipelines.store import StorePipeline

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
POLL_EVERY = 0.2
# Move up to ARGV[1] of the oldest items to the processing list; return them oldest first.
TAKE_SCRIPT = """
local items = redis.call('LRANGE', KEYS[1], -tonumber(ARGV[1]), -1)
if #items == 0 then return items end
redis.call('LTRIM', KEYS[1], 0, -#items - 1)
local oldest_first = {}
for i = #items, 1, -1 do oldest_first[#oldest_first + 1] = items[i] end
redis.call('RPUSH', KEYS[2], unpack(oldest_first))
return oldest_first
"""


class IngestStats:
    """Counters with the stats-collector methods the pipelines call."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        """Add ``count`` to a counter."""
        self.values[key] = self.values.get(key, start) + count

    def set_value(self, key: str, value: int) -> None:
        """Set a counter."""
        self.values[key] = value

    def get_value(self, key: str, default: Any = None) -> Any:
        """Return a counter, or ``default`` when it was never set."""
        return self.values.get(key, default)

    def get_stats(self) -> dict[str, Any]:
        """Return every counter."""
        return dict(self.values)


class Ingest:
    """Store the articles queued by distributed workers, deduplicating as one crawl would.

    Runs while workers are live; exits once the item list is empty and the workers it saw
    have left (or, when it saw none, after ``idle`` seconds).
    """

    def __init__(
        self,
        server: redis.Redis,
        db_path: str | Path,
        spider: str = "sources",
        idle: float = 10.0,
        near_enabled: bool = True,
    ):
        self.server = server
        self.keys = RedisKeys(spider)
        self.idle = idle
        self.stats = IngestStats()
        self.dedup = DeduplicatePipeline()
        # Commit each item: a batch leaves the processing list only once all of it is stored.
        self.store = StorePipeline(
            str(db_path), batch_size=1, near_enabled=near_enabled, stats=self.stats
        )
        self.items = 0
        self.lock = ArchiveLock(db_path)

    def run(self) -> CrawlSummary:
        """Drain the queue into the archive; return the per-source summary.

        Raises ArchiveLockedError when a crawl or another ingest is writing the archive.
        """
        with self.lock:
            return self._run()

    def _run(self) -> CrawlSummary:
        self.store.open_spider()
        try:
            self._publish_known_urls()
            leftover = self.server.lrange(self.keys.processing, 0, -1)
            if leftover:
                logger.info(
                    "storing %d items an earlier ingest took but did not finish", len(leftover)
                )
                self._store_batch(leftover)
            started = time.monotonic()
            seen_worker = False
            while True:
                batch = self.server.eval(
                    TAKE_SCRIPT, 2, self.keys.items, self.keys.processing, BATCH_SIZE
                )
                if batch:
                    self._store_batch(batch)
                    continue
                if live_workers(self.server, self.keys):
                    seen_worker = True
                elif seen_worker or time.monotonic() - started >= self.idle:
                    # A worker leaves only after its last item is queued, so the run's
                    # items are all in. Items of a worker that joins later wait in Redis
                    # for the next ingest.
                    break
                time.sleep(POLL_EVERY)
        finally:
            self.store.close_spider()
        crawl_stats = self.stats.get_stats()
        crawl_stats["finish_reason"] = "finished"
        crawl_stats[stats.INGEST_ITEMS] = self.items
        return summarize(crawl_stats, stats.source_names(crawl_stats))

    def _publish_known_urls(self) -> None:
        assert self.store.archive is not None
        urls = sorted(self.store.archive.known_urls())
        for start in range(0, len(urls), 1000):
            self.server.sadd(self.keys.known_urls, *urls[start : start + 1000])
        logger.info("published %d archived URLs for incremental workers", len(urls))

    def _store_batch(self, batch: Iterable[bytes | str]) -> None:
        stored: list[str] = []
        for raw in batch:
            item = article_from_json(raw)
            self.items += 1
            try:
                item = self.dedup.process_item(item)
                self.store.process_item(item)
            except DropItem as reason:
                logger.debug("dropped: %s", reason)
                continue
            stored.append(item.canonical_url)
        if stored:
            self.server.sadd(self.keys.known_urls, *stored)
        self.server.delete(self.keys.processing)

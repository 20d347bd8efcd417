"""Pipeline 4 on distributed workers: queue each cleaned article in Redis for the one writer."""

from __future__ import annotations

import logging
from typing import Any

import redis
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import stats
from crawler.items import Article
from crawler.worker_queue import RedisKeys, article_to_json, redis_client

logger = logging.getLogger(__name__)


class RedisQueuePipeline:
    """Push each article as JSON onto the crawl's Redis item list; ``xietong ingest`` stores it.

    Deduplication and storage stay with the single ingest process, so their decisions see
    every copy of an article in one order, whichever worker fetched it.
    Settings: ``XIETONG_REDIS_URL``. Stats: ``xietong/redis/queued_items``.
    """

    def __init__(self, server: redis.Redis, key: str, stats: Any = None):
        self.server = server
        self.key = key
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisQueuePipeline:
        """Build the pipeline for the crawl's Redis and spider."""
        url = crawler.settings.get("XIETONG_REDIS_URL")
        if not url:
            raise NotConfigured("XIETONG_REDIS_URL is not set")
        assert crawler.spidercls is not None
        return cls(redis_client(url), RedisKeys(crawler.spidercls.name).items, crawler.stats)

    def process_item(self, item: Article) -> Article:
        """Queue the article; the item goes on unchanged (to the worker's item count)."""
        self.server.lpush(self.key, article_to_json(item))
        if self.stats is not None:
            self.stats.inc_value(stats.REDIS_QUEUED_ITEMS)
        logger.debug("queued for ingest: %s", item.url)
        return item

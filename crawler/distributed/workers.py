"""Distributed crawls on scrapy-redis: N worker processes share one request queue.

``XIETONG_REDIS_URL`` switches a crawl to distributed mode (``xietong crawl --redis URL``).
:class:`DistributedAddon` then swaps in :class:`SharedScheduler` (a shared priority queue and
request dupefilter in Redis, from scrapy-redis) and the worker pipelines, which end by pushing
each cleaned article onto a Redis list; ``xietong ingest`` (``crawler.distributed.ingest``) drains that
list through deduplication into the archive, the one writer.

scrapy-redis 0.9.1 predates Scrapy 2.13–2.19; what we adapt here rather than patch:

- its ``RedisSpider`` reads start URLs in ``start_requests()``, which Scrapy no longer calls
  (``start()`` replaced it), and its idle timer is a class attribute set at import time, so
  it closes a worker at the first idle moment. We keep our spider and do the idle handling
  in the scheduler instead;
- its scheduler passes ``spider=`` to the stats collector (deprecated in Scrapy 2.15) and
  builds its dupefilter through ``from_spider``/``from_settings`` with its own request
  fingerprint; ours builds it from the crawler and uses Scrapy's request fingerprinter;
- with ``SCHEDULER_PERSIST = False`` the first worker to finish deletes the queue and the
  dupefilter that the others still use; we always persist and reset the shared state when
  the first worker of a new run joins (see :class:`SharedScheduler`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Mapping
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler import stats
from crawler.worker_queue import RedisKeys, redis_client

logger = logging.getLogger(__name__)

# A worker whose heartbeat is older than this is taken as gone (killed, machine lost).
STALE_AFTER = 30.0
HEARTBEAT_EVERY = 2.0
# How often an idle worker looks for requests pushed by the others.
POLL_EVERY = 0.1
# Set on a request popped by the idle poller, so enqueue_request keeps it local.
HANDOFF = "_xietong_handoff"

# Join a run atomically: drop stale workers; the first live worker of a run whose queue is
# empty starts a new run (forget the last run's fingerprints); register this worker.
# Returns 1 for a new run, 2 for resuming an interrupted one, 0 for joining a running one.
JOIN_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local state = 0
if redis.call('ZCARD', KEYS[1]) == 0 then
  if redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('DEL', KEYS[3])
    state = 1
  else
    state = 2
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
return state
"""


def live_workers(server: redis.Redis, keys: RedisKeys) -> int:
    """Return how many workers sent a heartbeat recently."""
    seconds, micros = server.time()
    now = seconds + micros / 1_000_000
    return int(server.zcount(keys.workers, now - STALE_AFTER, "+inf"))


def known_urls_in_redis(settings: Mapping[str, Any], spider_name: str) -> set[str]:
    """Return the canonical URLs ``xietong ingest`` keeps in Redis for the workers.

    The reader of ``XIETONG_INCREMENTAL_KNOWN_URLS`` on a worker (``DistributedAddon``).
    """
    key = RedisKeys(spider_name).known_urls
    server = redis_client(settings.get("XIETONG_REDIS_URL") or "")
    return {url.decode() for url in server.sscan_iter(key, count=1000)}


# --- Scrapy components ------------------------------------------------------------------------
class DistributedAddon:
    """Switch a crawl to distributed mode when ``XIETONG_REDIS_URL`` is set.

    Settings: ``XIETONG_REDIS_URL``, ``XIETONG_REDIS_ITEM_PIPELINES`` (replace
    ``ITEM_PIPELINES`` on workers); sets ``XIETONG_INCREMENTAL_KNOWN_URLS`` to the Redis
    set's reader. Command-line settings still win.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedAddon:
        """Stay out of the way unless a Redis URL is configured."""
        if not crawler.settings.get("XIETONG_REDIS_URL"):
            raise NotConfigured
        return cls()

    def update_settings(self, settings: BaseSettings) -> None:
        """Use the shared scheduler, the worker pipelines and the known URLs in Redis."""
        # "project", not "addon": the mode replaces our own project's ITEM_PIPELINES (set at
        # project priority); spider and command-line settings still win.
        settings.set("SCHEDULER", "crawler.distributed.workers.SharedScheduler", "project")
        settings.set("ITEM_PIPELINES", settings.getdict("XIETONG_REDIS_ITEM_PIPELINES"), "project")
        settings.set(
            "XIETONG_INCREMENTAL_KNOWN_URLS",
            "crawler.distributed.workers.known_urls_in_redis",
            "project",
        )


class SharedDupeFilter(RFPDupeFilter):
    """scrapy-redis's Redis-set dupefilter, fingerprinting with Scrapy's fingerprinter."""

    def __init__(self, server: redis.Redis, key: str, fingerprinter: Any, debug: bool = False):
        super().__init__(server, key=key, debug=debug)
        self.fingerprinter = fingerprinter

    def request_fingerprint(self, request: Request) -> str:
        """Return Scrapy's fingerprint of the request, as hex."""
        return str(self.fingerprinter.fingerprint(request).hex())

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: other workers of the run still use them."""


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler for several workers of one crawl, on current Scrapy.

    Requests live in a Redis priority queue, fingerprints in a Redis set, so each URL is
    fetched once by one of the workers. Every worker runs the spider's ``start()``; the
    shared dupefilter admits each start URL once, so the sources are seeded once per run.
    A worker stays open while the queue is empty for up to ``XIETONG_REDIS_MAX_IDLE``
    seconds, since another worker's page may still add requests, and then closes.

    Settings: ``XIETONG_REDIS_URL``, ``XIETONG_REDIS_MAX_IDLE``, ``DUPEFILTER_DEBUG``.
    Stats: ``scheduler/enqueued/redis``, ``scheduler/dequeued/redis``,
    ``xietong/redis/handoffs`` (requests picked up while idle).
    """

    def __init__(
        self,
        server: redis.Redis,
        crawler: Crawler,
        max_idle: float = 10.0,
        debug: bool = False,
    ):
        super().__init__(server, persist=True)
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_idle = max_idle
        self.debug = debug
        self.worker_id = "%s:%d:%s" % (socket.gethostname(), os.getpid(), uuid.uuid4().hex[:8])
        self.keys = RedisKeys("")
        self._handoff: deque[Request] = deque()
        self._idle_since: float | None = None
        self._last_heartbeat = 0.0
        self._closing = False
        self._poller: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        """Connect to Redis (failing early when it is unreachable) and build the scheduler."""
        settings = crawler.settings
        server = redis_client(settings.get("XIETONG_REDIS_URL"))
        server.ping()
        scheduler = cls(
            server,
            crawler,
            max_idle=settings.getfloat("XIETONG_REDIS_MAX_IDLE", 10.0),
            debug=settings.getbool("DUPEFILTER_DEBUG"),
        )
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider: Spider) -> None:
        """Join the run (starting a new one if no worker is live) and start polling."""
        self.spider = spider
        self.keys = RedisKeys(spider.name)
        self.queue = PriorityQueue(self.server, spider, self.keys.requests)
        self.df = SharedDupeFilter(
            self.server, self.keys.dupefilter, self.crawler.request_fingerprinter, self.debug
        )
        state = self.server.eval(
            JOIN_SCRIPT,
            3,
            self.keys.workers,
            self.keys.requests,
            self.keys.dupefilter,
            self.worker_id,
            STALE_AFTER,
        )
        verb = {1: "started a new run", 2: "resumed an interrupted run"}.get(
            state, "joined the run"
        )
        logger.info(
            "worker %s %s: %d requests queued at %s",
            self.worker_id,
            verb,
            len(self.queue),
            self.keys.requests,
        )
        self._last_heartbeat = time.monotonic()
        self._poller = task.LoopingCall(self._poll)
        self._poller.start(POLL_EVERY, now=False)

    def close(self, reason: str) -> None:
        """Leave the run; requests taken but not started go back to the shared queue."""
        self._closing = True
        if self._poller is not None and self._poller.running:
            self._poller.stop()
        while self._handoff:
            self.queue.push(self._handoff.popleft())
        self.server.zrem(self.keys.workers, self.worker_id)
        logger.info("worker %s left the run (%s)", self.worker_id, reason)

    def enqueue_request(self, request: Request) -> bool:
        """Queue a request in Redis unless its fingerprint was seen in this run."""
        if request.meta.pop(HANDOFF, False):
            self._handoff.append(request)
            return True
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        """Return the next request: one handed off by the poller, else from Redis."""
        request = self._handoff.popleft() if self._handoff else self.queue.pop()
        if request is not None:
            self._idle_since = None
            if self.stats is not None:
                self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        """Tell whether this worker or the shared queue holds requests."""
        return bool(self._handoff) or len(self.queue) > 0

    def spider_idle(self) -> None:
        """Keep the worker open until the poller decides the run is over for it."""
        if not self._closing:
            raise DontCloseSpider

    def _poll(self) -> None:
        """Heartbeat; pick up requests other workers queued; close after the idle time."""
        now = time.monotonic()
        if now - self._last_heartbeat >= HEARTBEAT_EVERY:
            seconds, micros = self.server.time()
            self.server.zadd(self.keys.workers, {self.worker_id: seconds + micros / 1_000_000})
            self._last_heartbeat = now
        engine = self.crawler.engine
        if self._closing or engine is None or self._handoff or engine.needs_backout():
            return
        request = self.queue.pop()
        if request is not None:
            # engine.crawl() wakes the engine, which may otherwise sleep for seconds.
            request.meta[HANDOFF] = True
            self._idle_since = None
            if self.stats is not None:
                self.stats.inc_value(stats.REDIS_HANDOFFS)
            engine.crawl(request)
            return
        if not engine.spider_is_idle():
            self._idle_since = None
            return
        if self._idle_since is None:
            self._idle_since = now
        elif now - self._idle_since >= self.max_idle:
            logger.info(
                "queue empty for %.1f s, closing worker %s", now - self._idle_since, self.worker_id
            )
            self._closing = True
            deferred_from_coro(engine.close_spider_async(reason="finished"))

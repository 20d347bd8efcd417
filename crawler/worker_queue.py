"""What distributed workers and the one writer share through Redis: names, connection, JSON.

It sits below the rooms that use it: the worker pipeline (``pipelines.redis_queue``)
pushes articles as JSON, and ``crawler.distributed`` runs the workers' scheduler and
``xietong ingest``, which takes them off; both read the key names from here.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import redis

from crawler.items import Article, AttachmentFile, PolicyDocument


@dataclass(frozen=True)
class RedisKeys:
    """Names of one crawl's keys in Redis (one crawl per Redis database)."""

    spider: str

    @property
    def requests(self) -> str:
        """Shared request queue (sorted set, scrapy-redis ``PriorityQueue``)."""
        return "xietong:%s:requests" % self.spider

    @property
    def dupefilter(self) -> str:
        """Fingerprints of every request scheduled in this run (set)."""
        return "xietong:%s:dupefilter" % self.spider

    @property
    def workers(self) -> str:
        """Live workers: worker id scored by its last heartbeat (sorted set)."""
        return "xietong:%s:workers" % self.spider

    @property
    def items(self) -> str:
        """Cleaned articles as JSON, waiting for ``xietong ingest`` (list)."""
        return "xietong:%s:items" % self.spider

    @property
    def processing(self) -> str:
        """Articles ``xietong ingest`` took but has not committed yet (list)."""
        return "xietong:%s:items:processing" % self.spider

    @property
    def known_urls(self) -> str:
        """Canonical URLs already in the archive, for incremental crawls (set)."""
        return "xietong:%s:known_urls" % self.spider


def redis_client(url: str) -> redis.Redis:
    """Connect to Redis at ``url`` (``redis://HOST:PORT/DB``); the connection is lazy."""
    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)


# --- articles on the wire ----------------------------------------------------------------------
_BYTES_FIELDS = frozenset(f.name for f in dataclasses.fields(Article) if "bytes" in str(f.type))
_ARTICLE_FIELDS = frozenset(f.name for f in dataclasses.fields(Article))


def article_to_json(item: Article) -> str:
    """Serialize a cleaned article for the item queue (raw pages and signatures left out)."""
    data = dataclasses.asdict(item)
    for name in _BYTES_FIELDS:
        data.pop(name, None)
    return json.dumps(data, ensure_ascii=False)


def article_from_json(text: str | bytes) -> Article:
    """Rebuild an article from :func:`article_to_json` output."""
    data = json.loads(text)
    policy = data.pop("policy", None)
    attachments = data.pop("attachments", None) or []
    item = Article(**{k: v for k, v in data.items() if k in _ARTICLE_FIELDS})
    item.policy = PolicyDocument(**policy) if policy else None
    item.attachments = [AttachmentFile(**attachment) for attachment in attachments]
    item.attachment_links = [tuple(link) for link in item.attachment_links]  # type: ignore[misc]
    return item

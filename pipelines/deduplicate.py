"""Pipeline 3: decide which archived article an item belongs to, or that it is new."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.archive import Archive, article_id_for
from crawler.fingerprint import Fingerprint, NearDuplicateIndex, fingerprint, policy_key
from crawler.items import Article
from crawler.text.urls import canonical_url

logger = logging.getLogger(__name__)


class DeduplicatePipeline:
    """Merge copies of one article: same URL, same text, same policy document, near-duplicate text.

    A page already archived at the same URL is dropped; any other copy becomes a new
    appearance of the article it matches. Matching runs on the simplified text, so a
    traditional copy merges with its simplified original.

    Settings: ``XIETONG_DB`` (the archive to match against), ``XIETONG_DEDUP_NEAR_ENABLED``.
    Stats: ``xietong/dedup/<reason>`` (same_url, same_text, same_policy, near_duplicate).
    """

    def __init__(self, db_path: str, near_enabled: bool = True, stats: Any = None):
        self.db_path = db_path
        self.near_enabled = near_enabled
        self.stats = stats
        self.archive: Archive | None = None
        # This run's decisions, so copies met before the store pipeline commits still merge.
        self.seen_urls: dict[str, str] = {}
        self.seen_hashes: dict[str, str] = {}
        self.seen_policies: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicatePipeline:
        """Build the pipeline from the crawl's settings."""
        settings = crawler.settings
        return cls(
            db_path=settings.get("XIETONG_DB"),
            near_enabled=settings.getbool("XIETONG_DEDUP_NEAR_ENABLED", True),
            stats=crawler.stats,
        )

    def open_spider(self) -> None:
        """Open the archive to match against."""
        self.archive = Archive.open(self.db_path)

    def close_spider(self) -> None:
        """Close the archive connection."""
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    def _count(self, item: Article, reason: str) -> None:
        if self.stats is not None:
            self.stats.inc_value("xietong/dedup/%s" % reason)
            if reason != "same_url":
                self.stats.inc_value("xietong/source/%s/duplicates" % item.source)

    def process_item(self, item: Article) -> Article:
        """Set ``article_id`` and ``is_new_article``; drop a page already archived."""
        assert self.archive is not None, "open_spider was not called"
        item.canonical_url = canonical_url(item.url)
        known = self.seen_urls.get(item.canonical_url) or self.archive.article_id_for_url(
            item.canonical_url
        )
        if known:
            self._count(item, "same_url")
            if self.stats is not None:
                self.stats.inc_value("xietong/dropped/already_archived")
                self.stats.inc_value("xietong/source/%s/dropped/already_archived" % item.source)
            raise DropItem("already archived as %s: %s" % (known, item.url), log_level="DEBUG")

        prints = fingerprint(item.text_simplified)
        item.text_hash = prints.text_hash
        item.signature = prints.signature
        item.signature_length = prints.length
        key = policy_key(item.policy.issuer, item.policy.doc_number) if item.policy else None
        match_id, reason = self._match(item, prints, key)
        if match_id:
            item.article_id = match_id
            item.is_new_article = False
            item.match_reason = reason
            self._count(item, reason or "")
            logger.info("%s of %s: %s", reason, match_id, item.url)
        else:
            item.article_id = article_id_for(item.canonical_url)
            item.is_new_article = True
        self.seen_urls[item.canonical_url] = item.article_id
        self.seen_hashes.setdefault(item.text_hash, item.article_id)
        if key:
            self.seen_policies.setdefault(key, item.article_id)
        return item

    def _match(
        self, item: Article, prints: Fingerprint, key: str | None
    ) -> tuple[str | None, str | None]:
        assert self.archive is not None
        found = self.seen_hashes.get(item.text_hash) or self.archive.article_id_for_text_hash(
            item.text_hash
        )
        if found:
            return found, "same_text"
        if key:
            found = self.seen_policies.get(key) or self.archive.article_id_for_policy(key)
            if found:
                return found, "same_policy"
        if self.near_enabled and prints.length:
            candidates = NearDuplicateIndex(self.archive.db.conn).find(
                prints.signature, prints.length
            )
            if candidates:
                return candidates[0][0], "near_duplicate"
        return None, None

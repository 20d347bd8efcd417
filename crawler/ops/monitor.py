"""Run monitoring: a row per crawl and per source in the archive, and source health checks.

The rows (``crawl_runs``, ``crawl_run_sources``) are kept by the archive
(``crawler.archive.runs``). A crawl's row is written when the spider opens (``finished_at``
stays empty if the process dies) and completed when it closes. A source is unhealthy when

- it produced no article page at all: nothing new, nothing merged as a duplicate, nothing
  dropped as already archived or off topic, nothing skipped as known. A re-crawl that
  finds nothing *new* is healthy; a source whose listing now yields only errors or
  non-article pages is not; or
- it lost most of its dates: of the items it stored, the share with a publication date is
  under half the median share of its recent runs (only when both this run and those runs
  stored at least ``XIETONG_MONITOR_MIN_ARTICLES`` items, so a quiet day is not an alarm).
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import sqlite_utils
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import stats
from crawler.archive import open_database
from crawler.archive.runs import date_share_history, record_finished_run, start_run

logger = logging.getLogger(__name__)

# A date share under this fraction of the recent median counts as "lost most of its dates".
DATE_SHARE_DROP = 0.5


def health_warning(
    counts: Mapping[str, Any], history: Sequence[float], min_articles: int
) -> str | None:
    """Return a one-line warning when a source looks broken in this run, else None."""
    name = counts["source"]
    if counts["article_pages"] == 0:
        return "source %s yielded no article page (%d pages fetched, %d errors)" % (
            name,
            counts["pages"],
            counts["errors"],
        )
    stored = counts["stored"]
    if history and stored >= max(1, min_articles):
        share = counts["dated"] / stored
        usual = statistics.median(history)
        if share < usual * DATE_SHARE_DROP:
            return (
                "source %s lost most of its dates: %d of %d stored articles dated (usually %d%%)"
                % (
                    name,
                    counts["dated"],
                    stored,
                    round(usual * 100),
                )
            )
    return None


def finish_run(
    db: sqlite_utils.Database,
    run_id: str,
    finish_reason: str,
    sources: Sequence[Mapping[str, Any]],
    min_articles: int,
) -> list[str]:
    """Record the end of a crawl and its per-source counts; return the health warnings.

    Health is judged only for a crawl that finished (not one shut down or cut short).
    """
    warnings: dict[str, str] = {}
    for counts in sources:
        if finish_reason != "finished":
            continue
        history = date_share_history(db, counts["source"], run_id, min_articles)
        warning = health_warning(counts, history, min_articles)
        if warning:
            warnings[counts["source"]] = warning
    record_finished_run(db, run_id, finish_reason, sources, warnings)
    return list(warnings.values())


class RunMonitor:
    """Write ``crawl_runs`` rows for the crawl and judge each source's health when it closes.

    Off in distributed workers (their archive is written by `xietong ingest`).
    Settings: ``XIETONG_MONITOR_ENABLED``, ``XIETONG_MONITOR_MIN_ARTICLES``, ``XIETONG_DB``.
    Stats: ``xietong/monitor/run_id``, ``xietong/monitor/warnings`` (list of lines).
    """

    def __init__(self, crawler: Crawler, db_path: str, min_articles: int = 5):
        self.crawler = crawler
        self.db_path = db_path
        self.min_articles = min_articles
        self.run_id: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunMonitor:
        """Build the extension; NotConfigured when monitoring is off or in a worker."""
        settings = crawler.settings
        if not settings.getbool("XIETONG_MONITOR_ENABLED", True):
            raise NotConfigured("XIETONG_MONITOR_ENABLED is off")
        if settings.get("XIETONG_REDIS_URL"):
            raise NotConfigured("distributed worker: `xietong ingest` owns the archive")
        monitor = cls(
            crawler,
            settings.get("XIETONG_DB"),
            min_articles=settings.getint("XIETONG_MONITOR_MIN_ARTICLES", 5),
        )
        crawler.signals.connect(monitor.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(monitor.spider_closed, signal=signals.spider_closed)
        return monitor

    def _open(self) -> sqlite_utils.Database:
        return open_database(self.db_path)

    def spider_opened(self, spider: Spider) -> None:
        """Insert the run's row (it stays unfinished if the process dies)."""
        db = self._open()
        try:
            self.run_id = start_run(db, str(getattr(spider, "sources_path", "") or ""))
        finally:
            db.close()
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(stats.MONITOR_RUN_ID, self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Complete the run's row, write per-source rows, log and keep the warnings."""
        if self.run_id is None:
            return
        assert self.crawler.stats is not None
        crawl_stats = self.crawler.stats.get_stats()
        counts = []
        for name in getattr(spider, "sources", {}):
            source = stats.summarize_source(crawl_stats, name)
            row = asdict(source)
            row["source"] = row.pop("name")
            row["article_pages"] = source.article_pages
            row["family"] = source.family
            counts.append(row)
        db = self._open()
        try:
            warnings = finish_run(db, self.run_id, reason, counts, self.min_articles)
        finally:
            db.close()
        for warning in warnings:
            logger.warning("%s (run %s)", warning, self.run_id)
        self.crawler.stats.set_value(stats.MONITOR_WARNINGS, warnings)

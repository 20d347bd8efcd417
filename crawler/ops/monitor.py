"""Run monitoring: a row per crawl and per source in the archive, and source health checks.

Tables (created through ``crawler.archive.ensure_schema``)
  crawl_runs          one row per crawl: start, end, finish reason, sources file, totals
  crawl_run_sources   one row per source and crawl: pages, article pages, new articles,
                      duplicates, drops by reason, errors by kind, stored and dated items

A crawl's row is written when the spider opens (``finished_at`` stays empty if the
process dies) and completed when it closes. A source is unhealthy when

- it produced no article page at all: nothing new, nothing merged as a duplicate, nothing
  dropped as already archived or off topic, nothing skipped as known. A re-crawl that
  finds nothing *new* is healthy; a source whose listing now yields only errors or
  non-article pages is not; or
- it lost most of its dates: of the items it stored, the share with a publication date is
  under half the median share of its recent runs (only when both this run and those runs
  stored at least ``XIETONG_MONITOR_MIN_ARTICLES`` items, so a quiet day is not an alarm).
"""

from __future__ import annotations

import json
import logging
import statistics
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from crawler import stats

if TYPE_CHECKING:  # the archive imports this module; it must not pull in Scrapy
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# How many earlier runs of a source its date share is compared with.
HISTORY_RUNS = 5
# A date share under this fraction of the recent median counts as "lost most of its dates".
DATE_SHARE_DROP = 0.5

RUN_COLUMNS: dict[str, Any] = {
    "run_id": str,
    "started_at": str,
    "finished_at": str,
    "finish_reason": str,
    "sources_file": str,
    "pages": int,
    "new_articles": int,
    "errors": int,
    "warnings": str,  # JSON list of one-line health warnings
}

RUN_SOURCE_COLUMNS: dict[str, Any] = {
    "run_id": str,
    "source": str,
    "pages": int,  # responses received for the source (listings, feeds, articles)
    "article_pages": int,  # new + duplicates + already archived + skipped as known + off topic
    "new_articles": int,
    "duplicates": int,
    "dropped": str,  # JSON object: reason -> count
    "errors": int,
    "errors_by_kind": str,  # JSON object: kind -> count
    "stored": int,  # appearances written
    "dated": int,  # of those, with a publication date
    "health": str,  # null when healthy, else the warning
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def create_tables(db: sqlite_utils.Database) -> None:
    """Create the monitoring tables; a no-op when they exist."""
    db.table("crawl_runs").create(RUN_COLUMNS, pk="run_id", if_not_exists=True)
    db.table("crawl_run_sources").create(
        RUN_SOURCE_COLUMNS,
        pk=("run_id", "source"),
        foreign_keys=[("run_id", "crawl_runs", "run_id")],
        if_not_exists=True,
    )
    db.table("crawl_runs").create_index(["started_at"], if_not_exists=True)
    db.table("crawl_run_sources").create_index(["source"], if_not_exists=True)


def start_run(db: sqlite_utils.Database, sources_file: str, run_id: str | None = None) -> str:
    """Record that a crawl started; return its run id."""
    run_id = run_id or uuid.uuid4().hex[:12]
    with db.conn:
        db.table("crawl_runs").insert(
            {"run_id": run_id, "started_at": _now(), "sources_file": sources_file}, pk="run_id"
        )
    return run_id


def date_share_history(
    db: sqlite_utils.Database, source: str, before_run: str, min_articles: int
) -> list[float]:
    """Return the dated share of the source's recent finished runs that stored enough items."""
    rows = db.execute(
        "select s.stored, s.dated from crawl_run_sources s join crawl_runs r using (run_id)"
        " where s.source = ? and s.run_id != ? and r.finish_reason = 'finished'"
        " and s.stored >= ? order by r.started_at desc limit ?",
        [source, before_run, max(1, min_articles), HISTORY_RUNS],
    ).fetchall()
    return [dated / stored for stored, dated in rows]


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
    warnings = []
    rows = []
    for counts in sources:
        warning = None
        if finish_reason == "finished":
            history = date_share_history(db, counts["source"], run_id, min_articles)
            warning = health_warning(counts, history, min_articles)
        if warning:
            warnings.append(warning)
        row = {key: counts.get(key) for key in RUN_SOURCE_COLUMNS if key in counts}
        row.update(
            {
                "run_id": run_id,
                "dropped": json.dumps(dict(counts.get("dropped") or {}), sort_keys=True),
                "errors_by_kind": json.dumps(
                    dict(counts.get("errors_by_kind") or {}), sort_keys=True
                ),
                "health": warning,
            }
        )
        rows.append(row)
    with db.conn:
        db.table("crawl_run_sources").upsert_all(rows, pk=("run_id", "source"))
        db.table("crawl_runs").upsert(
            {
                "run_id": run_id,
                "finished_at": _now(),
                "finish_reason": finish_reason,
                "pages": sum(c["pages"] for c in sources),
                "new_articles": sum(c["new_articles"] for c in sources),
                "errors": sum(c["errors"] for c in sources),
                "warnings": json.dumps(warnings, ensure_ascii=False),
            },
            pk="run_id",
        )
    return warnings


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
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

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
        from crawler.archive import open_database

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
            counts.append(row)
        db = self._open()
        try:
            warnings = finish_run(db, self.run_id, reason, counts, self.min_articles)
        finally:
            db.close()
        for warning in warnings:
            logger.warning("%s (run %s)", warning, self.run_id)
        self.crawler.stats.set_value(stats.MONITOR_WARNINGS, warnings)

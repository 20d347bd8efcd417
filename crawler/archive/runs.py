"""Run records: a row per crawl and per source, written by the run monitor.

Tables
  crawl_runs          one row per crawl: start, end, finish reason, sources file, totals
  crawl_run_sources   one row per source and crawl: pages, article pages, new articles,
                      duplicates, drops by reason, errors by kind, stored and dated items,
                      the CMS family recognised, column paging, script shells and captchas

A crawl's row is written when it starts (``finished_at`` stays empty if the process dies)
and completed when it ends. What counts as a healthy source is the monitor's business
(``crawler.ops.monitor``); this module only stores and reads the rows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

# How many earlier runs of a source a health check compares with.
HISTORY_RUNS = 5

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
    "js_shells": int,  # pages whose text a script writes, all sources
    "captchas": int,  # captcha or verification walls met, all sources
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
    "cleaner_warnings": str,  # JSON object: cleaner stage -> pages it failed on
    "family": str,  # CMS family recognised on most of its pages (trs, vsb, jeecms …), or null
    "paging": str,  # JSON object: column pages requested by how, and why walks stopped
    "js_shells": int,  # pages whose text a script writes (empty without a browser)
    "captchas": int,  # captcha or verification walls met instead of a page
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def create_run_tables(db: sqlite_utils.Database) -> None:
    """Create the run tables; a no-op when they exist."""
    db.table("crawl_runs").create(RUN_COLUMNS, pk="run_id", if_not_exists=True)
    db.table("crawl_run_sources").create(
        RUN_SOURCE_COLUMNS,
        pk=("run_id", "source"),
        foreign_keys=[("run_id", "crawl_runs", "run_id")],
        if_not_exists=True,
    )
    for table, columns in (("crawl_runs", RUN_COLUMNS), ("crawl_run_sources", RUN_SOURCE_COLUMNS)):
        existing = set(db.table(table).columns_dict)
        for name, kind in columns.items():
            if name not in existing:  # an archive from before the column existed
                db.table(table).add_column(name, kind)
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


def latest_source_runs(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    """Return each source's row of its latest finished run (for ``xietong sources check``)."""
    rows = db.execute(
        "select s.source, s.family, s.js_shells, s.captchas, s.paging, r.started_at"
        " from crawl_run_sources s join crawl_runs r using (run_id)"
        " where r.finished_at is not null order by r.started_at"
    ).fetchall()
    latest: dict[str, dict[str, Any]] = {}
    for source, family, js_shells, captchas, paging, started_at in rows:
        latest[source] = {
            "family": family,
            "js_shells": js_shells or 0,
            "captchas": captchas or 0,
            "paging": json.loads(paging) if paging else {},
            "started_at": started_at,
        }
    return latest


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


def record_finished_run(
    db: sqlite_utils.Database,
    run_id: str,
    finish_reason: str,
    sources: Sequence[Mapping[str, Any]],
    warnings: Mapping[str, str],
) -> None:
    """Complete the run's row and write one row per source; ``warnings`` maps source to warning."""
    rows = []
    for counts in sources:
        row = {key: counts.get(key) for key in RUN_SOURCE_COLUMNS if key in counts}
        row.update(
            {
                "run_id": run_id,
                "dropped": json.dumps(dict(counts.get("dropped") or {}), sort_keys=True),
                "errors_by_kind": json.dumps(
                    dict(counts.get("errors_by_kind") or {}), sort_keys=True
                ),
                "paging": json.dumps(dict(counts.get("paging") or {}), sort_keys=True),
                "health": warnings.get(counts["source"]),
                "cleaner_warnings": json.dumps(
                    dict(counts.get("cleaner_warnings") or {}), sort_keys=True
                ),
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
                "js_shells": sum(c.get("js_shells", 0) for c in sources),
                "captchas": sum(c.get("captchas", 0) for c in sources),
                "warnings": json.dumps(list(warnings.values()), ensure_ascii=False),
            },
            pk="run_id",
        )

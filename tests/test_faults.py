"""A crawl of a site that misbehaves on purpose finishes, stores the valid articles once
and nothing broken, and logs and counts every fault (tests/fixtures/faulty_server.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlite_utils

from tests.conftest import FAST, run_xietong
from tests.fixtures.faulty_server import (
    BROKEN_PAGES,
    CALENDAR_START,
    FORBIDDEN_ARTICLE,
    VALID_ARTICLES,
    FaultySite,
    calendar_path,
    sources_toml,
)

MAX_DEPTH = 4


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory) -> Any:
    """Crawl the faulty site once, with a short timeout so the slow page costs seconds."""
    tmp = tmp_path_factory.mktemp("faults")
    with FaultySite() as site:
        sources = tmp / "faulty.toml"
        sources.write_text(sources_toml(site.base_url, MAX_DEPTH), encoding="utf-8")
        db = tmp / "archive.db"
        result = run_xietong(
            "crawl", "--sources", str(sources), "--db", str(db), *FAST,
            "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1",
        )  # fmt: skip
        counts = dict(site.counts)
    archive = sqlite_utils.Database(db)
    run = next(archive.query("select * from crawl_run_sources where source = 'faulty'"))
    yield {"result": result, "db": archive, "base": site.base_url, "counts": counts, "run": run}
    archive.close()


def stored(faulty_crawl: Any) -> dict[str, dict[str, Any]]:
    rows = faulty_crawl["db"].query(
        "select a.url as page, articles.* from appearances a join articles on articles.id = a.article_id"
    )
    return {row["page"][len(faulty_crawl["base"]) :]: row for row in rows}


def test_crawl_of_the_faulty_site_finishes_with_exit_0(faulty_crawl):
    result = faulty_crawl["result"]
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "finished: finished" in result.stdout


def test_every_valid_article_is_stored_once_and_readable(faulty_crawl):
    articles = stored(faulty_crawl)
    assert set(articles) == set(VALID_ARTICLES)
    for path, (title, sentences, _encoding, _charset) in VALID_ARTICLES.items():
        article = articles[path]
        assert article["title"] == title, path
        for sentence in sentences:
            assert sentence in article["body"], (path, sentence)
        assert article["text_quality"] != "mojibake", path
        assert article["appearance_count"] == 1


def test_script_inside_a_title_does_not_reach_the_archive(faulty_crawl):
    article = stored(faulty_crawl)["/news/script-in-title.html"]
    for text in (article["title"], article["body"]):
        assert "script" not in text
        assert "document.write" not in text
        assert "广告推广" not in text


def test_server_unavailable_then_ok_is_retried_and_stored(faulty_crawl):
    assert faulty_crawl["counts"]["/news/retry.html"] == 2
    assert "/news/retry.html" in stored(faulty_crawl)


def test_every_fault_is_counted_by_kind(faulty_crawl):
    errors = json.loads(faulty_crawl["run"]["errors_by_kind"])
    dropped = json.loads(faulty_crawl["run"]["dropped"])
    assert errors == {
        "http_404": 1,
        "http_500": 1,
        "timeout": 1,
        "connection_lost": 1,
        "data_loss": 1,
        "too_large": 3,
        "redirect_loop": 1,
        "robots_forbidden": 1,
    }
    assert dropped["not_html"] == 2
    assert dropped["empty"] == 1
    assert dropped["max_depth"] == 1  # the calendar trap
    assert faulty_crawl["run"]["errors"] == sum(errors.values())


def test_faults_are_logged_with_their_url(faulty_crawl):
    log = faulty_crawl["result"].stderr
    base = faulty_crawl["base"]
    for path, kind in BROKEN_PAGES.items():
        if kind in ("not_html", "empty", "redirect_cycle"):
            continue
        assert "fetch failed (%s): %s%s" % (kind, base, path) in log, (kind, path)
    assert "not an HTML page (application/pdf): %s/news/report" % base in log
    assert "empty or non-text response: %s/news/empty.html" % base in log


def test_summary_table_shows_errors_and_drops_by_kind(faulty_crawl):
    table = faulty_crawl["result"].stdout
    for word in ("timeout 1", "too_large 3", "robots_forbidden 1", "not_html 2", "max_depth 1"):
        assert word in table


def test_robots_txt_forbidden_page_is_never_fetched(faulty_crawl):
    assert faulty_crawl["counts"].get("/robots.txt") == 1
    assert FORBIDDEN_ARTICLE not in faulty_crawl["counts"]


def test_calendar_trap_stops_at_the_source_depth(faulty_crawl):
    calendar = [path for path in faulty_crawl["counts"] if path.startswith("/calendar/")]
    assert calendar_path(CALENDAR_START) in calendar
    assert len(calendar) == MAX_DEPTH


def test_archive_stays_consistent(faulty_crawl):
    db = faulty_crawl["db"]
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db.execute("pragma foreign_key_check").fetchall() == []

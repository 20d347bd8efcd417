"""Operations, end to end: incremental re-crawls, the archive lock and run monitoring."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlite_utils

from crawler.demo.server import DemoSites
from crawler.ops.lock import ArchiveLock
from crawler.ops.monitor import health_warning
from tests.conftest import FAST, ROOT, resolved_sources, run_xietong

EXPECTED = ROOT / "tests" / "fixtures" / "expected"


def article_paths() -> dict[str, set[str]]:
    """Return site -> the paths of its article pages (first pages of multi-page articles)."""
    paths: dict[str, set[str]] = {}
    for file in EXPECTED.glob("*.json"):
        paths[file.stem] = {page["path"] for page in json.loads(file.read_text(encoding="utf-8"))}
    return paths


def fetched(sites: DemoSites) -> dict[str, set[str]]:
    return {site: set(counts) for site, counts in sites.request_counts.items()}


@pytest.fixture(scope="module")
def recrawl(demo_sites, tmp_path_factory):
    """Crawl the demo sources, then crawl them again counting the requests of the second run."""
    tmp = tmp_path_factory.mktemp("incremental")
    sources = resolved_sources(demo_sites, tmp / "sources.toml")
    db = tmp / "archive.db"
    first = run_xietong("crawl", "--sources", str(sources), "--db", str(db), *FAST)
    assert first.returncode == 0, first.stderr[-3000:]
    demo_sites.reset_counts()
    second = run_xietong("crawl", "--sources", str(sources), "--db", str(db), *FAST)
    counts = fetched(demo_sites)
    return {"tmp": tmp, "sources": sources, "db": db, "second": second, "fetched": counts}


def test_recrawl_fetches_no_archived_article_page(recrawl):
    assert recrawl["second"].returncode == 0, recrawl["second"].stderr[-3000:]
    archived = {
        row["url"]
        for row in sqlite_utils.Database(recrawl["db"]).query("select url from appearances")
    }
    assert archived
    for site, paths in article_paths().items():
        for path in paths:
            url_fetched = path in recrawl["fetched"].get(site, set())
            stored = any(url.endswith(path) for url in archived)
            if stored:
                assert not url_fetched, "%s%s was archived but fetched again" % (site, path)


def test_recrawl_fetches_listings_feeds_and_sitemaps_again(recrawl):
    again = recrawl["fetched"]
    assert "/index.html" in again["hdgk"]
    assert "/list_2.html" in again["hdgk"]
    assert "/rss.xml" in again["hebnews"]
    assert "/sitemap.xml" in again["paoku"]


def test_recrawl_reports_skipped_known_articles_and_stays_healthy(recrawl):
    result = recrawl["second"]
    assert "'xietong/incremental/skipped'" in result.stderr
    assert "warning:" not in result.stdout


def test_source_with_refresh_fetches_its_archived_articles_again(recrawl, demo_sites):
    text = recrawl["sources"].read_text(encoding="utf-8")
    text = text.replace('name = "hebnews"\n', 'name = "hebnews"\nrefresh = true\n', 1)
    refreshing = recrawl["tmp"] / "refresh.toml"
    refreshing.write_text(text, encoding="utf-8")
    demo_sites.reset_counts()
    result = run_xietong("crawl", "--sources", str(refreshing), "--db", str(recrawl["db"]), *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    again = fetched(demo_sites)
    assert article_paths()["hebnews"] <= again["hebnews"]
    assert not (article_paths()["hdgk"] & again["hdgk"])


# --- the lock --------------------------------------------------------------------------------
def test_second_crawl_of_a_locked_archive_exits_2_with_one_line(demo_sites, tmp_path):
    sources = resolved_sources(demo_sites, tmp_path / "sources.toml")
    db = tmp_path / "locked.db"
    demo_sites.reset_counts()
    with ArchiveLock(db):
        result = run_xietong("crawl", "--sources", str(sources), "--db", str(db), *FAST)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "in use by another crawl" in lines[0]
    assert str(db) in lines[0]
    assert demo_sites.request_counts == {}  # refused before any fetch


def test_lock_is_free_again_after_the_crawl(demo_sites, tmp_path):
    sources = resolved_sources(demo_sites, tmp_path / "sources.toml")
    db = tmp_path / "archive.db"
    result = run_xietong(
        "crawl", "--sources", str(sources), "--db", str(db), "--only", "paoku", *FAST
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with ArchiveLock(db):
        pass


# --- run monitoring --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def empty_site(tmp_path_factory) -> DemoSites:
    """Serve a site whose start page links nothing (a source gone dead)."""
    root = tmp_path_factory.mktemp("empty-site")
    site = root / "empty"
    site.mkdir()
    (site / "_site.toml").write_text('charset = "utf-8"\n', encoding="utf-8")
    (site / "index.html").write_text(
        "<html><head><title>网站维护中</title></head><body><p>网站维护中，请稍后访问。</p></body></html>",
        encoding="utf-8",
    )
    with DemoSites(root) as sites:
        yield sites


def test_source_yielding_no_article_exits_3_and_is_named(demo_sites, empty_site, tmp_path):
    sources = resolved_sources(demo_sites, tmp_path / "sources.toml")
    text = sources.read_text(encoding="utf-8") + (
        '\n[[sources]]\nname = "deadsite"\nkind = "news"\nstart_urls = ["%s/index.html"]\n'
        % empty_site.base_urls["empty"]
    )
    sources.write_text(text, encoding="utf-8")
    db = tmp_path / "archive.db"
    result = run_xietong("crawl", "--sources", str(sources), "--db", str(db), *FAST)
    assert result.returncode == 3, result.stderr[-3000:]
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "deadsite" in warnings[0]
    assert "no article page" in warnings[0]
    archive = sqlite_utils.Database(db)
    run = next(archive.query("select * from crawl_runs"))
    assert run["finish_reason"] == "finished"
    assert run["finished_at"]
    assert "deadsite" in run["warnings"]
    rows = {row["source"]: row for row in archive.query("select * from crawl_run_sources")}
    assert rows["deadsite"]["health"]
    assert rows["deadsite"]["article_pages"] == 0
    assert rows["hebnews"]["health"] is None
    # hebnews' seed article and crntt's traditional copy race: whichever is stored first
    # is new, the other a duplicate.
    hebnews = len(article_paths()["hebnews"])
    assert rows["hebnews"]["new_articles"] + rows["hebnews"]["duplicates"] == hebnews
    assert json.loads(rows["dyrbw"]["dropped"]) == {"off_topic": 2}


def test_recrawl_finding_nothing_new_is_healthy_and_recorded(demo_sites, tmp_path):
    sources = resolved_sources(demo_sites, tmp_path / "sources.toml")
    db = tmp_path / "archive.db"
    for _ in range(2):
        result = run_xietong(
            "crawl", "--sources", str(sources), "--db", str(db), "--only", "hebnews", *FAST
        )
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    rows = list(
        sqlite_utils.Database(db).query(
            "select r.finish_reason, s.* from crawl_run_sources s join crawl_runs r using (run_id)"
            " order by r.started_at, r.rowid"
        )
    )
    hebnews = len(article_paths()["hebnews"])
    assert [row["new_articles"] for row in rows] == [hebnews, 0]
    assert rows[1]["article_pages"] == hebnews  # all skipped as already archived
    assert all(row["health"] is None for row in rows)


def _counts(stored: int, dated: int, article_pages: int | None = None) -> dict[str, object]:
    return {
        "source": "hebnews",
        "pages": stored + 1,
        "errors": 0,
        "article_pages": stored if article_pages is None else article_pages,
        "stored": stored,
        "dated": dated,
    }


def test_source_that_lost_most_of_its_dates_is_unhealthy():
    warning = health_warning(_counts(20, 3), history=[1.0, 0.95, 1.0], min_articles=5)
    assert warning
    assert "hebnews" in warning
    assert "lost most of its dates" in warning


def test_few_new_articles_or_no_history_never_raise_the_date_alarm():
    assert health_warning(_counts(3, 0), history=[1.0, 1.0], min_articles=5) is None
    assert health_warning(_counts(20, 0), history=[], min_articles=5) is None
    assert health_warning(_counts(20, 15), history=[1.0], min_articles=5) is None


def test_usage_text_documents_the_exit_statuses():
    result = run_xietong("crawl", "--help")
    text = re.sub(r"\s+", " ", result.stdout)
    assert "3 finished, but a source yielded no article page" in text


def test_killed_run_leaves_an_unfinished_row(tmp_path: Path):
    from crawler.archive import open_database
    from crawler.archive.runs import start_run

    db = open_database(tmp_path / "archive.db")
    run_id = start_run(db, "sources.toml")
    row = db["crawl_runs"].get(run_id)
    assert row["finished_at"] is None
    assert row["finish_reason"] is None

"""Distributed mode: two workers share one crawl through a real redis-server on loopback."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from crawler.demo.server import DemoSites
from crawler.items import Article, PolicyDocument
from crawler.worker_queue import RedisKeys, article_from_json, article_to_json
from tests.bigsite import BigSite, build_bigsite, sources_toml
from tests.conftest import FAST, ROOT
from tests.redis_server import RedisServer, RedisServerError, free_port

PAGES = 500
# Workers stop 1 s after the shared queue empties (the default, 10 s, suits real networks).
WORKER = [*FAST, "-s", "XIETONG_REDIS_MAX_IDLE=1"]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """Start a throwaway redis-server on a free loopback port (no persistence)."""
    try:
        with RedisServer(tmp_path_factory.mktemp("redis")) as server:
            yield server.url
    except RedisServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def bigsite(tmp_path_factory) -> Iterator[tuple[BigSite, DemoSites, Path]]:
    """Generate and serve the 500-article site; write its sources file."""
    tmp = tmp_path_factory.mktemp("bigsite")
    site = build_bigsite(tmp / "sites", PAGES)
    with DemoSites(site.root) as sites:
        sources = tmp / "bigsite.toml"
        sources.write_text(sources_toml(sites.base_urls["bigsite"]), encoding="utf-8")
        yield site, sites, sources


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=240)
    return process.returncode, out, err


def run_distributed(redis_url: str, sources: Path, tmp: Path, workers: int) -> dict[str, Any]:
    """Start an ingest and N workers at once (as N machines would); wait for all of them."""
    ingest = start("ingest", "--redis", redis_url, "--db", str(tmp / "archive.db"), "--idle", "60")
    crawls = [
        # Each worker has its own (empty) local archive, as on a machine of its own.
        start(
            "crawl",
            "--sources",
            str(sources),
            "--redis",
            redis_url,
            "--db",
            str(tmp / ("worker%d.db" % n)),
            *WORKER,
        )
        for n in range(workers)
    ]
    results = [finish(p) for p in crawls]
    return {"workers": results, "ingest": finish(ingest)}


def worker_pages(stdout: str) -> int:
    match = re.search(r"^bigsite\s+(\d+)", stdout, flags=re.M)
    return int(match.group(1)) if match else 0


@pytest.fixture(scope="module")
def two_workers(redis_url, bigsite, tmp_path_factory) -> dict[str, Any]:
    """Crawl bigsite with two workers and one ingest; then re-crawl it with one worker."""
    site, sites, sources = bigsite
    tmp = tmp_path_factory.mktemp("distributed")
    sites.reset_counts()
    first = run_distributed(redis_url, sources, tmp, workers=2)
    first["counts"] = sites.request_counts.get("bigsite", {})
    db = sqlite_utils.Database(tmp / "archive.db")
    first["articles"] = db["articles"].count
    first["urls"] = [row["url"] for row in db.query("select url from appearances")]
    first["integrity"] = db.execute("pragma integrity_check").fetchone()[0]
    db.close()
    sites.reset_counts()
    second = run_distributed(redis_url, sources, tmp, workers=1)
    second["counts"] = sites.request_counts.get("bigsite", {})
    db = sqlite_utils.Database(tmp / "archive.db")
    second["articles"] = db["articles"].count
    db.close()
    return {
        "site": site,
        "base": sites.base_urls["bigsite"],
        "first": first,
        "second": second,
        "tmp": tmp,
    }


def test_two_workers_and_the_ingest_exit_0_on_their_own(two_workers):
    first = two_workers["first"]
    for code, _out, err in [*first["workers"], first["ingest"]]:
        assert code == 0, err[-3000:]
    assert "queued" in first["workers"][0][1]


def test_each_page_is_fetched_once_across_two_workers(two_workers):
    counts = dict(two_workers["first"]["counts"])
    # robots.txt is per worker: each obeys it on its own.
    assert counts.pop("/robots.txt", 0) <= 2
    site = two_workers["site"]
    expected = {"/index.html", *site.listing_paths, *site.article_paths}
    assert set(counts) == expected
    assert [path for path, n in counts.items() if n != 1] == []


def test_both_workers_share_the_crawl(two_workers):
    pages = [worker_pages(out) for _, out, _ in two_workers["first"]["workers"]]
    assert all(n > 0 for n in pages), pages
    assert sum(pages) == two_workers["site"].page_count


def test_every_article_is_stored_once_by_the_one_writer(two_workers):
    first = two_workers["first"]
    expected = sorted(two_workers["base"] + path for path in two_workers["site"].article_paths)
    assert sorted(first["urls"]) == expected
    assert first["articles"] == PAGES
    assert first["integrity"] == "ok"
    assert "ingested %d articles" % PAGES in first["ingest"][1]


def test_workers_open_no_local_archive(two_workers):
    # Each worker was given --db workerN.db; known URLs come from Redis, the archive is ingest's.
    assert (two_workers["tmp"] / "archive.db").exists()
    assert not list(two_workers["tmp"].glob("worker*.db*"))


def test_next_run_refetches_listings_but_not_archived_articles(two_workers):
    second = two_workers["second"]
    for code, _, err in [*second["workers"], second["ingest"]]:
        assert code == 0, err[-3000:]
    counts = dict(second["counts"])
    counts.pop("/robots.txt", None)
    site = two_workers["site"]
    assert set(counts) == {"/index.html", *site.listing_paths}
    assert second["articles"] == PAGES


def test_crawl_with_unreachable_redis_fails_with_one_line(tmp_path):
    sources = tmp_path / "s.toml"
    sources.write_text(sources_toml("http://127.0.0.1:9"), encoding="utf-8")
    url = "redis://127.0.0.1:%d/0" % free_port()
    result = CliRunner().invoke(cli, ["crawl", "--sources", str(sources), "--redis", url])
    assert result.exit_code == 2
    assert "cannot reach Redis at %s" % url in result.output
    assert "Traceback" not in result.output


def test_crawl_rejects_a_redis_url_without_scheme(tmp_path):
    sources = tmp_path / "s.toml"
    sources.write_text(sources_toml("http://127.0.0.1:9"), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["crawl", "--sources", str(sources), "--redis", "localhost:6379"]
    )
    assert result.exit_code == 2
    assert "redis://HOST:PORT/DB" in result.output


def test_ingest_stores_a_batch_left_half_done_by_a_killed_ingest(redis_url, tmp_path):
    server = redis.Redis.from_url(redis_url)
    keys = RedisKeys("sources")
    server.delete(keys.items, keys.processing, keys.workers)
    item = Article(
        url="http://127.0.0.1:9/news/202401/t00001.html",
        source="bigsite",
        fetched_at="2024-01-02T08:00:00+00:00",
        title="京津冀协同发展 测试文章",
        text="京津冀协同发展取得新进展。" * 20,
        text_simplified="京津冀协同发展取得新进展。" * 20,
        title_simplified="京津冀协同发展 测试文章",
        script="hans",
    )
    server.rpush(keys.processing, article_to_json(item))
    result = CliRunner().invoke(
        cli, ["ingest", "--redis", redis_url, "--db", str(tmp_path / "a.db"), "--idle", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "ingested 1 articles" in result.output
    assert server.llen(keys.processing) == 0
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert db["articles"].count == 1


def test_article_survives_the_json_round_trip_without_bytes():
    item = Article(
        url="http://example.invalid/a.html",
        source="gov",
        fetched_at="2024-02-01T08:00:00+08:00",
        raw_pages=[b"<html>"],
        title="关于推进京津冀协同发展的通知",
        topics=["协同发展"],
        policy=PolicyDocument(
            issuer="河北省人民政府", doc_number="冀政发〔2024〕1号", attachments=["a.pdf"]
        ),
        signature=b"\x00\x01",
    )
    back = article_from_json(article_to_json(item))
    assert back.raw_pages == []
    assert back.signature is None
    assert back.policy == item.policy
    assert (back.title, back.topics, back.url) == (item.title, item.topics, item.url)


def test_ingest_refuses_an_archive_another_writer_holds(redis_url, tmp_path):
    from crawler.ops.lock import ArchiveLock

    db = tmp_path / "a.db"
    with ArchiveLock(db):
        result = CliRunner().invoke(
            cli, ["ingest", "--redis", redis_url, "--db", str(db), "--idle", "0"]
        )
    assert result.exit_code == 2  # as for a crawl of a locked archive
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "in use" in lines[0]

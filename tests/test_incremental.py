"""Known URLs as a spider middleware: archived article links are skipped, refreshed ones are not."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler import settings, stats
from crawler.middlewares import KnownUrlsMiddleware, SourcePageCapMiddleware
from crawler.worker_queue import RedisKeys
from spiders.sources_spider import SourcesSpider
from tests.redis_server import RedisServer
from tests.test_search import build_archive, make_article

ARCHIVED = "http://a.example/news/1.html"


def link(url: str, source: str = "a", **meta: object) -> Request:
    return Request(url, meta={"source": source, "followed_link": True, **meta})


def passed(middleware: KnownUrlsMiddleware | SourcePageCapMiddleware, *requests: Request) -> list:
    return list(middleware.process_spider_output(None, list(requests)))


def test_archived_article_link_is_skipped_and_counted_per_source():
    crawler = get_crawler()
    middleware = KnownUrlsMiddleware({ARCHIVED}, crawler.stats)
    new = link("http://a.example/news/2.html")
    assert passed(middleware, link(ARCHIVED + "#comments"), new) == [new]
    assert crawler.stats.get_value(stats.INCREMENTAL_SKIPPED) == 1
    assert crawler.stats.get_value(stats.source_key("a", stats.SKIPPED)) == 1
    assert stats.summarize_source(crawler.stats.get_stats(), "a").skipped_known == 1


def test_refresh_source_and_start_urls_are_fetched_even_when_archived():
    crawler = get_crawler()
    middleware = KnownUrlsMiddleware({ARCHIVED}, crawler.stats)
    refreshed = link(ARCHIVED, refresh=True)
    start = Request(ARCHIVED, meta={"source": "a"})
    assert passed(middleware, refreshed, start) == [refreshed, start]
    assert crawler.stats.get_value(stats.INCREMENTAL_SKIPPED) is None


def test_incremental_off_is_not_configured(tmp_path):
    crawler = get_crawler(
        SourcesSpider,
        {"XIETONG_INCREMENTAL_ENABLED": False, "XIETONG_DB": str(tmp_path / "a.db")},
    )
    with pytest.raises(NotConfigured):
        KnownUrlsMiddleware.from_crawler(crawler)
    assert not (tmp_path / "a.db").exists()


def test_local_crawl_reads_known_urls_from_the_archive(tmp_path: Path):
    db = build_archive(
        tmp_path / "a.db",
        [make_article(ARCHIVED, "京津冀协同发展", "京津冀三地协同。", "2024-02-19")],
    )
    crawler = get_crawler(
        SourcesSpider,
        {
            "XIETONG_INCREMENTAL_KNOWN_URLS": settings.XIETONG_INCREMENTAL_KNOWN_URLS,
            "XIETONG_DB": str(db),
        },
    )
    middleware = KnownUrlsMiddleware.from_crawler(crawler)
    new = link("http://a.example/news/2.html")
    assert passed(middleware, link(ARCHIVED), new) == [new]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


def test_distributed_worker_reads_known_urls_from_redis_and_opens_no_archive(
    redis_url: str, tmp_path: Path
):
    client = redis.Redis.from_url(redis_url)
    client.sadd(RedisKeys("sources").known_urls, ARCHIVED)
    db = tmp_path / "worker.db"
    crawler = get_crawler(
        SourcesSpider,
        {
            "ADDONS": {"crawler.distributed.workers.DistributedAddon": 100},
            "XIETONG_INCREMENTAL_KNOWN_URLS": settings.XIETONG_INCREMENTAL_KNOWN_URLS,
            "XIETONG_REDIS_URL": redis_url,
            "XIETONG_DB": str(db),
        },
    )
    middleware = KnownUrlsMiddleware.from_crawler(crawler)
    assert passed(middleware, link(ARCHIVED)) == []
    assert not db.exists()


def response_of(url: str, source: str = "a") -> HtmlResponse:
    return HtmlResponse(url, body=b"<html></html>", request=Request(url, meta={"source": source}))


def test_page_cap_counts_downloaded_responses_not_followed_links():
    crawler = get_crawler()
    cap = SourcePageCapMiddleware(2, crawler.stats)
    # The same navigation links found on many pages cost nothing until pages are downloaded.
    for _ in range(10):
        nav = [link("http://a.example/col/%d.html" % n) for n in range(5)]
        assert passed(cap, *nav) == nav
    cap.process_spider_input(response_of("http://a.example/"))
    assert passed(cap, link("http://a.example/news/2.html"))
    cap.process_spider_input(response_of("http://a.example/news/2.html"))
    other_source = link("http://b.example/", "b")
    assert passed(cap, link("http://a.example/news/3.html"), other_source) == [other_source]
    assert crawler.stats.get_value(stats.source_reason_key("a", stats.LIMITS, "max_pages")) == 1


def test_next_column_page_is_not_fetched_when_the_page_before_listed_only_archived_items():
    crawler = get_crawler()
    middleware = KnownUrlsMiddleware({ARCHIVED}, crawler.stats)
    stop = Request(
        "http://a.example/col/index_2.html", meta={"source": "a", "listed_urls": [ARCHIVED]}
    )
    go = Request(
        "http://a.example/col/index_3.html",
        meta={"source": "a", "listed_urls": [ARCHIVED, "http://a.example/news/9.html"]},
    )
    assert passed(middleware, stop, go) == [go]
    key = stats.source_reason_key("a", stats.PAGING, stats.STOPPED_KNOWN)
    assert crawler.stats.get_value(key) == 1

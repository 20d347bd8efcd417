"""Feeds, sitemaps and pages the cleaner cannot read, crawled from a real server on 127.0.0.1."""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler import stats
from spiders.sources_spider import SourcesSpider
from tests.conftest import FAST, ROOT

# The page size cap of the crawl below; the bomb inflates to 24 times as much.
MAX_SIZE = 16 * 1024 * 1024
BOMB_SIZE = 24 * MAX_SIZE


# Four unrelated article texts, so that no page merges with another as a near duplicate.
TEXTS = {
    "协同一": "天津港集团开通连接河北黄骅港的集装箱航线，每周往返三班，服务腹地外贸企业。",
    "协同二": "雄安新区首批疏解高校项目加快建设，北京交通大学等校区施工现场一派繁忙景象。",
    "协同三": "京张高铁沿线冰雪产业加速发展，张家口崇礼滑雪场接待游客人数创下历史新高。",
    "协同四": "北京中关村企业在保定设立研发中心，带动当地新材料产业链上下游企业集聚发展。",
}


def article_page(title: str, dated: bool) -> bytes:
    sentence = TEXTS[title]
    paragraphs = "".join(
        "<p>%s（第%d段）%s</p>" % (sentence, n, sentence[n:] + sentence[:n]) for n in range(1, 9)
    )
    date = '<p class="date">2024-02-24 07:53:08</p>' if dated else ""
    return (
        "<html><head><meta charset='utf-8'><title>%s</title></head><body>"
        "<div class='nav'><a href='/'>首页</a></div><h1>%s</h1>%s<div class='content'>%s</div>"
        "</body></html>" % (title, title, date, paragraphs)
    ).encode()


# Atom entries whose enclosure (an image) comes before, then after, the article link; dates in
# UTC (Z) and without an offset, both to come out as +08:00.
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>feed</title><id>urn:feed</id><updated>2024-02-24T00:00:00Z</updated>
<entry><title>a</title><id>urn:a</id>
  <link rel="enclosure" type="image/jpeg" href="/img/before.jpg"/>
  <link href="/news/before.html"/>
  <published>2024-02-23T23:53:08Z</published><updated>2024-02-23T23:53:08Z</updated>
</entry>
<entry><title>b</title><id>urn:b</id>
  <link rel="alternate" type="text/html" href="/news/after.html"/>
  <link rel="enclosure" type="image/jpeg" href="/img/after.jpg"/>
  <updated>2024-02-22T08:30:00</updated>
</entry>
</feed>
"""


def gzip_bomb() -> bytes:
    """Return a gzip file of a sitemap that inflates to BOMB_SIZE bytes (mostly spaces)."""
    head = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    tail = b"<url><loc>/news/bomb.html</loc></url></urlset>"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    parts = [compressor.compress(head)]
    chunk = b" " * (1024 * 1024)
    for _ in range(BOMB_SIZE // len(chunk)):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.compress(tail))
    parts.append(compressor.flush())
    return b"".join(parts)


class FeedSite(ThreadingHTTPServer):
    """Serves the Atom feed, its articles, a gzip-bomb sitemap and a page of only an XML header."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.daemon_threads = True
        self.hits: list[str] = []
        self.lock = threading.Lock()
        small_sitemap = (
            b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>/news/small.html</loc></url></urlset>"
        )
        self.files: dict[str, tuple[str, bytes]] = {
            "/robots.txt": ("text/plain", b"User-agent: *\nDisallow:\n"),
            "/atom.xml": ("application/atom+xml", ATOM),
            "/news/before.html": ("text/html; charset=utf-8", article_page("协同一", False)),
            "/news/after.html": ("text/html; charset=utf-8", article_page("协同二", False)),
            "/news/small.html": ("text/html; charset=utf-8", article_page("协同三", True)),
            "/news/bomb.html": ("text/html; charset=utf-8", article_page("协同四", True)),
            "/img/before.jpg": ("image/jpeg", b"\xff\xd8\xff"),
            "/img/after.jpg": ("image/jpeg", b"\xff\xd8\xff"),
            "/bomb.xml.gz": ("application/x-gzip", gzip_bomb()),
            "/small.xml.gz": ("application/x-gzip", gzip.compress(small_sitemap)),
            "/xml-only.html": ("text/html", b'<?xml version="1.0"?>'),
        }

    @property
    def base(self) -> str:
        return "http://127.0.0.1:%d" % self.server_address[1]


class FeedHandler(BaseHTTPRequestHandler):
    server: FeedSite

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits.append(self.path)
        content_type, body = self.server.files.get(self.path, ("text/plain", b""))
        self.send_response(200 if self.path in self.server.files else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


SOURCES = """
[[sources]]
name = "atom"
kind = "news"
feeds = ["{base}/atom.xml"]

[[sources]]
name = "bomb"
kind = "news"
sitemaps = ["{base}/bomb.xml.gz"]

[[sources]]
name = "small"
kind = "news"
sitemaps = ["{base}/small.xml.gz"]

[[sources]]
name = "xmlonly"
kind = "news"
start_urls = ["{base}/xml-only.html"]
"""


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Crawl the feed site once in a subprocess; keep its output, resources and requests."""
    tmp = tmp_path_factory.mktemp("feeds")
    server = FeedSite()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        sources = tmp / "sources.toml"
        sources.write_text(SOURCES.format(base=server.base), encoding="utf-8")
        db = tmp / "archive.db"
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", "--sources", str(sources)]
            + ["--db", str(db), *FAST, "-s", "DOWNLOAD_MAXSIZE=%d" % MAX_SIZE],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = process.communicate(timeout=300)
        yield {
            "code": process.returncode,
            "stdout": out,
            "stderr": err,
            "db": db,
            "hits": list(server.hits),
            "base": server.base,
        }
    finally:
        server.shutdown()
        server.server_close()


def appearances(db: Path) -> dict[str, dict[str, Any]]:
    archive = sqlite_utils.Database(db)
    rows = archive.query(
        "select a.url, a.source, r.published_at from appearances a"
        " join articles r on r.id = a.article_id"
    )
    return {row["url"]: row for row in rows}


def test_atom_entries_store_their_articles_never_the_enclosures(crawled):
    assert crawled["code"] in (0, 3), crawled["stderr"][-3000:]
    stored = appearances(crawled["db"])
    base = crawled["base"]
    assert base + "/news/before.html" in stored
    assert base + "/news/after.html" in stored
    assert not [hit for hit in crawled["hits"] if hit.startswith("/img/")]


def test_feed_dates_are_china_time_like_page_dates(crawled):
    stored = appearances(crawled["db"])
    base = crawled["base"]
    # 23:53:08Z is 07:53:08 the next morning in Beijing; a date without offset is China time.
    assert stored[base + "/news/before.html"]["published_at"] == "2024-02-24T07:53:08+08:00"
    assert stored[base + "/news/after.html"]["published_at"] == "2024-02-22T08:30:00+08:00"


def test_gzip_sitemap_within_the_cap_is_read(crawled):
    assert crawled["base"] + "/news/small.html" in appearances(crawled["db"])


def test_gzip_bomb_sitemap_is_dropped_and_counted_not_inflated(crawled):
    assert "/bomb.xml.gz" in crawled["hits"]
    assert "/news/bomb.html" not in crawled["hits"]
    assert "'xietong/sitemap/too_large': 1" in crawled["stderr"]
    assert "'xietong/source/bomb/errors/too_large': 1" in crawled["stderr"]
    bomb_row = next(line for line in crawled["stdout"].splitlines() if line.startswith("bomb "))
    assert "too_large 1" in bomb_row


def test_gzip_bomb_never_holds_more_than_the_cap_in_memory(tmp_path):
    """Reading the bomb allocates a few times the cap, far below the bomb's inflated size."""
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[sources]]\nname = "bomb"\nkind = "news"\nsitemaps = ["http://127.0.0.1:9/b.xml.gz"]\n',
        encoding="utf-8",
    )
    settings = {
        "DOWNLOAD_MAXSIZE": MAX_SIZE,
        "XIETONG_SOURCES": str(sources),
        "XIETONG_INCREMENTAL_ENABLED": False,  # no archive needed
    }
    crawler = get_crawler(SourcesSpider, settings)
    spider = SourcesSpider.from_crawler(crawler)
    request = Request("http://127.0.0.1:9/bomb.xml.gz", meta={"source": "bomb"})
    response = Response(request.url, body=gzip_bomb(), request=request)
    tracemalloc.start()
    try:
        assert list(spider.parse_sitemap(response)) == []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_SIZE < BOMB_SIZE
    assert crawler.stats.get_value(stats.SITEMAP_TOO_LARGE) == 1


def test_page_of_only_an_xml_header_is_a_counted_error_not_a_traceback(crawled):
    assert "Traceback" not in crawled["stderr"]
    assert "ExtractionError" not in crawled["stderr"]
    assert "'xietong/errors/unreadable': 1" in crawled["stderr"]
    assert "cannot read the page (empty page)" in crawled["stderr"]
    row = next(line for line in crawled["stdout"].splitlines() if line.startswith("xmlonly "))
    assert "unreadable 1" in row

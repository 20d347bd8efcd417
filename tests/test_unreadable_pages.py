"""A page the cleaner cannot read is an error of its source and is fetched again; none is lost."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.items import Article
from tests.conftest import FAST, SHARED, run_xietong

WILD = SHARED / "corpus" / "wild"


class RealPages(ThreadingHTTPServer):
    """A listing, a real policy page whose header once crashed the cleaner, an unreadable page."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), PageHandler)
        self.hits: list[str] = []
        self.lock = threading.Lock()
        links = '<li><a href="/gd/post_1.html">东莞市发展和改革局关于印发若干措施的通知</a></li>'
        links += '<li><a href="/gd/empty.html">通知公告</a></li>'
        self.files = {
            "/index.html": (
                "<html><head><title>通知公告</title></head><body><ul>%s</ul></body></html>" % links
            ).encode("utf-8"),
            # Guangdong's gkmlpt template: an HTML comment beside a header table's cell.
            "/gd/post_1.html": (WILD / "011" / "page.html").read_bytes(),
            "/gd/empty.html": b'<?xml version="1.0" encoding="utf-8"?>',
        }

    @property
    def base(self) -> str:
        return "http://127.0.0.1:%d" % self.server_address[1]


class PageHandler(BaseHTTPRequestHandler):
    server: RealPages

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits.append(self.path)
        body = self.server.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


@pytest.fixture(scope="module")
def site() -> Iterator[RealPages]:
    server = RealPages()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def crawl(site: RealPages, tmp: Path) -> tuple[str, str]:
    sources = tmp / "sources.toml"
    sources.write_text(
        '[[sources]]\nname = "dg"\nkind = "auto"\nstart_urls = ["%s/index.html"]\n' % site.base,
        encoding="utf-8",
    )
    result = run_xietong("crawl", "--sources", str(sources), "--db", str(tmp / "a.db"), *FAST)
    assert result.returncode in (0, 3), result.stderr[-3000:]
    return result.stdout, result.stderr


def test_unreadable_page_is_a_counted_error_fetched_again_and_the_real_page_is_kept(
    site: RealPages, tmp_path: Path
):
    stdout, stderr = crawl(site, tmp_path)
    assert "Traceback" not in stderr
    assert "\\x" not in stderr  # no page bytes in the log
    assert "cannot read the page (empty page): %s/gd/empty.html" % site.base in stderr
    row = next(line for line in stdout.splitlines() if line.startswith("dg "))
    assert "unreadable 1" in row
    with sqlite3.connect(tmp_path / "a.db") as db:
        titles = [r[0] for r in db.execute("select title from articles")]
        issuers = [r[0] for r in db.execute("select issuer from policies")]
        errors = db.execute("select errors, errors_by_kind from crawl_run_sources").fetchall()
    assert titles == [
        "东莞市发展和改革局关于印发《关于奋力实现一季度经济“开门红”的若干措施》的通知"
    ]
    assert issuers == ["东莞市发展和改革局"]
    assert errors == [(1, '{"unreadable": 1}')]
    before = site.hits.count("/gd/empty.html")
    crawl(site, tmp_path)  # the next run: the stored page is known, the unreadable one is not
    assert site.hits.count("/gd/empty.html") == before + 1
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("select count(*) from articles").fetchone() == (1,)


def test_an_items_repr_never_holds_its_raw_pages():
    item = Article(
        url="http://a.cn/1.html",
        source="s",
        fetched_at="2024-01-01T00:00:00+00:00",
        raw_pages=[b"\xe4\xba\xac" * 20000],
    )
    assert "raw_pages" not in repr(item)
    assert len(repr(item)) < 2000

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlite_utils

from crawler.demo import SITES_DIR
from crawler.middlewares import retry_after_seconds
from tests.conftest import FAST, run_xietong

ARTICLE = (SITES_DIR / "paoku/zixun/2021-08-26/56321.html").read_bytes()
INDEX = b'<html><body><a href="/busy.html">busy</a> <a href="/closed.html">closed</a></body></html>'


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2024, 2, 24, 8, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds("Sat, 24 Feb 2024 08:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Sat, 24 Feb 2024 07:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


class BusyServer(ThreadingHTTPServer):
    """Answers /busy.html with 503 and Retry-After: 1 once, /closed.html always with a one-hour wait."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), BusyHandler)
        self.hits: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    @property
    def base(self) -> str:
        return "http://127.0.0.1:%d" % self.server_address[1]


class BusyHandler(BaseHTTPRequestHandler):
    server: BusyServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            hits = self.server.hits.setdefault(self.path, [])
            hits.append(time.monotonic())
            count = len(hits)
        if self.path == "/robots.txt":
            self._send(404, b"")
        elif self.path == "/index.html":
            self._send(200, INDEX)
        elif self.path == "/busy.html" and count == 1:
            self._send(503, b"busy", {"Retry-After": "1"})
        elif self.path == "/busy.html":
            self._send(200, ARTICLE)
        elif self.path == "/closed.html":
            self._send(503, b"closed for the night", {"Retry-After": "3600"})
        else:
            self._send(404, b"")

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def busy_server() -> Iterator[BusyServer]:
    server = BusyServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_busy_page_is_fetched_again_after_the_wait_it_asks_for(busy_server, tmp_path: Path):
    sources = tmp_path / "busy.toml"
    sources.write_text(
        '[[sources]]\nname = "busy"\nkind = "news"\nstart_urls = ["%s/index.html"]\n'
        % busy_server.base,
        encoding="utf-8",
    )
    db_path = tmp_path / "busy.db"
    result = run_xietong("crawl", "--sources", str(sources), "--db", str(db_path), *FAST)
    assert result.returncode in (0, 3), result.stderr[-3000:]
    busy = busy_server.hits["/busy.html"]
    assert len(busy) == 2
    assert busy[1] - busy[0] >= 1.0  # the wait the server asked for, not Scrapy's immediate retry
    assert (
        len(busy_server.hits["/closed.html"]) == 1
    )  # a one-hour wait is not worth holding the crawl
    assert "waiting 1.0 s as Retry-After asks" in result.stderr
    assert "gave up: the server asks to wait 3600 s" in result.stderr
    urls = {
        row["url"] for row in sqlite_utils.Database(db_path).query("select url from appearances")
    }
    assert urls == {busy_server.base + "/busy.html"}

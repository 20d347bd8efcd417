"""Keep every response of a crawl in a WARC file, and read the pages back.

WARC (ISO 28500) is the format web archives keep fetches in: each response is a
``response`` record (status line, headers, body) beside a ``request`` record, gzipped one
record at a time, so a reader can seek and a cut-off file loses only its last record.
One file per crawl, ``<run id>.warc.gz`` in the ``warc/`` folder beside the archive
(``XIETONG_WARC_DIR``). ``xietong reclean`` reads the pages back and cleans them again
with the current cleaner (``crawler.ops.reclean``), so the archive gains every later
improvement of the cleaner without fetching again.

Records of a source's pages carry ``Xietong-Source`` (the source's name), and the later
pages of a multi-page article ``Xietong-Part-Of`` (the URL of its first page). The file's
``warcinfo`` record names the run and holds, per source, what the cleaner needs of its
configuration (kind, encoding, selectors, site name, article URL patterns).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from isal import isal_zlib
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import request_meta, stats

logger = logging.getLogger(__name__)

SOURCE_HEADER = "Xietong-Source"
PART_OF_HEADER = "Xietong-Part-Of"
WARC_SUFFIX = ".warc.gz"
# Deflate level of each record's gzip member, compressed by ISA-L (levels 0-3). On the 131
# wild pages (50 KB each) a page took 0.15 ms at ISA-L's 3 and came to 26.9 % of its bytes;
# zlib's level 6 took 0.77 ms for 24.6 %, its level 1 0.40 ms for 27.6 %. The records are
# written beside the crawl, so the compressor's time is the crawl's.
GZIP_LEVEL = 3
# Headers that describe the bytes on the wire, not the body Scrapy kept (already inflated).
WIRE_HEADERS = frozenset((b"content-encoding", b"transfer-encoding", b"content-length"))


def warc_folder(db_path: str | Path, configured: str | None = None) -> Path:
    """Return where a crawl's WARC files go: ``XIETONG_WARC_DIR``, else ``warc/`` by the archive."""
    return Path(configured) if configured else Path(db_path).resolve().parent / "warc"


class WarcRecorder:
    """Write every response of the crawl, with its request, to ``<run id>.warc.gz``.

    Built for a crawl with ``from_crawler``; responses arrive through Scrapy's
    ``response_received`` signal (robots.txt, feeds, pages, attachments, error pages; a
    redirect's final answer, not the 3xx itself).
    Built for a crawl, the records are built, gzipped and written on a thread of the
    recorder's own (zlib and the digests let go of Python's lock), in the order the
    responses came; the crawl's thread only takes a copy of what to write.
    Settings: ``XIETONG_WARC_ENABLED``, ``XIETONG_WARC_DIR``, ``XIETONG_DB``.
    Stats: ``xietong/warc/responses``, ``xietong/warc/bytes``, ``xietong/warc/file``.
    """

    def __init__(self, folder: Path, stats_collector: Any = None, writer_thread: bool = False):
        self.folder = folder
        self.stats = stats_collector
        self.path: Path | None = None
        self.handle: IO[bytes] | None = None
        self.writer: WARCWriter | None = None
        self.thread = (
            ThreadPoolExecutor(1, thread_name_prefix="xietong-warc") if writer_thread else None
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecorder:
        """Build the recorder; NotConfigured when WARC writing is off or in a worker."""
        settings = crawler.settings
        if not settings.getbool("XIETONG_WARC_ENABLED", True):
            raise NotConfigured("XIETONG_WARC_ENABLED is off")
        if settings.get("XIETONG_REDIS_URL"):
            raise NotConfigured("distributed worker: no archive folder of its own")
        folder = warc_folder(settings.get("XIETONG_DB"), settings.get("XIETONG_WARC_DIR"))
        recorder = cls(folder, crawler.stats, writer_thread=True)
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(recorder.response_received, signal=signals.response_received)
        return recorder

    def open(self, run_id: str, sources: dict[str, dict[str, Any]]) -> Path:
        """Start the run's file with its ``warcinfo`` record; return its path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / (run_id + WARC_SUFFIX)
        self.handle = self.path.open("ab")
        # Builds the records; each is written as a gzip member of its own (_write_record).
        self.writer = WARCWriter(BytesIO(), gzip=False, warc_version="1.1")
        info = {
            "software": "xietong",
            "format": "WARC File Format 1.1",
            "run-id": run_id,
            "xietong-sources": json.dumps(sources, ensure_ascii=False, sort_keys=True),
        }
        self._write_record(self.writer.create_warcinfo_record(self.path.name, info))
        return self.path

    def spider_opened(self, spider: Spider) -> None:
        """Open the run's file, named by the run monitor's run id when there is one."""
        assert spider.crawler.stats is not None
        run_id = spider.crawler.stats.get_value(stats.MONITOR_RUN_ID) or (
            datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
        )
        path = self.open(str(run_id), cleaning_settings(getattr(spider, "sources", {})))
        spider.crawler.stats.set_value(stats.WARC_FILE, str(path))
        logger.info("keeping every response in %s", path)

    def spider_closed(self, spider: Spider) -> None:
        """Close the run's file."""
        self.close()

    def close(self) -> None:
        """Write what is queued, then close the file."""
        if self.thread is not None:
            self.thread.shutdown(wait=True)
            self.thread = None
        if self.handle is not None:
            self.handle.close()
        self.handle = self.writer = None

    def response_received(self, response: Response, request: Request) -> None:
        """Write the response and its request as two records."""
        if self.writer is None:
            return
        self.write(response, request)

    def write(self, response: Response, request: Request) -> None:
        """Append a request and a response record for one fetch (on the writer thread)."""
        fetch = Fetch(
            url=response.url,
            status=response.status,
            headers=[
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, values in response.headers.items()
                if name.lower() not in WIRE_HEADERS
                for value in values
            ],
            body=response.body,
            method=request.method,
            request_url=request.url,
            request_headers=[
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, values in request.headers.items()
                for value in values
            ],
            request_body=request.body or b"",
            date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            source=request.meta.get(request_meta.SOURCE),
            part_of=request.meta.get(request_meta.ARTICLE_PART_OF),
        )
        if self.thread is None:
            self._write(fetch)
        else:
            self.thread.submit(self._write_logged, fetch)

    def _write_logged(self, fetch: Fetch) -> None:
        try:
            self._write(fetch)
        except OSError as error:  # a full disk loses records, never the crawl
            logger.warning("cannot write the WARC record (%s): %s", error, fetch.url)

    def _write(self, fetch: Fetch) -> None:
        assert self.writer is not None
        assert self.handle is not None
        start = self.handle.tell()
        extra: dict[str, str] = {}
        if fetch.source:
            extra[SOURCE_HEADER] = str(fetch.source)
        if fetch.part_of:
            extra[PART_OF_HEADER] = str(fetch.part_of)
        headers = [*fetch.headers, ("Content-Length", str(len(fetch.body)))]
        status = "%d %s" % (fetch.status, _reason(fetch.status))
        record = self.writer.create_warc_record(
            fetch.url,
            "response",
            payload=BytesIO(fetch.body),
            http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": fetch.date, **extra},
        )
        parts = urlsplit(fetch.request_url)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        request_record = self.writer.create_warc_record(
            fetch.url,
            "request",
            payload=BytesIO(fetch.request_body),
            http_headers=StatusAndHeaders(
                "%s %s HTTP/1.1" % (fetch.method, target),
                [("Host", parts.netloc), *fetch.request_headers],
                is_http_request=True,
            ),
            warc_headers_dict={
                "WARC-Date": fetch.date,
                "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID"),
                **extra,
            },
        )
        self._write_record(record)
        self._write_record(request_record)
        if self.stats is not None:
            self.stats.inc_value(stats.WARC_RECORDS)
            self.stats.inc_value(stats.WARC_BYTES, self.handle.tell() - start)

    def _write_record(self, record: Any) -> None:
        """Append one record to the file as a gzip member of its own (WARC's .warc.gz layout)."""
        assert self.handle is not None
        plain = BytesIO()
        WARCWriter(plain, gzip=False, warc_version="1.1").write_record(record)
        compressor = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16)
        self.handle.write(compressor.compress(plain.getvalue()) + compressor.flush())


@dataclass(frozen=True)
class Fetch:
    """What the WARC records of one fetch hold, copied off the response and its request."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    method: str
    request_url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    date: str
    source: str | None
    part_of: str | None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def cleaning_settings(sources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return, per source, what the cleaner needs of its configuration (kept in warcinfo)."""
    return {
        name: {
            "kind": source.kind,
            "encoding": source.encoding,
            "selectors": dict(source.selectors),
            "site_name": source.site_name,
            "article_urls": list(source.article_urls),
            "require_topics": source.require_topics,
        }
        for name, source in sources.items()
    }


@dataclass
class StoredPage:
    """One article page read back from a WARC file (all pages of a multi-page article)."""

    url: str
    source: str
    fetched_at: str  # ISO 8601, UTC
    bodies: list[bytes]
    page_urls: list[str]
    content_type: str | None
    settings: dict[str, Any] = field(default_factory=dict)


def warc_files(folder: Path) -> list[Path]:
    """Return a folder's WARC files, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(
        folder.glob("*" + WARC_SUFFIX), key=lambda path: (path.stat().st_mtime, path.name)
    )


def read_pages(
    folder: Path, source: str | None = None, since: str | None = None
) -> Iterator[StoredPage]:
    """Yield the HTML pages (status 200) kept in a folder's WARC files, newest copy of each URL.

    ``source`` keeps one source's pages, ``since`` (an ISO date) those fetched on or after
    it. A later page of a multi-page article joins its first page. A file cut short (a
    crawl killed mid-write) gives the records before the cut, with one warning.
    """
    pages: dict[str, StoredPage] = {}
    parts: dict[str, dict[str, tuple[bytes, str]]] = {}
    for path in warc_files(folder):
        settings: dict[str, dict[str, Any]] = {}
        with path.open("rb") as handle:
            try:
                for record in ArchiveIterator(handle):
                    if record.rec_type == "warcinfo":
                        settings = _warcinfo_sources(record.content_stream().read())
                        continue
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    name = record.rec_headers.get_header(SOURCE_HEADER)
                    if not name or (source and name != source):
                        continue
                    fetched_at = (record.rec_headers.get_header("WARC-Date") or "").replace(
                        "Z", "+00:00"
                    )
                    if since and fetched_at[:10] < since:
                        continue
                    if record.http_headers.get_statuscode() != "200":
                        continue
                    content_type = record.http_headers.get_header("Content-Type")
                    if content_type and not content_type.lower().startswith(
                        ("text/html", "application/xhtml")
                    ):
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    body = record.content_stream().read()
                    part_of = record.rec_headers.get_header(PART_OF_HEADER)
                    if part_of:
                        parts.setdefault(part_of, {})[url] = (body, fetched_at)
                        continue
                    pages[url] = StoredPage(
                        url=url,
                        source=name,
                        fetched_at=fetched_at,
                        bodies=[body],
                        page_urls=[url],
                        content_type=content_type,
                        settings=settings.get(name, {}),
                    )
            except (ArchiveLoadFailed, OSError, EOFError) as error:
                logger.warning("WARC file cut short, read up to the cut (%s): %s", error, path)
    for url, page in pages.items():
        for part_url, (body, _) in (parts.get(url) or {}).items():
            page.bodies.append(body)
            page.page_urls.append(part_url)
        yield page


def _warcinfo_sources(block: bytes) -> dict[str, dict[str, Any]]:
    for line in block.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "xietong-sources":
            try:
                loaded = json.loads(value.strip())
            except ValueError:
                return {}
            return loaded if isinstance(loaded, dict) else {}
    return {}

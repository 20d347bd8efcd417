"""Pipeline 2: fetch each article's attachments (附件) in the crawl and read their text."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import request_meta, stats
from crawler.archive import Archive
from crawler.archive.attachment_store import KnownAttachment
from crawler.clean.attachments import AttachmentError, extract_attachment_text
from crawler.fetch_errors import error_kind
from crawler.items import Article, AttachmentFile

logger = logging.getLogger(__name__)

Download = Callable[[Request], Awaitable[Response]]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class AttachmentsPipeline:
    """Download every attachment link of an article through the crawl's engine; extract text.

    Requests go through the engine's downloader (``engine.download_async``), so they pass
    the downloader middlewares, robots.txt, the per-site slots and delays, and
    ``DOWNLOAD_MAXSIZE``, like any page. Text is read in one worker thread (PDFium is not
    thread-safe), off the reactor. A broken, encrypted, scanned, oversized or failed file
    gets its ``error`` and the article goes on. A page whose body only points to its
    attachment (详见附件) gets the attachments' text as its body. A file the archive holds
    at the same URL with the same size (a HEAD request tells) is not downloaded again.

    Settings: ``XIETONG_ATTACHMENTS_ENABLED``, ``XIETONG_ATTACHMENTS_MAX_PER_ARTICLE``,
    ``DOWNLOAD_MAXSIZE``, ``XIETONG_DB`` (what is archived; not read on distributed
    workers, which fetch every attachment), ``XIETONG_REDIS_URL``.
    Stats: ``xietong/attachments/fetched``, ``…/unchanged``, ``…/bodies``, ``…/bytes``,
    ``xietong/attachment_errors/<kind>``; per source ``xietong/source/<name>/attachments``
    and ``…/attachment_errors/<kind>``.
    """

    def __init__(
        self,
        download: Download,
        max_bytes: int,
        max_per_article: int = 20,
        db_path: str | None = None,
        stats: Any = None,
    ):
        self.download = download
        self.max_bytes = max_bytes
        self.max_per_article = max(0, max_per_article)
        self.db_path = db_path
        self.stats = stats
        self.archive: Archive | None = None
        self.reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attachments")
        # Files met earlier in this crawl (two copies of a policy link the same file).
        self.seen: dict[str, asyncio.Future[AttachmentFile]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AttachmentsPipeline:
        """Build the pipeline; NotConfigured when attachments are off."""
        settings = crawler.settings
        if not settings.getbool("XIETONG_ATTACHMENTS_ENABLED", True):
            raise NotConfigured("XIETONG_ATTACHMENTS_ENABLED is off")

        async def download(request: Request) -> Response:
            assert crawler.engine is not None
            return await crawler.engine.download_async(request)

        distributed = bool(settings.get("XIETONG_REDIS_URL"))
        return cls(
            download,
            max_bytes=settings.getint("DOWNLOAD_MAXSIZE"),
            max_per_article=settings.getint("XIETONG_ATTACHMENTS_MAX_PER_ARTICLE", 20),
            db_path=None if distributed else settings.get("XIETONG_DB"),
            stats=crawler.stats,
        )

    def open_spider(self) -> None:
        """Open the archive to read which attachments it holds."""
        if self.db_path:
            self.archive = Archive.open(self.db_path)

    def close_spider(self) -> None:
        """Close the archive and the reading thread."""
        if self.archive is not None:
            self.archive.close()
            self.archive = None
        self.reader.shutdown(wait=True)

    def process_item(self, item: Article) -> Article | Coroutine[Any, Any, Article]:
        """Fetch and read the item's attachments; give a pointer page its attachment's text.

        An item without attachment links is handed on at once; the others get a coroutine
        (most pages have none, and a coroutine per page costs the crawl's thread).
        """
        links = item.attachment_links[: self.max_per_article]
        if not links:
            return item
        return self._with_attachments(item, links)

    async def _with_attachments(self, item: Article, links: list[tuple[str, str]]) -> Article:
        found = await asyncio.gather(*(self._attachment(url, name, item) for url, name in links))
        item.attachments = list(found)
        if item.attachment_pointer:
            texts = [attachment.text for attachment in item.attachments if attachment.text]
            if texts:
                item.text = "\n".join(texts)
                self._inc(stats.ATTACHMENTS_BODIES)
                logger.info("body read from the attachment: %s", item.url)
            else:
                logger.warning("the page points to an attachment without text: %s", item.url)
        return item

    async def _attachment(self, url: str, name: str, item: Article) -> AttachmentFile:
        held = self.seen.get(url)
        if held is None:
            held = asyncio.ensure_future(self._fetch(url, name, item))
            self.seen[url] = held
        found = await asyncio.shield(held)
        return dataclasses.replace(found, file_name=name or found.file_name)

    async def _fetch(self, url: str, name: str, item: Article) -> AttachmentFile:
        known = self.archive.known_attachment(url) if self.archive is not None else None
        if known is not None and await self._same_size(url, known, item):
            self._inc(stats.ATTACHMENTS_UNCHANGED)
            logger.debug("attachment archived with the same size, not fetched: %s", url)
            return AttachmentFile(
                url=url,
                file_name=name,
                content_type=known.content_type,
                size=known.size,
                sha256=known.sha256,
                text=known.text,
                fetched_at=known.fetched_at,
                error=known.error,
                unchanged=True,
            )
        fetched_at = _now()
        try:
            response = await self.download(self._request(url, item))
        except Exception as error:  # noqa: BLE001 - any download failure is recorded, not raised
            return self._failed(url, name, item, error_kind(Failure(error)), fetched_at)
        if response.status >= 400:
            return self._failed(url, name, item, "http_%d" % response.status, fetched_at)
        data = response.body
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        self._inc(stats.ATTACHMENTS_FETCHED)
        self._inc(stats.ATTACHMENTS_BYTES, len(data))
        stats.count_source(self.stats, item.source, stats.ATTACHMENTS)
        attachment = AttachmentFile(
            url=url,
            file_name=name,
            content_type=content_type or None,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            fetched_at=fetched_at,
        )
        loop = asyncio.get_running_loop()
        try:
            attachment.text = await loop.run_in_executor(
                self.reader,
                extract_attachment_text,
                data,
                name or url,
                content_type,
                self.max_bytes,
            )
        except AttachmentError as error:
            attachment.error = error.kind
            stats.count_reason(self.stats, stats.ATTACHMENT_ERRORS, error.kind, item.source)
            logger.warning("attachment without text (%s: %s): %s", error.kind, error, url)
        return attachment

    async def _same_size(self, url: str, known: KnownAttachment, item: Article) -> bool:
        """Ask the server for the file's size (HEAD) and compare it with the archived one."""
        try:
            response = await self.download(self._request(url, item, method="HEAD"))
        except Exception:  # noqa: BLE001 - no answer: fetch the file as if new
            return False
        length = (response.headers.get(b"Content-Length") or b"").strip()
        return response.status < 400 and length.isdigit() and int(length) == known.size

    def _request(self, url: str, item: Article, method: str = "GET") -> Request:
        return Request(
            url,
            method=method,
            meta={request_meta.SOURCE: item.source, "download_maxsize": self.max_bytes},
            dont_filter=True,
        )

    def _failed(
        self, url: str, name: str, item: Article, kind: str, fetched_at: str
    ) -> AttachmentFile:
        stats.count_reason(self.stats, stats.ATTACHMENT_ERRORS, kind, item.source)
        logger.warning("attachment not fetched (%s): %s", kind, url)
        return AttachmentFile(url=url, file_name=name, fetched_at=fetched_at, error=kind)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)

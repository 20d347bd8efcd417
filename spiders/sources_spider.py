"""The generic spider: crawls every configured source (listing pages, feeds, sitemaps)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from crawler.archive import Archive
from crawler.clean.pagination import find_pagination
from crawler.items import Article
from crawler.sources import Source, load_sources
from crawler.text.urls import canonical_url

logger = logging.getLogger(__name__)

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
_CHARSET = re.compile(rb"charset=[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# Links that never lead to an article page.
NOT_PAGES = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|bmp|ico|css|js|pdf|docx?|xlsx?|pptx?|ofd|wps|zip|rar|7z|mp[34]|avi|mov)(?:$|\?)",
    re.I,
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _header_charset(response: Response) -> str | None:
    match = _CHARSET.search(response.headers.get(b"Content-Type") or b"")
    return match.group(1).decode("ascii") if match else None


class SourcesSpider(Spider):
    """Crawl the sources of a sources file; yield one Article per article page.

    Spider arguments: ``sources`` (path; default setting ``XIETONG_SOURCES``), ``only``
    (comma-separated source names), ``substitutions`` (JSON object filling URL
    placeholders such as ``{demo:hebnews}``).
    Settings: ``XIETONG_SOURCES``, ``XIETONG_DB``, ``XIETONG_INCREMENTAL_ENABLED`` (skip
    article pages already in the archive) and ``XIETONG_SPIDER_MAX_PAGES_PER_SOURCE`` (stop
    following links of a source after this many requests; 0 = no cap).
    Stats: ``xietong/source/<name>/pages``, ``…/errors`` and ``…/errors/<kind>``,
    ``xietong/errors/<kind>``, ``xietong/dropped/<reason>``, ``xietong/incremental/skipped``,
    ``xietong/limits/max_depth`` and ``xietong/limits/max_pages`` (links not followed), each
    also per source under ``xietong/source/<name>/``.
    """

    name = "sources"

    def __init__(
        self, sources: str | None = None, only: str = "", substitutions: str = "{}", **kwargs: Any
    ):
        super().__init__(**kwargs)
        self.sources_path = sources
        self.only = [name for name in only.split(",") if name]
        self.substitutions: dict[str, str] = json.loads(substitutions) if substitutions else {}
        self.sources: dict[str, Source] = {}
        self.known_urls: set[str] = set()
        self.max_pages_per_source = 0
        self.requested: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourcesSpider:
        """Build the spider and load its sources (a bad file fails here, before any fetch)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        path = spider.sources_path or settings.get("XIETONG_SOURCES")
        loaded = load_sources(path, spider.substitutions)
        spider.sources = {s.name: s for s in loaded if not spider.only or s.name in spider.only}
        spider.max_pages_per_source = settings.getint("XIETONG_SPIDER_MAX_PAGES_PER_SOURCE", 0)
        if settings.getbool("XIETONG_INCREMENTAL_ENABLED", True):
            archive = Archive.open(settings.get("XIETONG_DB"))
            try:
                spider.known_urls = archive.known_urls()
            finally:
                archive.close()
        return spider

    # --- entry points ----------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        """Request every start page, feed and sitemap of every source."""
        for source in self.sources.values():
            logger.info("source %s: %d entry URLs", source.name, len(source.entry_urls))
            for url in source.start_urls:
                yield self._request(url, source, self.parse_page, depth=0)
            for url in source.feeds:
                yield self._request(url, source, self.parse_feed, depth=0)
            for url in source.sitemaps:
                yield self._request(url, source, self.parse_sitemap, depth=0)

    def _request(self, url: str, source: Source, callback: Any, depth: int, **meta: Any) -> Request:
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta={"source": source.name, "source_depth": depth, **meta},
        )

    def _source(self, response: Response) -> Source:
        return self.sources[response.meta["source"]]

    def _inc(self, key: str, source: Source | None = None) -> None:
        """Count ``xietong/<what>``, and ``xietong/source/<name>/<what>`` for a source."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)
        if source is not None:
            self.crawler.stats.inc_value(
                "xietong/source/%s/%s" % (source.name, key.removeprefix("xietong/"))
            )

    def _article_request(self, url: str, source: Source, depth: int, **meta: Any) -> Request | None:
        """Request an article page unless the archive already has it (incremental crawl)."""
        if not source.refresh and canonical_url(url) in self.known_urls:
            self.crawler.stats.inc_value("xietong/incremental/skipped")  # type: ignore[union-attr]
            self.crawler.stats.inc_value("xietong/source/%s/skipped" % source.name)  # type: ignore[union-attr]
            return None
        if self.max_pages_per_source:
            requested = self.requested.get(source.name, 0)
            if requested >= self.max_pages_per_source:
                self._inc("xietong/limits/max_pages", source)
                if requested == self.max_pages_per_source:
                    logger.warning(
                        "source %s reached %d requests (XIETONG_SPIDER_MAX_PAGES_PER_SOURCE),"
                        " not following more links: %s",
                        source.name,
                        requested,
                        url,
                    )
                    self.requested[source.name] = requested + 1
                return None
            self.requested[source.name] = requested + 1
        return self._request(url, source, self.parse_page, depth=depth, **meta)

    # --- listing and article pages ---------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Request | Article]:
        """Yield the page as an Article candidate and follow its links within the source."""
        source = self._source(response)
        self._inc("xietong/source/%s/pages" % source.name)
        if not self._is_html(response, source):
            return
        assert isinstance(response, TextResponse)
        html = self._text(response, source)
        pagination = find_pagination(html, response.url)
        yield from self._follow_links(
            response, source, exclude={url for _, url in pagination.pages} if pagination else set()
        )
        if not self._may_be_article(response.url, source):
            return
        item = self._new_item(response, source)
        if pagination is None:
            yield item
        elif pagination.is_first:
            yield from self._next_page(item, pagination.other_urls(), source)
        else:
            logger.debug(
                "page %d of a multi-page article, fetched with page 1: %s",
                pagination.current,
                response.url,
            )

    def _next_page(
        self, item: Article, remaining: list[str], source: Source
    ) -> Iterator[Request | Article]:
        if not remaining:
            yield item
            return
        request = self._request(remaining[0], source, self.parse_next_page, depth=source.max_depth)
        request.dont_filter = True
        request.errback = self.next_page_failed
        request.cb_kwargs.update({"item": item, "remaining": remaining[1:]})
        yield request

    def parse_next_page(
        self, response: Response, item: Article, remaining: list[str]
    ) -> Iterator[Request | Article]:
        """Add a later page of a multi-page article; yield the article after its last page."""
        source = self._source(response)
        self._inc("xietong/source/%s/pages" % source.name)
        if self._is_html(response, source):
            item.raw_pages.append(response.body)
            item.page_urls.append(response.url)
        yield from self._next_page(item, remaining, source)

    def next_page_failed(self, failure: Failure) -> Iterator[Article]:
        """Store what we have of a multi-page article when a later page fails."""
        self.on_error(failure)
        request = failure.request  # type: ignore[attr-defined]
        item: Article = request.cb_kwargs["item"]
        self._inc("xietong/multipage/incomplete")
        logger.warning(
            "page of a multi-page article failed, storing %d pages: %s",
            len(item.raw_pages),
            request.url,
        )
        yield item

    def _new_item(self, response: Response, source: Source) -> Article:
        return Article(
            url=response.url,
            source=source.name,
            fetched_at=_now(),
            kind="" if source.kind == "auto" else source.kind,
            site=source.site_name,
            page_urls=[response.url],
            raw_pages=[response.body],
            declared_encoding=source.encoding or _header_charset(response),
            selectors=dict(source.selectors),
            feed_published_at=response.meta.get("feed_published_at"),
            require_topics=source.require_topics,
        )

    def _may_be_article(self, url: str, source: Source) -> bool:
        if not source.article_urls:
            return True  # the cleaner judges
        return any(re.search(pattern, url) for pattern in source.article_urls)

    def _is_html(self, response: Response, source: Source) -> bool:
        content_type = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
        if content_type and content_type not in HTML_TYPES:
            self._inc("xietong/dropped/not_html", source)
            logger.info("not an HTML page (%s): %s", content_type.decode("latin-1"), response.url)
            return False
        if not isinstance(response, TextResponse) or not response.body.strip():
            self._inc("xietong/dropped/empty", source)
            logger.info("empty or non-text response: %s", response.url)
            return False
        return True

    def _text(self, response: TextResponse, source: Source) -> str:
        if source.encoding:
            return response.body.decode(source.encoding, errors="replace")
        return response.text

    def _follow_links(
        self, response: TextResponse, source: Source, exclude: set[str]
    ) -> Iterator[Request]:
        depth = response.meta.get("source_depth", 0)
        if depth >= source.max_depth:
            if source.article_urls and not self._may_be_article(response.url, source):
                # A listing page at the depth limit: its links stay unfollowed (this is
                # what stops an endless calendar trap).
                self._inc("xietong/limits/max_depth", source)
            return
        extractor = LinkExtractor(allow=source.follow or (), deny_extensions=[], unique=True)
        hosts = source.hosts()
        for link in extractor.extract_links(response):
            url = link.url
            if url in exclude or NOT_PAGES.search(url) or urlsplit(url).netloc.lower() not in hosts:
                continue
            request = self._article_request(url, source, depth + 1)
            if request is not None:
                yield request

    # --- feeds and sitemaps ------------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[Request]:
        """Request every entry of an RSS or Atom feed."""
        source = self._source(response)
        self._inc("xietong/source/%s/pages" % source.name)
        root = self._xml(response, source)
        if root is None:
            return
        entries = 0
        for node in root.iter():
            tag = lxml.etree.QName(node).localname if isinstance(node.tag, str) else ""
            if tag not in ("item", "entry"):
                continue
            link, published = None, None
            for child in node:
                if not isinstance(child.tag, str):
                    continue
                name = lxml.etree.QName(child).localname
                if name == "link":
                    link = child.get("href") or (child.text or "").strip()
                elif (
                    name in ("pubDate", "published", "updated", "date")
                    and child.text
                    and published is None
                ):
                    published = _feed_date(child.text.strip())
            if link:
                entries += 1
                request = self._article_request(
                    urljoin(response.url, link),
                    source,
                    source.max_depth,
                    feed_published_at=published,
                )
                if request is not None:
                    yield request
        logger.info("feed of %s: %d entries: %s", source.name, entries, response.url)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Request the pages of a sitemap, or the sitemaps of a sitemap index."""
        source = self._source(response)
        self._inc("xietong/source/%s/pages" % source.name)
        root = self._xml(response, source)
        if root is None:
            return
        kind = lxml.etree.QName(root).localname
        for node in root:
            if not isinstance(node.tag, str):
                continue
            loc = next(
                (
                    c.text.strip()
                    for c in node
                    if isinstance(c.tag, str) and lxml.etree.QName(c).localname == "loc" and c.text
                ),
                None,
            )
            if not loc:
                continue
            if kind == "sitemapindex":
                yield self._request(urljoin(response.url, loc), source, self.parse_sitemap, depth=0)
            else:
                request = self._article_request(
                    urljoin(response.url, loc), source, source.max_depth
                )
                if request is not None:
                    yield request

    def _xml(self, response: Response, source: Source) -> lxml.etree._Element | None:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body)
        try:
            parser = lxml.etree.XMLParser(
                resolve_entities=False, no_network=True, recover=True, huge_tree=False
            )
            root = lxml.etree.fromstring(body, parser=parser)
        except lxml.etree.XMLSyntaxError:
            root = None
        if root is None:
            self._inc("xietong/errors/bad_xml", source)
            self.crawler.stats.inc_value("xietong/source/%s/errors" % source.name)  # type: ignore[union-attr]
            logger.warning("feed or sitemap is not XML: %s", response.url)
        return root

    # --- failures ----------------------------------------------------------------------------
    def on_error(self, failure: Failure) -> None:
        """Log and count a failed request; the crawl goes on."""
        request = failure.request  # type: ignore[attr-defined]
        source = self.sources.get(request.meta.get("source", ""))
        kind = error_kind(failure)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("xietong/errors/%s" % kind)
        if source is not None:
            self.crawler.stats.inc_value("xietong/source/%s/errors" % source.name)
            self.crawler.stats.inc_value("xietong/source/%s/errors/%s" % (source.name, kind))
        logger.warning("fetch failed (%s): %s", kind, request.url)


# Why Scrapy ignored a request, by a phrase of its IgnoreRequest message.
IGNORED_BECAUSE = (
    ("robots.txt", "robots_forbidden"),
    ("max redirections", "redirect_loop"),
    ("DOWNLOAD_MAXSIZE", "too_large"),
    ("offsite", "offsite"),
)

# Twisted and Scrapy failures of a connection that broke (reset, closed before the end).
CONNECTION_FAILURES = frozenset(
    (
        "ResponseNeverReceived",
        "ResponseFailed",
        "ConnectionLost",
        "ConnectionDone",
        "DownloadFailedError",
    )
)


def error_kind(failure: Failure) -> str:
    """Name why a request failed, for the ``xietong/errors/<kind>`` stats."""
    if failure.check(HttpError):
        return "http_%d" % failure.value.response.status
    if failure.check(DownloadTimeoutError, TwistedTimeoutError):
        return "timeout"
    if failure.check(ResponseDataLossError):
        return "data_loss"  # body shorter than its Content-Length
    if failure.check(DownloadCancelledError):
        # Scrapy's HTTP handler cancels a download itself only when the body passes
        # DOWNLOAD_MAXSIZE (announced by Content-Length, or counted while it arrives).
        return "too_large"
    if failure.check(DownloadConnectionRefusedError):
        return "connection_refused"
    if failure.check(CannotResolveHostError):
        return "dns"
    if failure.check(IgnoreRequest):
        message = str(failure.value)
        for phrase, kind in IGNORED_BECAUSE:
            if phrase in message:
                return kind
        return "ignored"
    name = failure.type.__name__ if failure.type else "unknown"
    return "connection_lost" if name in CONNECTION_FAILURES else name


def _feed_date(value: str) -> str | None:
    """Return a feed entry's date as ISO 8601 with offset (RFC 822 or ISO input)."""
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None

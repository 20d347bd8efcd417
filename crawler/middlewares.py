"""Our middlewares: known URLs, pages per source, Retry-After, redirects, robots.txt.

Known URLs make re-crawls incremental; the page cap counts downloads per source;
redirects stay within their source; robots.txt of an unreachable host is one line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.misc import load_object
from scrapy.utils.response import response_status_message

from crawler import request_meta, stats
from crawler.text.urls import canonical_url

logger = logging.getLogger(__name__)


class KnownUrlsMiddleware(BaseSpiderMiddleware):
    """Skip links to article pages already in the archive (an incremental re-crawl).

    Only followed links are checked (start pages, feeds and sitemaps are always fetched),
    and not those of a source with ``refresh = true``: their pages are fetched again and
    reach the pipelines. The known URLs are read once, when the crawl starts: from the
    archive in a local crawl, from the Redis set ``xietong ingest`` keeps in a distributed
    one (a worker needs no SQLite file).

    Settings: ``XIETONG_INCREMENTAL_ENABLED``, ``XIETONG_INCREMENTAL_KNOWN_URLS`` (the
    function that reads them: the archive's, or on a distributed worker the Redis set's).
    Stats: ``xietong/incremental/skipped`` and per source ``xietong/source/<name>/skipped``.
    """

    def __init__(self, known: Iterable[str], stats_collector: Any = None):
        self.known = set(known)
        self.stats = stats_collector

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownUrlsMiddleware:
        """Read the known URLs; NotConfigured when incremental crawling is off."""
        settings = crawler.settings
        if not settings.getbool("XIETONG_INCREMENTAL_ENABLED", True):
            raise NotConfigured("XIETONG_INCREMENTAL_ENABLED is off")
        reader = settings.get("XIETONG_INCREMENTAL_KNOWN_URLS")
        if not reader:
            raise NotConfigured("XIETONG_INCREMENTAL_KNOWN_URLS names no reader")
        assert crawler.spidercls is not None
        read_known_urls = load_object(reader)
        known = read_known_urls(settings, crawler.spidercls.name)
        logger.info("incremental crawl: %d article URLs already archived", len(known))
        return cls(known, crawler.stats)

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        """Drop a followed link whose page is archived, unless its source refreshes.

        The next page of a column list is dropped too when the page before it listed
        only archived items: a scheduled crawl has reached what it already knows.
        """
        meta = request.meta
        if meta.get(request_meta.REFRESH):
            return request
        listed = meta.get(request_meta.LISTED_URLS)
        if listed and all(url in self.known for url in listed):
            stats.count_reason(
                self.stats, stats.PAGING, stats.STOPPED_KNOWN, meta.get(request_meta.SOURCE, "")
            )
            logger.info(
                "column paging stopped: the page before lists only archived items: %s", request.url
            )
            return None
        if not meta.get(request_meta.FOLLOWED_LINK):
            return request
        if canonical_url(request.url) not in self.known:
            return request
        if self.stats is not None:
            self.stats.inc_value(stats.INCREMENTAL_SKIPPED)
            stats.count_source(self.stats, meta.get(request_meta.SOURCE, ""), stats.SKIPPED)
        logger.debug("already archived, not fetched: %s", request.url)
        return None


class SourcePageCapMiddleware(BaseSpiderMiddleware):
    """Stop following the links of a source once it has downloaded a number of pages.

    A guard against link traps (endless calendars, faceted listings). What counts is the
    responses the source received (after Scrapy's duplicate filter), not the links it
    found: the navigation every page repeats is filtered as a duplicate and costs
    nothing. Links found after the cap are not followed; those already queued are still
    fetched. Settings: ``XIETONG_SPIDER_MAX_PAGES_PER_SOURCE`` (0: no cap, NotConfigured).
    Stats: ``xietong/limits/max_pages`` and per source ``…/limits/max_pages``.
    """

    def __init__(self, max_pages: int, stats_collector: Any = None):
        self.max_pages = max_pages
        self.stats = stats_collector
        self.downloaded: dict[str, int] = {}
        self.warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SourcePageCapMiddleware:
        """Build the middleware; NotConfigured when there is no cap."""
        max_pages = crawler.settings.getint("XIETONG_SPIDER_MAX_PAGES_PER_SOURCE", 0)
        if max_pages <= 0:
            raise NotConfigured("XIETONG_SPIDER_MAX_PAGES_PER_SOURCE is 0")
        return cls(max_pages, crawler.stats)

    def process_spider_input(self, response: Response) -> None:
        """Count a response of a source (it was downloaded: the duplicate filter let it by)."""
        source = response.meta.get(request_meta.SOURCE)
        if source is not None:
            self.downloaded[source] = self.downloaded.get(source, 0) + 1

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        """Let a followed link, or a column's next page, through while its source is under the cap."""
        meta = request.meta
        if not meta.get(request_meta.FOLLOWED_LINK) and request_meta.COLUMN_READ not in meta:
            return request
        source = request.meta.get(request_meta.SOURCE, "")
        downloaded = self.downloaded.get(source, 0)
        if downloaded < self.max_pages:
            return request
        stats.count_reason(self.stats, stats.LIMITS, "max_pages", source)
        if source not in self.warned:
            self.warned.add(source)
            logger.warning(
                "source %s downloaded %d pages (XIETONG_SPIDER_MAX_PAGES_PER_SOURCE),"
                " not following more links: %s",
                source,
                downloaded,
                request.url,
            )
        return None


class OffsiteRedirect(IgnoreRequest):
    """A redirect (HTTP or meta refresh) leading off its source's hosts, not followed."""


class SourceHostsMiddleware:
    """Follow redirects only within the hosts of the request's source.

    Scrapy follows HTTP redirects and ``<meta http-equiv="refresh">`` (also one a script
    writes) wherever they lead; a redirect off the source (start URLs' hosts and its
    ``allowed_domains``) is dropped here, before robots.txt or DNS are asked about the
    other host, with one log line. Attachment downloads are left alone: a policy's files
    are often served from another host. Stats: ``xietong/dropped/offsite_redirect`` and per
    source ``…/dropped/offsite_redirect``.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.hosts: dict[str, set[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SourceHostsMiddleware:
        """Build the middleware for a crawl."""
        return cls(crawler)

    def _hosts(self, source: str) -> set[str] | None:
        hosts = self.hosts.get(source)
        if hosts is None:
            configured = getattr(self.crawler.spider, "sources", {}).get(source)
            if configured is None:
                return None
            hosts = self.hosts[source] = configured.hosts()
        return hosts

    def process_request(self, request: Request) -> None:
        """Drop a redirected request whose host is not one of its source's."""
        redirected_from = request.meta.get("redirect_urls")
        source = request.meta.get(request_meta.SOURCE)
        if not redirected_from or source is None or request_meta.SOURCE_DEPTH not in request.meta:
            return  # not redirected, or an attachment (its file may be served elsewhere)
        hosts = self._hosts(source)
        if hosts is None or urlsplit(request.url).netloc.lower() in hosts:
            return
        stats.count_reason(self.crawler.stats, stats.DROPPED, stats.OFFSITE_REDIRECT, source)
        logger.warning(
            "redirect off the source %s, not followed: %s -> %s",
            source,
            redirected_from[0],
            request.url,
        )
        raise OffsiteRedirect("off-site redirect: %s" % request.url)


# Failures that say a host cannot be reached at all: not retried within a crawl (a name that
# does not resolve, or a port nobody listens on, answers the same a second later).
UNREACHABLE = (CannotResolveHostError, DownloadConnectionRefusedError)


def _robots_failure_in_one_line(record: logging.LogRecord) -> bool:
    """Turn Scrapy's robots.txt traceback for an unreachable host into one DEBUG line."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, UNREACHABLE):
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        record.msg = "robots.txt unreachable (%s): %s"
        args = record.args if isinstance(record.args, Mapping) else {}
        record.args = (type(error).__name__, args.get("request", ""))
    return True


class OneLineRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, without a traceback when a host cannot be reached.

    The page's own request then fails the same way and is logged once, with its kind
    (``fetch failed (dns): URL``). Settings: Scrapy's ``ROBOTSTXT_*``.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        robots_logger = logging.getLogger(RobotsTxtMiddleware.__module__)
        if _robots_failure_in_one_line not in robots_logger.filters:
            robots_logger.addFilter(_robots_failure_in_one_line)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Return the wait a ``Retry-After`` header asks for, in seconds (None if absent or unreadable).

    The header holds either a number of seconds or an HTTP date (RFC 9110, 10.2.3).
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Retry like Scrapy's RetryMiddleware, but after the wait a 429/503 answer asks for.

    Scrapy retries a 503 at once, which is what an overloaded news site asks us not to
    do. A wait longer than ``XIETONG_RETRY_AFTER_MAX`` seconds gives the page up for this
    crawl (the next scheduled crawl tries again); the response then fails as an HTTP error.

    Settings: ``XIETONG_RETRY_AFTER_MAX``, and Scrapy's ``RETRY_*`` settings.
    Stats: ``xietong/retry_after/waited``, ``xietong/retry_after/too_long``.
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("XIETONG_RETRY_AFTER_MAX", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        """Build the middleware from the crawl's settings."""
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        """Retry as Scrapy does, except a host that cannot be reached (DNS, refused)."""
        if isinstance(exception, UNREACHABLE):
            return None
        return super().process_exception(request, exception)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        """Wait as asked, then retry; other answers go to Scrapy's retry logic."""
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        crawl_stats: Any = self.crawler.stats
        if delay is not None and delay > self.max_wait:
            crawl_stats.inc_value(stats.RETRY_AFTER_TOO_LONG)
            logger.warning(
                "gave up: the server asks to wait %.0f s (over XIETONG_RETRY_AFTER_MAX %.0f s): %s",
                delay,
                self.max_wait,
                request.url,
            )
            return response
        if delay:
            crawl_stats.inc_value(stats.RETRY_AFTER_WAITED)
            logger.info("waiting %.1f s as Retry-After asks: %s", delay, request.url)
            await asyncio.sleep(delay)
        return self._retry(request, response_status_message(response.status)) or response

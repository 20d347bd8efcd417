"""Downloader middlewares of our own."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


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

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        """Wait as asked, then retry; other answers go to Scrapy's retry logic."""
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        stats: Any = self.crawler.stats
        if delay is not None and delay > self.max_wait:
            stats.inc_value("xietong/retry_after/too_long")
            logger.warning(
                "gave up: the server asks to wait %.0f s (over XIETONG_RETRY_AFTER_MAX %.0f s): %s",
                delay,
                self.max_wait,
                request.url,
            )
            return response
        if delay:
            stats.inc_value("xietong/retry_after/waited")
            logger.info("waiting %.1f s as Retry-After asks: %s", delay, request.url)
            await asyncio.sleep(delay)
        return self._retry(request, response_status_message(response.status)) or response

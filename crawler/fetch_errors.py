"""Name why a request failed: the kind in the ``xietong/errors/<kind>`` stats.

Read by the spider (pages) and the attachments pipeline (files) alike, so a failure is
named the same whichever of them fetched it.
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

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

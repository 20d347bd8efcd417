"""Canonical URLs: one spelling per page, so the same page is recognized on every visit."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that track a visitor, never select a page.
TRACKING_PARAMETERS = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "spm",
        "from",
        "share",
        "share_token",
        "isappinstalled",
        "fbclid",
        "gclid",
        "wfr",
        "scene",
    }
)


def canonical_url(url: str) -> str:
    """Return the canonical form of ``url``: no fragment, no tracking parameters, sorted query."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMETERS
    ]
    host = (parts.hostname or "").lower()
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80)
        or (parts.scheme == "https" and parts.port == 443)
    ):
        host = "%s:%d" % (host, parts.port)
    path = parts.path or "/"
    cleaned = urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))
    return canonicalize_url(cleaned, keep_fragments=False)


def file_name(url: str) -> str:
    """Return the last part of a URL's path (an attachment's file name), or the URL itself."""
    tail = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return tail or url

"""What to crawl: load and validate a sources file (TOML, one ``[[sources]]`` table per site)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml.cssselect import CSSSelector, SelectorError

# "auto" lets the cleaner decide per page (a policy header table or a document title makes it policy).
KINDS = ("news", "policy", "auto")
SELECTOR_KEYS = ("title", "body", "published_at", "outlet", "author", "editor")
_PLACEHOLDER = re.compile(r"\{([a-z]+:[A-Za-z0-9_.-]+)\}")
# Placeholders of the bundled demo sites, filled only by `xietong demo` (and its checks).
DEMO_PREFIX = "demo:"

# Every field a source may have, with its type and default; the README documents each one.
FIELDS: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "name": (str, None),
    "kind": (str, None),
    "start_urls": (list, []),
    "feeds": (list, []),
    "sitemaps": (list, []),
    "follow": (list, []),
    "article_urls": (list, []),
    "max_depth": (int, 2),
    "max_pages": (int, 50),
    "since": ((str, date), None),  # a TOML date, or a string YYYY-MM-DD
    "encoding": (str, None),
    "allowed_domains": (list, []),
    "site_name": (str, None),
    "selectors": (dict, {}),
    "require_topics": (bool, False),
    "refresh": (bool, False),
    "render": (bool, False),
    "verified": (bool, True),
    "note": (str, None),
}


class SourceConfigError(ValueError):
    """A sources file that cannot be used; the message names file, source and field."""

    def __init__(self, path: str | Path, source: str | None, field_name: str | None, problem: str):
        where = str(path)
        if source is not None:
            where += ": source %r" % source
        if field_name is not None:
            where += ": field %r" % field_name
        super().__init__("%s: %s" % (where, problem))


@dataclass(frozen=True)
class Source:
    """One site to crawl, as configured."""

    name: str
    kind: str
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    article_urls: tuple[str, ...] = ()
    max_depth: int = 2
    # Pages of one column list read at most (its first page included): the paging the
    # site's CMS writes (``index_1.html`` …) is walked up to here.
    max_pages: int = 50
    # ISO date: a column stops paging at a list page whose dated items are all older.
    since: str | None = None
    encoding: str | None = None
    allowed_domains: tuple[str, ...] = ()
    site_name: str | None = None
    selectors: Mapping[str, str] = field(default_factory=dict)
    require_topics: bool = False
    refresh: bool = False
    # Fetch its pages through a real browser (scrapy-playwright, the `render` extra), for
    # sites whose text a script writes.
    render: bool = False
    verified: bool = True
    note: str | None = None

    @property
    def entry_urls(self) -> tuple[str, ...]:
        """Return every URL the crawl of this source starts from."""
        return self.start_urls + self.feeds + self.sitemaps

    def hosts(self) -> set[str]:
        """Return the host:port pairs whose links count as this site's own."""
        hosts = {urlsplit(u).netloc.lower() for u in self.entry_urls}
        hosts.update(d.lower() for d in self.allowed_domains)
        return hosts


def _substitute(
    value: str, substitutions: Mapping[str, str], path: Path, name: str, key: str
) -> str:
    def replace(match: re.Match[str]) -> str:
        placeholder = match.group(1)
        if placeholder not in substitutions:
            if placeholder.startswith(DEMO_PREFIX) and not any(
                known.startswith(DEMO_PREFIX) for known in substitutions
            ):
                problem = (
                    "placeholder {%s} is filled only by `xietong demo`, which serves the demo "
                    "sites and crawls them" % placeholder
                )
            else:
                known = ", ".join("{%s}" % known for known in sorted(substitutions)) or "none"
                problem = "unknown placeholder {%s} (known: %s)" % (placeholder, known)
            raise SourceConfigError(path, name, key, problem)
        return substitutions[placeholder]

    return _PLACEHOLDER.sub(replace, value)


def _check_url(url: str, path: Path, name: str, key: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceConfigError(path, name, key, "not an http(s) URL: %r" % url)


def _parse_source(raw: Any, index: int, path: Path, substitutions: Mapping[str, str]) -> Source:
    if not isinstance(raw, dict):
        raise SourceConfigError(
            path, "#%d" % (index + 1), None, "each [[sources]] entry must be a table"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SourceConfigError(path, "#%d" % (index + 1), "name", "required, a non-empty string")
    for key in raw:
        if key not in FIELDS:
            raise SourceConfigError(
                path, name, key, "unknown field (known: %s)" % ", ".join(FIELDS)
            )
    values: dict[str, Any] = {}
    for key, (expected, default) in FIELDS.items():
        value = raw.get(key, default)
        if key == "kind" and value is None:
            raise SourceConfigError(path, name, key, "required, one of %s" % " | ".join(KINDS))
        if value is None:
            values[key] = None
            continue
        # bool is an int in Python; a max_depth of `true` is still a mistake.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise SourceConfigError(
                path,
                name,
                key,
                "expected %s, got %s"
                % (getattr(expected, "__name__", expected), type(value).__name__),
            )
        values[key] = value
    if values["kind"] not in KINDS:
        raise SourceConfigError(
            path, name, "kind", "must be one of %s, got %r" % (" | ".join(KINDS), values["kind"])
        )
    if values["max_depth"] < 0:
        raise SourceConfigError(path, name, "max_depth", "must be 0 or more")
    if values["max_pages"] < 1:
        raise SourceConfigError(path, name, "max_pages", "must be 1 or more")
    if isinstance(values["since"], date):
        values["since"] = values["since"].isoformat()[:10]
    elif values["since"] is not None:
        try:
            date.fromisoformat(values["since"])
        except ValueError:
            raise SourceConfigError(
                path, name, "since", "not a date YYYY-MM-DD: %r" % values["since"]
            ) from None
    for key in ("start_urls", "feeds", "sitemaps", "follow", "article_urls", "allowed_domains"):
        items = values[key]
        if not all(isinstance(item, str) for item in items):
            raise SourceConfigError(path, name, key, "must be a list of strings")
        if key in ("start_urls", "feeds", "sitemaps"):
            items = [_substitute(item, substitutions, path, name, key) for item in items]
            for url in items:
                _check_url(url, path, name, key)
        if key in ("follow", "article_urls"):
            for pattern in items:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise SourceConfigError(
                        path, name, key, "bad regex %r: %s" % (pattern, exc)
                    ) from None
        values[key] = tuple(items)
    if not (values["start_urls"] or values["feeds"] or values["sitemaps"]):
        raise SourceConfigError(
            path, name, "start_urls", "a source needs at least one of start_urls, feeds, sitemaps"
        )
    for key, selector in values["selectors"].items():
        if key not in SELECTOR_KEYS or not isinstance(selector, str):
            raise SourceConfigError(
                path,
                name,
                "selectors",
                "%r: keys are %s, values CSS selector strings" % (key, ", ".join(SELECTOR_KEYS)),
            )
        try:
            CSSSelector(selector, translator="html")
        except SelectorError as exc:
            raise SourceConfigError(
                path, name, "selectors", "%s: bad CSS selector %r: %s" % (key, selector, exc)
            ) from None
    if values["encoding"] is not None:
        try:
            "".encode(values["encoding"])
        except LookupError:
            raise SourceConfigError(
                path, name, "encoding", "unknown encoding %r" % values["encoding"]
            ) from None
    return Source(**values)


def load_sources(path: str | Path, substitutions: Mapping[str, str] | None = None) -> list[Source]:
    """Read and validate a sources file; raise SourceConfigError naming file, source and field.

    ``substitutions`` fills placeholders such as ``{demo:hebnews}`` in URLs.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceConfigError(path, None, None, "no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceConfigError(path, None, None, "not valid TOML: %s" % exc) from None
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        raise SourceConfigError(
            path, None, "sources", "the file needs one or more [[sources]] tables"
        )
    sources = [
        _parse_source(raw, i, path, substitutions if substitutions is not None else {})
        for i, raw in enumerate(entries)
    ]
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise SourceConfigError(path, source.name, "name", "duplicate source name")
        seen.add(source.name)
    return sources

"""Every Xietong stats key, and the helpers that build per-source keys and read them back.

Keys are slash names under ``xietong/`` (Scrapy's own keys, e.g. ``downloader/…``, stay
as Scrapy names them). What a crawl counts for one source lives under
``xietong/source/<name>/``: a plain counter (``pages``, ``stored`` …) or a reason inside a
group (``dropped/off_topic``, ``errors/timeout``, ``limits/max_depth``). Writers build
keys here and readers (the end-of-crawl table, run monitoring, ``xietong ingest``) parse
them back here, so a key is spelled once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

PREFIX = "xietong/"
SOURCE_PREFIX = PREFIX + "source/"

# --- Whole-crawl counters ----------------------------------------------------------------
INCREMENTAL_SKIPPED = PREFIX + "incremental/skipped"  # article links not fetched: archived
MULTIPAGE_INCOMPLETE = PREFIX + "multipage/incomplete"  # stored without a failed later page
RETRY_AFTER_WAITED = PREFIX + "retry_after/waited"
RETRY_AFTER_TOO_LONG = PREFIX + "retry_after/too_long"
STORE_NEW_ARTICLES = PREFIX + "store/new_articles"
STORE_APPEARANCES = PREFIX + "store/appearances"
STORE_REVISED = PREFIX + "store/revised"  # pages met again whose text or validity changed
REDIS_QUEUED_ITEMS = PREFIX + "redis/queued_items"  # articles a worker queued for ingest
REDIS_HANDOFFS = PREFIX + "redis/handoffs"  # requests an idle worker picked up
INGEST_ITEMS = PREFIX + "ingest/items"
MONITOR_RUN_ID = PREFIX + "monitor/run_id"
MONITOR_WARNINGS = PREFIX + "monitor/warnings"  # list of one-line health warnings
SITEMAP_TOO_LARGE = PREFIX + "sitemap/too_large"  # gzip sitemaps inflating past the cap
ATTACHMENTS_FETCHED = PREFIX + "attachments/fetched"  # files downloaded (text or error)
ATTACHMENTS_UNCHANGED = PREFIX + "attachments/unchanged"  # archived, same URL and size: not fetched
ATTACHMENTS_BODIES = PREFIX + "attachments/bodies"  # pages (详见附件) given their attachment's text
ATTACHMENTS_BYTES = PREFIX + "attachments/bytes"  # bytes of the files fetched

# --- Per-source counters: xietong/source/<name>/<counter> ----------------------------------
PAGES = "pages"  # responses received (listings, feeds, sitemaps, articles)
NEW_ARTICLES = "new_articles"
DUPLICATES = "duplicates"  # copies merged into an archived article
ERRORS = "errors"  # failed requests, all kinds
SKIPPED = "skipped"  # article links not fetched: already archived
STORED = "stored"  # appearances written
DATED = "dated"  # of those, with a publication date
ATTACHMENTS = "attachments"  # attachment files fetched
JS_SHELLS = "js_shells"  # pages whose text a script writes (an empty shell without a browser)
CAPTCHAS = "captchas"  # captcha or verification walls met instead of a page
COUNTERS = (
    PAGES,
    NEW_ARTICLES,
    DUPLICATES,
    ERRORS,
    SKIPPED,
    STORED,
    DATED,
    ATTACHMENTS,
    JS_SHELLS,
    CAPTCHAS,
)

# --- Groups of reasons: xietong/<group>/<reason>, and per source ---------------------------
DROPPED = "dropped"  # pages or items not kept: not_html, empty, not_article, off_topic …
ERROR_KINDS = "errors"  # why requests failed: http_404, timeout, too_large …
LIMITS = "limits"  # links not followed: max_depth, max_pages
DEDUP = "dedup"  # merge decisions: same_url, same_text, same_policy, near_duplicate
SCRIPT = "script"  # items by script: hans, hant, mixed
# Why an attachment gave no text: broken, encrypted, scanned, too_large, unsupported, or
# why its download failed (http_404, timeout, robots_forbidden …).
ATTACHMENT_ERRORS = "attachment_errors"
# Cleaner stages that failed on a page (its fields left empty, the page kept): by stage name
# (header_table, byline, dates …; crawler.clean.extract.STAGES).
CLEANER_WARNINGS = "cleaner_warnings"

# Error kinds the cleaner counts: a page it could not read at all (fetched again next run).
UNREADABLE = "unreadable"
# Pages by the CMS family recognised on them (trs, vsb, jeecms …): the source's family is
# the commonest (crawler/discover/families.py).
FAMILIES = "families"
# Column paging: pages requested by how the paging was found (create_page_html,
# pager_script, numbered_links, page_parameter, list_api), and why a walk stopped
# (stopped_known, stopped_since, stopped_max_pages).
PAGING = "paging"
GROUPS = (DROPPED, ERROR_KINDS, LIMITS, ATTACHMENT_ERRORS, CLEANER_WARNINGS, FAMILIES, PAGING)

# Column walks' stop reasons.
STOPPED_KNOWN = "stopped_known"  # the previous list page listed only archived items
STOPPED_SINCE = "stopped_since"  # its dated items were all older than the source's `since`
STOPPED_MAX_PAGES = "stopped_max_pages"  # the source's max_pages pages of the column were read

# Whole-crawl counter: responses written to the crawl's WARC file (crawler/ops/warc.py).
WARC_RECORDS = PREFIX + "warc/responses"
WARC_BYTES = PREFIX + "warc/bytes"
WARC_FILE = PREFIX + "warc/file"  # path of the run's WARC file

# Drop reasons a reader needs by name (writers may count others).
ALREADY_ARCHIVED = "already_archived"  # same URL as an archived article
OFF_TOPIC = "off_topic"  # a `require_topics` source's page without a cooperation topic
OFFSITE_REDIRECT = "offsite_redirect"  # a redirect (HTTP or meta refresh) off the source's hosts


class StatsCollector(Protocol):
    """The part of Scrapy's stats collector our components call."""

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        """Add ``count`` to a counter."""


def reason_key(group: str, reason: str) -> str:
    """Return the whole-crawl key of a reason: ``xietong/dropped/off_topic``."""
    return "%s%s/%s" % (PREFIX, group, reason)


def source_key(source: str, what: str) -> str:
    """Return a source's key: ``xietong/source/<source>/<what>``."""
    return "%s%s/%s" % (SOURCE_PREFIX, source, what)


def source_reason_key(source: str, group: str, reason: str) -> str:
    """Return a source's key of a reason: ``xietong/source/<source>/dropped/off_topic``."""
    return source_key(source, "%s/%s" % (group, reason))


def count_reason(stats: StatsCollector | None, group: str, reason: str, source: str) -> None:
    """Count a reason for the whole crawl and for its source."""
    if stats is not None:
        stats.inc_value(reason_key(group, reason))
        stats.inc_value(source_reason_key(source, group, reason))


def count_source(stats: StatsCollector | None, source: str, counter: str) -> None:
    """Count one of a source's plain counters."""
    if stats is not None:
        stats.inc_value(source_key(source, counter))


@dataclass(frozen=True)
class SourceKey:
    """A per-source key read back: ``counter`` or ``group`` + ``reason`` is set."""

    source: str
    counter: str | None = None
    group: str | None = None
    reason: str | None = None


def _parse_what(source: str, what: str) -> SourceKey | None:
    group, _, reason = what.partition("/")
    if reason and group in GROUPS:
        return SourceKey(source, group=group, reason=reason)
    if what in COUNTERS:
        return SourceKey(source, counter=what)
    return None


def parse_source_key(key: str) -> SourceKey | None:
    """Read a key built by :func:`source_key`; None for any other key.

    The source name is taken to be the first part after ``xietong/source/``; a reader that
    knows its sources' names uses :func:`per_source`, which needs no such guess.
    """
    if not key.startswith(SOURCE_PREFIX):
        return None
    source, _, what = key[len(SOURCE_PREFIX) :].partition("/")
    return _parse_what(source, what) if source else None


def source_names(keys: Iterable[str]) -> list[str]:
    """Return the sources that have a per-source key among ``keys``, sorted."""
    return sorted({parsed.source for key in keys if (parsed := parse_source_key(key))})


def per_source(stats: Mapping[str, Any], source: str) -> list[tuple[SourceKey, Any]]:
    """Return the per-source keys of one source, read back, with their values."""
    prefix = source_key(source, "")
    found = []
    for key, value in stats.items():
        if key.startswith(prefix):
            parsed = _parse_what(source, key[len(prefix) :])
            if parsed is not None:
                found.append((parsed, value))
    return found


@dataclass
class SourceSummary:
    """What one source contributed to a crawl, read back from its per-source keys."""

    name: str
    pages: int = 0
    new_articles: int = 0
    duplicates: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    skipped_known: int = 0  # article links not fetched: already archived (incremental)
    stored: int = 0  # appearances written to the archive
    dated: int = 0  # of those, with a publication date
    attachments: int = 0  # attachment files fetched
    attachment_errors: dict[str, int] = field(default_factory=dict)  # files without text, by why
    cleaner_warnings: dict[str, int] = field(default_factory=dict)  # failed cleaner stages
    js_shells: int = 0  # pages whose text a script writes
    captchas: int = 0  # captcha or verification walls
    families: dict[str, int] = field(default_factory=dict)  # pages by CMS family recognised
    paging: dict[str, int] = field(default_factory=dict)  # column pages by how; walks' stops

    @property
    def family(self) -> str | None:
        """Return the CMS family recognised on most of the source's pages, or None."""
        if not self.families:
            return None
        return max(sorted(self.families), key=lambda name: self.families[name])

    @property
    def article_pages(self) -> int:
        """Count the article pages the source produced, whether new to the archive or not."""
        return (
            self.new_articles
            + self.duplicates
            + self.skipped_known
            + self.dropped.get(ALREADY_ARCHIVED, 0)
            + self.dropped.get(OFF_TOPIC, 0)
        )


# SourceSummary fields of the per-source counters (each has the counter's name but one).
_SUMMARY_FIELDS = {counter: counter for counter in COUNTERS} | {SKIPPED: "skipped_known"}


def summarize_source(stats: Mapping[str, Any], source: str) -> SourceSummary:
    """Read one source's counters, drops and errors back from a crawl's stats."""
    summary = SourceSummary(name=source)
    for key, value in per_source(stats, source):
        if key.counter is not None:
            setattr(summary, _SUMMARY_FIELDS[key.counter], value)
        elif key.group == ERROR_KINDS:
            summary.errors_by_kind[key.reason or ""] = value
        elif key.group == ATTACHMENT_ERRORS:
            summary.attachment_errors[key.reason or ""] = value
        elif key.group == CLEANER_WARNINGS:
            summary.cleaner_warnings[key.reason or ""] = value
        elif key.group == FAMILIES:
            summary.families[key.reason or ""] = value
        elif key.group == PAGING:
            summary.paging[key.reason or ""] = value
        else:  # dropped, and links not followed (limits): both are pages not kept
            summary.dropped[key.reason or ""] = value
    return summary

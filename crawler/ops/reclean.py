"""Clean the kept responses again with the current cleaner: ``xietong reclean``.

Each article page kept in the WARC files (``crawler.ops.warc``) goes through the crawl's
own path — strip chrome, normalize script, tag topics, fingerprint — and into
``Archive.store``: a page whose text now reads differently revises its article (the old
text kept in ``article_revisions``), a page the cleaner once failed on or judged not to be
an article becomes an article (or a copy of one), an unchanged text leaves the article
as it is unless its title, date or outlet now read differently (``revise_fields``).
Attachments are not fetched again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.exceptions import DropItem

from crawler import stats
from crawler.archive import MERGED, NEW, REVISED, Archive, Stored
from crawler.archive.field_revisions import revise_fields
from crawler.items import Article
from crawler.ops.warc import StoredPage, read_pages
from pipelines.deduplicate import DeduplicatePipeline
from pipelines.normalize_script import NormalizeScriptPipeline
from pipelines.strip_chrome import StripChromePipeline
from pipelines.tag_topics import TagTopicsPipeline

logger = logging.getLogger(__name__)

# Outcomes of one page cleaned again.
RECOVERED = "recovered"  # not in the archive before: a new article or a copy of one
REVISED_TEXT = "revised_text"  # its text changed: the article revised, the old text kept
REVISED_FIELDS = "revised_fields"  # same text, a better title, date, outlet or author
UNCHANGED = "unchanged"
DROPPED = "dropped"  # still not an article (listing, help page …) or off topic


class CountingStats:
    """The part of Scrapy's stats collector the pipelines call, as a plain counter."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        """Add ``count`` to a counter."""
        self.values[key] += count


@dataclass
class RecleanSummary:
    """What cleaning the kept pages again did: pages by outcome, drops by reason, speed."""

    pages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        """Return the pages cleaned and stored per second."""
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    def lines(self) -> list[str]:
        """Render the summary as lines for the command line."""
        outcomes = ", ".join("%s %d" % (k, v) for k, v in sorted(self.outcomes.items()))
        lines = [
            "%d pages cleaned again in %.1f s (%.0f pages/s): %s"
            % (self.pages, self.seconds, self.pages_per_second, outcomes or "nothing")
        ]
        if self.dropped:
            lines.append(
                "not stored: %s"
                % ", ".join("%s %d" % (k, v) for k, v in sorted(self.dropped.items()))
            )
        return lines


def _item(page: StoredPage) -> Article:
    settings = page.settings
    kind = settings.get("kind") or "auto"
    return Article(
        url=page.url,
        source=page.source,
        fetched_at=page.fetched_at or datetime.now(UTC).isoformat(timespec="seconds"),
        kind="" if kind == "auto" else kind,
        site=settings.get("site_name"),
        page_urls=list(page.page_urls),
        raw_pages=list(page.bodies),
        declared_encoding=settings.get("encoding") or _charset(page.content_type),
        selectors=dict(settings.get("selectors") or {}),
        require_topics=bool(settings.get("require_topics")),
    )


def _with_settings(page: StoredPage, settings: dict[str, dict[str, Any]]) -> StoredPage:
    if page.source in settings:
        page.settings = settings[page.source]
    return page


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"'")
    return None


def _store_again(archive: Archive, item: Article) -> Stored | None:
    """Store a cleaned page again; None when its stored text must stand as it is.

    A page that only points to its attachment (详见附件) took its text from the file, which a
    reclean does not fetch: its archived text stands and only its own fields are compared.
    """
    if item.attachment_pointer and archive.has_url(item.canonical_url):
        return None
    return archive.store(item)


def reclean_pages(pages: Iterable[StoredPage], archive: Archive) -> RecleanSummary:
    """Clean ``pages`` again and store what changed; return the summary."""
    counters = CountingStats()
    strip = StripChromePipeline(stats=counters, workers=0)
    normalize = NormalizeScriptPipeline(stats=counters)
    tag = TagTopicsPipeline(stats=counters)
    fingerprint = DeduplicatePipeline()
    summary = RecleanSummary()
    started = time.perf_counter()
    replaced_at = datetime.now(UTC).isoformat(timespec="seconds")
    for page in pages:
        summary.pages += 1
        try:
            cleaned = strip.process_item(_item(page))
            assert isinstance(cleaned, Article)  # no worker processes: cleaned in this thread
            item = fingerprint.process_item(tag.process_item(normalize.process_item(cleaned)))
        except DropItem:
            summary.outcomes[DROPPED] += 1
            continue
        stored = _store_again(archive, item)
        if stored is not None and stored.outcome in (NEW, MERGED):
            summary.outcomes[RECOVERED] += 1
            logger.info("recovered (%s): %s", stored.outcome, page.url)
            continue
        if stored is not None and stored.outcome == REVISED:
            summary.outcomes[REVISED_TEXT] += 1
            continue
        changed = revise_fields(
            archive.db,
            item.canonical_url,
            {
                "title": item.title,
                "title_simplified": item.title_simplified,
                "published_at": item.published_at,
                "outlet": item.outlet,
                "outlet_simplified": item.outlet_simplified,
                "author": item.author,
                "author_simplified": item.author_simplified,
                "editor": item.editor,
            },
            replaced_at,
        )
        if changed:
            summary.outcomes[REVISED_FIELDS] += 1
            logger.info("revised %s: %s", ", ".join(changed), page.url)
        else:
            summary.outcomes[UNCHANGED] += 1
    archive.commit()
    summary.seconds = time.perf_counter() - started
    prefix = stats.PREFIX + stats.DROPPED + "/"
    summary.dropped.update(
        {key[len(prefix) :]: n for key, n in counters.values.items() if key.startswith(prefix)}
    )
    return summary


def reclean(
    db_path: str | Path,
    warc_dir: Path,
    source: str | None = None,
    since: str | None = None,
    settings: dict[str, dict[str, Any]] | None = None,
) -> RecleanSummary:
    """Clean the pages kept in ``warc_dir`` again into the archive at ``db_path``.

    ``settings`` (source name -> cleaning settings, as ``cleaning_settings`` gives) beats
    what the WARC file kept for the sources it names.
    """
    pages = read_pages(warc_dir, source, since)
    if settings:
        pages = (_with_settings(page, settings) for page in pages)
    archive = Archive.open(db_path, batch_size=100)
    try:
        return reclean_pages(pages, archive)
    finally:
        archive.close()

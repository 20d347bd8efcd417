"""Run a crawl of configured sources in this process and summarize what it did."""

from __future__ import annotations

import importlib.util
import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import stats
from crawler.ops.lock import ArchiveLock
from crawler.sources import Source, SourceConfigError, load_sources
from spiders.sources_spider import SourcesSpider

# Speed settings for the bundled demo sites and tests: loopback servers we own.
FULL_SPEED = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "ROBOTSTXT_OBEY": True,
}


@dataclass
class CrawlSummary:
    """What a whole crawl did, per source and in total; ``warnings`` name unhealthy sources."""

    finish_reason: str
    sources: list[stats.SourceSummary]
    stats: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def table(self) -> str:
        """Render the end-of-crawl table."""
        header = ("source", "pages", "new", "dupes", "dropped", "errors", "attachments")
        rows = [header]
        for s in self.sources:
            dropped = ", ".join("%s %d" % (k, v) for k, v in sorted(s.dropped.items())) or "0"
            errors = ", ".join("%s %d" % (k, v) for k, v in sorted(s.errors_by_kind.items()))
            if s.cleaner_warnings:
                # Pages kept with a failed cleaner stage's fields empty, by stage.
                errors = "%s; cleaner stages failed: %s" % (
                    errors or str(s.errors),
                    ", ".join("%s %d" % (k, v) for k, v in sorted(s.cleaner_warnings.items())),
                )
            rows.append(
                (
                    s.name,
                    str(s.pages),
                    str(s.new_articles),
                    str(s.duplicates),
                    dropped,
                    errors or str(s.errors),
                    _attachments_cell(s.attachments, s.attachment_errors),
                )
            )
        totals = (
            "total",
            str(sum(s.pages for s in self.sources)),
            str(sum(s.new_articles for s in self.sources)),
            str(sum(s.duplicates for s in self.sources)),
            str(sum(sum(s.dropped.values()) for s in self.sources)),
            str(sum(s.errors for s in self.sources)),
            _attachments_cell(
                sum(s.attachments for s in self.sources),
                sum((Counter(s.attachment_errors) for s in self.sources), Counter()),
            ),
        )
        rows.append(totals)
        widths = [max(_width(r[i]) for r in rows) for i in range(len(header))]
        lines = []
        for n, row in enumerate(rows):
            lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
            if n == 0 or n == len(rows) - 2:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _attachments_cell(fetched: int, errors: dict[str, int]) -> str:
    """Show files fetched and, of those, the ones without text by why: ``3 (broken 1)``."""
    shown = ", ".join("%s %d" % (kind, count) for kind, count in sorted(errors.items()) if count)
    return "%d (%s)" % (fetched, shown) if shown else str(fetched)


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def summarize(crawl_stats: Mapping[str, Any], source_names: Sequence[str]) -> CrawlSummary:
    """Build the per-source summary from the crawl's stats (``xietong/source/<name>/…``)."""
    return CrawlSummary(
        finish_reason=str(crawl_stats.get("finish_reason", "")),
        sources=[stats.summarize_source(crawl_stats, name) for name in source_names],
        stats=dict(crawl_stats),
        warnings=list(crawl_stats.get(stats.MONITOR_WARNINGS) or []),
    )


def build_settings(db: str | Path | None, overrides: Mapping[str, str] | None = None) -> Settings:
    """Return Xietong's Scrapy settings with the archive path and command-line overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    if db is not None:
        settings.set("XIETONG_DB", str(db), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


# scrapy-playwright's download handler: requests with meta["playwright"] go through the browser,
# the others through Scrapy's own handler.
BROWSER_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"


def use_browser(settings: Settings, sources_path: str | Path) -> None:
    """Fetch the pages of `render = true` sources through scrapy-playwright's browser.

    Raises SourceConfigError when the `render` extra (scrapy-playwright) is not installed.
    """
    if importlib.util.find_spec("scrapy_playwright") is None:
        raise SourceConfigError(
            sources_path,
            None,
            "render",
            "render = true needs scrapy-playwright: pip install 'xietong[render]'",
        )
    settings.set(
        "DOWNLOAD_HANDLERS", {"http": BROWSER_HANDLER, "https": BROWSER_HANDLER}, "cmdline"
    )
    options: dict[str, Any] = {"headless": True, "args": ["--no-sandbox"]}
    browser = settings.get("XIETONG_RENDER_BROWSER")
    if browser:
        options["executable_path"] = browser
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", options, "cmdline")
    settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", "cmdline")


def run_crawl(
    sources_path: str | Path,
    *,
    db: str | Path | None = None,
    only: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
    substitutions: Mapping[str, str] | None = None,
    quiet: bool = False,
) -> CrawlSummary:
    """Crawl the sources in ``sources_path`` into the archive; return the summary.

    Raises SourceConfigError before anything is fetched when the file is bad, and
    ArchiveLockedError when another crawl writes to the same archive (a distributed
    worker takes no lock: `xietong ingest` is its archive's writer). ``quiet`` keeps
    Scrapy's own INFO lines out of the log (the demo's progress stays readable).
    """
    sources = load_sources(sources_path, substitutions)
    if only:
        unknown = sorted(set(only) - {s.name for s in sources})
        if unknown:
            raise SourceConfigError(sources_path, unknown[0], None, "no such source in the file")
        sources = [s for s in sources if s.name in only]
    settings = build_settings(db, overrides)
    if any(source.render for source in sources):
        use_browser(settings, sources_path)
    lock = None if settings.get("XIETONG_REDIS_URL") else ArchiveLock(settings.get("XIETONG_DB"))
    if lock is not None:
        lock.acquire()
    try:
        return _run_process(settings, sources, sources_path, only, substitutions, quiet)
    finally:
        if lock is not None:
            lock.release()


def _run_process(
    settings: Settings,
    sources: Sequence[Source],
    sources_path: str | Path,
    only: Sequence[str],
    substitutions: Mapping[str, str] | None,
    quiet: bool,
) -> CrawlSummary:
    process = CrawlerProcess(settings, install_root_handler=True)
    if quiet:
        # Scrapy's start-up and stats chatter hides the progress lines people read; our
        # own loggers (one line per new article, warnings) stay at the configured level.
        logging.getLogger("scrapy").setLevel(logging.WARNING)
    crawler = process.create_crawler(SourcesSpider)
    process.crawl(
        crawler,
        sources=str(sources_path),
        only=",".join(only),
        substitutions=json.dumps(dict(substitutions or {})),
    )
    process.start()
    assert crawler.stats is not None
    return summarize(crawler.stats.get_stats(), [source.name for source in sources])

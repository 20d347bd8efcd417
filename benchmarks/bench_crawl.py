"""Benchmark whole crawls: Xietong end to end against bare Scrapy and a trafilatura pipeline.

Usage:
    python benchmarks/bench_crawl.py                    # 1,000 article pages, 3 runs each
    python benchmarks/bench_crawl.py --repeat 1 --pages 300
    python benchmarks/bench_crawl.py --profile          # plus a cProfile of one Xietong crawl

One generated site of realistic Chinese article pages (``tests/bigsite.py``: index,
listing pages, article pages with navigation, share bar, related links and footer) is
served on 127.0.0.1 and crawled, each crawl in a fresh process, by

- ``bare scrapy``: a plain Scrapy spider following the same links, no pipeline, Scrapy's
  default settings;
- ``bare, items N``: the same with Xietong's ``CONCURRENT_ITEMS`` (8; Scrapy starts that
  many tasks per response, 100 by default), to show what the setting alone gives;
- ``trafilatura``: the same spider whose only pipeline runs ``trafilatura.extract`` on
  every article page;
- ``xietong``: ``xietong crawl`` in full: cleaner, script normalization, deduplication,
  store into a fresh SQLite archive with its search index (default settings, politeness
  off as in the demo).

All run with the same concurrency and robots.txt handling. Pages/s is responses received
over Scrapy's ``elapsed_time_seconds``; the median of the runs is printed, with ratios
and, for Xietong, CPU ms per article page in each pipeline's ``process_item`` on the
crawl's thread and in the rest of that thread (download, parsing, link extraction,
scheduling), then what runs beside it: the archive's writer thread and the cleaner's
worker processes (``XIETONG_STRIP_WORKERS``). "CPU ms/page" in the table is the crawl
process's own threads; the cleaner processes are counted apart.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.settings import CONCURRENT_ITEMS as XIETONG_CONCURRENT_ITEMS  # noqa: E402

# The bare crawl given Xietong's CONCURRENT_ITEMS (Scrapy starts that many tasks per response).
BARE_WITH_ITEMS = "bare, items %d" % XIETONG_CONCURRENT_ITEMS

ARTICLE_PATTERN = r"/news/\d{6}/t\d+\.html$"
SETTINGS: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "ROBOTSTXT_OBEY": True,
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
}


# --- the child processes: one crawl each, JSON on stdout ------------------------------------
def _cpu_seconds(who: int | None = None) -> float:
    """Return the CPU seconds of this process (or of ``who``: its thread, its children)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF if who is None else who)
    return usage.ru_utime + usage.ru_stime


def _time_pipelines(classes: list[type]) -> dict[str, float]:
    """Wrap each pipeline's process_item to add up its CPU seconds on the calling thread.

    A pipeline that hands its work to another thread or process returns a coroutine; only
    the handing over is counted here, the work itself where it runs.
    """
    spent: dict[str, float] = {cls.__name__: 0.0 for cls in classes}
    for cls in classes:
        original = cls.process_item

        def timed(
            self: Any, item: Any, _original: Any = original, _name: str = cls.__name__
        ) -> Any:
            started = time.thread_time()
            try:
                return _original(self, item)
            finally:
                spent[_name] += time.thread_time() - started

        cls.process_item = timed  # type: ignore[method-assign]
    return spent


def _scrapy_child(
    base_url: str, with_trafilatura: bool, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    import re

    import scrapy
    import trafilatura
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor

    article = re.compile(ARTICLE_PATTERN)

    class BareSpider(scrapy.Spider):
        """Follow every link of the site; hand article pages to the pipelines, if any."""

        name = "bare"
        link_extractor = LinkExtractor(allow=(r"/list_\d+\.html$", ARTICLE_PATTERN))

        async def start(self):  # type: ignore[no-untyped-def]
            yield scrapy.Request(base_url + "/index.html")

        def parse(self, response):  # type: ignore[no-untyped-def]
            for link in self.link_extractor.extract_links(response):
                yield response.follow(link.url)
            if with_trafilatura and article.search(response.url):
                yield {"url": response.url, "html": response.text}

    class TrafilaturaPipeline:
        """Extract the article text with trafilatura; keep it in memory."""

        texts = 0

        def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
            text = trafilatura.extract(item.pop("html"), url=item["url"], with_metadata=True)
            item["text"] = text or ""
            TrafilaturaPipeline.texts += bool(text)
            return item

    settings = {**SETTINGS, **(overrides or {})}
    spent: dict[str, float] = {}
    if with_trafilatura:
        settings["ITEM_PIPELINES"] = {TrafilaturaPipeline: 100}
        spent = _time_pipelines([TrafilaturaPipeline])
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    cpu = _cpu_seconds()
    process.crawl(crawler)
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    return {
        "pages": stats.get("response_received_count", 0),
        "seconds": stats["elapsed_time_seconds"],
        "cpu": _cpu_seconds() - cpu,
        "stages": spent,
        "articles": TrafilaturaPipeline.texts,
    }


def _xietong_child(sources: str, db: str, profile: str | None) -> dict[str, Any]:
    import resource

    from crawler import stats as xietong_stats
    from crawler.ops.run import run_crawl
    from pipelines.deduplicate import DeduplicatePipeline
    from pipelines.normalize_script import NormalizeScriptPipeline
    from pipelines.store import StorePipeline
    from pipelines.strip_chrome import StripChromePipeline
    from pipelines.tag_topics import TagTopicsPipeline

    spent = _time_pipelines(
        [
            StripChromePipeline,
            NormalizeScriptPipeline,
            TagTopicsPipeline,
            DeduplicatePipeline,
            StorePipeline,
        ]
    )
    overrides = {k: v for k, v in SETTINGS.items() if k != "TWISTED_REACTOR"}
    cpu = _cpu_seconds()
    crawl_thread = _cpu_seconds(resource.RUSAGE_THREAD)
    workers = _cpu_seconds(resource.RUSAGE_CHILDREN)
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    summary = run_crawl(sources, db=db, overrides=overrides, quiet=True)
    if profile:
        profiler.disable()
        profiler.dump_stats(profile)
    stats = summary.stats
    cpu = _cpu_seconds() - cpu
    crawl_thread = _cpu_seconds(resource.RUSAGE_THREAD) - crawl_thread
    spent["other threads (archive writer)"] = cpu - crawl_thread
    # The cleaner's worker processes, counted once the pipeline has shut them down.
    spent["cleaner worker processes"] = _cpu_seconds(resource.RUSAGE_CHILDREN) - workers
    return {
        "pages": stats.get("response_received_count", 0),
        "seconds": stats["elapsed_time_seconds"],
        "cpu": cpu,
        "crawl_thread": crawl_thread,
        "stages": spent,
        "articles": stats.get(xietong_stats.STORE_NEW_ARTICLES, 0),
    }


def child_main(argv: list[str]) -> None:
    """Run one crawl (``--child MODE ...``) and print its figures as JSON."""
    mode = argv[0]
    if mode == "xietong":
        result = _xietong_child(argv[1], argv[2], argv[3] if len(argv) > 3 else None)
    else:
        overrides = {"CONCURRENT_ITEMS": XIETONG_CONCURRENT_ITEMS} if mode == "bare-items" else {}
        result = _scrapy_child(argv[1], mode == "trafilatura", overrides)
    print("RESULT " + json.dumps(result))


# --- the parent: serve the site, run the crawls, print the table ----------------------------
def run_child(*args: str) -> dict[str, Any]:
    """Run one crawl in a fresh process and return its figures."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])  # type: ignore[no-any-return]
    raise RuntimeError("crawl %s failed:\n%s" % (args[0], done.stderr[-3000:]))


def main() -> None:
    """Serve the generated site and compare the three crawlers on it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="article pages on the site")
    parser.add_argument("--repeat", type=int, default=3, help="crawls per crawler")
    parser.add_argument("--profile", action="store_true", help="cProfile one Xietong crawl")
    args = parser.parse_args()

    from crawler.demo.server import DemoSites
    from tests.bigsite import build_bigsite, sources_toml

    results: dict[str, list[dict[str, Any]]] = {
        "bare scrapy": [],
        BARE_WITH_ITEMS: [],
        "trafilatura": [],
        "xietong": [],
    }
    with tempfile.TemporaryDirectory(prefix="xietong-bench-crawl-") as tmp_name:
        tmp = Path(tmp_name)
        site = build_bigsite(tmp / "sites", pages=args.pages)
        with DemoSites(site.root) as sites:
            base = sites.base_urls["bigsite"]
            sources = tmp / "bigsite.toml"
            sources.write_text(sources_toml(base), encoding="utf-8")
            print(
                "site: %d pages (%d articles) at %s; %d run(s) per crawler"
                % (site.page_count, len(site.article_paths), base, args.repeat),
                flush=True,
            )
            for run in range(args.repeat):
                results["bare scrapy"].append(run_child("bare", base))
                results[BARE_WITH_ITEMS].append(run_child("bare-items", base))
                results["trafilatura"].append(run_child("trafilatura", base))
                db = tmp / ("archive-%d.db" % run)
                results["xietong"].append(run_child("xietong", str(sources), str(db)))
                print("run %d done" % (run + 1), flush=True)
            if args.profile:
                profile = tmp / "xietong.prof"
                run_child("xietong", str(sources), str(tmp / "profiled.db"), str(profile))
                print_profile(profile)

    print()
    print("%-14s %7s %9s %8s %12s" % ("crawler", "pages", "articles", "pages/s", "CPU ms/page"))
    rates = {}
    for name, runs in results.items():
        rate = statistics.median(r["pages"] / r["seconds"] for r in runs)
        cpu = statistics.median(1000 * r["cpu"] / r["pages"] for r in runs)
        rates[name] = rate
        print(
            "%-14s %7d %9d %8.1f %12.2f" % (name, runs[0]["pages"], runs[0]["articles"], rate, cpu)
        )
    print()
    print(
        "xietong / trafilatura: %.2fx (target >= 4)    xietong / bare scrapy: %.2fx (target >= 0.8)"
        % (rates["xietong"] / rates["trafilatura"], rates["xietong"] / rates["bare scrapy"])
    )
    print(
        "xietong / bare scrapy with CONCURRENT_ITEMS = %d: %.2fx"
        % (XIETONG_CONCURRENT_ITEMS, rates["xietong"] / rates[BARE_WITH_ITEMS])
    )
    print()
    print("CPU ms per article page, median of runs:")
    for name in ("trafilatura", "xietong"):
        runs = results[name]
        articles = max(1, runs[0]["articles"])
        stages = runs[0]["stages"]
        in_stages = 0.0
        beside: list[str] = []
        for stage in stages:
            value = statistics.median(1000 * r["stages"][stage] / articles for r in runs)
            if " " in stage:  # work beside the crawl's thread, printed after it
                beside.append(stage)
                continue
            in_stages += value
            print("  %-12s %-36s %7.2f" % (name, stage + ".process_item", value))
        thread = "crawl_thread" if name == "xietong" else "cpu"
        rest = statistics.median(1000 * r[thread] / articles for r in runs) - in_stages
        print("  %-12s %-36s %7.2f" % (name, "rest (Scrapy, spider, I/O)", rest))
        for stage in beside:
            value = statistics.median(1000 * r["stages"][stage] / articles for r in runs)
            print("  %-12s %-36s %7.2f" % (name, "beside: " + stage, value))


def print_profile(path: Path) -> None:
    """Print where a profiled Xietong crawl spends its time, by function (own time)."""
    import pstats

    print()
    print("profile of one Xietong crawl, top functions by own time:")
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(20)
    print("top functions by cumulative time (project code):")
    stats.sort_stats("cumulative").print_stats(r"/(crawler|pipelines|spiders)/", 20)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
    else:
        main()

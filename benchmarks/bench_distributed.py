"""Pages per second of a distributed crawl: one worker against two, same site, same Redis.

Generates bigsite (tests/bigsite.py), serves it on loopback, starts a throwaway
redis-server, and for each round crawls it with 1 and then 2 workers (`xietong crawl
--redis`) while one `xietong ingest` stores the articles. Prints, per setting, the median
of the rounds:

- fetch pages/s: pages over the time from the first to the last request the site served
  (the crawl itself, without process start-up and the idle wait before workers stop);
- wall pages/s: pages over the time from starting the workers to the last one exiting;
- ingest s: time the ingest then takes to store every article (it runs after the workers,
  so the crawl figures measure the workers alone).

Everything runs on this machine: the site server, Redis and the workers share its cores,
so on loopback the figure measures CPU scaling on one box, not a cluster's. ``--latency MS``
makes the site answer each request after MS milliseconds, as real sites do; with
``--concurrency`` per worker capped (politeness), that is the case distribution is for.

    python benchmarks/bench_distributed.py --pages 1500 --rounds 3
    python benchmarks/bench_distributed.py --pages 600 --latency 100 --concurrency 4
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import sqlite_utils  # noqa: E402

from crawler.demo import server as demo_server  # noqa: E402
from crawler.demo.server import DemoSites  # noqa: E402
from tests.bigsite import build_bigsite, sources_toml  # noqa: E402
from tests.redis_server import RedisServer, RedisServerError  # noqa: E402
from tests.system_tools import MissingToolError  # noqa: E402

SETTINGS = [
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "LOG_LEVEL=WARNING",
    "-s",
    "XIETONG_REDIS_MAX_IDLE=0.5",
]


def delay_responses(seconds: float) -> None:
    """Make the demo server wait before each response (each request has its own thread)."""
    make_handler = demo_server.make_handler

    def slow_handler(site: demo_server.SiteConfig, counter: demo_server.RequestCounter) -> type:
        base: Any = make_handler(site, counter)

        class SlowHandler(base):  # type: ignore[misc,valid-type]
            def _respond(self, *, send_body: bool) -> None:
                time.sleep(seconds)
                super()._respond(send_body=send_body)

        return SlowHandler

    demo_server.make_handler = slow_handler  # type: ignore[assignment]


class RequestClock:
    """Watch the site's request counter; remember when the first and last requests came."""

    def __init__(self, sites: DemoSites):
        self.sites = sites
        self.first = 0.0
        self.last = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        seen = 0
        while not self._stop.is_set():
            total = sum(sum(c.values()) for c in self.sites.request_counts.values())
            now = time.perf_counter()
            if total != seen:
                self.first = self.first or now
                self.last = now
                seen = total
            time.sleep(0.01)

    def __enter__(self) -> RequestClock:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def crawl_once(
    workers: int, url: str, sources: Path, sites: DemoSites, tmp: Path, concurrency: int
) -> dict[str, float]:
    server = redis.Redis.from_url(url)
    server.flushdb()
    sites.reset_counts()
    db = tmp / ("archive-%d-%d.db" % (workers, time.time_ns()))
    python = sys.executable
    limits = [
        "-s",
        "CONCURRENT_REQUESTS=%d" % concurrency,
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=%d" % concurrency,
    ]
    with RequestClock(sites) as clock:
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "crawler",
                    "crawl",
                    "--sources",
                    str(sources),
                    "--redis",
                    url,
                    "--db",
                    str(tmp / ("worker%d.db" % n)),
                    *SETTINGS,
                    *limits,
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for n in range(workers)
        ]
        for proc in procs:
            proc.wait()
        crawled = time.perf_counter()
    ingest = subprocess.Popen(
        [python, "-m", "crawler", "ingest", "--redis", url, "--db", str(db), "--idle", "0"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ingest.wait()
    archived = time.perf_counter()
    pages = sum(n for path, n in sites.request_counts["bigsite"].items() if path != "/robots.txt")
    articles = sqlite_utils.Database(db)["articles"].count
    if any(p.returncode for p in [*procs, ingest]):
        raise SystemExit("a worker or the ingest failed")
    return {
        "pages": pages,
        "articles": articles,
        "fetch": pages / max(clock.last - clock.first, 1e-9),
        "wall": pages / (crawled - started),
        "archived": archived - crawled,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=1500, help="article pages in the site")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0, help="ms the site waits per response")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight per worker")
    args = parser.parse_args()
    if args.latency:
        delay_responses(args.latency / 1000)
    tmp = Path(tempfile.mkdtemp(prefix="xietong-bench-distributed-"))
    try:
        with RedisServer(tmp) as server:
            run_rounds(args, tmp, server.url)
    except (RedisServerError, MissingToolError) as exc:
        raise SystemExit(str(exc)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_rounds(args: argparse.Namespace, tmp: Path, url: str) -> None:
    """Crawl the generated site with one, then two workers, ``args.rounds`` times; print figures."""
    site = build_bigsite(tmp / "sites", args.pages)
    with DemoSites(site.root) as sites:
        sources = tmp / "bigsite.toml"
        sources.write_text(sources_toml(sites.base_urls["bigsite"]), encoding="utf-8")
        print(
            "bigsite: %d pages; %d cores; load average %.2f; latency %g ms; %d requests in flight per worker"
            % (
                site.page_count,
                os.cpu_count() or 0,
                os.getloadavg()[0],
                args.latency,
                args.concurrency,
            )
        )
        results: dict[int, list[dict[str, float]]] = {1: [], 2: []}
        for _ in range(args.rounds):
            for workers in (1, 2):
                results[workers].append(
                    crawl_once(workers, url, sources, sites, tmp, args.concurrency)
                )
    print(
        "%-8s %6s %9s %14s %13s %11s"
        % ("workers", "pages", "articles", "fetch pages/s", "wall pages/s", "ingest s")
    )
    for workers, runs in results.items():
        print(
            "%-8d %6d %9d %14.1f %13.1f %11.1f"
            % (
                workers,
                statistics.median(r["pages"] for r in runs),
                statistics.median(r["articles"] for r in runs),
                statistics.median(r["fetch"] for r in runs),
                statistics.median(r["wall"] for r in runs),
                statistics.median(r["archived"] for r in runs),
            )
        )
    one, two = (statistics.median(r["fetch"] for r in results[n]) for n in (1, 2))
    wall_one, wall_two = (statistics.median(r["wall"] for r in results[n]) for n in (1, 2))
    print(
        "2 workers / 1 worker: %.2fx fetch, %.2fx wall (target 1.6x)"
        % (two / one, wall_two / wall_one)
    )


if __name__ == "__main__":
    main()

"""Time each stage of Xietong's cleaner over the pages bench_extract.py times.

Prints the median over rounds of each stage's CPU time (``time.process_time``) in
milliseconds per page, so a speed change can be traced to the stage that made it. The
ratio to an lxml parse that issue 17 sets is bench_extract.py's: run it for that.

    .venv/bin/python benchmarks/bench_stages.py [--shared PATH] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.bench_extract import BenchmarkSetupError, load_pages, shared_dir  # noqa: E402
from crawler.clean.extract import STAGES  # noqa: E402
from crawler.clean.page import Page  # noqa: E402


def time_stages(pages: list[dict[str, Any]]) -> dict[str, float]:
    """Return each stage's CPU milliseconds per page over one pass of the pages."""
    spent = dict.fromkeys((stage.name for stage in STAGES), 0.0)
    for record in pages:
        page = Page(raw=record["html"], url=record["url"])
        for stage in STAGES:
            start = time.process_time()
            try:
                stage.run(page)
            except Exception:  # the runner's guard, as extract_article has it
                if stage.essential:
                    break
            spent[stage.name] += time.process_time() - start
            if page.error is not None or page.document_kind != "html":
                break
    return {name: seconds * 1000 / len(pages) for name, seconds in spent.items()}


def main(argv: list[str] | None = None) -> int:
    """Print the median milliseconds per page of every stage, and their sum."""
    parser = argparse.ArgumentParser(description="Time each stage of the cleaner.")
    parser.add_argument("--shared", help="folder with corpus/ and tools/ (default ../shared)")
    parser.add_argument("--runs", type=int, default=5, help="rounds; medians are shown")
    args = parser.parse_args(argv)
    try:
        pages = load_pages(shared_dir(args.shared))
    except BenchmarkSetupError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    time_stages(pages)  # warm-up: lazy imports and compiled patterns are not timed
    rounds = [time_stages(pages) for _ in range(max(1, args.runs))]
    medians = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}
    print("CPU ms per page over %d pages, median of %d rounds" % (len(pages), len(rounds)))
    for name, value in medians.items():
        print("%-14s %6.2f" % (name, value))
    print("%-14s %6.2f" % ("total", sum(medians.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())

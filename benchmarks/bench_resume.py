"""Kill a 1,000-page crawl with SIGKILL 20 times at random moments, restarting each time.

Usage:
    python benchmarks/bench_resume.py                 # 20 kills, new random moments
    python benchmarks/bench_resume.py --kills 5 --seed 1 --batch 20

Each kill lands after a random number of DEBUG log lines of the running crawl (start-up,
listing fetches, article fetches, extraction, commits); the next run is the same command.
After the kills one crawl runs to its end; then the archive is checked: every article
page stored exactly once, nothing else stored, ``PRAGMA integrity_check`` ok, no orphan
appearances or fingerprints. Store batch sizes alternate between 1 and ``--batch`` so
uncommitted batches are lost too. Prints the kills, the check and the seconds taken.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demo.server import DemoSites  # noqa: E402
from tests.bigsite import build_bigsite, sources_toml  # noqa: E402
from tests.killcrawl import check_archive, crawl_command, run_until_killed  # noqa: E402


def main() -> int:
    """Run the kills and print the outcome; exit 1 when anything was lost or duplicated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--batch", type=int, default=20, help="store batch size of every other run")
    parser.add_argument(
        "--max-lines", type=int, default=420, help="kill within this many log lines"
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="xietong-resume-") as tmp_name:
        tmp = Path(tmp_name)
        site = build_bigsite(tmp / "sites", pages=args.pages)
        with DemoSites(site.root) as sites:
            base = sites.base_urls["bigsite"]
            sources = tmp / "bigsite.toml"
            sources.write_text(sources_toml(base), encoding="utf-8")
            db = tmp / "archive.db"
            started = time.perf_counter()
            killed = 0
            for number in range(1, args.kills + 1):
                batch = 1 if number % 2 else args.batch
                point = rng.randint(0, args.max_lines)
                command = crawl_command(sources, db, "-s", "XIETONG_STORE_BATCH_SIZE=%d" % batch)
                was_killed = run_until_killed(command, point)
                killed += was_killed
                stored = check_archive(db, base, site.article_paths) if db.exists() else None
                print(
                    "run %2d: batch %2d, kill after %3d log lines: %s; %s articles stored"
                    % (
                        number,
                        batch,
                        point,
                        "killed" if was_killed else "ended first",
                        stored.expected - len(stored.lost) if stored else 0,
                    ),
                    flush=True,
                )
            import subprocess

            final = subprocess.run(
                crawl_command(sources, db), cwd=ROOT, capture_output=True, text=True, check=False
            )
            check = check_archive(db, base, site.article_paths)
            seconds = time.perf_counter() - started
    print()
    print(
        "seed %d: %d of %d runs killed with SIGKILL, then one run to the end (exit %d)"
        % (seed, killed, args.kills, final.returncode)
    )
    print(
        "articles expected %d: lost %d, duplicated %d, unexpected %d; integrity %s; orphans %d; foreign-key errors %d"
        % (
            check.expected,
            len(check.lost),
            len(check.duplicated),
            len(check.unexpected),
            check.integrity,
            check.orphans,
            check.foreign_key_errors,
        )
    )
    print("%.0f s in all" % seconds)
    return 0 if check.ok and final.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Kill a crawl with SIGKILL at random moments, restart it, and check the archive after.

Shared by ``tests/test_resume.py`` (a few kills) and ``benchmarks/bench_resume.py`` (20).
A "moment" is a line of the crawl's DEBUG log: the crawl is killed when it has written
the chosen number of lines, so kills land during start-up, listing fetches, article
fetches, extraction and commits alike, without any timer.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
FULL_SPEED = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0"]


def crawl_command(sources: Path, db: Path, *settings: str) -> list[str]:
    """Return the command line of one crawl (the same command for every restart)."""
    return [
        sys.executable, "-m", "crawler", "crawl", "--sources", str(sources), "--db", str(db),
        *FULL_SPEED, *settings,
    ]  # fmt: skip


def run_until_killed(command: list[str], after_lines: int) -> bool:
    """Run the crawl, SIGKILL it after ``after_lines`` log lines; False if it ended first."""
    process = subprocess.Popen(
        [*command, "-s", "LOG_LEVEL=DEBUG"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    killed = False
    for count, _line in enumerate(process.stderr):
        if count >= after_lines:
            process.send_signal(signal.SIGKILL)
            killed = True
            break
    process.stderr.read()  # drain so the process can go (it may have ended by itself)
    process.wait()
    return killed and process.returncode == -signal.SIGKILL


@dataclass
class ArchiveCheck:
    """What the archive holds compared with the site's article pages."""

    expected: int
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    integrity: str = ""
    orphans: int = 0
    foreign_key_errors: int = 0

    @property
    def ok(self) -> bool:
        """Tell whether every article is stored exactly once in a consistent archive."""
        return (
            not self.lost
            and not self.duplicated
            and not self.unexpected
            and self.integrity == "ok"
            and self.orphans == 0
            and self.foreign_key_errors == 0
        )


def check_archive(db_path: Path, base_url: str, article_paths: list[str]) -> ArchiveCheck:
    """Compare the archive with the article pages the site serves."""
    db = sqlite_utils.Database(db_path)
    try:
        expected = {base_url + path for path in article_paths}
        check = ArchiveCheck(expected=len(expected))
        stored = [row[0] for row in db.execute("select url from appearances")]
        article_urls = [row[0] for row in db.execute("select url from articles")]
        check.lost = sorted(expected - set(stored))
        check.unexpected = sorted(set(stored) - expected)
        seen: set[str] = set()
        for url in article_urls:
            if url in seen:
                check.duplicated.append(url)
            seen.add(url)
        # One article per page: an article holding two pages' appearances would be a merge.
        check.duplicated += [
            row[0]
            for row in db.execute(
                "select article_id from appearances group by article_id having count(*) > 1"
            )
        ]
        if len(article_urls) != len(stored):
            check.duplicated.append("%d articles for %d pages" % (len(article_urls), len(stored)))
        check.integrity = db.execute("pragma integrity_check").fetchone()[0]
        check.orphans = db.execute(
            "select count(*) from appearances where article_id not in (select id from articles)"
        ).fetchone()[0]
        check.orphans += db.execute(
            "select count(*) from fingerprints where article_id not in (select id from articles)"
        ).fetchone()[0]
        check.foreign_key_errors = len(db.execute("pragma foreign_key_check").fetchall())
        return check
    finally:
        db.close()


@dataclass
class ResumeResult:
    """The kills made, the last crawl's exit status and the final check."""

    kill_points: list[int]
    killed: int
    final_returncode: int
    final_output: str
    check: ArchiveCheck


def kill_and_resume(
    sources: Path,
    db: Path,
    base_url: str,
    article_paths: list[str],
    kills: int,
    rng: random.Random,
    max_lines: int,
    settings: tuple[str, ...] = (),
) -> ResumeResult:
    """Kill ``kills`` crawls in a row at random log lines, then let one run to the end."""
    command = crawl_command(sources, db, *settings)
    points, killed = [], 0
    for _ in range(kills):
        point = rng.randint(0, max_lines)
        points.append(point)
        killed += run_until_killed(command, point)
    final = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return ResumeResult(
        points,
        killed,
        final.returncode,
        final.stdout + final.stderr[-3000:],
        check_archive(db, base_url, article_paths),
    )

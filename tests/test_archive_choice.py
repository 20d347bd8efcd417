"""Which archive a command uses (XIETONG_DB, --db), and the lock: exit 2 wherever it is taken.

(`xietong ingest` of a locked archive: tests/test_distributed.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlite_utils

from crawler.ops.lock import ArchiveLock
from tests.conftest import FAST, ROOT, resolved_sources


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
        env={**os.environ, **(env or {})},
    )


def articles(db: Path) -> int:
    return sqlite_utils.Database(db)["articles"].count


def paoku_articles() -> int:
    """Return how many articles the demo's paoku site holds."""
    expected = ROOT / "tests" / "fixtures" / "expected" / "paoku.json"
    return len(json.loads(expected.read_text(encoding="utf-8")))


def test_xietong_db_in_the_environment_chooses_the_archive_of_a_crawl(demo_sites, tmp_path):
    sources = resolved_sources(demo_sites, tmp_path / "sources.toml")
    chosen = tmp_path / "from-env.db"
    result = run(
        "crawl",
        "--sources",
        str(sources),
        "--only",
        "paoku",
        *FAST,
        env={"XIETONG_DB": str(chosen)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert articles(chosen) == paoku_articles()


def test_db_option_beats_xietong_db(demo_sites, tmp_path):
    sources = resolved_sources(demo_sites, tmp_path / "sources.toml")
    from_env, given = tmp_path / "from-env.db", tmp_path / "given.db"
    result = run(
        "crawl",
        "--sources",
        str(sources),
        "--only",
        "paoku",
        "--db",
        str(given),
        *FAST,
        env={"XIETONG_DB": str(from_env)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert articles(given) == paoku_articles()
    assert not from_env.exists()


def one_line_lock_error(result: subprocess.CompletedProcess[str], db: Path) -> None:
    assert result.returncode == 2, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "in use by another crawl" in lines[0]
    assert str(db) in lines[0]


def test_demo_of_a_locked_archive_exits_2_with_one_line(tmp_path):
    db = tmp_path / "locked.db"
    with ArchiveLock(db):
        result = run("demo", "--db", str(db))
    one_line_lock_error(result, db)

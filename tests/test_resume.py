"""A crawl killed with SIGKILL at random moments and started again stores every article
of a 1,000-page site exactly once, in a consistent archive (benchmarks/bench_resume.py
runs 20 kills; this test runs 3)."""

from __future__ import annotations

import random

import pytest

from crawler.demo.server import DemoSites
from crawler.ops.lock import ArchiveLock
from tests.bigsite import build_bigsite, sources_toml
from tests.killcrawl import kill_and_resume

SEED = 6  # fixed: a failure is reproducible; the benchmark draws new moments each run


@pytest.mark.slow
def test_three_kills_and_restarts_lose_and_duplicate_nothing(tmp_path):
    site = build_bigsite(tmp_path / "sites", pages=1000)
    with DemoSites(site.root) as sites:
        base = sites.base_urls["bigsite"]
        sources = tmp_path / "bigsite.toml"
        sources.write_text(sources_toml(base), encoding="utf-8")
        db = tmp_path / "archive.db"
        result = kill_and_resume(
            sources,
            db,
            base,
            site.article_paths,
            kills=3,
            rng=random.Random(SEED),
            max_lines=900,
            settings=("-s", "XIETONG_STORE_BATCH_SIZE=20"),
        )
    assert result.killed == 3, result.kill_points  # each crawl died mid-way, not at its end
    assert result.final_returncode == 0, result.final_output
    check = result.check
    assert check.lost == []
    assert check.duplicated == []
    assert check.unexpected == []
    assert check.integrity == "ok"
    assert check.orphans == 0
    assert check.foreign_key_errors == 0
    with ArchiveLock(db):  # SIGKILL left no stale lock
        pass

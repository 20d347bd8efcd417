"""`xietong demo` twice into one archive: the demo sites keep their URLs, so nothing is added."""

from __future__ import annotations

import sqlite_utils

from tests.conftest import run_xietong


def counts(db) -> tuple[int, int]:
    archive = sqlite_utils.Database(db)
    return archive["articles"].count, archive["appearances"].count


def test_second_demo_run_adds_no_article_and_no_appearance(tmp_path):
    db = tmp_path / "demo.db"
    first = run_xietong("demo", "--db", str(db))
    assert first.returncode == 0, first.stderr[-3000:]
    after_first = counts(db)
    assert after_first[0] >= 18
    urls = {row["url"] for row in sqlite_utils.Database(db).query("select url from appearances")}
    assert all(".xietong-demo.invalid/" in url for url in urls)
    second = run_xietong("demo", "--db", str(db))
    assert second.returncode == 0, second.stderr[-3000:]
    assert counts(db) == after_first
    total = next(line for line in second.stdout.splitlines() if line.startswith("total"))
    assert total.split()[2] == "0"  # the "new" column


def test_two_fresh_demo_runs_give_every_article_the_same_id_and_row(tmp_path):
    rows = []
    for name in ("one.db", "two.db"):
        result = run_xietong("demo", "--db", str(tmp_path / name))
        assert result.returncode == 0, result.stderr[-3000:]
        archive = sqlite_utils.Database(tmp_path / name)
        rows.append(
            list(
                archive.query(
                    "select id, url, title, published_at, site, outlet, appearance_count"
                    " from articles order by id"
                )
            )
        )
    assert rows[0] == rows[1]
    assert any(row["appearance_count"] > 1 for row in rows[0])  # a merged article among them

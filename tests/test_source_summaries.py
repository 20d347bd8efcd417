"""Per-source totals kept at write time equal a scan of the archive, whatever was written."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.archive import Archive, open_database
from crawler.archive.source_summaries import SUMMARY_SCAN_SQL, SUMMARY_TABLE
from crawler.items import Article
from crawler.web.serve import DATABASE_NAME, load_metadata
from tests.test_search import make_article

SOURCES = ("hebnews", "crntt", "gov", "paoku")
QUALITIES = ("ok", "ok", "repaired", "mojibake")


def scanned(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return sorted(db.execute(SUMMARY_SCAN_SQL).fetchall())


def kept(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return sorted(db.execute("select * from %s where pages > 0" % SUMMARY_TABLE).fetchall())


def article(rng: random.Random, number: int, copy_of: int | None = None) -> Article:
    day = rng.randrange(1, 28)
    item = make_article(
        "https://site%d.example/%d.html" % (rng.randrange(3), number),
        "标题%d" % number,
        "正文" * rng.randrange(5, 60),
        rng.choice([None, "", "2024-02-%02d" % day, "2024-02-%02dT08:00:00+08:00" % day]),
        source=rng.choice(SOURCES),
        fetched_at="2024-03-%02dT0%d:00:00+00:00" % (rng.randrange(1, 28), rng.randrange(10)),
        article_url=None if copy_of is None else "https://copy.example/%d" % copy_of,
    )
    item.text_quality = rng.choice(QUALITIES)
    if copy_of is None:
        item.text_hash = "https://copy.example/%d" % number
    return item


def test_kept_totals_equal_the_scan_after_new_merged_and_revised_pages(tmp_path: Path):
    rng = random.Random(20240224)
    archive = Archive(open_database(tmp_path / "xietong.db"), batch_size=7)
    stored: list[Article] = []
    for number in range(120):
        roll = rng.random()
        if stored and roll < 0.3:
            # Another site's copy of an earlier article: merged, maybe with the better text.
            item = article(rng, 1000 + number, copy_of=rng.randrange(len(stored)))
        elif stored and roll < 0.5:
            # The same page met again: its text, date or quality changed (a revision).
            earlier = rng.choice(stored)
            item = dataclasses.replace(
                earlier,
                text=earlier.text + "更新",
                text_simplified=earlier.text + "更新",
                published_at=rng.choice([None, "2024-01-05", earlier.published_at]),
                text_quality=rng.choice(QUALITIES),
                text_hash=earlier.text_hash + "-revised%d" % number,
                fetched_at="2024-04-01T00:00:00+00:00",
            )
        else:
            item = article(rng, number)
        archive.store(item)
        stored.append(item)
        assert kept(archive.db) == scanned(archive.db), number
    archive.close()


def test_a_lowered_maximum_and_a_deleted_page_are_read_again(tmp_path: Path):
    archive = Archive(open_database(tmp_path / "xietong.db"))
    rng = random.Random(7)
    for number in range(30):
        archive.store(article(rng, number))
    archive.close()
    db = open_database(tmp_path / "xietong.db")
    newest = db.execute("select max(published_at) from articles").fetchone()[0]
    db.execute("update articles set published_at = '2023-01-01' where published_at = ?", [newest])
    assert kept(db) == scanned(db)
    last = db.execute("select url from appearances order by fetched_at desc limit 1").fetchone()[0]
    db.execute(
        "update appearances set fetched_at = '2020-01-01T00:00:00+00:00' where url = ?", [last]
    )
    assert kept(db) == scanned(db)
    db.execute("update appearances set source = 'moved' where url = ?", [last])
    assert kept(db) == scanned(db)
    db.execute("delete from appearances where url = ?", [last])
    assert kept(db) == scanned(db)
    db.conn.commit()
    db.close()


def make_older(path: Path, table: str) -> None:
    """Drop a kept table and its triggers (``<table>…``), as an archive of an earlier version."""
    db = sqlite_utils.Database(path)
    db.execute("drop table %s" % table)
    for (name,) in db.execute(
        "select name from sqlite_master where type = 'trigger' and name like ?", [table + "%"]
    ).fetchall():
        db.execute("drop trigger %s" % name)
    db.conn.commit()
    db.close()


def test_an_archive_without_the_table_is_summed_when_opened(tmp_path: Path):
    path = tmp_path / "xietong.db"
    archive = Archive(open_database(path))
    rng = random.Random(11)
    for number in range(40):
        archive.store(article(rng, number))
    archive.close()
    db = sqlite_utils.Database(path)
    expected = scanned(db)
    db.close()
    make_older(path, SUMMARY_TABLE)
    reopened = open_database(path)
    assert kept(reopened) == expected
    reopened.close()


# What the source-health query read before the totals were kept: every appearance.
SCANNING_SOURCE_HEALTH = """
select appearances.source,
  count(*) as pages,
  sum(appearances.is_first) as new_articles,
  count(*) - sum(appearances.is_first) as merged_copies,
  max(appearances.fetched_at) as last_fetched_at,
  max(articles.published_at) as newest_published_at,
  sum(coalesce(articles.published_at, '') = '') as without_date,
  sum(articles.text_quality = 'repaired') as repaired_text,
  sum(articles.text_quality = 'mojibake') as mojibake_text,
  cast(avg(articles.body_length) as integer) as average_body_length
from appearances join articles on articles.id = appearances.article_id
group by appearances.source
order by last_fetched_at desc
"""


def test_source_health_reads_the_kept_totals_and_answers_as_the_scan_did(tmp_path: Path):
    sql = load_metadata()["databases"][DATABASE_NAME]["queries"]["source_health"]["sql"]
    assert "from source_summaries" in sql
    assert "appearances" not in sql
    archive = Archive(open_database(tmp_path / "xietong.db"))
    rng = random.Random(3)
    for number in range(60):
        archive.store(article(rng, number, copy_of=number // 2 if number % 3 == 0 else None))
    archive.close()
    db = sqlite_utils.Database(tmp_path / "xietong.db")
    now = [
        {key: value for key, value in row.items() if key != "days_since_fetch"}
        for row in db.query(sql)
    ]
    before = list(db.query(SCANNING_SOURCE_HEALTH))
    assert now == before
    assert len(now) == len(SOURCES)

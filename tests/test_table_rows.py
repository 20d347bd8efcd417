"""Row counts kept at write time (crawler/archive/table_rows.py) equal count(*), and the
datasette pages that count rows (crawler/web/row_counts.py) show the same numbers as before.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from crawler.archive import Archive, open_database
from crawler.archive.table_rows import COUNTED_TABLES, TABLE_ROWS_TABLE
from crawler.items import Article, PolicyDocument
from crawler.web import row_counts
from crawler.web.serve import build_datasette
from tests.test_search import make_article
from tests.test_source_summaries import article, make_older


def counted(db: sqlite_utils.Database) -> dict[str, int]:
    return {
        table: db.execute("select count(*) from %s" % table).fetchone()[0]
        for table in COUNTED_TABLES
    }


def kept(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute("select name, rows from %s" % TABLE_ROWS_TABLE).fetchall())


def policy_article(number: int) -> Article:
    return make_article(
        "https://gov.example/zc/%d.html" % number,
        "关于推进协同发展的通知%d" % number,
        "各有关单位：现将协同发展有关事项通知如下。第%d号。" % number,
        "2024-02-%02d" % (1 + number % 27),
        kind="policy",
        policy=PolicyDocument(issuer="河北省人民政府", doc_number="冀政发〔2024〕%d号" % number),
    )


def write_mixed(path: Path, seed: int) -> None:
    """Store new, merged, revised and policy pages through the archive, checking as it goes."""
    rng = random.Random(seed)
    archive = Archive(open_database(path), batch_size=5)
    stored: list[Article] = []
    for number in range(90):
        roll = rng.random()
        if stored and roll < 0.3:
            item = article(rng, 1000 + number, copy_of=rng.randrange(len(stored)))
        elif stored and roll < 0.45:
            earlier = rng.choice(stored)
            item = dataclasses.replace(
                earlier,
                text=earlier.text + "更新",
                text_simplified=earlier.text + "更新",
                text_hash=earlier.text_hash + "-revised%d" % number,
                fetched_at="2024-04-01T00:00:00+00:00",
            )
        elif roll < 0.6:
            item = policy_article(number)
        else:
            item = article(rng, number)
        archive.store(item)
        stored.append(item)
        assert kept(archive.db) == counted(archive.db), number
    archive.close()


def test_kept_row_counts_equal_count_after_new_merged_revised_and_policy_pages(tmp_path: Path):
    path = tmp_path / "xietong.db"
    write_mixed(path, 20240224)
    db = open_database(path)
    counts = counted(db)
    assert counts["articles"]
    assert counts["appearances"] > counts["articles"]
    assert counts["policies"]
    assert counts["article_revisions"]
    # Deletes from any connection move the counts too.
    db.execute("delete from appearances where is_first = 0")
    db.execute("delete from policies")
    assert kept(db) == counted(db)
    db.conn.commit()
    db.close()


def test_an_archive_without_the_table_is_counted_when_opened(tmp_path: Path):
    path = tmp_path / "xietong.db"
    write_mixed(path, 7)
    db = sqlite_utils.Database(path)
    expected = counted(db)
    db.close()
    make_older(path, TABLE_ROWS_TABLE)
    reopened = open_database(path)
    assert kept(reopened) == expected
    reopened.close()


def fetch_json(path: Path, url: str) -> Any:
    async def fetch() -> Any:
        response = await build_datasette(path).client.get(url)
        assert response.status_code == 200, response.text[:500]
        return response.json()

    return asyncio.run(fetch())


def test_database_and_table_pages_show_the_counts_of_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "xietong.db"
    write_mixed(path, 11)
    db = sqlite_utils.Database(path)
    every = {
        name: db.execute("select count(*) from [%s]" % name).fetchone()[0]
        for name in db.table_names()
    }
    db.close()
    tables = fetch_json(path, "/xietong.json")["tables"]
    assert {table["name"]: table["count"] for table in tables} == every
    assert {table["name"] for table in tables if not table["hidden"]} >= set(COUNTED_TABLES)
    for table in COUNTED_TABLES:
        page = fetch_json(path, "/xietong/%s.json?_nofacet=1" % table)
        assert page["filtered_table_rows_count"] == every[table], table
    home = fetch_json(path, "/.json")
    shown = [table["name"] for table in tables if not table["hidden"]]
    assert home["xietong"]["table_rows_sum"] == sum(every[name] for name in shown)
    # In a large archive the hidden tables, which the page does not show, are not counted.
    monkeypatch.setattr(row_counts, "HIDDEN_COUNTED_BELOW_BYTES", 0)
    tables = fetch_json(path, "/xietong.json")["tables"]
    assert {table["name"]: table["count"] for table in tables if not table["hidden"]} == {
        name: every[name] for name in shown
    }
    assert all(table["count"] is None for table in tables if table["hidden"])

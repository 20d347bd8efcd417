"""A merged article's row: one appearance's heading, date, site and outlet; the same id in any order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.archive.articles import earliest_first
from tests.test_pipelines import BODY, Chain, make_item

LONGER = BODY + "（本报记者 王明 通讯员 李强）\n编辑：张华\n"


def copies() -> list:
    """One report on three sites: the earliest is short, a later one longer, one undated."""
    return [
        make_item(
            "http://later.example/b.html",
            LONGER,
            title="京津冀产业链上发力（转载）",
            published_at="2024-02-25T09:00:00+08:00",
            site="转载网",
            outlet="转载日报",
        ),
        make_item(
            "http://first.example/a.html",
            BODY,
            title="“链”上发力，产业联系越来越紧密",
            published_at="2024-02-24T07:53:08+08:00",
            site="首发网",
            outlet="河北日报",
        ),
        make_item(
            "http://undated.example/c.html",
            BODY,
            title="产业联系越来越紧密",
            site="无日期网",
            outlet="某网",
        ),
    ]


def store(db_path: Path, items: list) -> sqlite_utils.Database:
    """Store items through the pipelines into a fresh archive."""
    with Chain(db_path) as chain:
        for item in items:
            chain.feed(item)
    return sqlite_utils.Database(db_path)


def article_rows(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(
        db.query(
            "select id, title, published_at, site, outlet, url, source, body_length"
            " from articles order by id"
        )
    )


def test_merged_article_takes_heading_date_site_and_outlet_of_its_earliest_appearance(
    tmp_path: Path,
) -> None:
    db = store(tmp_path / "a.db", copies())
    [row] = article_rows(db)
    assert row["title"] == "“链”上发力，产业联系越来越紧密"
    assert row["published_at"] == "2024-02-24T07:53:08+08:00"
    assert (row["site"], row["outlet"], row["url"]) == (
        "首发网",
        "河北日报",
        "http://first.example/a.html",
    )
    assert row["body_length"] == len(LONGER)  # the most complete copy's text


def test_each_appearance_keeps_its_own_heading_and_date(tmp_path: Path) -> None:
    db = store(tmp_path / "a.db", copies())
    seen = {row["url"]: (row["title"], row["published_at"]) for row in db["appearances"].rows}
    assert seen["http://later.example/b.html"] == (
        "京津冀产业链上发力（转载）",
        "2024-02-25T09:00:00+08:00",
    )
    assert seen["http://undated.example/c.html"] == ("产业联系越来越紧密", None)


def test_copies_met_in_any_order_give_the_same_article_id_and_row(tmp_path: Path) -> None:
    items = copies()
    forward = article_rows(store(tmp_path / "forward.db", items))
    backward = article_rows(store(tmp_path / "backward.db", list(reversed(copies()))))
    assert forward == backward
    appearances = sqlite_utils.Database(tmp_path / "backward.db")["appearances"].rows
    assert {row["article_id"] for row in appearances} == {forward[0]["id"]}


def test_earliest_appearance_compares_times_as_instants_and_puts_a_bare_date_last() -> None:
    key = earliest_first
    assert key("2024-02-24T07:53:08+08:00", "http://z.example/") < key(
        "2024-02-24T10:26:45+08:00", "http://a.example/"
    )
    assert key("2024-02-24T01:00:00+00:00", "http://z.example/") < key(
        "2024-02-24T10:00:00+08:00", "http://a.example/"
    )  # 09:00 and 10:00 in Beijing
    assert key("2024-02-24T23:00:00+08:00", "http://z.example/") < key(
        "2024-02-24", "http://a.example/"
    )
    assert key("2024-02-25", "http://z.example/") < key(None, "http://a.example/")

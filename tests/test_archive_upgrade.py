"""An archive written by the previous schema (version 2) is upgraded when opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from crawler.archive import SCHEMA_VERSION, open_database
from crawler.archive.near_duplicates import NearDuplicateIndex
from crawler.archive.search_index import search_article_ids
from crawler.text import fingerprint as fp
from crawler.text.search_query import bigram_text

# The version 2 layout, as that version created it: a positional search index whose title
# column held the plain windows only, and band rows keyed by article id and a 64-bit key.
VERSION_2_SEARCH = (
    "create virtual table articles_search using fts5(title, body, content='',"
    " tokenize='unicode61', detail=full)"
)
VERSION_2_TRIGGER = (
    "create trigger articles_search_after_insert after insert on articles begin"
    " insert into articles_search(rowid, title, body) values (new.rowid, new.title, new.body);"
    " end"
)
VERSION_2_FINGERPRINTS = (
    "create table fingerprints ("
    " article_id text primary key, signature blob not null, length integer not null)"
)
VERSION_2_BANDS = (
    "create table fingerprint_bands (band_key integer not null, article_id text not null,"
    " primary key (band_key, article_id)) without rowid"
)
BODY = "京津冀协同发展十年来，产业协作不断深化，交通网络越来越密，生态环境持续改善。" * 3


def write_version_2_archive(path: Path) -> fp.Fingerprint:
    """Write a version 2 archive holding two articles and one fingerprint."""
    open_database(path).close()  # today's tables, then the two indexes put back as they were
    conn = sqlite3.connect(path)
    for name in ("insert", "update", "delete"):
        conn.execute("drop trigger articles_search_after_%s" % name)
    conn.execute("drop table articles_search")
    conn.execute("drop table fingerprints")
    conn.execute("drop table fingerprint_bands")
    conn.execute(VERSION_2_SEARCH)
    conn.execute(VERSION_2_FINGERPRINTS)
    conn.execute(VERSION_2_BANDS)
    rows = [("a1", "雄安新区建设提速", BODY), ("a2", "天气预报", "明天晴。")]
    for number, (article_id, title, body) in enumerate(rows, start=1):
        conn.execute(
            "insert into articles (rowid, id, title, title_simplified, body, body_simplified)"
            " values (?, ?, ?, ?, ?, ?)",
            (number, article_id, title, title, body, body),
        )
        conn.execute(
            "insert into articles_search (rowid, title, body) values (?, ?, ?)",
            (number, bigram_text(title), bigram_text(body)),
        )
    conn.execute(VERSION_2_TRIGGER)
    found = fp.fingerprint(BODY)
    conn.execute("insert into fingerprints values ('a1', ?, ?)", (found.signature, found.length))
    conn.executemany(
        "insert into fingerprint_bands values (?, 'a1')",
        [(key,) for key in fp.band_keys(found.signature)],
    )
    conn.execute("pragma user_version = 0")
    conn.commit()
    conn.close()
    return found


def test_version_2_archive_is_upgraded_when_opened(tmp_path: Path):
    path = tmp_path / "old.db"
    found = write_version_2_archive(path)
    db = open_database(path)
    assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION == 3
    index_sql = db.execute(
        "select sql from sqlite_master where name = 'articles_search'"
    ).fetchone()[0]
    assert "detail=none" in index_sql
    # The rebuilt index finds two-character words in either script, title hits alone too.
    assert search_article_ids(db, "雄安") == ["a1"]
    assert search_article_ids(db, "協同") == ["a1"]
    assert search_article_ids(db, "天气") == ["a2"]
    assert search_article_ids(db, "晴天") == []
    # The old trigger was replaced: a new article is indexed once, by today's triggers.
    db["articles"].insert({"id": "a3", "title": "港口群", "body": "天津港扩容。"})
    assert search_article_ids(db, "港口") == ["a3"]
    # The near-duplicate index kept its signature and finds the copy through new band rows.
    assert db.execute("select article_id from fingerprints").fetchall() == [("a1",)]
    assert db.execute("select count(*) from fingerprint_bands").fetchone()[0] == fp.LSH_BANDS
    assert [hit for hit, _ in NearDuplicateIndex(db.conn).find(found.signature, found.length)] == [
        "a1"
    ]
    db.close()


def test_opening_an_upgraded_archive_again_changes_nothing(tmp_path: Path):
    path = tmp_path / "old.db"
    write_version_2_archive(path)
    open_database(path).close()
    conn = sqlite3.connect(path)
    before = conn.execute("select type, name, sql from sqlite_master order by name").fetchall()
    bands = conn.execute("select * from fingerprint_bands order by 1, 2").fetchall()
    conn.close()
    db = open_database(path)
    assert (
        db.execute("select type, name, sql from sqlite_master order by name").fetchall() == before
    )
    assert db.execute("select * from fingerprint_bands order by 1, 2").fetchall() == bands
    assert search_article_ids(sqlite_utils.Database(db.conn), "雄安") == ["a1"]
    db.close()

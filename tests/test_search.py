from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from crawler.archive import Archive, article_id_for, open_database
from crawler.archive.search_index import (
    FACET_COLUMNS,
    RANKED_CANDIDATES,
    _bigrams_sql,
    _title_bigrams_sql,
    rebuild_search_index,
    register_search_functions,
    search_article_ids,
    search_condition_sql,
    search_index_paused,
)
from crawler.items import Article, PolicyDocument
from crawler.text.search_query import (
    TITLE_MARKER,
    SearchQueryError,
    bigram_text,
    search_query,
    title_index_text,
)


def make_article(
    url: str,
    title: str,
    text: str,
    published_at: str | None,
    *,
    title_simplified: str | None = None,
    text_simplified: str | None = None,
    kind: str = "news",
    site: str = "河北新闻网",
    source: str = "hebnews",
    outlet: str = "河北日报",
    script: str = "hans",
    topics: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
    article_url: str | None = None,
    fetched_at: str = "2024-02-25T10:00:00+08:00",
    policy: PolicyDocument | None = None,
) -> Article:
    """An article as it reaches the archive; ``article_url`` makes it a copy of that article."""
    return Article(
        url=url,
        source=source,
        fetched_at=fetched_at,
        kind=kind,
        site=site,
        title=title,
        text=text,
        title_simplified=title_simplified if title_simplified is not None else title,
        text_simplified=text_simplified if text_simplified is not None else text,
        published_at=published_at,
        outlet=outlet,
        script=script,
        topics=list(topics),
        regions=list(regions),
        canonical_url=url,
        # A copy carries its original's text hash, so the archive merges it as same_text.
        text_hash=article_url or url,
        policy=policy,
    )


def build_archive(path: Path, articles: list[Article]) -> Path:
    """Write ``articles`` into a fresh archive at ``path`` through Archive.store."""
    archive = Archive(open_database(path))
    for article in articles:
        archive.store(article)
    archive.close()
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Any:
    path = build_archive(
        tmp_path / "xietong.db",
        [
            make_article(
                "https://crntt.example/a",
                "協同發展十年觀察",
                "京津冀作為引領全國高質量發展的三大重要動力源之一。",
                "2024-02-23T07:23:21+08:00",
                title_simplified="协同发展十年观察",
                text_simplified="京津冀作为引领全国高质量发展的三大重要动力源之一。",
                script="hant",
            ),
            make_article(
                "https://hebnews.example/b",
                "雄安新区建设提速",
                "推动京津冀协同发展，产业联系越来越紧密。",
                "2024-02-24T07:53:08+08:00",
            ),
            make_article("https://hebnews.example/c", "天气预报", "明天晴。", "2024-01-05"),
        ],
    )
    db = sqlite_utils.Database(path)
    yield db
    db.close()


def ids_for(*urls: str) -> list[str]:
    return [article_id_for(url) for url in urls]


def test_bigram_text_is_every_two_character_window():
    assert bigram_text("京津冀协同") == "京津 津冀 冀协 协同"
    assert bigram_text("雄") == "雄"
    assert bigram_text("") == ""


@pytest.mark.parametrize(
    "text",
    ["京津冀协同发展", "雄", "", "5G网络，Beijing 2024年。", "emoji 😀 在中间", "  spaced  out  "],
)
def test_sql_bigrams_in_triggers_equal_python_bigrams(text: str):
    conn = sqlite3.connect(":memory:")
    (from_sql,) = conn.execute("select " + _bigrams_sql(":text"), {"text": text}).fetchone()
    assert from_sql == bigram_text(text)


@pytest.mark.parametrize("title", ["京津冀协同发展", "雄", "", "5G网络，Beijing 2024年。"])
def test_sql_title_index_text_in_triggers_equals_python(title: str):
    conn = sqlite3.connect(":memory:")
    (from_sql,) = conn.execute("select " + _title_bigrams_sql(":text"), {"text": title}).fetchone()
    assert from_sql == title_index_text(title)


def test_longer_term_whose_windows_stand_apart_is_not_found(tmp_path: Path):
    # 京津 and 津冀 are both in the text, 京津冀 is not: the index matches, the check drops it.
    path = build_archive(
        tmp_path / "a.db",
        [
            make_article("https://a.example/1", "京津两地", "津冀合作。", "2024-02-20"),
            make_article("https://a.example/2", "京津冀", "协同。", "2024-02-21"),
        ],
    )
    db = sqlite_utils.Database(path)
    assert search_article_ids(db, "京津冀") == ids_for("https://a.example/2")
    assert search_article_ids(db, "京津") == ids_for("https://a.example/2", "https://a.example/1")


def test_traditional_query_finds_the_same_articles_as_simplified(archive: sqlite_utils.Database):
    simplified = search_article_ids(archive, "协同")
    assert simplified
    assert sorted(search_article_ids(archive, "協同")) == sorted(simplified)
    assert sorted(search_article_ids(archive, "產業")) == sorted(
        search_article_ids(archive, "产业")
    )


def test_two_character_words_are_found(archive: sqlite_utils.Database):
    assert search_article_ids(archive, "雄安") == ids_for("https://hebnews.example/b")
    assert search_article_ids(archive, "产业") == ids_for("https://hebnews.example/b")
    assert search_article_ids(archive, "天气") == ids_for("https://hebnews.example/c")


def test_query_matches_substrings_not_scattered_characters(archive: sqlite_utils.Database):
    # 晴天 is not in any text although 晴 and 天 both are.
    assert search_article_ids(archive, "晴天") == []


def test_title_hits_rank_before_body_hits(archive: sqlite_utils.Database):
    # /b is newer and mentions 协同 in its body; /a has it in the title.
    assert search_article_ids(archive, "协同") == ids_for(
        "https://crntt.example/a", "https://hebnews.example/b"
    )


def test_all_terms_must_match(archive: sqlite_utils.Database):
    assert search_article_ids(archive, "雄安 产业") == ids_for("https://hebnews.example/b")
    assert search_article_ids(archive, "雄安 天气") == []


def test_query_of_only_punctuation_is_an_error():
    with pytest.raises(SearchQueryError):
        search_query(" ，。 ")


def test_column_filter_limits_to_title():
    assert search_query("協同", column="title") == '"%s协同"' % TITLE_MARKER


def test_title_search_finds_title_hits_only(archive: sqlite_utils.Database):
    register_search_functions(archive.conn)
    (title_hits,) = archive.execute(
        "select group_concat(id) from articles where " + search_condition_sql("協同", "q", "title"),
        {"q": "協同"},
    ).fetchone()
    assert title_hits == ids_for("https://crntt.example/a")[0]


def test_plain_connection_writes_keep_the_index_in_sync(archive: sqlite_utils.Database):
    """A connection that never registered our functions can insert, update and delete."""
    path = archive.conn.execute("pragma database_list").fetchone()[2]
    rebuild_search_index(archive)  # index the existing rows with the Python bigrams
    archive.conn.commit()
    plain = sqlite3.connect(path)
    plain.execute(
        "insert into articles (id, title, body, published_at) values ('x1', '京津冀交通一体化', '轨道上的京津冀。', '2024-02-20')"
    )
    plain.execute(
        "update articles set body = '已经改写', body_simplified = '已经改写' where url = 'https://hebnews.example/b'"
    )
    plain.execute("delete from articles where url = 'https://hebnews.example/c'")
    plain.commit()
    plain.close()
    assert search_article_ids(archive, "交通") == ["x1"]
    assert search_article_ids(archive, "产业") == []  # the old body was forgotten
    assert search_article_ids(archive, "改写") == ids_for("https://hebnews.example/b")
    assert search_article_ids(archive, "天气") == []
    before = {
        query: search_article_ids(archive, query) for query in ("协同", "交通", "改写", "雄安")
    }
    rebuild_search_index(archive)
    assert {query: search_article_ids(archive, query) for query in before} == before


def test_archive_store_of_a_more_complete_copy_reindexes(tmp_path: Path):
    path = build_archive(
        tmp_path / "a.db", [make_article("https://a.example/1", "标题", "短文。", "2024-02-20")]
    )
    build_archive(
        path,
        [
            make_article(
                "https://b.example/1",
                "标题",
                "短文。后来补上了雄安一段。",
                "2024-02-20",
                article_url="https://a.example/1",
            )
        ],
    )
    db = sqlite_utils.Database(path)
    assert search_article_ids(db, "雄安") == ids_for("https://a.example/1")


def test_bulk_load_with_index_paused_is_indexed_afterwards(tmp_path: Path):
    db = open_database(tmp_path / "bulk.db")
    with search_index_paused(db):
        db["articles"].insert_all(
            [
                {
                    "id": "n%d" % number,
                    "title": "第%d号" % number,
                    "body": "雄安新区" if number % 2 else "天津港",
                }
                for number in range(10)
            ]
        )
    assert sorted(search_article_ids(db, "雄安")) == ["n1", "n3", "n5", "n7", "n9"]
    db["articles"].insert({"id": "late", "title": "后来", "body": "雄安"})
    assert "late" in search_article_ids(db, "雄安")


@pytest.mark.parametrize(
    ("published_at", "week"),
    [
        ("2024-02-19", "2024-W08"),
        ("2024-02-25T23:59:00+08:00", "2024-W08"),
        ("2024-02-26", "2024-W09"),
        ("2021-01-03", "2020-W53"),
        ("2024-12-30", "2025-W01"),
        (None, None),
        ("not a date", None),
    ],
)
def test_week_column_follows_the_iso_rule(
    tmp_path: Path, published_at: str | None, week: str | None
):
    db = open_database(tmp_path / "weeks.db")
    db["articles"].insert({"id": "w", "title": "t", "body": "b", "published_at": published_at})
    assert db.execute("select week from articles where id = 'w'").fetchone()[0] == week


def search_rows(db: sqlite_utils.Database) -> int:
    """Count the rows the contentless index holds (one per indexed article)."""
    return db.execute("select count(*) from articles_search_docsize").fetchone()[0]


def test_archive_writer_indexes_in_python_and_a_plain_connection_keeps_up(tmp_path: Path):
    path = build_archive(
        tmp_path / "a.db",
        [make_article("https://a.example/1", "雄安新区", "轨道上的京津冀。", "2024-02-20")],
    )
    plain = sqlite3.connect(path)
    # Indexed by the archive's Python triggers, forgotten by the plain SQL ones: the two
    # compute the same bigrams, or the contentless index would keep the old postings.
    plain.execute("update articles set body = '港口群扩容', body_simplified = '港口群扩容'")
    plain.commit()
    plain.close()
    db = sqlite_utils.Database(path)
    assert search_article_ids(db, "港口") == ids_for("https://a.example/1")
    assert search_article_ids(db, "轨道") == []
    assert search_rows(db) == 1
    # And the other way: written in SQL, revised by the archive in Python.
    revised = make_article("https://a.example/1", "雄安新区", "地热供暖面积扩大。", "2024-02-20")
    revised.text_hash = "changed"
    build_archive(path, [revised])
    assert search_article_ids(db, "地热") == ids_for("https://a.example/1")
    assert search_article_ids(db, "港口") == []
    assert search_rows(db) == 1


def test_archive_with_triggers_from_before_the_python_path_is_upgraded(tmp_path: Path):
    path = build_archive(tmp_path / "a.db", [])
    plain = sqlite3.connect(path)
    stored = plain.execute(
        "select sql from sqlite_master where name = 'articles_search_after_insert'"
    ).fetchone()[0]
    old_style = re.sub(r"\s+WHEN not exists \(.*?\)\s+begin", " begin", stored, flags=re.I | re.S)
    assert old_style != stored
    plain.execute("drop trigger articles_search_after_insert")
    plain.execute(old_style)
    plain.commit()
    plain.close()
    build_archive(path, [make_article("https://a.example/1", "雄安新区", "轨道。", "2024-02-20")])
    db = sqlite_utils.Database(path)
    assert (
        "xietong_python_indexer"
        in db.execute(
            "select sql from sqlite_master where name = 'articles_search_after_insert'"
        ).fetchone()[0]
    )
    assert search_rows(db) == 1  # indexed once, not by both triggers
    assert search_article_ids(db, "雄安") == ids_for("https://a.example/1")


def test_ranked_search_orders_a_bounded_set_and_keeps_old_title_hits(tmp_path: Path):
    # More matches than the ranked search reads: the oldest article, a title hit, still
    # leads, and the body hits that follow are the newest.
    db = open_database(tmp_path / "many.db")
    count = RANKED_CANDIDATES + 500
    with search_index_paused(db):
        db["articles"].insert_all(
            {
                "id": "n%05d" % number,
                "title": "雄安新区" if number == 0 else "第%d号" % number,
                "body": "雄安建设" if number else "港口",
                "published_at": "2024-01-01" if number == 0 else "2024-02-%02d" % (number % 28 + 1),
            }
            for number in range(count)
        )
    found = search_article_ids(db, "雄安", limit=5)
    assert found[0] == "n00000"
    newest = db.execute("select published_at from articles where id = ?", [found[1]]).fetchone()[0]
    assert newest == "2024-02-28"


@pytest.mark.parametrize("column", FACET_COLUMNS)
def test_facet_of_a_common_search_scans_the_column_index(
    archive: sqlite_utils.Database, column: str
):
    # The table page's facet SQL with the plugin's +rowid form walks the facet column's
    # index (covering, but for the generated week), not the table (crawler/web/plugin.py).
    plan = archive.execute(
        f"explain query plan select {column}, count(*) from (select * from articles where"
        " +rowid in (select rowid from articles_search where articles_search match 'x'))"
        f" where {column} is not null group by {column}"
    ).fetchall()
    steps = [row[-1] for row in plan]
    assert any("INDEX idx_articles_%s " % column in step + " " for step in steps), steps
    assert "SCAN articles" not in steps, steps  # no read of the table itself

"""Facets counted in memory (crawler/web/facet_counts.py) equal the facets counted in SQL.

Metamorphic: where the counting happens (SQLite or the in-memory codes), and which form the
search clause takes (lookup or index walk), must not change a single facet value or count,
for searches, filters and their mixes; and the codes follow the archive as it is written.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.archive import Archive, open_database
from crawler.web import facet_counts
from crawler.web import pages as datasette_pages
from crawler.web import plugin as datasette_plugin
from crawler.web.serve import build_datasette
from tests.test_search import build_archive, make_article

WORDS = ("协同", "发展", "雄安", "交通", "产业", "生态", "医疗", "港口", "天气", "京津冀")
SITES = ("河北新闻网", "长城网", "北京日报", "天津日报")
OUTLETS = ("河北日报", "中國能源報", "中国能源报", "")
TOPICS = ("产业", "交通", "生态", "公共服务")
REGIONS = ("北京", "天津", "河北", "雄安")


def random_articles(count: int, seed: int) -> list[Any]:
    rng = random.Random(seed)
    articles = []
    for number in range(count):
        words = rng.sample(WORDS, rng.randint(1, 4))
        filler = "".join(chr(rng.randrange(0x4E00, 0x6FFF)) for _ in range(40))
        day = rng.randrange(1, 57)
        published = (
            None
            if number % 13 == 0
            else "2024-%02d-%02dT08:00:00+08:00" % (1 + day // 29, 1 + day % 28)
        )
        articles.append(
            make_article(
                "https://%d.example/a/%d" % (number % 5, number),
                "".join(words[:2]) + "第%d号" % number,
                filler + "".join(words) + "。",
                published,
                kind="policy" if number % 7 == 0 else "news",
                site=rng.choice(SITES),
                outlet=rng.choice(OUTLETS),
                topics=tuple(rng.sample(TOPICS, rng.randint(0, 2))),
                regions=tuple(rng.sample(REGIONS, rng.randint(0, 3))),
            )
        )
    return articles


def table_json(path: Path, params: dict[str, str]) -> Any:
    async def fetch() -> Any:
        response = await build_datasette(path).client.get("/xietong/articles.json", params=params)
        assert response.status_code == 200, response.text[:500]
        return response.json()

    return asyncio.run(fetch())


def facets_of(page: Any) -> dict[str, list[tuple[Any, int]]]:
    return {
        name: [(item["value"], item["count"]) for item in facet["results"]]
        for name, facet in page["facet_results"].items()
    }


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("facets") / "xietong.db", random_articles(160, 7))


QUERIES = [
    {},
    {"_search": "协同"},
    {"_search": "協同"},
    {"_search": "京津冀"},  # three characters: the text check joins the search clause
    {"_search": "雄安", "site": "长城网"},
    {"_search": "发展", "topics__arraycontains": "交通"},
    {"kind": "policy"},
    {"_search": "天气 港口", "_facet_size": "3"},
    {"_search": "无此词"},
]


@pytest.mark.parametrize("params", QUERIES, ids=[str(query) for query in QUERIES])
@pytest.mark.parametrize("walk", [False, True], ids=["lookup", "walk"])
def test_memory_facets_equal_sql_facets(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch, params: dict[str, str], walk: bool
):
    if walk:
        monkeypatch.setattr(datasette_plugin, "MANY_MATCHES", 1)
        monkeypatch.setattr(datasette_plugin, "SHARE_FOR_FACETS", 0.0)
    monkeypatch.setattr(datasette_pages, "MEMORY_FROM_MATCHES", 10**9)
    in_sql = table_json(archive_path, params)
    monkeypatch.setattr(datasette_pages, "MEMORY_FROM_MATCHES", 0)
    in_memory = table_json(archive_path, params)
    assert in_memory["filtered_table_rows_count"] == in_sql["filtered_table_rows_count"]
    assert facets_of(in_memory) == facets_of(in_sql)
    assert set(facets_of(in_sql)) == {
        "kind",
        "week",
        "site",
        "outlet_simplified",
        "topics",
        "regions",
    }
    if in_sql["filtered_table_rows_count"]:
        assert any(facets_of(in_sql).values())  # the comparison is not between empty lists


def test_memory_path_is_taken_and_sees_new_and_edited_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = build_archive(tmp_path / "xietong.db", random_articles(40, 11))
    monkeypatch.setattr(datasette_pages, "MEMORY_FROM_MATCHES", 0)
    calls = []
    original = facet_counts.TableCodes.counts

    def counting(self: Any, *args: Any) -> Any:
        calls.append(args[1])
        return original(self, *args)

    monkeypatch.setattr(facet_counts.TableCodes, "counts", counting)
    before = facets_of(table_json(path, {"_search": "协同"}))
    assert set(calls) == {"kind", "week", "site", "outlet_simplified", "topics", "regions"}

    # A new article on a new site, committed after the codes were read: counted at once.
    archive = Archive(open_database(path))
    archive.store(
        make_article(
            "https://new.example/a/1",
            "协同新站第一篇",
            "新站点的第一篇协同报道，内容不同于其他文章。",
            "2024-03-01T08:00:00+08:00",
            site="新站点",
            topics=("生态",),
        )
    )
    archive.close()
    after = facets_of(table_json(path, {"_search": "协同"}))
    assert ("新站点", 1) in after["site"]
    assert dict(after["topics"]).get("生态", 0) == dict(before["topics"]).get("生态", 0) + 1

    # An edited row (topics changed in place) is counted under its new value at once: the
    # archive counts the edit (facet_edits), and the codes are read again whole.
    monkeypatch.setattr(facet_counts, "FULL_RELOAD_SECONDS", 10**6)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "update articles set topics = '[\"医改\"]' where url = 'https://new.example/a/1'"
        )
    conn.close()
    edited = facets_of(table_json(path, {"_search": "协同"}))
    assert ("医改", 1) in edited["topics"]
    monkeypatch.setattr(datasette_pages, "MEMORY_FROM_MATCHES", 10**9)
    assert facets_of(table_json(path, {"_search": "协同"})) == edited


def test_codes_count_what_sql_counts_on_odd_values(tmp_path: Path):
    # NULLs, blanks, invalid JSON, repeated list items and rowid gaps (deleted rows).
    conn = sqlite3.connect(tmp_path / "odd.db")
    conn.execute("create table t (name text, items text)")
    rows = [("a", '["x","x","y"]'), (None, "not json"), ("", "[]"), ("b", None), ("a", '["y"]')]
    conn.executemany("insert into t values (?, ?)", rows * 3)
    conn.execute("delete from t where rowid in (2, 6)")
    conn.execute("create index t_name on t(name)")
    conn.commit()
    codes = facet_counts.TableCodes(str(tmp_path / "odd.db"), "t", ("name", "items"))
    every = "select rowid from t"
    assert sorted(codes.counts(conn, "name", every, {})) == sorted(
        conn.execute("select name, count(*) from t where name is not null group by name").fetchall()
    )
    items = dict(facet_counts.list_item_counts(codes.counts(conn, "items", every, {})))
    assert items == {"x": 2, "y": 5}  # x once per row: rows 1 and 11 (row 6 deleted)


def rows_pages(path: Path, params: dict[str, str]) -> tuple[list[Any], str]:
    """Every row of a rows-only search, page by page (``_next``); and the first page's SQL."""
    rows: list[Any] = []
    first_sql = ""
    page_params = {**params, "_size": "7", "_shape": "objects"}
    while True:
        page = table_json(path, page_params)
        first_sql = first_sql or page["query"]["sql"]
        rows += page["rows"]
        if not page.get("next"):
            return rows, first_sql
        page_params = {**page_params, "_next": page["next"]}


ROWS_QUERIES = [
    {"_search": "协同", "_nocount": "1", "_nofacet": "1"},
    {"_search": "發展", "_nocount": "1", "_nofacet": "1", "site": "长城网"},
    {"_search": "京津冀", "_nocount": "1", "_nofacet": "1"},
]


@pytest.mark.parametrize("params", ROWS_QUERIES, ids=[str(query) for query in ROWS_QUERIES])
def test_probe_form_pages_through_the_same_rows(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch, params: dict[str, str]
):
    # Probing the index row by row while walking the sort index must give every row the
    # match set gives, newest first, across pages (rows of the same time may come in
    # either order: the page orders by published_at alone).
    monkeypatch.setattr(datasette_plugin, "PROBE_SHARE", 2.0)  # never probe
    lookup, lookup_sql = rows_pages(archive_path, params)
    assert "exists (select 1 from" not in lookup_sql
    monkeypatch.setattr(datasette_plugin, "PROBE_SHARE", 0.0)  # always probe
    monkeypatch.setattr(datasette_plugin, "PROBE_SAMPLE", 1)
    probe, probe_sql = rows_pages(archive_path, params)
    assert "exists (select 1 from" in probe_sql
    assert [row["published_at"] for row in probe] == [row["published_at"] for row in lookup]
    assert sorted(row["id"] for row in probe) == sorted(row["id"] for row in lookup)
    assert len({row["id"] for row in probe}) == len(probe)
    assert len(lookup) > 7  # more than one page was compared


def test_facet_edits_counts_changed_values_only(tmp_path: Path):
    path = build_archive(tmp_path / "xietong.db", random_articles(3, 5))
    conn = sqlite3.connect(path)

    def version() -> int:
        return conn.execute("select version from facet_edits").fetchone()[0]

    start = version()
    with conn:  # what every merged copy does: no facet value changes
        conn.execute("update articles set last_seen_at = '2030-01-01', topics = topics")
    assert version() == start
    with conn:
        conn.execute("update articles set site = '新站点' where rowid = 1")
    assert version() == start + 1
    with conn:
        conn.execute("update articles set published_at = '2020-01-01' where rowid = 2")
    assert version() == start + 2
    conn.close()


def test_serve_reads_the_codes_of_a_large_archive_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = build_archive(tmp_path / "xietong.db", random_articles(30, 3))
    key = (str(path.resolve()), "articles")
    monkeypatch.setattr(facet_counts, "MEMORY_FROM_MATCHES", 10**9)  # a small archive
    assert facet_counts.read_ahead(str(path), "articles", datasette_pages.FACET_COLUMNS) is None
    assert key not in facet_counts._TABLES
    monkeypatch.setattr(facet_counts, "MEMORY_FROM_MATCHES", 20)  # now it counts as large

    async def start() -> None:
        await build_datasette(path).invoke_startup()

    asyncio.run(start())
    # No request was made: only the start-up can have read them. (The deadline bounds a
    # hung thread; it is not a speed check.)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        codes = facet_counts._TABLES.get(key)
        if codes is not None and codes.by_column:
            break
        time.sleep(0.05)
    assert codes is not None
    with codes.lock:
        assert set(codes.by_column) == set(datasette_pages.FACET_COLUMNS)
    assert codes.highest_rowid == 30


def test_count_and_facets_of_a_search_read_its_matches_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = build_archive(tmp_path / "xietong.db", random_articles(60, 13))
    monkeypatch.setattr(datasette_pages, "MEMORY_FROM_MATCHES", 0)
    monkeypatch.setattr(facet_counts, "MEMORY_FROM_MATCHES", 0)
    table_json(path, {"_search": "发展"})  # the codes are read (as ahead, on a large archive)
    reads = []
    original = facet_counts.matching_rowids

    def counting(*args: Any) -> Any:
        reads.append(args[1])
        return original(*args)

    monkeypatch.setattr(facet_counts, "matching_rowids", counting)
    counted = []
    match_count = facet_counts.TableCodes.match_count

    def spying(self: Any, *args: Any) -> Any:
        counted.append(match_count(self, *args))
        return counted[-1]

    monkeypatch.setattr(facet_counts.TableCodes, "match_count", spying)
    page = table_json(path, {"_search": "协同"})
    assert len(reads) == 1  # the count and the six facets share one read
    assert counted == [page["filtered_table_rows_count"]]  # the count is that read's length
    monkeypatch.setattr(datasette_pages, "MEMORY_FROM_MATCHES", 10**9)
    assert (
        page["filtered_table_rows_count"]
        == table_json(path, {"_search": "协同"})["filtered_table_rows_count"]
    )
    before = page["filtered_table_rows_count"]
    assert before > 0
    # A commit drops the kept match sets: the next count sees the new article.
    archive = Archive(open_database(path))
    archive.store(
        make_article(
            "https://new.example/a/2",
            "协同新篇",
            "又一篇不同的协同报道，文字与其他文章都不相同。",
            "2024-03-02T08:00:00+08:00",
        )
    )
    archive.close()
    assert table_json(path, {"_search": "协同"})["filtered_table_rows_count"] == before + 1


def test_warm_up_compiles_the_page_templates(archive_path: Path):
    datasette = build_datasette(archive_path)
    datasette_pages.warm_up(datasette)
    for name in datasette_pages.WARMED_TEMPLATES:
        assert datasette.jinja_env.get_template(name) is not None

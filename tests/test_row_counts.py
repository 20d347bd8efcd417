"""The count of a search read from the index (crawler/web/row_counts.py).

Metamorphic: the count datasette shows for a search must be the same whether SQLite counts
the articles (as before) or the index counts its matches (walk or lookup form), on
archives written through ``Archive.store``, also after articles change their text.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from crawler.archive import Archive, open_database
from crawler.web import pages as datasette_pages
from crawler.web import plugin as datasette_plugin
from crawler.web import row_counts
from crawler.web.row_counts import (
    INDEX_COUNT,
    LOOKUP_SEARCH_COUNT,
    WALKED_SEARCH_COUNT,
    count_sql,
)
from tests.test_facet_counts import facets_of, random_articles, table_json
from tests.test_search import build_archive, make_article

SEARCHES = ["协同", "協同", "发展", "雄安", "天气", "港口", "无此"]


def walked(monkeypatch: pytest.MonkeyPatch, walk: bool) -> None:
    """Make every search take the walk, counted from the index (or SQLite's lookup and count)."""
    monkeypatch.setattr(datasette_plugin, "MANY_MATCHES", 1 if walk else 10**9)
    monkeypatch.setattr(datasette_plugin, "SHARE_FOR_FACETS", 0.0 if walk else 2.0)
    monkeypatch.setattr(row_counts, "count_sql", original_count_sql if walk else lambda sql: sql)


original_count_sql = row_counts.count_sql


def counts(path: Path, params: dict[str, str]) -> tuple[int, set[Any]]:
    """Return a page's count and, when it fits on the page, its articles' ids (either order)."""
    page = table_json(path, {**params, "_nofacet": "1", "_shape": "objects", "_size": "max"})
    return page["filtered_table_rows_count"], {row["id"] for row in page["rows"]}


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("counts") / "xietong.db", random_articles(160, 19))


@pytest.mark.parametrize("search", SEARCHES)
def test_search_counts_from_the_index_as_sql_counts_articles(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch, search: str
):
    walked(monkeypatch, False)
    in_sql = counts(archive_path, {"_search": search})
    walked(monkeypatch, True)
    from_index = counts(archive_path, {"_search": search})
    assert from_index == in_sql
    # The lookup form, counted from the index too.
    monkeypatch.setattr(datasette_plugin, "MANY_MATCHES", 10**9)
    monkeypatch.setattr(datasette_plugin, "SHARE_FOR_FACETS", 2.0)
    assert counts(archive_path, {"_search": search}) == in_sql
    if search != "无此":
        assert in_sql[0] > 0  # the comparison is not between empty pages


def test_the_count_follows_articles_whose_text_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = build_archive(tmp_path / "xietong.db", random_articles(60, 23))
    walked(monkeypatch, True)
    (before, _) = counts(path, {"_search": "协同"})
    archive = Archive(open_database(path))
    for number in range(3):
        archive.store(
            make_article(
                "https://0.example/new/%d" % number,
                "协同新闻%d" % number,
                "协同发展的新进展%d。" % number,
                "2024-03-01T08:00:00+08:00",
            )
        )
    archive.close()
    (added, _) = counts(path, {"_search": "协同"})
    assert added == before + 3
    # The same pages fetched again without the word: gone from the index, and the count.
    archive = Archive(open_database(path))
    for number in range(3):
        changed = make_article(
            "https://0.example/new/%d" % number,
            "新闻%d" % number,
            "区域发展的新进展，第%d篇。" % number,
            "2024-03-01T08:00:00+08:00",
            fetched_at="2024-03-02T10:00:00+08:00",
        )
        archive.store(replace(changed, text_hash="changed %d" % number))
    archive.close()
    from_index = counts(path, {"_search": "协同"})
    walked(monkeypatch, False)
    assert from_index == counts(path, {"_search": "协同"})
    assert from_index[0] == before


def test_only_a_walked_search_alone_is_counted_from_the_index():
    assert count_sql(WALKED_SEARCH_COUNT + " ") == INDEX_COUNT
    filtered = WALKED_SEARCH_COUNT + " and kind = :p0"
    assert count_sql(filtered) == filtered
    assert count_sql(LOOKUP_SEARCH_COUNT) == INDEX_COUNT
    lookup_filtered = LOOKUP_SEARCH_COUNT + " and site = :p0"
    assert count_sql(lookup_filtered) == lookup_filtered


@pytest.mark.parametrize("search", SEARCHES)
def test_a_probed_search_alone_gives_the_rows_count_and_facets_of_the_lookup(
    archive_path: Path, monkeypatch: pytest.MonkeyPatch, search: str
):
    walked(monkeypatch, False)
    monkeypatch.setattr(datasette_pages, "MEMORY_FROM_MATCHES", 10**9)
    params = {"_search": search, "_shape": "objects", "_size": "max"}
    in_sql = table_json(archive_path, params)
    # Probe whatever the share, and count the facets of any match set in memory.
    walked(monkeypatch, True)
    monkeypatch.setattr(datasette_plugin, "PROBE_SHARE", 0.0)
    monkeypatch.setattr(datasette_plugin, "PROBE_SAMPLE", 10)
    monkeypatch.setattr(datasette_plugin, "MEMORY_FROM_MATCHES", 1)
    monkeypatch.setattr(datasette_pages, "MEMORY_FROM_MATCHES", 0)
    forms: list[str] = []
    clause = datasette_plugin.search_clause

    def recording(form: str, *args: Any) -> str:
        forms.append(form)
        return clause(form, *args)

    monkeypatch.setattr(datasette_plugin, "search_clause", recording)
    probed = table_json(archive_path, params)
    if in_sql["filtered_table_rows_count"]:
        assert forms == [datasette_plugin.PROBE]
    assert probed["filtered_table_rows_count"] == in_sql["filtered_table_rows_count"]
    assert {row["id"] for row in probed["rows"]} == {row["id"] for row in in_sql["rows"]}
    assert facets_of(probed) == facets_of(in_sql)
    # With another filter, the page is not probed: its count and facets come from its rows.
    forms.clear()
    table_json(archive_path, {**params, "kind": "news"})
    assert datasette_plugin.PROBE not in forms

"""`xietong serve` started as a real datasette server on 127.0.0.1 and queried over HTTP."""

from __future__ import annotations

import asyncio
import re
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from crawler.archive.search_index import RANKED_SEARCH_SQL
from crawler.cli import cli
from crawler.items import PolicyDocument
from crawler.web import plugin as datasette_plugin
from crawler.web.serve import bind_socket, build_datasette, load_metadata
from tests.conftest import ROOT
from tests.test_search import build_archive, ids_for, make_article

# Bounds a hung start-up so the suite fails instead of waiting forever; not a speed check.
STARTUP_LIMIT_SECONDS = 120

TITLE_HIT = "https://crntt.example/title-hit"
BODY_HIT = "https://hebnews.example/body-hit"
POLICY = "https://gov.example/policy"
UNRELATED = "https://hebnews.example/unrelated"


def seed_articles() -> list[Any]:
    return [
        make_article(
            TITLE_HIT,
            "協同發展十年觀察｜產業聯繫越來越緊密",
            "京津冀作為引領全國高質量發展的三大重要動力源之一。",
            "2024-02-23T07:23:21+08:00",
            title_simplified="协同发展十年观察｜产业联系越来越紧密",
            text_simplified="京津冀作为引领全国高质量发展的三大重要动力源之一。",
            script="hant",
            site="中评网",
            source="crntt",
            outlet="中评社",
            topics=("产业",),
            regions=("北京", "河北"),
        ),
        # Newer than the title hit, and 协同 only in its body.
        make_article(
            BODY_HIT,
            "雄安新区建设提速",
            "推动京津冀协同发展走深走实。",
            "2024-02-24T07:53:08+08:00",
            topics=("交通",),
            regions=("雄安",),
        ),
        make_article(
            "https://other.example/body-hit-copy",
            "雄安新区建设提速",
            "推动京津冀协同发展走深走实。",
            "2024-02-24T07:53:08+08:00",
            site="长城网",
            source="hebei-portal",
            article_url=BODY_HIT,
        ),
        make_article(
            POLICY,
            "关于推进产业协同的通知",
            "各有关单位：现将产业协同有关事项通知如下。",
            "2024-02-20",
            kind="policy",
            site="河北省政府",
            source="hebei-gov",
            outlet="河北省发展和改革委员会",
            topics=("产业",),
            regions=("河北",),
            policy=PolicyDocument(issuer="河北省发展和改革委员会", doc_number="冀发改〔2024〕1号"),
        ),
        make_article(UNRELATED, "天气预报", "明天晴。", "2024-01-05"),
    ]


def wait_for_url(process: subprocess.Popen[str]) -> str:
    """Read the server's stdout until it prints the URL it serves (or exits)."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    seen = []
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(r"serving .* at (http://\S+)", line)
        if match:
            return match.group(1)
    process.kill()
    raise AssertionError("server did not start: %s" % "".join(seen))


@contextmanager
def served(path: Path) -> Iterator[str]:
    """Run `xietong serve` on a free port over the archive at ``path``; yield its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(path), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield wait_for_url(process)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = build_archive(tmp_path_factory.mktemp("serve") / "xietong.db", seed_articles())
    with served(path) as url:
        yield url


def get_json(url: str, **params: str) -> Any:
    response = httpx.get(url, params=params, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def searched_ids(server: str, query: str) -> list[str]:
    return [row["id"] for row in get_json(server + "/articles.json", _search=query, _shape="array")]


def test_database_is_named_xietong(server: str):
    assert server.endswith("/xietong")
    assert get_json(server + ".json")["database"] == "xietong"


def test_search_in_either_script_gives_the_same_articles(server: str):
    simplified = searched_ids(server, "协同")
    assert sorted(simplified) == sorted(ids_for(TITLE_HIT, BODY_HIT, POLICY))
    assert sorted(searched_ids(server, "協同")) == sorted(simplified)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("雄安", [BODY_HIT]), ("产业", [TITLE_HIT, POLICY]), ("產業", [TITLE_HIT, POLICY])],
)
def test_two_character_words_are_found(server: str, word: str, expected: list[str]):
    assert sorted(searched_ids(server, word)) == sorted(ids_for(*expected))


def test_articles_are_newest_first_by_default(server: str):
    rows = get_json(server + "/articles.json", _shape="array")
    published = [row["published_at"] for row in rows]
    assert published == sorted(published, reverse=True)


def test_search_can_be_limited_to_titles(server: str):
    rows = get_json(server + "/articles.json", _search_title="協同", _shape="array")
    assert sorted(row["id"] for row in rows) == sorted(ids_for(TITLE_HIT, POLICY))


def in_process_search(path: Path, **params: str) -> Any:
    """Return the table JSON for ``params`` from a datasette built in this process."""

    async def fetch() -> Any:
        response = await build_datasette(path).client.get("/xietong/articles.json", params=params)
        assert response.status_code == 200, response.text[:500]
        return response.json()

    return asyncio.run(fetch())


@pytest.mark.parametrize("query", ["协同", "協同", "雄安 京津冀", "天气"])
def test_index_walk_and_match_lookup_give_the_same_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str
):
    path = build_archive(tmp_path / "xietong.db", seed_articles())
    lookup = in_process_search(path, _search=query)
    assert "+rowid in" not in lookup["query"]["sql"]  # 4 articles: too few matches to walk
    monkeypatch.setattr(datasette_plugin, "MANY_MATCHES", 1)
    monkeypatch.setattr(datasette_plugin, "SHARE_FOR_FACETS", 0.0)
    walk = in_process_search(path, _search=query)
    if lookup["rows"]:
        assert "+rowid in" in walk["query"]["sql"]
    assert walk["rows"] == lookup["rows"]
    assert walk["filtered_table_rows_count"] == lookup["filtered_table_rows_count"]
    assert walk["facet_results"] == lookup["facet_results"]


def test_facets_cover_site_outlet_kind_topic_region_and_week(server: str):
    page = get_json(server + "/articles.json", _search="协同")
    facets = page["facet_results"]
    assert set(facets) == {"site", "outlet_simplified", "kind", "topics", "regions", "week"}
    values = {
        name: {item["value"]: item["count"] for item in facet["results"]}
        for name, facet in facets.items()
    }
    assert values["kind"] == {"news": 2, "policy": 1}
    assert values["week"] == {"2024-W08": 3}
    assert values["topics"] == {"产业": 2, "交通": 1}
    assert values["regions"]["河北"] == 2


def test_list_facet_toggle_keeps_the_articles_holding_the_topic(server: str):
    page = get_json(server + "/articles.json", _search="协同")
    topic = page["facet_results"]["topics"]
    assert topic["type"] == "list"
    industry = next(item for item in topic["results"] if item["value"] == "产业")
    assert "topics__arraycontains=" in industry["toggle_url"]
    toggled = httpx.get(
        industry["toggle_url"].replace("/articles?", "/articles.json?") + "&_shape=objects",
        timeout=30,
    ).json()
    assert toggled["filtered_table_rows_count"] == industry["count"] == 2
    assert all("产业" in row["topics"] for row in toggled["rows"])


def test_ranked_search_lists_title_hits_first(server: str):
    rows = get_json(server + "/search.json", q="協同", _shape="array")
    assert [row["id"] for row in rows][-1] == ids_for(BODY_HIT)[0]
    assert [row["title_hit"] for row in rows] == [1, 1, 0]


def test_ranked_search_sql_in_metadata_matches_the_code():
    sql = load_metadata()["databases"]["xietong"]["queries"]["search"]["sql"]
    assert sql == RANKED_SEARCH_SQL + "\nlimit 100"


def test_policy_announcements_of_a_week(server: str):
    rows = get_json(
        server + "/policy_announcements_this_week.json", week="2024-W08", _shape="array"
    )
    assert [(row["id"], row["doc_number"]) for row in rows] == [
        (ids_for(POLICY)[0], "冀发改〔2024〕1号")
    ]
    # Empty week means the current one; it holds none of these 2024 articles, so the latest
    # week with policies stands in for it.
    latest = get_json(server + "/policy_announcements_this_week.json", week="", _shape="array")
    assert [(row["week"], row["id"]) for row in latest] == [("2024-W08", ids_for(POLICY)[0])]
    given = get_json(
        server + "/policy_announcements_this_week.json", week="2024-W01", _shape="array"
    )
    assert given == []


def test_articles_by_topic_and_region(server: str):
    rows = get_json(
        server + "/articles_by_topic_and_region.json", topic="产业", region="河北", _shape="array"
    )
    assert [row["id"] for row in rows] == ids_for(TITLE_HIT, POLICY)
    everything = get_json(
        server + "/articles_by_topic_and_region.json", topic="", region="", _shape="array"
    )
    assert len(everything) == 4  # the copy on 长城网 is the same article


def test_per_source_health(server: str):
    rows = {row["source"]: row for row in get_json(server + "/source_health.json", _shape="array")}
    assert set(rows) == {"crntt", "hebnews", "hebei-portal", "hebei-gov"}
    assert rows["hebei-portal"]["merged_copies"] == 1
    assert rows["hebnews"]["new_articles"] == 2


def test_table_page_has_a_working_search_box(server: str):
    page = httpx.get(server + "/articles", params={"_search": "協同"}, timeout=30)
    assert page.status_code == 200
    assert 'name="_search"' in page.text
    assert "十年觀察" in page.text
    assert "天气预报" not in page.text


def test_search_index_tables_are_hidden(server: str):
    tables = {table["name"]: table for table in get_json(server + ".json")["tables"]}
    assert not tables["articles"]["hidden"]
    assert tables["articles_search"]["hidden"]


def test_connections_are_tcp_so_asyncio_disables_nagle():
    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def test_serve_refuses_a_missing_archive(tmp_path: Path):
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code == 2
    assert "no archive at" in result.output

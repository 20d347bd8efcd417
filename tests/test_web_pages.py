"""The archive in datasette as a reader sees it: over HTTP and in headless Chromium.

Screenshots land in data/test-artifacts/ (web-*.png) to look at.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils

from crawler.items import PolicyDocument
from crawler.text.topics import vocabulary
from crawler.web.pages import china_time, render_cell, short_url
from crawler.web.serve import build_datasette
from tests.chromium import Chromium
from tests.test_search import build_archive, ids_for, make_article
from tests.test_serve import served

# Long, as government URLs are: it must not squeeze the title column of a query.
POLICY = "https://gov.example/zwgk/zcwj/szfwj/202402/t20240219_" + "1049321" * 12 + ".html"
MIRROR = "https://mirror.example/2024/t20240219_1.html"
ENERGY_HANT = "https://dyrbw.example/news/show-21544.html"
ENERGY_HANS = "https://energy.example/2024/02/a.html"
COMMUTE = "https://crntt.example/doc/1069/3/5/1/106935176.html"
OLD = "https://hdgk.example/a/2015/0706/186.html"
# The last paragraph of the policy: in the article page, never in the table page.
BODY_END = "本意见自印发之日起施行，由省交通运输厅负责解释。"
POLICY_BODY = (
    "各市（含定州、辛集市）人民政府，雄安新区管委会，省政府各部门：\n"
    "交通一体化是京津冀协同发展的骨骼系统和先行领域。为加快构建便捷高效的区域综合交通运输体系，"
    "现提出如下实施意见。\n"
    "一、总体目标\n"
    "到2025年，基本建成“轨道上的京津冀”，京津雄核心区半小时通达。\n" + BODY_END
)


def seed_articles() -> list[Any]:
    policy = make_article(
        POLICY,
        "河北省人民政府关于加快推进京津冀交通一体化高质量发展的实施意见",
        POLICY_BODY,
        "2024-02-19",
        kind="policy",
        site="河北省人民政府",
        source="gov",
        outlet="",
        topics=("京津冀协同发展", "交通一体化"),
        regions=("北京", "天津", "河北", "雄安新区"),
        fetched_at="2024-02-25T02:00:00+00:00",
        policy=PolicyDocument(
            index_number="000014349/2024-00009",
            issuer="河北省人民政府",
            doc_number="冀政字〔2024〕8号",
            written_at="2024-02-05",
            published_at="2024-02-19",
            attachments=["https://gov.example/zwgk/P020240219512304461295.pdf"],
        ),
    )
    hant = make_article(
        ENERGY_HANT,
        "雄安新區地熱供暖面積持續擴大",
        "記者從雄安新區管委會獲悉，地熱能供暖面積已超過1000萬平方米。",
        "2024-02-20T10:15:00+08:00",
        title_simplified="雄安新区地热供暖面积持续扩大",
        text_simplified="记者从雄安新区管委会获悉，地热能供暖面积已超过1000万平方米。",
        script="hant",
        site="地源热泵网",
        source="dyrbw",
        outlet="中國能源報",
        topics=("雄安新区",),
        regions=("河北", "雄安新区"),
    )
    hant.outlet_simplified = "中国能源报"
    hans = make_article(
        ENERGY_HANS,
        "京津冀联手推进地热能开发利用",
        "京津冀三地联手推进地热能开发利用，雄安新区供暖面积持续扩大。",
        "2024-02-26T09:00:00+08:00",
        site="能源网",
        source="energy",
        outlet="中国能源报",
        topics=("京津冀协同发展",),
        regions=("北京", "天津", "河北"),
    )
    hans.outlet_simplified = "中国能源报"
    commute = make_article(
        COMMUTE,
        "北京城市副中心與北三縣一體化發展提速",
        "記者從北京市通州區獲悉，重點在交通互聯、產業協同、公共服務共享等方面實施一批重大項目。",
        "2024-02-21T08:15:30+08:00",
        title_simplified="北京城市副中心与北三县一体化发展提速",
        script="hant",
        site="中评网",
        source="crntt",
        outlet="中評社",
        topics=("产业协同", "交通一体化", "公共服务"),
        regions=("北京", "河北", "廊坊"),
    )
    old = make_article(
        OLD,
        "京津冀創新型產業集群協同發展在行動",
        "京津冀協同發展戰略正式進入實施階段。",
        "2015-07-06",
        site="邯郸高科园区",
        source="hdgk",
        outlet="中國高新技術產業導報",
        topics=("产业协同",),
        regions=("北京", "天津", "河北"),
    )
    mirror = make_article(
        MIRROR,
        "河北省人民政府关于加快推进京津冀交通一体化高质量发展的实施意见",
        POLICY_BODY,
        "2024-02-19",
        kind="policy",
        site="河北省人民政府",
        source="gov-mirror",
        article_url=POLICY,
        fetched_at="2024-02-26T01:30:00+00:00",
    )
    return [policy, hant, hans, commute, old, mirror]


def add_crawl_runs(path: Path) -> None:
    """Two runs whose ids sort opposite to their start times."""
    db = sqlite_utils.Database(path)
    db["crawl_runs"].insert_all(
        [
            {"run_id": "aaa", "started_at": "2024-02-20T01:00:00+00:00", "finish_reason": "older"},
            {"run_id": "zzz", "started_at": "2024-02-26T01:00:00+00:00", "finish_reason": "newer"},
        ]
    )
    db.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_archive(tmp_path_factory.mktemp("web") / "xietong.db", seed_articles())
    add_crawl_runs(path)
    return path


@pytest.fixture(scope="module")
def server(archive: Path) -> Iterator[str]:
    with served(archive) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chromium
    finally:
        chromium.close()


def get(url: str, **params: str) -> httpx.Response:
    response = httpx.get(url, params=params, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response


def article_path(url: str) -> str:
    return "/xietong/articles/%s" % ids_for(url)[0]


# --- the articles table ----------------------------------------------------------------------

TABLE_MEASURES = """(() => {
  const cell = document.querySelector('table.xietong-articles td.article');
  const heading = [...document.querySelectorAll('h3')].find(h => /rows?/.test(h.textContent));
  return {
    titleWidth: cell ? cell.getBoundingClientRect().width : 0,
    rowHeight: cell ? cell.getBoundingClientRect().height : 99999,
    rowsHeadingTop: heading ? heading.getBoundingClientRect().top : 99999,
    html: document.documentElement.outerHTML,
    firstLink: cell ? cell.querySelector('a').getAttribute('href') : null,
  };
})()"""


def test_table_page_shows_wide_titles_and_no_bodies(server: str, browser: Chromium):
    page = browser.load(server + "/articles", TABLE_MEASURES, "web-articles-table.png", 1400, 2000)
    assert page.values["titleWidth"] > 300
    assert page.values["rowHeight"] < 120  # title and a two-line lead, not a wall of text
    assert BODY_END not in page.values["html"]
    assert "body_simplified</td>" not in page.values["html"]
    # Column descriptions fold away: the row count is on the first screen.
    assert page.values["rowsHeadingTop"] < 400
    assert page.values["firstLink"] == article_path(ENERGY_HANS)


def test_table_page_keeps_bodies_in_the_data(server: str):
    rows = get(server + "/articles.json", _shape="array").json()
    assert any(BODY_END in row["body"] for row in rows)


def test_table_page_shows_a_short_lead_without_the_salutation(server: str):
    html = get(server + "/articles").text
    assert "交通一体化是京津冀协同发展的骨骼系统" in html
    assert "省政府各部门：" not in html


def test_search_results_link_to_the_article(server: str):
    html = get(server + "/articles", _search="協同").text
    assert 'href="%s"' % article_path(POLICY) in html
    ranked = get(server + "/search", q="協同").text
    assert 'href="%s"' % article_path(POLICY) in ranked


def test_explicit_columns_fall_back_to_the_grid(server: str):
    html = get(server + "/articles", _col="title").text
    assert 'class="rows-and-columns"' in html


# --- the article page ------------------------------------------------------------------------

ARTICLE_MEASURES = """(() => ({
  title: document.querySelector('article h1').textContent,
  header: Object.fromEntries([...document.querySelectorAll('table.policy-header tr')]
    .map(tr => [tr.querySelector('th').textContent, tr.querySelector('td').textContent])),
  paragraphs: [...document.querySelectorAll('article .body p')].map(p => p.textContent),
  appearances: document.querySelectorAll('table.xietong-appearances tr').length - 1,
  meta: document.querySelector('article .meta').textContent,
}))()"""


def test_article_page_reads_as_an_article(server: str, browser: Chromium):
    page = browser.load(
        server + article_path(POLICY)[len("/xietong") :],
        ARTICLE_MEASURES,
        "web-article-policy.png",
        1400,
        1600,
    )
    values = page.values
    assert values["title"] == "河北省人民政府关于加快推进京津冀交通一体化高质量发展的实施意见"
    assert values["header"]["发文机关"] == "河北省人民政府"
    assert values["header"]["发文字号"] == "冀政字〔2024〕8号"
    assert values["header"]["成文日期"] == "2024-02-05"
    assert values["header"]["索引号"] == "000014349/2024-00009"
    assert values["header"]["附件"] == "P020240219512304461295.pdf"
    assert values["paragraphs"][-1] == BODY_END
    assert len(values["paragraphs"]) == 5
    assert values["appearances"] == 2
    assert "2024-02-19" in values["meta"]


def test_article_page_shows_fetch_times_in_china_standard_time(server: str):
    html = get(server + article_path(POLICY)[len("/xietong") :]).text
    assert "2024-02-25 10:00:00 +08:00" in html  # stored as 2024-02-25T02:00:00+00:00


def test_article_page_of_an_unchanged_article_says_it_has_no_earlier_version(server: str):
    html = get(server + article_path(POLICY)[len("/xietong") :]).text
    assert "Revisions (0)" in html
    assert "No earlier versions" in html


def in_process_page(path: Path, url: str) -> str:
    async def fetch() -> str:
        response = await build_datasette(path).client.get(url)
        assert response.status_code == 200, response.text[:500]
        return response.text

    return asyncio.run(fetch())


def test_article_page_lists_the_revision_a_changed_page_left(tmp_path: Path):
    current = seed_articles()[0]
    draft = dataclasses.replace(
        current,
        title="关于加快推进交通一体化的实施意见（征求意见稿）",
        title_simplified="关于加快推进交通一体化的实施意见（征求意见稿）",
        text="征求意见稿正文。",
        text_simplified="征求意见稿正文。",
        text_hash="draft",
        fetched_at="2024-02-10T02:00:00+00:00",
    )
    # The same URL fetched again with another text: the archive keeps the draft as a revision.
    path = build_archive(tmp_path / "xietong.db", [draft, current])
    html = in_process_page(path, article_path(POLICY))
    assert "Revisions (1)" in html
    assert "（征求意见稿）" in html
    assert "2024-02-10 10:00:00 +08:00" in html  # when the draft was fetched


# --- canned queries --------------------------------------------------------------------------

QUERY_MEASURES = """(() => {
  const cell = document.querySelector('table.rows-and-columns td.col-title');
  const url = document.querySelector('table.rows-and-columns td.col-url');
  return {
    titleWidth: cell ? cell.getBoundingClientRect().width : 0,
    urlText: url ? url.textContent.trim() : null,
  };
})()"""


def test_long_url_column_does_not_squeeze_titles(server: str, browser: Chromium):
    page = browser.load(
        server + "/policy_announcements_this_week?week=2024-W08",
        QUERY_MEASURES,
        "web-query-policies.png",
        1400,
        1000,
    )
    assert page.values["titleWidth"] > 200
    assert len(page.values["urlText"]) <= 45


@pytest.mark.parametrize(
    ("topic", "region", "expected"),
    [
        ("交通一體化", "", [COMMUTE, POLICY]),
        ("交通一体化", "雄安新區", [POLICY]),
        ("", "雄安", [ENERGY_HANT, POLICY]),
        ("公共", "", [COMMUTE]),
        ("交通", "廊坊", [COMMUTE]),
    ],
)
def test_topic_and_region_query_takes_either_script_and_prefixes(
    server: str, topic: str, region: str, expected: list[str]
):
    rows = get(
        server + "/articles_by_topic_and_region.json", topic=topic, region=region, _shape="array"
    ).json()
    assert sorted(row["id"] for row in rows) == sorted(ids_for(*expected))


@pytest.mark.parametrize("query", ["articles_by_topic_and_region", "search"])
def test_tag_and_search_pages_list_the_topics_and_regions_they_know(server: str, query: str):
    html = get(server + "/" + query).text
    for topic in vocabulary().topics:
        assert topic.name in html
    for region in ("北京", "天津", "河北", "雄安新区", "滨海新区", "廊坊"):
        assert ">%s</a>" % region in html
    assert "北京各区" not in html  # a district group is never reported


# --- facets, times, runs ---------------------------------------------------------------------


def test_outlet_facet_is_in_one_script(server: str):
    facets = get(server + "/articles.json").json()["facet_results"]
    outlets = {item["value"]: item["count"] for item in facets["outlet_simplified"]["results"]}
    assert outlets["中国能源报"] == 2
    assert "中國能源報" not in outlets


def test_week_facet_lists_newest_week_first(server: str):
    facets = get(server + "/articles.json").json()["facet_results"]
    weeks = [item["value"] for item in facets["week"]["results"]]
    assert weeks == ["2024-W09", "2024-W08", "2015-W28"]


def test_appearance_times_read_in_china_standard_time(server: str):
    html = get(server + "/appearances").text
    assert "2024-02-26 09:30:00 +08:00" in html
    assert ">2024-02-26T01:30:00+00:00<" not in html


def test_crawl_runs_are_newest_first(server: str):
    rows = get(server + "/crawl_runs.json", _shape="array").json()
    assert [row["run_id"] for row in rows] == ["zzz", "aaa"]


def test_china_time_moves_only_times_with_an_offset():
    assert china_time("2024-02-25T16:30:00+00:00") == "2024-02-26 00:30:00 +08:00"
    assert china_time("2024-02-25T16:30:00Z") == "2024-02-26 00:30:00 +08:00"
    assert china_time("2024-02-25") == "2024-02-25"
    assert china_time("2024-02-25T16:30:00") == "2024-02-25T16:30:00"
    assert china_time("not a time") == "not a time"


def test_short_url_keeps_host_and_tail():
    assert short_url("https://gov.example/a/b/c.html") == "gov.example/…/c.html"
    assert len(short_url(POLICY)) <= 40


def test_cells_escape_quotes_and_markup_in_times_links_and_titles():
    class Urls:
        def row(self, database: str, table: str, key: str) -> str:
            return "/%s/%s/%s" % (database, table, key)

    class Site:
        urls = Urls()

    url = 'https://a.example/x?q="<b>"&n=1'
    assert str(render_cell({}, url, "url", "appearances", "xietong", Site())) == (
        '<a href="https://a.example/x?q=&#34;&lt;b&gt;&#34;&amp;n=1"'
        ' title="https://a.example/x?q=&#34;&lt;b&gt;&#34;&amp;n=1" rel="nofollow">'
        "a.example/…/x</a>"
    )
    assert str(
        render_cell({}, "2024-02-25T10:00:00+00:00", "fetched_at", "appearances", "xietong", Site())
    ) == (
        '<time datetime="2024-02-25T10:00:00+00:00" title="2024-02-25T10:00:00+00:00">'
        "2024-02-25 18:00:00 +08:00</time>"
    )
    row = {"id": 'a"b', "title": "<协同>"}
    assert str(render_cell(row, "<协同>", "title", None, "xietong", Site())) == (
        '<a href="/xietong/articles/a&#34;b">&lt;协同&gt;</a>'
    )

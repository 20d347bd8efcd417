"""Policy links in the archive, through the real pipelines on a real SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.items import PolicyDocument
from tests.test_pipelines import Chain, make_item

POLICY_TITLE = "天津市人民政府办公厅关于印发天津市促进绿色建筑发展管理办法（试行）的通知"
POLICY_TEXT = (
    "各区人民政府，市政府各委、局，各直属单位：\n"
    "经市人民政府同意，现将《天津市促进绿色建筑发展管理办法(试行)》印发给你们，请照此执行。"
    "本办法自印发之日起施行，有效期五年。各区要结合实际制定配套措施，加强监督检查，"
    "推动新建建筑全面执行绿色建筑标准，既有建筑节能改造稳步推进。"
)
STORY_TEXT = (
    "记者从市住房城乡建设委获悉，天津市近日印发《促进绿色建筑发展管理办法（试行）》，"
    "明确新建民用建筑全面执行绿色建筑标准。文件提出，到2025年，城镇新建建筑中绿色建筑面积"
    "占比达到百分之百，星级绿色建筑占比持续提高。业内人士认为，这将带动建材、设计等行业转型。"
)
NUMBER_STORY_TEXT = (
    "天津市人民政府办公厅日前印发通知（津政办规〔2024〕7号），要求各区推动新建建筑"
    "全面执行绿色建筑标准。通知明确了建设、设计、施工、监理各方的责任，"
    "并提出对高星级绿色建筑项目给予容积率奖励。"
)


def policy_item() -> Any:
    return make_item(
        "http://www.tj.gov.cn/zwgk/t20240301_1.html",
        POLICY_TEXT,
        title=POLICY_TITLE,
        kind="policy",
        policy=PolicyDocument(issuer="天津市人民政府办公厅", doc_number="津政办规〔2024〕7号"),
    )


def stories() -> list[Any]:
    return [
        make_item(
            "http://news.example/a.html", STORY_TEXT, title="天津推动绿色建筑发展", kind="news"
        ),
        make_item(
            "http://news.example/b.html",
            NUMBER_STORY_TEXT,
            title="天津明确绿色建筑各方责任",
            kind="news",
        ),
    ]


def links(db_path: Path) -> set[tuple[str, str | None, str]]:
    db = sqlite_utils.Database(db_path)
    return {
        (row["article_id"], row["policy_id"], row["via"])
        for row in db.query("select article_id, policy_id, via from policy_links")
    }


def store(db_path: Path, items: list[Any]) -> dict[str, str]:
    ids = {}
    with Chain(db_path) as chain:
        for item in items:
            stored = chain.feed(item)
            if stored is not None:
                ids[item.url] = stored.article_id
    return ids


def test_story_stored_before_its_policy_is_linked_when_the_policy_arrives(tmp_path):
    db_path = tmp_path / "archive.db"
    ids = store(db_path, stories())
    assert {policy for _, policy, _ in links(db_path)} == {None}
    ids |= store(db_path, [policy_item()])
    policy = ids["http://www.tj.gov.cn/zwgk/t20240301_1.html"]
    assert links(db_path) == {
        (ids["http://news.example/a.html"], policy, "title"),
        (ids["http://news.example/b.html"], policy, "doc_number"),
    }


def test_policy_stored_first_links_the_stories_as_they_come_and_a_rerun_changes_nothing(
    tmp_path,
):
    db_path = tmp_path / "archive.db"
    ids = store(db_path, [policy_item(), *stories()])
    first = links(db_path)
    policy = ids["http://www.tj.gov.cn/zwgk/t20240301_1.html"]
    assert {row[1] for row in first} == {policy}
    store(db_path, [policy_item(), *stories()])
    assert links(db_path) == first


def test_a_story_citing_no_policy_has_no_link(tmp_path):
    db_path = tmp_path / "archive.db"
    store(
        db_path,
        [make_item("http://news.example/c.html", STORY_TEXT.replace("《", "").replace("》", ""))],
    )
    assert links(db_path) == set()

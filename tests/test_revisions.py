"""The archive's one write path on real SQLite files: batches, revisions, old archives."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.archive import open_database
from crawler.archive.search_index import search_article_ids
from crawler.demo import SITES_DIR
from crawler.demo.server import DemoSites
from crawler.items import PolicyDocument
from crawler.text.script import to_traditional
from tests.conftest import FAST, run_xietong
from tests.test_pipelines import BODY, OTHER_BODY, Chain, make_item

CORRECTED = BODY.replace("短短6个月时间", "短短7个月时间") + "（记者 王明 更正）\n"
THIRD_BODY = (
    "河北省今年安排专项资金支持县域特色产业集群转型，重点投向装备制造和食品加工。\n"
    "省发展改革委介绍，资金将通过竞争性分配下达，优先支持与京津企业配套的项目。\n"
    "首批项目已经完成评审，涉及十一个设区市的三十多个产业集群。\n"
)


def table_rows(db_path: Path, table: str, order_by: str) -> list[dict[str, Any]]:
    return list(sqlite_utils.Database(db_path)[table].rows_where(order_by=order_by))


def mixed_crawl() -> list:
    """Copies of three articles, interleaved: same text, traditional, cut short, same policy."""
    paragraphs = BODY.strip().split("\n")
    policy = PolicyDocument(issuer="河北省人民政府办公厅", doc_number="冀政办字〔2024〕12号")
    again = PolicyDocument(issuer="河北省人民政府办公厅", doc_number="冀政办字[2024] 12号")
    return [
        make_item("http://a.example/1.html", "\n".join(paragraphs[:3]) + "\n"),
        make_item("http://b.example/2.html", OTHER_BODY, title="港口"),
        make_item("http://c.example/3.html", BODY),
        make_item("http://d.example/4.html", to_traditional(BODY), title=to_traditional("链")),
        make_item("http://gov.example/p.html", THIRD_BODY, kind="policy", policy=policy),
        make_item("http://e.example/5.html", OTHER_BODY, title="港口"),
        make_item("http://gov2.example/q.html", THIRD_BODY[:60], kind="policy", policy=again),
        make_item("http://a.example/1.html#again", BODY),
    ]


def crawl(db_path: Path, items: list, **settings: str) -> Chain:
    with Chain(db_path, **settings) as chain:
        for item in items:
            chain.feed(item)
    return chain


def test_copies_in_one_batch_of_fifty_merge_as_with_batches_of_one(tmp_path):
    one, fifty = tmp_path / "one.db", tmp_path / "fifty.db"
    crawl(one, mixed_crawl(), XIETONG_STORE_BATCH_SIZE="1")
    chain = crawl(fifty, mixed_crawl(), XIETONG_STORE_BATCH_SIZE="50")
    for table, order in (("articles", "id"), ("appearances", "url"), ("policies", "article_id")):
        assert table_rows(fifty, table, order) == table_rows(one, table, order), table
    assert [row["match_reason"] for row in table_rows(fifty, "appearances", "url")] == [
        None,
        None,
        "near_duplicate",
        "same_text",
        "same_text",
        None,
        "same_policy",
    ]
    assert sqlite_utils.Database(fifty)["articles"].count == 3
    assert chain.stats.get_value("xietong/dedup/same_url") == 1
    assert chain.stats.get_value("xietong/store/new_articles") == 3


def test_changed_page_met_again_shows_the_new_text_and_keeps_the_old(tmp_path):
    db_path = tmp_path / "a.db"
    first = make_item("http://a.example/1.html", BODY)
    crawl(db_path, [first])
    again = make_item("http://a.example/1.html", CORRECTED, title="更正：产业联系越来越紧密")
    again.fetched_at = "2024-03-01T09:00:00+08:00"
    chain = crawl(db_path, [again])
    db = sqlite_utils.Database(db_path)
    article = db["articles"].get(again.article_id)
    assert article["body"] == CORRECTED
    assert article["title"] == "更正：产业联系越来越紧密"
    assert article["last_seen_at"] == "2024-03-01T09:00:00+08:00"
    assert article["first_seen_at"] == first.fetched_at
    revisions = list(db["article_revisions"].rows)
    assert len(revisions) == 1
    revision = revisions[0]
    assert revision["article_id"] == again.article_id
    assert revision["body"] == BODY
    assert revision["title"] == first.title
    assert revision["text_hash"] == first.text_hash
    assert revision["fetched_at"] == first.fetched_at
    assert revision["replaced_at"] == "2024-03-01T09:00:00+08:00"
    assert chain.stats.get_value("xietong/store/revised") == 1
    assert db["appearances"].count == 1
    assert db["appearances"].get("http://a.example/1.html")["text_hash"] == again.text_hash
    assert search_article_ids(db, "7个月") == [again.article_id]
    assert search_article_ids(db, "6个月") == []


def test_unchanged_page_met_again_only_moves_last_seen_at(tmp_path):
    db_path = tmp_path / "a.db"
    crawl(db_path, [make_item("http://a.example/1.html", BODY)])
    before = table_rows(db_path, "articles", "id")
    again = make_item("http://a.example/1.html", BODY)
    again.fetched_at = "2024-03-01T09:00:00+08:00"
    chain = crawl(db_path, [again])
    after = table_rows(db_path, "articles", "id")
    assert after[0]["last_seen_at"] == "2024-03-01T09:00:00+08:00"
    assert {**after[0], "last_seen_at": None} == {**before[0], "last_seen_at": None}
    assert sqlite_utils.Database(db_path)["article_revisions"].count == 0
    assert chain.stats.get_value("xietong/dropped/already_archived") == 1
    assert chain.stats.get_value("xietong/store/revised") is None


def test_policy_whose_validity_changes_is_recorded_as_a_revision(tmp_path):
    db_path = tmp_path / "a.db"
    valid = PolicyDocument(issuer="河北省人民政府", doc_number="冀政字〔2020〕3号", validity="有效")
    crawl(db_path, [make_item("http://gov.example/p.html", BODY, kind="policy", policy=valid)])
    repealed = PolicyDocument(
        issuer="河北省人民政府", doc_number="冀政字〔2020〕3号", validity="废止"
    )
    again = make_item("http://gov.example/p.html", BODY, kind="policy", policy=repealed)
    again.fetched_at = "2025-01-02T10:00:00+08:00"
    crawl(db_path, [again])
    db = sqlite_utils.Database(db_path)
    assert db["policies"].get(again.article_id)["validity"] == "废止"
    revisions = list(db["article_revisions"].rows)
    assert [(r["validity"], r["body"], r["replaced_at"]) for r in revisions] == [
        ("有效", BODY, "2025-01-02T10:00:00+08:00")
    ]


def test_garbled_fetch_never_replaces_a_readable_text(tmp_path):
    db_path = tmp_path / "a.db"
    crawl(db_path, [make_item("http://a.example/1.html", BODY)])
    garbled = make_item("http://a.example/1.html", "锟斤拷" * 40, text_quality="mojibake")
    crawl(db_path, [garbled])
    db = sqlite_utils.Database(db_path)
    assert next(db["articles"].rows)["body"] == BODY
    assert db["article_revisions"].count == 0


def test_copy_of_a_replaced_text_joins_the_revised_article(tmp_path):
    db_path = tmp_path / "a.db"
    crawl(db_path, [make_item("http://a.example/1.html", BODY)])
    crawl(db_path, [make_item("http://a.example/1.html", CORRECTED)])
    late = crawl(db_path, [old_copy := make_item("http://b.example/9.html", BODY)])
    assert old_copy.match_reason == "same_text"
    assert sqlite_utils.Database(db_path)["articles"].count == 1
    assert late.stats.get_value("xietong/store/new_articles") is None


def test_archive_from_before_revisions_gains_its_columns_and_tables(tmp_path):
    db_path = tmp_path / "old.db"
    conn = sqlite3.connect(db_path)
    old = sqlite_utils.Database(conn)
    old["articles"].insert(
        {
            "id": "a1",
            "title": "旧",
            "body": BODY,
            "text_hash": "h",
            "url": "http://a.example/1.html",
        },
        pk="id",
    )
    old["appearances"].insert(
        {"url": "http://a.example/1.html", "article_id": "a1", "fetched_at": "2024-01-01"},
        pk="url",
    )
    conn.close()
    db = open_database(db_path)
    assert {"last_seen_at", "appearance_count"} <= set(db["articles"].columns_dict)
    assert "text_hash" in db["appearances"].columns_dict
    assert set(db["article_revisions"].columns_dict) >= {
        "article_id",
        "title",
        "body",
        "text_hash",
        "fetched_at",
        "replaced_at",
    }
    db.close()
    # The page's text was never hashed: the first fetch notes it, it does not revise.
    crawl(db_path, [make_item("http://a.example/1.html", CORRECTED)])
    reopened = sqlite_utils.Database(db_path)
    assert reopened["article_revisions"].count == 0
    assert reopened["appearances"].get("http://a.example/1.html")["text_hash"]


# --- end to end: a demo page corrected between two crawls of a refreshing source ---------------
CORRECTED_PAGE = "zixun/2024-02-23/98112.html"
OLD_SENTENCE = "推广应用车辆已超过3000辆"
NEW_SENTENCE = "推广应用车辆已超过3500辆（本报更正）"
REFRESHING_SOURCE = """[[sources]]
name = "paoku"
site_name = "跑酷财经网"
kind = "news"
sitemaps = ["%s/sitemap.xml"]
refresh = true
"""


def stat(log: str, key: str) -> int | None:
    """Return a counter from the stats Scrapy dumps at the end of a crawl's log."""
    found = re.search(r"'%s': (\d+)" % re.escape(key), log)
    return int(found.group(1)) if found else None


def test_page_corrected_between_crawls_of_a_refreshing_source_is_revised(tmp_path):
    sites_root = tmp_path / "sites"
    shutil.copytree(SITES_DIR / "paoku", sites_root / "paoku")
    page = sites_root / "paoku" / CORRECTED_PAGE
    db_path = tmp_path / "archive.db"
    with DemoSites(root=sites_root) as sites:
        sources = tmp_path / "sources.toml"
        sources.write_text(REFRESHING_SOURCE % sites.base_urls["paoku"], encoding="utf-8")
        first = run_xietong("crawl", "--sources", str(sources), "--db", str(db_path), *FAST)
        assert first.returncode == 0, first.stderr[-3000:]
        before = {row["id"]: row for row in sqlite_utils.Database(db_path)["articles"].rows}
        html = page.read_text(encoding="utf-8")
        assert OLD_SENTENCE in html
        page.write_text(html.replace(OLD_SENTENCE, NEW_SENTENCE), encoding="utf-8")
        second = run_xietong("crawl", "--sources", str(sources), "--db", str(db_path), *FAST)
        assert second.returncode == 0, second.stderr[-3000:]
        url = sites.url("paoku", CORRECTED_PAGE)
    db = sqlite_utils.Database(db_path)
    article_id = db["appearances"].get(url)["article_id"]
    article = db["articles"].get(article_id)
    assert NEW_SENTENCE in article["body"]
    assert OLD_SENTENCE not in article["body"]
    assert search_article_ids(db, "3500辆") == [article_id]
    revisions = list(db["article_revisions"].rows)
    assert len(revisions) == 1
    assert revisions[0]["article_id"] == article_id
    assert revisions[0]["body"] == before[article_id]["body"]
    assert revisions[0]["text_hash"] == before[article_id]["text_hash"]
    assert revisions[0]["fetched_at"] == before[article_id]["first_seen_at"]
    assert revisions[0]["replaced_at"] == article["last_seen_at"]
    assert stat(second.stderr, "xietong/store/revised") == 1
    # Every page was met again (one of them changed); the others were left as they were.
    assert stat(second.stderr, "xietong/dropped/already_archived") == len(before)
    assert db["articles"].count == len(before)
    for other_id, row in before.items():
        if other_id != article_id:
            assert db["articles"].get(other_id)["body"] == row["body"]
            assert db["articles"].get(other_id)["last_seen_at"] >= row["last_seen_at"]

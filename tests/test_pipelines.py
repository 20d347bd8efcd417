"""Components built through from_crawler, fed items, checked through stats and the archive."""

from __future__ import annotations

import asyncio
import inspect
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.archive import Archive, open_database
from crawler.demo import SITES_DIR
from crawler.items import Article, PolicyDocument
from crawler.text.script import to_traditional
from pipelines.deduplicate import DeduplicatePipeline
from pipelines.normalize_script import NormalizeScriptPipeline
from pipelines.store import StorePipeline
from pipelines.strip_chrome import StripChromePipeline
from pipelines.tag_topics import TagTopicsPipeline
from tests.conftest import ROOT

BODY = (
    "京津冀产业协同发展加速推进，三地产业联系越来越紧密。\n"
    "中关村是北京科技创新的一面旗帜，如今已在雄安新区生根发芽。\n"
    "通过完善产业配套和供应链条，揭牌成立短短6个月时间，雄安新区中关村科技园吸引了众多企业入驻。\n"
    "产业协同发展是京津冀协同发展战略三个率先突破领域之一，对疏解北京非首都功能具有重要意义。\n"
)
OTHER_BODY = (
    "天津港集团今天发布消息，京津冀港口群集装箱航线再添新班，海铁联运通道继续扩容。\n"
    "据介绍，新开通的航线连接天津港与河北黄骅港，每周往返三班，服务腹地外贸企业。\n"
    "今年以来，三地港口协同调度机制运行顺畅，船舶在港停时平均缩短一成以上。\n"
)


def make_item(
    url: str, text: str, title: str = "“链”上发力，产业联系越来越紧密", **extra
) -> Article:
    return Article(
        url=url,
        source=extra.pop("source", "test"),
        fetched_at="2024-02-24T00:00:00+00:00",
        title=title,
        text=text,
        **extra,
    )


class Chain:
    """The normalize → deduplicate → store pipelines of one crawl, on one archive file."""

    def __init__(self, db_path: Path, **settings):
        crawler = get_crawler(settings_dict={"XIETONG_DB": str(db_path), **settings})
        self.stats = crawler.stats
        self.stages = [
            build_from_crawler(NormalizeScriptPipeline, crawler),
            build_from_crawler(TagTopicsPipeline, crawler),
            build_from_crawler(DeduplicatePipeline, crawler),
            build_from_crawler(StorePipeline, crawler),
        ]

    def __enter__(self) -> Chain:
        for stage in self.stages:
            if hasattr(stage, "open_spider"):
                stage.open_spider()
        return self

    def __exit__(self, *exc) -> None:
        for stage in self.stages:
            if hasattr(stage, "close_spider"):
                stage.close_spider()

    def feed(self, item: Article) -> Article | None:
        try:
            for stage in self.stages:
                result = stage.process_item(item)
                # The store of a crawl writes on its own thread and returns a coroutine.
                item = asyncio.run(result) if inspect.iscoroutine(result) else result
        except DropItem:
            return None
        return item


def test_same_url_twice_is_stored_once(tmp_path):
    db_path = tmp_path / "a.db"
    with Chain(db_path) as chain:
        assert chain.feed(make_item("http://a.example/1.html", BODY)) is not None
        assert chain.feed(make_item("http://a.example/1.html#comments", BODY)) is None
        assert chain.stats.get_value("xietong/dedup/same_url") == 1
    db = sqlite_utils.Database(db_path)
    assert db["articles"].count == 1
    assert db["appearances"].count == 1


def test_rerun_against_the_same_archive_adds_nothing(tmp_path):
    db_path = tmp_path / "a.db"
    for _ in range(2):
        with Chain(db_path) as chain:
            chain.feed(make_item("http://a.example/1.html", BODY))
            chain.feed(make_item("http://b.example/2.html", OTHER_BODY, title="港口"))
    db = sqlite_utils.Database(db_path)
    assert db["articles"].count == 2
    assert db["appearances"].count == 2


def test_traditional_copy_merges_with_simplified_original(tmp_path):
    db_path = tmp_path / "a.db"
    with Chain(db_path) as chain:
        first = chain.feed(make_item("http://a.example/1.html", BODY))
        copy = chain.feed(
            make_item(
                "http://b.example/9.html", to_traditional(BODY), title=to_traditional("“链”上发力")
            )
        )
    assert first is not None
    assert copy is not None
    assert copy.script == "hant"
    assert copy.text_simplified.replace("\n", "") == BODY.replace("\n", "")
    assert copy.article_id == first.article_id
    db = sqlite_utils.Database(db_path)
    assert db["articles"].count == 1
    rows = list(db["appearances"].rows_where(order_by="is_first desc"))
    assert [row["is_first"] for row in rows] == [1, 0]
    assert {row["script"] for row in rows} == {"hans", "hant"}
    article = next(db["articles"].rows)
    assert article["appearance_count"] == 2


def test_different_articles_sharing_a_sentence_are_kept_apart(tmp_path):
    shared = "京津冀作为引领全国高质量发展的三大重要动力源之一，创新基础扎实、实力雄厚。\n"
    with Chain(tmp_path / "a.db") as chain:
        a = chain.feed(make_item("http://a.example/1.html", BODY + shared))
        b = chain.feed(make_item("http://b.example/2.html", OTHER_BODY + shared, title="港口"))
    assert a is not None
    assert b is not None
    assert a.article_id != b.article_id
    assert b.is_new_article


def test_same_policy_document_posted_twice_is_one_article(tmp_path):
    policy = PolicyDocument(issuer="河北省人民政府办公厅", doc_number="冀政办字〔2024〕12号")
    again = PolicyDocument(issuer="河北省人民政府办公厅", doc_number="冀政办字[2024] 12号")
    with Chain(tmp_path / "a.db") as chain:
        a = chain.feed(make_item("http://gov.example/1.html", BODY, kind="policy", policy=policy))
        b = chain.feed(
            make_item("http://gov2.example/x.html", OTHER_BODY, kind="policy", policy=again)
        )
    assert a is not None
    assert b is not None
    assert b.article_id == a.article_id
    assert b.match_reason == "same_policy"


def test_source_requiring_topics_drops_off_topic_articles(tmp_path):
    off_topic = (
        "地源热泵机组的能效比是衡量设备性能的重要指标。\n今年冬季，多个小区完成了供暖系统改造。\n"
    )
    with Chain(tmp_path / "a.db") as chain:
        kept = chain.feed(make_item("http://a.example/1.html", BODY, require_topics=True))
        dropped = chain.feed(
            make_item("http://a.example/2.html", off_topic, title="热泵", require_topics=True)
        )
        assert chain.stats.get_value("xietong/dropped/off_topic") == 1
    assert kept is not None
    assert kept.topics
    assert dropped is None


@pytest.mark.parametrize("batch_size", ["1", "3"])
def test_store_commits_every_item_by_the_end(tmp_path, batch_size):
    db_path = tmp_path / "a.db"
    with Chain(db_path, XIETONG_STORE_BATCH_SIZE=batch_size) as chain:
        for n in range(4):
            text = "".join(chr(0x4E00 + (n * 7919 + i * 131) % 20000) for i in range(300))
            chain.feed(make_item("http://a.example/%d.html" % n, text, title="第%d篇" % n))
    db = sqlite_utils.Database(db_path)
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db["appearances"].count == 4


def test_a_waiting_batch_is_committed_once_batch_seconds_have_passed(tmp_path):
    db_path = tmp_path / "a.db"
    now = [1000.0]
    archive = Archive(
        open_database(db_path), batch_size=100, batch_seconds=2.0, clock=lambda: now[0]
    )
    fingerprinted = [
        DeduplicatePipeline().process_item(NormalizeScriptPipeline().process_item(item))
        for item in (
            make_item("http://a.example/1.html", BODY),
            make_item("http://b.example/2.html", OTHER_BODY, title="港口"),
        )
    ]
    reader = sqlite_utils.Database(db_path)  # another connection sees committed rows only
    try:
        archive.store(fingerprinted[0])
        now[0] += 1.5
        archive.store(fingerprinted[1])  # the batch began with the first item, 1.5 s ago
        assert not archive.commit_if_due()
        assert reader["appearances"].count == 0
        now[0] += 0.5
        assert archive.commit_if_due()
        assert reader["appearances"].count == 2
        assert not archive.commit_if_due()  # nothing left waiting
    finally:
        archive.close()


SITES = SITES_DIR


def strip(item: Article) -> Article | None:
    pipeline = StripChromePipeline.from_crawler(get_crawler())
    try:
        return pipeline.process_item(item)
    except DropItem:
        return None


def cleaned_in(workers: int, items: list[Article]) -> tuple[list[Article | str], dict]:
    """Run the strip pipeline with ``workers`` processes; each item comes back, or its drop."""
    crawler = get_crawler()
    pipeline = StripChromePipeline(stats=crawler.stats, workers=workers)

    async def run() -> list[Article | str]:
        results: list[Article | str] = []
        for item in items:
            try:
                result = pipeline.process_item(item)
                results.append(await result if workers else result)
            except DropItem as drop:
                results.append(str(drop))
        return results

    pipeline.open_spider()
    try:
        return asyncio.run(run()), crawler.stats.get_stats()
    finally:
        pipeline.close_spider()


def test_cleaning_in_worker_processes_gives_the_same_items_and_drops():
    pages = sorted(SITES.glob("*/**/*.html"))
    assert len(pages) >= 20

    def items() -> list[Article]:
        made = [
            Article(
                url="http://%s.example/%s" % (page.relative_to(SITES).parts[0], page.name),
                source="test",
                fetched_at="2024-02-24T00:00:00+00:00",
                raw_pages=[page.read_bytes()],
            )
            for page in pages
        ]
        made.append(
            Article(
                url="http://bad.example/xml.html",
                source="test",
                fetched_at="2024-02-24T00:00:00+00:00",
                raw_pages=[b'<?xml version="1.0" encoding="utf-8"?>'],
            )
        )
        return made

    in_process, in_process_stats = cleaned_in(0, items())
    in_workers, in_workers_stats = cleaned_in(1, items())
    assert in_workers == in_process
    assert any(isinstance(result, Article) for result in in_workers)
    assert in_workers_stats["xietong/errors/unreadable"] == 1
    dropped = {key: value for key, value in in_process_stats.items() if "dropped" in key}
    assert {key: in_workers_stats[key] for key in dropped} == dropped


# A crawl process with a cleaning pool: prints its worker pids once they run, then waits.
POOL_PARENT = """
import multiprocessing, sys, time
from pipelines.strip_chrome import StripChromePipeline, warm_up
pipeline = StripChromePipeline(workers=2)
pipeline.open_spider()
for future in [pipeline.pool.submit(warm_up) for _ in range(4)]:
    future.result()
print(" ".join(str(child.pid) for child in multiprocessing.active_children()), flush=True)
sys.stdin.read()
"""


def test_cleaning_workers_end_when_their_crawl_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", POOL_PARENT],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) >= 2  # the two workers (and multiprocessing's resource tracker)
        handles = [os.pidfd_open(pid) for pid in workers]
    finally:
        parent.kill()
        parent.wait()
    try:
        # Each handle becomes readable when its process has ended; the deadline only keeps
        # a failing test from hanging.
        for handle in handles:
            readable, _, _ = select.select([handle], [], [], 60)
            assert readable, "a cleaning worker outlived its SIGKILLed crawl"
    finally:
        for handle in handles:
            os.close(handle)


def classify(item: Article) -> Article | None:
    """Clean, normalize and tag a page: strip chrome, then the script and topic pipelines."""
    crawler = get_crawler()
    stages = [StripChromePipeline, NormalizeScriptPipeline, TagTopicsPipeline]
    try:
        for stage in stages:
            item = stage.from_crawler(crawler).process_item(item)
    except DropItem:
        return None
    return item


def page_item(site: str, path: str, kind: str = "") -> Article:
    raw = (SITES / site / path.lstrip("/")).read_bytes()
    url = "http://127.0.0.1:8000" + path
    return Article(
        url=url,
        source=site,
        fetched_at="2024-02-24T00:00:00+00:00",
        kind=kind,
        page_urls=[url],
        raw_pages=[raw],
    )


def test_kind_is_inferred_as_policy_from_the_header_table():
    item = classify(page_item("gov", "/zwgk/zcwj/szfbgtwj/202402/t20240222_1049321.html"))
    assert item is not None
    assert item.kind == "policy"
    assert item.policy is not None
    assert item.policy.doc_number == "冀政办字〔2024〕12号"


def test_kind_is_inferred_as_news_for_a_news_page():
    item = classify(page_item("paoku", "/zixun/2021-08-26/56321.html"))
    assert item is not None
    assert item.kind == "news"
    assert item.raw_pages == []


def test_listing_page_is_dropped_as_not_an_article():
    pipeline = StripChromePipeline.from_crawler(get_crawler())
    with pytest.raises(DropItem, match="not an article"):
        pipeline.process_item(page_item("paoku", "/index.html"))
    assert pipeline.stats.get_value("xietong/dropped/not_article") == 1


def test_article_keeps_the_most_complete_copy_and_the_first_sighting(tmp_path):
    db_path = tmp_path / "a.db"
    paragraphs = BODY.strip().split("\n")
    short = "\n".join(paragraphs[:3]) + "\n"
    with Chain(db_path) as chain:
        first = chain.feed(make_item("http://a.example/short.html", short))
        longer = chain.feed(make_item("http://b.example/full.html", BODY))
    assert first is not None
    assert longer is not None
    assert longer.article_id == first.article_id
    assert longer.match_reason == "near_duplicate"
    article = sqlite_utils.Database(db_path)["articles"].get(first.article_id)
    assert article["body"] == BODY
    assert article["url"] == "http://a.example/short.html"
    assert article["appearance_count"] == 2

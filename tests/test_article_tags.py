"""The articles of each topic and region, kept at write time, and the query that reads them."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from crawler.archive import Archive, open_database
from crawler.archive.article_tags import TAGS_TABLE
from crawler.web.pages import simplified_argument
from crawler.web.serve import DATABASE_NAME, build_datasette, load_metadata
from tests.test_search import make_article

TOPICS = ("京津冀协同发展", "产业协同", "交通一体化", "生态环保", "营商环境")
REGIONS = ("北京", "天津", "河北", "雄安新区", "衡水", "邢台")
QUERY = load_metadata()["databases"][DATABASE_NAME]["queries"]["articles_by_topic_and_region"]
# What the query answered before the tags were kept: every article's lists, newest first
# (now a page of 100 at a time).
SCANNING_QUERY = """
select articles.published_at, articles.title, articles.kind, articles.outlet,
  articles.site, articles.topics, articles.regions, articles.url, articles.id
from articles
where (:topic = '' or exists (select 1 from json_each(articles.topics)
    where substr(value, 1, length(xietong_simplified(:topic))) = xietong_simplified(:topic)))
  and (:region = '' or exists (select 1 from json_each(articles.regions)
    where substr(value, 1, length(xietong_simplified(:region))) = xietong_simplified(:region)))
order by articles.published_at desc, articles.rowid desc
limit 100 offset 100 * (max(coalesce(cast(nullif(trim(:page), '') as integer), 1), 1) - 1)
"""


def kept(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return sorted(db.execute("select list, name, article_rowid from %s" % TAGS_TABLE).fetchall())


def from_lists(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    rows = set()
    for rowid, topics, regions in db.execute("select rowid, topics, regions from articles"):
        for tag_list, names in (("topic", topics), ("region", regions)):
            for name in json.loads(names or "[]"):
                rows.add((tag_list, name, rowid))
    return sorted(rows)


def tags(rng: random.Random, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(rng.sample(names, rng.randrange(0, 3)))


def test_kept_tags_follow_new_merged_and_revised_articles(tmp_path: Path):
    rng = random.Random(5)
    archive = Archive(open_database(tmp_path / "xietong.db"), batch_size=5)
    stored = []
    for number in range(80):
        if stored and rng.random() < 0.3:
            earlier = rng.choice(stored)
            item = dataclasses.replace(
                earlier,
                text=earlier.text + "更新",
                topics=list(tags(rng, TOPICS)),
                regions=list(tags(rng, REGIONS)),
                text_hash=earlier.text_hash + "-%d" % number,
            )
        else:
            item = make_article(
                "https://site.example/%d.html" % number,
                "标题%d" % number,
                "正文%d" % number,
                "2024-02-%02d" % rng.randrange(1, 28),
                topics=tags(rng, TOPICS),
                regions=tags(rng, REGIONS),
            )
        archive.store(item)
        stored.append(item)
        assert kept(archive.db) == from_lists(archive.db), number
    archive.commit()
    # Deleting articles leaves their other rows behind: only the tags matter here.
    archive.db.execute("PRAGMA foreign_keys=OFF")
    archive.db.execute("delete from articles where rowid % 2 = 0")
    assert kept(archive.db) == from_lists(archive.db)
    archive.close()


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory: pytest.TempPathFactory) -> sqlite_utils.Database:
    """21,000 articles: one topic and one region in nearly all, the others rare."""
    path = tmp_path_factory.mktemp("tags") / "xietong.db"
    db = open_database(path)
    rng = random.Random(9)
    rows = []
    for number in range(21_000):
        topics = ["京津冀协同发展"] if number % 50 else []
        topics += [name for name in TOPICS[1:] if rng.random() < 0.01]
        regions = ["北京"] if number % 40 else []
        regions += [name for name in REGIONS[1:] if rng.random() < 0.01]
        rows.append(
            {
                "id": "a%05d" % number,
                "title": "标题%d" % number,
                "body": "正文",
                # Many articles share a day: the order among them is by id.
                "published_at": "2024-%02d-%02d" % (rng.randrange(1, 13), rng.randrange(1, 29)),
                "topics": json.dumps(topics, ensure_ascii=False),
                "regions": json.dumps(regions, ensure_ascii=False),
            }
        )
    db["articles"].insert_all(rows, batch_size=2000)
    db.conn.commit()
    db.conn.create_function("xietong_simplified", 1, simplified_argument, deterministic=True)
    return db


@pytest.mark.parametrize(
    ("topic", "region", "page"),
    [
        ("", "", ""),
        ("", "", "2"),
        ("京津冀", "", ""),  # common: the newest-first walk
        ("京津冀", "", "3"),
        ("", "北京", ""),
        ("京津冀协同发展", "北京", ""),
        ("京津冀协同发展", "北京", "7"),
        ("营商环境", "", ""),  # rare: read from article_tags
        ("营商环境", "", "2"),
        ("产业", "河北", ""),
        ("生态環保", "邢台", ""),  # either script
        ("京津冀", "衡水", ""),  # a common topic with a rare region
        ("京津冀", "衡水", "2"),
        ("不存在", "北京", ""),
        ("", "雄安", ""),
        ("", "", "0"),  # no page before the first
        ("京津冀", "", "two"),  # not a number: the first page
        ("京津冀", "", "1000"),  # past the last page: nothing
    ],
)
def test_canned_query_gives_what_the_scan_gave(
    big_archive: sqlite_utils.Database, topic: str, region: str, page: str
):
    arguments = {"topic": topic, "region": region, "page": page}
    now = big_archive.execute(QUERY["sql"], arguments).fetchall()
    before = big_archive.execute(SCANNING_QUERY, arguments).fetchall()
    assert now == before
    assert len(now) <= 100


def test_an_archive_without_the_table_is_filled_when_opened(big_archive: sqlite_utils.Database):
    expected = kept(big_archive)
    path = big_archive.conn.execute("pragma database_list").fetchone()[2]
    big_archive.execute("drop table %s" % TAGS_TABLE)
    big_archive.conn.commit()
    reopened = open_database(path)
    assert kept(reopened) == expected == from_lists(reopened)
    reopened.close()


def test_a_full_page_links_to_the_older_one(big_archive: sqlite_utils.Database):
    path = Path(big_archive.conn.execute("pragma database_list").fetchone()[2])

    async def fetch(**params: str) -> str:
        response = await build_datasette(path).client.get(
            "/%s/articles_by_topic_and_region" % DATABASE_NAME, params=params
        )
        assert response.status_code == 200, response.text[:500]
        return str(response.text)

    first = asyncio.run(fetch(topic="京津冀", region="北京"))
    assert "page=2" in first
    assert "Older articles: page 2" in first
    third = asyncio.run(fetch(topic="京津冀", region="北京", page="3"))
    assert "Older articles: page 4" in third
    # The last page (fewer than 100 articles: ~210 in all) links to none.
    last = asyncio.run(fetch(topic="营商环境", region="", page="3"))
    assert "Older articles" not in last


def test_an_older_trigger_is_replaced_when_opened(tmp_path: Path):
    path = tmp_path / "xietong.db"
    db = open_database(path)
    db.execute("drop trigger article_tags_insert")
    db.execute(
        "create trigger article_tags_insert after insert on articles begin"
        " insert or ignore into article_tags (list, name, article_rowid)"
        " select 'topic', cast(value as text), new.rowid from json_each(new.topics); end"
    )
    db.conn.commit()
    db.close()
    archive = Archive(open_database(path))
    archive.store(
        make_article("https://site.example/1.html", "标题", "正文", "2024-02-01", regions=("北京",))
    )
    assert kept(archive.db) == from_lists(archive.db) == [("region", "北京", 1)]
    archive.close()

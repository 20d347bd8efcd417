"""Digests for a reader: meaningful groups, what is new, undated articles, odd rows."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from exports.digest import (
    CHINA_STANDARD_TIME,
    STORY_SIMILARITY,
    DigestEntry,
    IsoWeek,
    default_week,
    load_digest,
)
from exports.grouping import story_clusters, title_pairs
from tests.test_search import build_archive, ids_for, make_article

UMBRELLA = "京津冀协同发展"


def news(url: str, title: str, day: str, topics: tuple[str, ...], regions: tuple[str, ...]):
    return make_article(
        url,
        title,
        title + "。京津冀三地持续推进协同发展。",
        day,
        topics=topics,
        regions=regions,
    )


def week_eight() -> list:
    """Eight news items, seven under the umbrella topic, as the demo's week 8 has them."""
    return [
        news(
            "https://a.example/1",
            "雄安新区首批疏解高校项目建设提速",
            "2024-02-20T09:00:00+08:00",
            (UMBRELLA, "雄安新区"),
            ("北京", "河北", "雄安新区"),
        ),
        news(
            "https://a.example/2",
            "雄安新区首批疏解高校项目建设全面提速",
            "2024-02-21T09:00:00+08:00",
            (UMBRELLA, "雄安新区"),
            ("北京", "河北", "雄安新区"),
        ),
        news(
            "https://a.example/3",
            "雄安新区地热供暖面积持续扩大",
            "2024-02-20T10:00:00+08:00",
            (UMBRELLA, "雄安新区"),
            ("河北", "雄安新区"),
        ),
        news(
            "https://a.example/4",
            "轨道上的京津冀加速成型",
            "2024-02-22T08:30:00+08:00",
            (UMBRELLA, "交通一体化"),
            ("北京", "天津", "河北", "廊坊"),
        ),
        news(
            "https://a.example/5",
            "津冀港口群协同发展",
            "2024-02-25T11:05:00+08:00",
            (UMBRELLA, "交通一体化"),
            ("天津", "河北", "唐山"),
        ),
        news(
            "https://a.example/6",
            "氢能产业链加速成链",
            "2024-02-23T14:20:00+08:00",
            (UMBRELLA, "产业协同"),
            ("北京", "天津", "河北", "唐山"),
        ),
        news(
            "https://a.example/7",
            "链上发力产业联系越来越紧密",
            "2024-02-24T07:53:00+08:00",
            (UMBRELLA, "产业协同"),
            ("北京", "河北", "保定"),
        ),
        news(
            "https://a.example/8",
            "北京城市副中心与北三县一体化发展提速",
            "2024-02-21T08:15:00+08:00",
            ("产业协同", "交通一体化", "公共服务"),
            ("北京", "河北", "廊坊"),
        ),
        # The week before: one article on transport in Tianjin.
        news(
            "https://a.example/0",
            "天津地铁新线开通",
            "2024-02-14T09:00:00+08:00",
            ("交通一体化",),
            ("天津",),
        ),
    ]


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return build_archive(tmp_path / "xietong.db", week_eight())


def sections(archive_path: Path, week: str = "2024-W08") -> list:
    return load_digest(sqlite_utils.Database(archive_path), IsoWeek.parse(week)).sections()


def test_umbrella_topic_does_not_swallow_the_news(archive_path: Path):
    groups = sections(archive_path)
    assert UMBRELLA not in [group.topic for group in groups]
    assert max(len(group.entries) for group in groups) <= 3
    assert len(groups) >= 3


def test_articles_about_the_same_event_form_a_story(archive_path: Path):
    stories = [group for group in sections(archive_path) if group.story]
    assert len(stories) == 1
    assert sorted(entry.id for entry in stories[0].entries) == sorted(
        ids_for("https://a.example/1", "https://a.example/2")
    )
    assert stories[0].label.startswith("同一事件 Story: ")


def test_topic_groups_are_headed_by_the_regions_they_share(archive_path: Path):
    transport = next(group for group in sections(archive_path) if group.topic == "交通一体化")
    assert sorted(entry.id for entry in transport.entries) == sorted(
        ids_for("https://a.example/4", "https://a.example/5")
    )
    assert transport.regions == ["天津", "河北"]
    assert transport.label == "交通一体化 · 天津、河北"


def test_what_is_new_compares_with_the_week_before(archive_path: Path, tmp_path: Path):
    result = CliRunner().invoke(
        cli, ["digest", "--week", "2024-W08", "--db", str(archive_path), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "2024-W08.json").read_text(encoding="utf-8"))
    changes = document["changes"]
    assert changes["previous_week"] == "2024-W07"
    assert changes["total"] == {"name": "total", "count": 8, "previous": 1, "change": 7}
    topics = {change["name"]: change for change in changes["topic"]}
    assert topics["交通一体化"] == {"name": "交通一体化", "count": 3, "previous": 1, "change": 2}
    regions = {change["name"]: change["change"] for change in changes["region"]}
    assert regions["天津"] == 2
    markdown = (tmp_path / "2024-W08.md").read_text(encoding="utf-8")
    assert "What's new since 2024-W07" in markdown
    assert "交通一体化 3 (↑+2)" in markdown
    # The week after: fewer articles, shown going down.
    week_nine = load_digest(sqlite_utils.Database(archive_path), IsoWeek.parse("2024-W09"))
    assert week_nine.total_change().arrow == "↓"


def test_undated_article_is_listed_in_the_week_first_seen(tmp_path: Path):
    path = build_archive(
        tmp_path / "xietong.db",
        [
            make_article(
                "https://a.example/undated",
                "京津冀开发区创新发展联盟成立",
                "联盟成立大会日前召开。",
                None,
                fetched_at="2024-02-21T02:00:00+00:00",
            )
        ],
    )
    digest = load_digest(sqlite_utils.Database(path), IsoWeek.parse("2024-W08"))
    (entry,) = digest.entries
    assert not entry.dated
    assert entry.time_label == "first seen 2024-02-21 (undated)"
    assert load_digest(sqlite_utils.Database(path), IsoWeek.parse("2024-W09")).empty


def test_default_week_is_the_archives_last_full_week_when_the_clock_is_far_ahead(
    archive_path: Path,
):
    db = sqlite_utils.Database(archive_path)
    later = datetime(2026, 12, 1, 12, tzinfo=CHINA_STANDARD_TIME)
    assert default_week(db, later).name == "2024-W08"
    # A cron job the Monday after week 8 gets week 8 as the last full week.
    monday = datetime(2024, 2, 26, 8, tzinfo=CHINA_STANDARD_TIME)
    assert default_week(db, monday).name == "2024-W08"


def test_digest_without_week_says_which_week_and_is_not_empty(archive_path: Path, tmp_path: Path):
    result = CliRunner().invoke(cli, ["digest", "--db", str(archive_path), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "no --week given: 2024-W08" in result.output
    assert "2024-W08: 8 articles" in result.output


@pytest.mark.parametrize("odd_url", ["", "javascript:alert(1)", "ftp://a.example/x", "/relative"])
def test_odd_url_never_breaks_the_digest(tmp_path: Path, odd_url: str):
    path = build_archive(
        tmp_path / "xietong.db",
        [
            news(
                "https://a.example/ok",
                "正常文章",
                "2024-02-20T09:00:00+08:00",
                ("产业协同",),
                ("河北",),
            )
        ],
    )
    conn = sqlite3.connect(path)
    conn.execute("update articles set url = ?", [odd_url])
    conn.commit()
    conn.close()
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["digest", "--week", "2024-W08", "--db", str(path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(item.suffix for item in out.iterdir()) == [".atom", ".html", ".json", ".md"]
    feed = feedparser.parse((out / "2024-W08.atom").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries[0].title == "正常文章"
    assert "javascript:" not in (out / "2024-W08.html").read_text(encoding="utf-8")


def _stories_by_comparing_every_pair(entries: list[DigestEntry]) -> list[list[str]]:
    """The story clusters as comparing every pair of titles gives them."""
    pairs = [title_pairs(entry.title) for entry in entries]
    clusters: list[set[int]] = [{index} for index in range(len(entries))]
    for first in range(len(entries)):
        for second in range(first + 1, len(entries)):
            union = pairs[first] | pairs[second]
            if union and len(pairs[first] & pairs[second]) / len(union) >= STORY_SIMILARITY:
                joined = [c for c in clusters if first in c or second in c]
                clusters = [c for c in clusters if c not in joined] + [set().union(*joined)]
    ordered = sorted(clusters, key=min)
    return [[entries[index].id for index in sorted(cluster)] for cluster in ordered]


def bare_entry(entry_id: str, kind: str, title: str, **fields: Any) -> DigestEntry:
    """A digest entry of 2024-02-20 with no outlet, site, lead or URL, and ``fields``."""
    return DigestEntry(
        id=entry_id,
        kind=kind,
        title=title,
        published_at="2024-02-20",
        date="2024-02-20",
        time_label="2024-02-20",
        outlet="",
        site="",
        sites=[],
        lead="",
        url="",
        **fields,
    )


def test_story_clusters_equal_those_of_comparing_every_pair():
    rng = random.Random(8)
    words = ["京津冀", "协同", "发展", "雄安", "新区", "交通", "一体化", "产业", "转移", "生态"]
    words += ["北京", "天津", "河北", "会议", "召开", "项目", "签约", "推进", "港口", "物流"]
    entries = [
        bare_entry("e%03d" % number, "news", "".join(rng.sample(words, rng.randint(1, 5))))
        for number in range(300)
    ]
    entries.append(replace(entries[0], id="e-empty", title="，。"))
    expected = _stories_by_comparing_every_pair(entries)
    assert any(len(cluster) > 1 for cluster in expected)
    assert [[entry.id for entry in cluster] for cluster in story_clusters(entries)] == expected

from __future__ import annotations

import html as html_module
import json
import re
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from crawler.items import PolicyDocument
from crawler.text.lead import make_lead
from exports.digest import (
    CHINA_STANDARD_TIME,
    EMPTY_MESSAGE,
    IsoWeek,
    WeekFormatError,
    load_digest,
    render_html,
    write_digest,
)
from tests.chromium import Chromium
from tests.test_digest_reader import bare_entry
from tests.test_search import build_archive, ids_for, make_article

SCRIPT_TITLE = "雄安新区<script>alert('x')</script>建设 & 发展"
LONG_BODY = "京津冀协同发展是一个重大国家战略。" * 20


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    return build_archive(
        tmp_path / "xietong.db",
        [
            make_article(
                "https://crntt.example/a",
                "協同發展十年觀察",
                "京津冀作為引領全國高質量發展的三大重要動力源之一。",
                "2024-02-23T07:23:21+08:00",
                title_simplified="协同发展十年观察",
                script="hant",
                site="中评网",
                outlet="中评社",
                topics=("产业",),
                regions=("北京",),
            ),
            make_article(
                "https://hebnews.example/b",
                SCRIPT_TITLE,
                LONG_BODY,
                "2024-02-24T07:53:08+08:00",
                topics=("交通",),
                regions=("雄安",),
            ),
            make_article(
                "https://portal.example/b",
                SCRIPT_TITLE,
                LONG_BODY,
                "2024-02-24",
                site="长城网",
                article_url="https://hebnews.example/b",
            ),
            make_article(
                "https://third.example/b",
                SCRIPT_TITLE,
                LONG_BODY,
                "2024-02-24",
                site="新浪河北",
                article_url="https://hebnews.example/b",
            ),
            make_article(
                "https://gov.example/p",
                "关于推进产业协同的通知",
                "各有关单位：\n现将产业协同有关事项通知如下。",
                "2024-02-19",
                kind="policy",
                site="河北省政府",
                topics=("产业",),
                regions=("河北",),
                policy=PolicyDocument(
                    issuer="河北省人民政府办公厅",
                    co_issuers=["河北省财政厅"],
                    doc_number="冀政办字〔2024〕12号",
                    written_at="2024-02-18",
                    attachments=[
                        "https://gov.example/P020240222391245018721.pdf",
                        "javascript:alert(1)",
                    ],
                ),
            ),
            # Sunday 23:30 in Beijing is still week 8; given in UTC it must not slip out.
            make_article(
                "https://late.example/s", "周日深夜", "夜间新闻。", "2024-02-25T15:30:00+00:00"
            ),
            make_article(
                "https://hebnews.example/next", "下周", "不在本周。", "2024-02-26T00:10:00+08:00"
            ),
        ],
    )


@pytest.fixture
def written(archive_path: Path, tmp_path: Path) -> dict[str, Path]:
    result = CliRunner().invoke(
        cli,
        ["digest", "--week", "2024-W08", "--db", str(archive_path), "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    return {path.suffix.lstrip("."): path for path in (tmp_path / "out").iterdir()}


def test_all_four_formats_are_written(written: dict[str, Path]):
    assert set(written) == {"md", "html", "atom", "json"}
    assert all(path.name.startswith("2024-W08.") for path in written.values())


def test_digest_holds_the_week_and_only_the_week(written: dict[str, Path]):
    document = json.loads(written["json"].read_text(encoding="utf-8"))
    ids = {entry["id"] for section in document["sections"] for entry in section["entries"]}
    assert ids == set(
        ids_for(
            "https://crntt.example/a",
            "https://hebnews.example/b",
            "https://gov.example/p",
            "https://late.example/s",
        )
    )
    assert document["counts"]["kind"] == {"policy": 1, "news": 3}
    assert document["counts"]["topic"] == {"产业": 2, "交通": 1}
    assert document["counts"]["region"] == {"北京": 1, "河北": 1, "雄安": 1}
    assert [day["counts"] for day in document["per_day"]][0] == {"policy": 1, "news": 0}


def test_policy_comes_first_then_news_grouped_by_topic(written: dict[str, Path]):
    document = json.loads(written["json"].read_text(encoding="utf-8"))
    assert [(section["kind"], section["topic"]) for section in document["sections"]] == [
        ("policy", None),
        ("news", "交通"),  # topics with as many entries go by name; untagged last
        ("news", "产业"),
        ("news", "其他 Other"),
    ]
    markdown = written["md"].read_text(encoding="utf-8")
    assert markdown.index("关于推进产业协同的通知") < markdown.index("协同发展十年观察")


def test_titles_are_in_one_script_with_the_original_kept(written: dict[str, Path]):
    document = json.loads(written["json"].read_text(encoding="utf-8"))
    entry = next(e for s in document["sections"] for e in s["entries"] if e["site"] == "中评网")
    assert entry["title"] == "协同发展十年观察"
    assert entry["title_original"] == "協同發展十年觀察"
    for fmt in ("md", "html"):
        assert "協同發展十年觀察" not in written[fmt].read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["md", "html", "atom", "json"])
def test_policy_shows_issuer_number_date_and_attachments(written: dict[str, Path], fmt: str):
    text = written[fmt].read_text(encoding="utf-8")
    if fmt == "atom":
        text = html_module.unescape(text)
    for shown in ("河北省人民政府办公厅", "河北省财政厅", "冀政办字〔2024〕12号", "2024-02-18"):
        assert shown in text
    assert "https://gov.example/P020240222391245018721.pdf" in text
    assert "javascript:alert" not in text


def test_joint_issuers_are_listed_once():
    entry = bare_entry(
        "p", "policy", "关于…的通知", issuer="财政部 税务总局", co_issuers=["税务总局"]
    )
    assert entry.issuers == "财政部 税务总局"
    entry.co_issuers = ["税务总局", "海关总署"]
    assert entry.issuers == "财政部 税务总局、海关总署"
    assert entry.source_label == entry.issuers


def test_policy_lead_skips_the_salutation(written: dict[str, Path]):
    document = json.loads(written["json"].read_text(encoding="utf-8"))
    (policy,) = document["sections"][0]["entries"]
    assert policy["lead"] == "现将产业协同有关事项通知如下。"


def test_entries_list_every_site_and_count_the_others(written: dict[str, Path]):
    document = json.loads(written["json"].read_text(encoding="utf-8"))
    entry = next(
        e
        for s in document["sections"]
        for e in s["entries"]
        if e["id"] == ids_for("https://hebnews.example/b")[0]
    )
    assert entry["sites"] == ["河北新闻网", "长城网", "新浪河北"]
    assert entry["also_on"] == 2
    assert "also on 2 sites" in written["md"].read_text(encoding="utf-8")
    assert "also on 2 sites" in written["html"].read_text(encoding="utf-8")


def test_lead_is_about_120_characters_ending_a_sentence():
    lead = make_lead(LONG_BODY)
    assert 60 <= len(lead) <= 120
    assert lead.endswith("。")
    assert make_lead("无标点" * 100).endswith("…")
    assert make_lead("短  文\n第二段") == "短 文 第二段"


def test_atom_is_a_valid_feed(written: dict[str, Path]):
    feed = feedparser.parse(written["atom"].read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert len(feed.entries) == 4
    assert feed.entries[0].title == "关于推进产业协同的通知"
    assert SCRIPT_TITLE in [entry.title for entry in feed.entries]


def test_atom_links_itself_and_uses_stable_tag_ids(archive_path: Path, tmp_path: Path):
    outputs = []
    for run in ("first", "second"):
        result = CliRunner().invoke(
            cli,
            [
                "digest",
                "--week",
                "2024-W08",
                "--db",
                str(archive_path),
                "--format",
                "atom",
                "--base-url",
                "https://digests.example/xietong",
                "--out",
                str(tmp_path / run),
            ],
        )
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / run / "2024-W08.atom").read_bytes())
    assert outputs[0] == outputs[1]
    feed = feedparser.parse(outputs[0])
    assert not feed.bozo, feed.get("bozo_exception")
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["https://digests.example/xietong/2024-W08.atom"]
    assert feed.feed.id == "tag:xietong.invalid,2024:digest/2024-W08"
    ids = [entry.id for entry in feed.entries]
    assert all(entry_id.startswith("tag:xietong.invalid,2024:article/") for entry_id in ids)
    assert "tag:xietong.invalid,2024:article/%s" % ids_for("https://gov.example/p")[0] in ids


def test_html_shows_a_script_title_as_text(written: dict[str, Path]):
    html = written["html"].read_text(encoding="utf-8")
    assert not re.search(r"<script", html, re.IGNORECASE)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&amp; 发展" in html


def test_html_is_self_contained_with_an_svg_chart(written: dict[str, Path]):
    html = written["html"].read_text(encoding="utf-8")
    assert "<svg" in html
    assert "<rect" in html
    assert "<style>" in html
    assert not re.search(
        r"""(src|href)=["']?(?!https?://[a-z.]+example/)""", html.split("<main>")[0]
    )
    assert '<link rel="stylesheet"' not in html


def test_markdown_escapes_html_and_markdown(written: dict[str, Path]):
    markdown = written["md"].read_text(encoding="utf-8")
    assert "<script>" not in markdown
    assert r"\<script\>" in markdown


@pytest.mark.parametrize("fmt", ["md", "html", "atom", "json"])
def test_empty_week_gives_a_valid_digest_that_says_so(archive_path: Path, tmp_path: Path, fmt: str):
    db = sqlite_utils.Database(archive_path)
    digest = load_digest(db, IsoWeek.parse("2023-W10"))
    (path,) = write_digest(digest, tmp_path, (fmt,))
    content = path.read_bytes()
    if fmt == "atom":
        feed = feedparser.parse(content)
        assert not feed.bozo
        assert feed.entries == []
        assert feed.feed.subtitle == EMPTY_MESSAGE
    elif fmt == "json":
        document = json.loads(content)
        assert document["empty"] is True
        assert document["sections"] == []
        assert document["message"] == EMPTY_MESSAGE
    else:
        assert EMPTY_MESSAGE in content.decode("utf-8")


def test_week_parsing_and_the_default_week():
    week = IsoWeek.parse("2024-W08")
    assert (week.monday.isoformat(), week.sunday.isoformat()) == ("2024-02-19", "2024-02-25")
    assert (
        IsoWeek.last_full_week(datetime(2024, 2, 28, 9, tzinfo=CHINA_STANDARD_TIME)).name
        == "2024-W08"
    )
    # Monday 01:00 in Beijing is still Sunday in UTC: the last full week is judged in Beijing.
    assert (
        IsoWeek.last_full_week(datetime(2024, 2, 26, 1, tzinfo=CHINA_STANDARD_TIME)).name
        == "2024-W08"
    )
    for bad in ("2024-08", "2024-W60", "W08"):
        with pytest.raises(WeekFormatError):
            IsoWeek.parse(bad)


def test_digest_command_rejects_a_bad_week(archive_path: Path):
    result = CliRunner().invoke(cli, ["digest", "--week", "2024-8", "--db", str(archive_path)])
    assert result.exit_code == 2
    assert "2024-W08" in result.output


def test_digest_command_writes_one_format(archive_path: Path, tmp_path: Path):
    result = CliRunner().invoke(
        cli,
        [
            "digest",
            "--week",
            "2024-W08",
            "--db",
            str(archive_path),
            "--format",
            "atom",
            "--out",
            str(tmp_path / "one"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert [path.name for path in (tmp_path / "one").iterdir()] == ["2024-W08.atom"]


DIGEST_MEASURES = """(() => {
  const headings = [...document.querySelectorAll('main h2')].map(h => h.textContent);
  const tops = [...document.querySelectorAll('main h2')].map(h => h.getBoundingClientRect().top);
  return {
    headings: headings,
    tops: tops,
    policyHeader: (document.querySelector('.policy-header') || {}).textContent || '',
    widest: Math.max(...[...document.querySelectorAll('body *')].map(e => e.getBoundingClientRect().right)),
  };
})()"""


def test_html_digest_renders_in_headless_chromium(archive_path: Path, tmp_path: Path):
    """Render the page; keep the screenshot in data/test-artifacts/ to look at."""
    digest = load_digest(sqlite_utils.Database(archive_path), IsoWeek.parse("2024-W08"))
    page = tmp_path / "digest.html"
    page.write_text(render_html(digest), encoding="utf-8")
    browser = Chromium(tmp_path / "chromium-profile")
    try:
        shown = browser.load(page.as_uri(), DIGEST_MEASURES, "digest-2024-W08.png", 900, 1400)
    finally:
        browser.close()
    assert shown.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    values = shown.values
    assert values["headings"] == ["政策发布 Policy announcements", "新闻 News"]
    assert values["tops"][0] < values["tops"][1]
    assert "发文字号 冀政办字〔2024〕12号" in values["policyHeader"]
    assert values["widest"] <= 900  # nothing runs off a 900 px window

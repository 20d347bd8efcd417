"""End to end: crawl the fixture sites over HTTP into a real SQLite file and read it back."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
import sqlite_utils

from crawler.text.script import to_simplified
from tests.conftest import FAST, ROOT, resolved_sources, run_xietong

EXPECTED = ROOT / "tests" / "fixtures" / "expected"


def expected_pages() -> list[dict[str, Any]]:
    pages = []
    for path in sorted(EXPECTED.glob("*.json")):
        for page in json.loads(path.read_text(encoding="utf-8")):
            page["site"] = path.stem
            pages.append(page)
    return pages


def squash(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


@pytest.fixture(scope="module")
def crawl(demo_sites, tmp_path_factory) -> dict[str, Any]:
    """Crawl the demo sources twice into one archive; keep both runs' output and counts."""
    tmp = tmp_path_factory.mktemp("crawl")
    sources = resolved_sources(demo_sites, tmp / "sources.toml")
    db_path = tmp / "xietong.db"
    runs = []
    for _ in range(2):
        result = run_xietong("crawl", "--sources", str(sources), "--db", str(db_path), *FAST)
        db = sqlite_utils.Database(db_path)
        runs.append(
            {
                "result": result,
                "articles": db["articles"].count,
                "appearances": db["appearances"].count,
            }
        )
        db.close()
    return {"db": sqlite_utils.Database(db_path), "runs": runs, "base_urls": demo_sites.base_urls}


def url_of(crawl: dict[str, Any], site: str, path: str) -> str:
    return crawl["base_urls"][site] + "/" + path.lstrip("/")


def article_at(crawl: dict[str, Any], site: str, path: str) -> dict[str, Any]:
    db = crawl["db"]
    rows = list(
        db.query("select article_id from appearances where url = ?", [url_of(crawl, site, path)])
    )
    assert len(rows) == 1, "%s%s was not stored" % (site, path)
    return db["articles"].get(rows[0]["article_id"])


def test_crawl_exits_0_and_prints_the_summary_table(crawl):
    result = crawl["runs"][0]["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "source" in result.stdout
    assert "total" in result.stdout
    assert crawl["runs"][0]["articles"] > 0


def test_rerun_adds_nothing(crawl):
    first, second = crawl["runs"]
    assert second["result"].returncode == 0, second["result"].stderr[-3000:]
    assert (second["articles"], second["appearances"]) == (first["articles"], first["appearances"])


def test_archive_is_consistent(crawl):
    db = crawl["db"]
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    orphans = db.execute(
        "select count(*) from appearances where article_id not in (select id from articles)"
    ).fetchone()[0]
    assert orphans == 0


@pytest.mark.parametrize(
    "page",
    [p for p in expected_pages() if p.get("on_topic") is not False],
    ids=lambda p: "%s:%s" % (p["site"], p["path"]),
)
def test_every_article_page_is_stored_clean_with_its_metadata(crawl, page):
    article = article_at(crawl, page["site"], page["path"])
    if page.get("duplicate_of"):
        # A merged copy: the article keeps the most complete copy's text, maybe in the
        # other script, and the first copy's metadata.
        body = squash(article["body_simplified"])
        for sentence in page.get("must_contain", []):
            assert squash(to_simplified(sentence)) in body
        return
    body = squash(article["body"])
    for sentence in page.get("must_contain", []):
        assert squash(sentence) in body
    for chrome in page.get("must_not_contain", []):
        assert squash(chrome) not in body, chrome
    assert squash(article["title"]) == squash(page["title"])
    if page.get("published_at"):
        assert (article["published_at"] or "")[:10] == page["published_at"][:10]
    for field in ("outlet", "author", "editor"):
        if page.get(field) is not None:
            assert squash(article[field]) == squash(page[field]), field
    assert article["kind"] == page.get("kind", "news")


def test_each_page_of_a_multi_page_article_is_part_of_one_article(crawl):
    multi = [p for p in expected_pages() if len(p.get("pages") or []) > 1]
    assert multi, "the fixture sites must hold a multi-page article"
    db = crawl["db"]
    for page in multi:
        article = article_at(crawl, page["site"], page["path"])
        for later in page["pages"][1:]:
            stored = list(
                db.query(
                    "select 1 from appearances where url = ?", [url_of(crawl, page["site"], later)]
                )
            )
            assert not stored, "page %s was stored as its own article" % later
        assert article["body_length"] > 0


def test_cross_script_copy_is_one_article_with_two_appearances(crawl):
    copies = [p for p in expected_pages() if p.get("duplicate_of")]
    assert copies, "the fixture sites must republish an article in the other script"
    for page in copies:
        site, path = page["duplicate_of"].split(":", 1)
        original = article_at(crawl, site, path)
        copy = article_at(crawl, page["site"], page["path"])
        assert copy["id"] == original["id"]
        scripts = {
            row["script"]
            for row in crawl["db"]["appearances"].rows_where("article_id = ?", [original["id"]])
        }
        assert scripts == {"hans", "hant"}


def test_related_articles_sharing_a_sentence_are_kept_apart(crawl):
    db = crawl["db"]
    sentence = "三大重要动力源之一"
    ids = {
        row["id"]
        for row in db.query(
            "select id from articles where body_simplified like ?", ["%" + sentence + "%"]
        )
    }
    assert len(ids) >= 2


def test_non_article_pages_are_not_stored(crawl):
    db = crawl["db"]
    for url in db.query("select url from appearances"):
        assert not url["url"].endswith(("/index.html", "/about.html", "/list_2.html")), url["url"]


def test_broken_sources_file_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[sources]]\nname = "oops"\nkind = "newz"\nstart_urls = ["http://127.0.0.1:9/"]\n',
        encoding="utf-8",
    )
    result = run_xietong("crawl", "--sources", str(bad), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    message = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(message) == 1
    assert "bad.toml" in message[0]
    assert "'oops'" in message[0]
    assert "'kind'" in message[0]
    assert not (tmp_path / "x.db").exists()


def test_demo_command_crawls_the_bundled_sites(tmp_path):
    db_path = tmp_path / "demo.db"
    result = run_xietong("demo", "--db", str(db_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "total" in result.stdout
    db = sqlite_utils.Database(db_path)
    assert db["articles"].count >= 10


def test_off_topic_pages_are_dropped_from_sources_requiring_topics(crawl):
    off_topic = [p for p in expected_pages() if p.get("on_topic") is False]
    assert off_topic
    for page in off_topic:
        rows = list(
            crawl["db"].query(
                "select 1 from appearances where url = ?",
                [url_of(crawl, page["site"], page["path"])],
            )
        )
        assert not rows, page["path"]
    assert "off_topic" in crawl["runs"][0]["result"].stdout


def test_sources_with_only_name_kind_and_start_urls_store_exactly_the_articles(
    demo_sites, tmp_path
):
    entries = []
    for site, base in sorted(demo_sites.base_urls.items()):
        kind = "policy" if site == "gov" else "news"
        entries.append(
            '[[sources]]\nname = "%s"\nkind = "%s"\nstart_urls = ["%s/index.html"]\n'
            % (site, kind, base)
        )
    sources = tmp_path / "minimal.toml"
    sources.write_text("\n".join(entries), encoding="utf-8")
    db_path = tmp_path / "minimal.db"
    result = run_xietong("crawl", "--sources", str(sources), "--db", str(db_path), *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    stored = {
        row["url"] for row in sqlite_utils.Database(db_path).query("select url from appearances")
    }
    expected = {demo_sites.base_urls[p["site"]] + p["path"] for p in expected_pages()}
    assert stored == expected
    assert "not_article" in result.stdout

"""Every response of a crawl is kept in a WARC file, and `xietong reclean` cleans it again.

The crawls fetch the real TRS slice (``SHARED/corpus/sites/trs-forestry``) from 127.0.0.1.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from crawler.ops.warc import PART_OF_HEADER, SOURCE_HEADER, read_pages
from tests.conftest import FAST, SHARED, run_xietong
from tests.fixtures.slice_server import SliceSite

TRS = SHARED / "corpus" / "sites" / "trs-forestry" / "www"
ARTICLE = "/xxgk/bmwj/201906/t20190605_633602.html"


def sources_file(tmp: Path, base_url: str, require_topics: bool = False) -> Path:
    path = tmp / ("sources-%s.toml" % require_topics)
    path.write_text(
        '[[sources]]\nname = "forestry"\nkind = "auto"\nstart_urls = ["%s/index.html"]\n'
        "max_depth = 3\nrequire_topics = %s\n" % (base_url, str(require_topics).lower()),
        encoding="utf-8",
    )
    return path


def records(path: Path) -> list[Any]:
    with path.open("rb") as handle:
        return [
            (
                record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI"),
                dict(record.rec_headers.headers),
                record.http_headers.get_statuscode() if record.http_headers else None,
                record.content_stream().read(),
            )
            for record in ArchiveIterator(handle)
        ]


@pytest.fixture(scope="module")
def kept_crawl(tmp_path_factory) -> Any:
    tmp = tmp_path_factory.mktemp("warc")
    with SliceSite(TRS) as site:
        db = tmp / "archive.db"
        result = run_xietong(
            "crawl", "--sources", str(sources_file(tmp, site.base_url)), "--db", str(db), *FAST
        )
        counts = dict(site.counts)
        base = site.base_url
    files = sorted((tmp / "warc").glob("*.warc.gz"))
    return {"result": result, "db": db, "files": files, "counts": counts, "base": base, "tmp": tmp}


def test_one_gzipped_warc_file_per_run_beside_the_archive(kept_crawl):
    assert kept_crawl["result"].returncode in (0, 3), kept_crawl["result"].stderr[-3000:]
    files = kept_crawl["files"]
    assert len(files) == 1
    run_id = next(sqlite_utils.Database(kept_crawl["db"]).query("select run_id from crawl_runs"))
    assert files[0].name == "%s.warc.gz" % run_id["run_id"]
    assert "kept %d responses" % len(kept_crawl["counts"]) in kept_crawl["result"].stdout
    assert str(files[0]) in kept_crawl["result"].stdout
    with gzip.open(files[0]) as handle:  # a standard gzip stream (one member per record)
        assert handle.read(9) == b"WARC/1.1\r"


def test_every_response_has_a_request_and_a_response_record(kept_crawl):
    kept = records(kept_crawl["files"][0])
    assert kept[0][0] == "warcinfo"
    base = kept_crawl["base"]
    responses = {url[len(base) :]: status for kind, url, _, status, _ in kept if kind == "response"}
    requests = {url[len(base) :] for kind, url, *_ in kept if kind == "request"}
    fetched = set(kept_crawl["counts"])
    assert set(responses) == fetched
    assert requests == fetched
    assert responses["/robots.txt"] == "404"


def test_a_kept_page_is_the_served_bytes_with_its_source(kept_crawl):
    base = kept_crawl["base"]
    page = next(
        record
        for record in records(kept_crawl["files"][0])
        if record[0] == "response" and record[1] == base + ARTICLE
    )
    assert page[4] == (TRS / ARTICLE.lstrip("/")).read_bytes()
    assert page[2][SOURCE_HEADER] == "forestry"
    assert PART_OF_HEADER not in page[2]


def test_warc_writing_can_be_turned_off(tmp_path):
    with SliceSite(TRS) as site:
        sources = tmp_path / "s.toml"
        sources.write_text(
            '[[sources]]\nname = "forestry"\nkind = "auto"\nstart_urls = ["%s/index.html"]\n'
            "max_depth = 1\n" % site.base_url,
            encoding="utf-8",
        )
        result = run_xietong(
            "crawl", "--sources", str(sources), "--db", str(tmp_path / "a.db"), *FAST,
            "-s", "XIETONG_WARC_ENABLED=0",
        )  # fmt: skip
    assert result.returncode in (0, 3), result.stderr[-3000:]
    assert not (tmp_path / "warc").exists()


def test_read_pages_gives_one_source_and_dates_since(kept_crawl):
    folder = kept_crawl["tmp"] / "warc"
    pages = list(read_pages(folder, source="forestry"))
    assert any(page.url.endswith(ARTICLE) for page in pages)
    assert all(page.settings["kind"] == "auto" for page in pages)
    assert list(read_pages(folder, source="another")) == []
    assert list(read_pages(folder, since="2999-01-01")) == []


@pytest.fixture(scope="module")
def recleaned(tmp_path_factory) -> Any:
    """Crawl with require_topics (most pages dropped), then reclean without it.

    Before the reclean, one stored article is given the text an older cleaner left (a
    share bar's words at its end) and another a wrong date, as an archive written by an
    earlier version holds them.
    """
    tmp = tmp_path_factory.mktemp("reclean")
    db = tmp / "archive.db"
    with SliceSite(TRS) as site:
        topical = sources_file(tmp, site.base_url, require_topics=True)
        crawl = run_xietong("crawl", "--sources", str(topical), "--db", str(db), *FAST)
        everything = sources_file(tmp, site.base_url, require_topics=False)
    archive = sqlite_utils.Database(db)
    before = archive["articles"].count
    articles = list(archive.query("select id, body from articles order by id limit 2"))
    if len(articles) == 2:
        old, dated = articles
        with archive.conn:
            archive.execute(
                "update articles set body = ?, text_hash = 'older' where id = ?",
                [old["body"] + "\n分享到：微信 微博", old["id"]],
            )
            archive.execute(
                "update appearances set text_hash = 'older' where article_id = ?", [old["id"]]
            )
            archive.execute(
                "update articles set published_at = '1999-01-01' where id = ?", [dated["id"]]
            )
    archive.close()
    first = run_xietong("reclean", "--db", str(db), "--sources", str(everything))
    second = run_xietong("reclean", "--db", str(db), "--sources", str(everything))
    return {
        "crawl": crawl,
        "first": first,
        "second": second,
        "db": sqlite_utils.Database(db),
        "before": before,
        "articles": articles,
    }


def test_reclean_recovers_pages_the_crawl_dropped(recleaned):
    assert recleaned["crawl"].returncode in (0, 3), recleaned["crawl"].stderr[-3000:]
    assert recleaned["first"].returncode == 0, recleaned["first"].stderr[-3000:]
    assert "Traceback" not in recleaned["first"].stderr
    after = recleaned["db"]["articles"].count
    assert after >= recleaned["before"] + 30
    assert "recovered" in recleaned["first"].stdout


def test_reclean_writes_a_changed_text_as_a_revision(recleaned):
    assert len(recleaned["articles"]) == 2
    old = recleaned["articles"][0]
    db = recleaned["db"]
    revisions = list(db.query("select * from article_revisions where article_id = ?", [old["id"]]))
    assert len(revisions) == 1
    assert revisions[0]["body"].endswith("分享到：微信 微博")
    assert db["articles"].get(old["id"])["body"] == old["body"]


def test_reclean_writes_a_changed_date_as_a_revision(recleaned):
    dated = recleaned["articles"][1]
    row = recleaned["db"]["articles"].get(dated["id"])
    assert row["published_at"] != "1999-01-01"
    count = (
        recleaned["db"]
        .execute("select count(*) from article_revisions where article_id = ?", [dated["id"]])
        .fetchone()[0]
    )
    assert count == 1


def test_a_second_reclean_changes_nothing(recleaned):
    out = recleaned["second"].stdout
    assert recleaned["second"].returncode == 0, recleaned["second"].stderr[-3000:]
    assert "recovered" not in out
    assert "revised" not in out
    assert "unchanged" in out


def test_reclean_without_warc_files_is_one_line_and_exit_2(tmp_path):
    db = tmp_path / "a.db"
    sqlite_utils.Database(db)["t"].insert({"a": 1})
    result = run_xietong("reclean", "--db", str(db))
    assert result.returncode == 2
    assert "no WARC files" in result.stderr
    assert "Traceback" not in result.stderr


def test_reclean_right_after_the_demo_crawl_changes_nothing(tmp_path):
    # The demo's government site has a page whose whole text points to its attachment: its
    # stored text is the attachment's, which a reclean does not fetch and must not undo.
    db = tmp_path / "demo.db"
    crawled = run_xietong("demo", "--db", str(db))
    assert crawled.returncode in (0, 3), crawled.stderr[-3000:]
    archive = sqlite_utils.Database(db)
    bodies = {row["id"]: row["body"] for row in archive.query("select id, body from articles")}
    recleaned = run_xietong("reclean", "--db", str(db))
    assert recleaned.returncode == 0, recleaned.stderr[-3000:]
    assert "revised" not in recleaned.stdout
    assert archive.execute("select count(*) from article_revisions").fetchone() == (0,)
    assert {
        row["id"]: row["body"] for row in archive.query("select id, body from articles")
    } == bodies

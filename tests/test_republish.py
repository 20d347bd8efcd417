"""End to end: crawl four sites republishing real articles and score the deduplication.

The sites (``tests/republish.py``) carry texts Xietong was never tuned on, in other
chrome, in GBK, in traditional script, with paragraphs dropped, cut, added or swapped,
beside related articles sharing sentences with them. The crawl gets only each site's
index page; the cleaner decides what is an article. Pair precision and recall are
computed over the article pages: truth pairs are two copies of one base text, predicted
pairs two pages stored under one ``article_id``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import pytest
import sqlite_utils

from crawler.demo.server import DemoSites
from crawler.text.script import to_simplified
from tests.conftest import FAST, SHARED, run_xietong
from tests.republish import CHROME_MARKERS, build_republished

MINIMUM_PRECISION = 0.99
MINIMUM_RECALL = 0.95


@pytest.fixture(scope="module")
def republished(tmp_path_factory) -> dict[str, Any]:
    """Generate the sites, crawl them once from their index pages, read the archive back."""
    if not (SHARED / "corpus" / "news-zh-dev").is_dir():
        pytest.fail(
            "the republished sites need the shared dev corpora at %s "
            "(set XIETONG_SHARED to their folder)" % SHARED,
            pytrace=False,
        )
    tmp = tmp_path_factory.mktemp("republish")
    sites_root = tmp / "sites"
    layout = build_republished(sites_root, SHARED)
    with DemoSites(root=sites_root) as sites:
        sources = tmp / "sources.toml"
        sources.write_text(layout.sources_toml(sites.base_urls), encoding="utf-8")
        db_path = tmp / "xietong.db"
        result = run_xietong("crawl", "--sources", str(sources), "--db", str(db_path), *FAST)
        base_urls = dict(sites.base_urls)
    assert result.returncode == 0, result.stderr[-3000:]
    db = sqlite_utils.Database(db_path)
    pages = {base_urls[page.site] + page.path: page for page in layout.pages}
    stored = {row["url"]: row for row in db.query("select * from appearances")}
    return {"db": db, "pages": pages, "stored": stored, "base_urls": base_urls}


# Columns that say when, not what: they differ between any two crawls.
CRAWL_TIMES = {"fetched_at", "first_seen_at", "last_seen_at"}


@pytest.fixture(scope="module")
def batch_crawls(tmp_path_factory) -> dict[str, Any]:
    """Crawl the same sites twice, one request at a time, storing 1 and 50 items per batch."""
    tmp = tmp_path_factory.mktemp("republish-batches")
    sites_root = tmp / "sites"
    layout = build_republished(sites_root, SHARED)
    crawled: dict[str, Any] = {}
    with DemoSites(root=sites_root) as sites:
        sources = tmp / "sources.toml"
        sources.write_text(layout.sources_toml(sites.base_urls), encoding="utf-8")
        for batch_size in ("1", "50"):
            db_path = tmp / ("batch-%s.db" % batch_size)
            result = run_xietong(
                "crawl",
                "--sources",
                str(sources),
                "--db",
                str(db_path),
                *FAST,
                # One request at a time: both crawls meet the pages in the same order.
                "-s",
                "CONCURRENT_REQUESTS=1",
                "-s",
                "XIETONG_STORE_BATCH_SIZE=%s" % batch_size,
            )
            assert result.returncode == 0, result.stderr[-3000:]
            crawled[batch_size] = sqlite_utils.Database(db_path)
        base_urls = dict(sites.base_urls)
    crawled["pages"] = {base_urls[page.site] + page.path: page for page in layout.pages}
    return crawled


def archive_contents(db: sqlite_utils.Database, table: str, order_by: str) -> list[dict]:
    """Return a table's rows without the crawl's timestamps."""
    return [
        {key: value for key, value in row.items() if key not in CRAWL_TIMES}
        for row in db[table].rows_where(order_by=order_by)
    ]


def test_batches_of_fifty_store_the_same_archive_as_batches_of_one(batch_crawls):
    one, fifty = batch_crawls["1"], batch_crawls["50"]
    for table, order_by in (("articles", "id"), ("appearances", "url"), ("policies", "article_id")):
        assert archive_contents(fifty, table, order_by) == archive_contents(one, table, order_by)
    stored = {row["url"]: row for row in fifty.query("select * from appearances")}
    precision, recall, _, _ = scores({"pages": batch_crawls["pages"], "stored": stored})
    print("\nbatch size 50: precision %.3f recall %.3f" % (precision, recall))
    assert recall >= MINIMUM_RECALL
    assert precision >= MINIMUM_PRECISION


def pairs(groups: dict[str, list[str]]) -> set[frozenset[str]]:
    """Return every unordered pair of URLs that share a group."""
    return {
        frozenset(pair)
        for urls in groups.values()
        for pair in itertools.combinations(sorted(urls), 2)
    }


def scores(republished: dict[str, Any]) -> tuple[float, float, int, int]:
    """Return pair precision, pair recall, true pairs and predicted pairs."""
    truth: dict[str, list[str]] = defaultdict(list)
    for url, page in republished["pages"].items():
        truth[page.group].append(url)
    predicted: dict[str, list[str]] = defaultdict(list)
    for url, row in republished["stored"].items():
        predicted[row["article_id"]].append(url)
    true_pairs, predicted_pairs = pairs(truth), pairs(predicted)
    hits = len(true_pairs & predicted_pairs)
    precision = hits / len(predicted_pairs) if predicted_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    return precision, recall, len(true_pairs), len(predicted_pairs)


def test_republished_copies_merge_with_pair_precision_and_recall_on_target(republished):
    precision, recall, true_count, predicted_count = scores(republished)
    print(
        "\nrepublish dedup: %d pages, %d stored, %d articles; pairs true %d predicted %d;"
        " precision %.3f recall %.3f"
        % (
            len(republished["pages"]),
            len(republished["stored"]),
            republished["db"]["articles"].count,
            true_count,
            predicted_count,
            precision,
            recall,
        )
    )
    assert precision >= MINIMUM_PRECISION
    assert recall >= MINIMUM_RECALL


def test_every_article_page_is_stored_and_no_index_page(republished):
    stored, pages = set(republished["stored"]), set(republished["pages"])
    assert not stored - pages, sorted(stored - pages)
    assert not pages - stored, sorted(pages - stored)


def test_copies_in_every_script_and_charset_join_their_original(republished):
    by_group: dict[str, set[str]] = defaultdict(set)
    for url, page in republished["pages"].items():
        row = republished["stored"].get(url)
        if row and page.kind != "related":
            by_group[page.group].add(row["article_id"])
    split = {group: ids for group, ids in by_group.items() if len(ids) > 1}
    assert not split, split


def test_related_articles_sharing_sentences_stay_their_own_articles(republished):
    related = [url for url, page in republished["pages"].items() if page.kind == "related"]
    assert len(related) >= 8
    for url in related:
        row = republished["stored"][url]
        others = [
            other
            for other, stored in republished["stored"].items()
            if stored["article_id"] == row["article_id"] and other != url
        ]
        assert not others, (url, others)


def test_stored_bodies_carry_no_site_chrome(republished):
    db = republished["db"]
    markers = [marker for site in CHROME_MARKERS.values() for marker in site]
    # The related lists name other articles; real headlines (not a text's opening words).
    headlines = {
        (page.group, to_simplified(page.title))
        for page in republished["pages"].values()
        if page.group.startswith("base:news-zh-dev/")
    }
    for article_id in {row["article_id"] for row in republished["stored"].values()}:
        body = to_simplified(db["articles"].get(article_id)["body"])
        groups = {
            republished["pages"][url].group
            for url, row in republished["stored"].items()
            if row["article_id"] == article_id
        }
        for marker in markers:
            assert to_simplified(marker) not in body, (article_id, marker)
        for group, headline in headlines:
            assert group in groups or headline not in body, (article_id, headline)

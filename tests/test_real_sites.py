"""End to end: crawl three real sites with no per-site configuration and check the labels.

Each slice of ``corpus/sites`` in the shared folder (``SHARED``) is served on 127.0.0.1 and
crawled once per test session from its home page (``kind = "auto"``, ``max_depth = 3``, no
selectors) into a temporary SQLite file, in a subprocess. The archive is compared with
``tests/labels/sites``: pages labelled as different articles are never merged, the log
holds no traceback, and article pages found, non-articles stored, titles and dates reach
the floors of ``floors.toml``.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.score_sites import (
    LABELS,
    SITES,
    Score,
    crawl_site,
    load_apart,
    load_labels,
    score_crawl,
)
from tests.conftest import SHARED

FLOORS = tomllib.loads((LABELS / "floors.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def site_scores(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Score]:
    """Crawl a slice the first time a test asks for it; return its score ever after."""
    scores: dict[str, Score] = {}

    def score_of(name: str) -> Score:
        if name not in scores:
            work = tmp_path_factory.mktemp("site-%s" % name)
            www = SHARED / "corpus" / "sites" / name / "www"
            assert www.is_dir(), "the real site slices are missing: %s" % www
            crawl = crawl_site(name, www, Path(work))
            # 3: finished and stored, with a source warning; the floors judge what was stored.
            assert crawl.returncode in (0, 3), crawl.log[-3000:]
            scores[name] = score_crawl(crawl, load_labels(name), load_apart(name))
        return scores[name]

    return score_of


@pytest.mark.parametrize("name", SITES)
def test_labels_name_every_page_of_the_slice_and_apart_groups_name_article_pages(
    name: str,
) -> None:
    www = SHARED / "corpus" / "sites" / name / "www"
    pages = {path.relative_to(www).as_posix() for path in www.rglob("*") if path.is_file()}
    labels = load_labels(name)
    assert set(labels) == pages
    for row in labels.values():
        if row["is_article"]:
            assert row["title"], row
            assert len(row["published_at"]) == 10, row
    for group in load_apart(name):
        assert all(labels[path]["is_article"] for path in group), group


@pytest.mark.parametrize("name", SITES)
def test_pages_labelled_as_different_articles_are_never_merged(site_scores, name: str) -> None:
    score = site_scores(name)
    assert score.false_merges == 0, score.merged_pairs


@pytest.mark.parametrize("name", SITES)
def test_crawl_log_holds_no_traceback(site_scores, name: str) -> None:
    assert not site_scores(name).traceback


@pytest.mark.parametrize("name", SITES)
def test_article_pages_found_reach_their_floor(site_scores, name: str) -> None:
    score = site_scores(name)
    assert score.recall >= FLOORS[name]["articles_found"], score.missed


@pytest.mark.parametrize("name", SITES)
def test_non_articles_stored_stay_under_their_ceiling(site_scores, name: str) -> None:
    score = site_scores(name)
    assert score.non_article_share <= FLOORS[name]["non_articles_stored"], score.stored_non_articles


@pytest.mark.parametrize("name", SITES)
def test_titles_right_reach_their_floor(site_scores, name: str) -> None:
    score = site_scores(name)
    assert score.title_share >= FLOORS[name]["titles_right"], json.dumps(
        score.wrong_titles, ensure_ascii=False
    )


@pytest.mark.parametrize("name", SITES)
def test_dates_right_reach_their_floor(site_scores, name: str) -> None:
    score = site_scores(name)
    assert score.date_share >= FLOORS[name]["dates_right"], score.wrong_dates

"""Every article page of the seed fixture sites comes out clean with the right metadata.

Reads tests/fixtures/expected/<site>.json (written with the fixture sites) and runs the
cleaner over each listed article, merging multi-page articles as the spider does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.clean.attachment_links import is_attachment_pointer
from crawler.clean.extract import Extraction, extract_article, merge_pages
from crawler.demo import SITES_DIR

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = sorted((FIXTURES / "expected").glob("*.json"))


def _cases() -> list[Any]:
    cases = []
    for path in EXPECTED:
        for article in json.loads(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(path.stem, article, id="%s%s" % (path.stem, article["path"])))
    return cases


def _extract(site: str, article: dict[str, Any]) -> Extraction:
    pages = []
    for page_path in article.get("pages") or [article["path"]]:
        file = SITES_DIR / site / page_path.lstrip("/")
        pages.append(extract_article(file.read_bytes(), "http://%s.example%s" % (site, page_path)))
    return merge_pages(pages) if len(pages) > 1 else pages[0]


def test_seed_expectations_exist():
    assert EXPECTED, "tests/fixtures/expected/*.json missing"


@pytest.mark.parametrize(("site", "article"), _cases())
def test_seed_article_is_clean_with_right_metadata(site, article):
    result = _extract(site, article)
    for field in ("title", "outlet", "author", "editor"):
        if field in article:
            assert getattr(result, field) == article[field], field
    if article.get("published_at"):
        assert (result.published_at or "")[:10] == article["published_at"][:10]
    if article.get("body_from_attachment"):
        # The page only points to its attachment: the crawl reads the body from that file
        # (tests/test_attachments_end_to_end.py); the page must name the file.
        assert any(
            link.url.endswith(article["body_from_attachment"]) for link in result.attachments
        )
        assert is_attachment_pointer(result.body, result.title or "")
        return
    for sentence in article.get("must_contain", []):
        assert sentence in result.body
    for chrome in article.get("must_not_contain", []):
        assert chrome not in result.body
    if article.get("policy"):
        assert result.policy is not None
        for key, value in article["policy"].items():
            assert result.policy.get(key) == value, key
    assert result.is_article
    assert result.text_quality in ("ok", "repaired")

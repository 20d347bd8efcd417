"""The hand labels of ../shared/corpus/wild (tests/labels/wild.jsonl) are complete and well formed.

These tests check the label file itself, not the cleaner: floors on the cleaner's scores
against these labels are set elsewhere.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from benchmarks.corpus_split import half_of

LABELS = Path(__file__).parent / "labels" / "wild.jsonl"
WILD = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "wild"
PAGE_TYPES = {"policy", "interpretation", "notice", "news", "listing", "error", "js_shell", "other"}
ARTICLE_TYPES = {"policy", "interpretation", "notice", "news"}
POLICY_LIKE = {"policy", "interpretation", "notice"}
DATE_FIELDS = ("published_at", "written_at")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_labels() -> list[dict[str, Any]]:
    with open(LABELS, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_index() -> list[dict[str, Any]]:
    if not (WILD / "index.jsonl").is_file():
        pytest.skip("../shared/corpus/wild is not present")
    with open(WILD / "index.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_every_wild_page_is_labelled_once_with_its_url_and_host() -> None:
    labels = {row["id"]: row for row in load_labels()}
    index = load_index()
    assert len(labels) == len(load_labels()), "a page is labelled twice"
    assert set(labels) == {row["id"] for row in index}
    for row in index:
        assert labels[row["id"]]["url"] == row["url"]
        assert labels[row["id"]]["host"] == row["host"]


def test_every_label_has_a_known_page_type() -> None:
    for row in load_labels():
        assert row["page_type"] in PAGE_TYPES, row["id"]
        for other in (row.get("alternatives") or {}).get("page_type") or []:
            assert other in PAGE_TYPES, row["id"]


def test_every_row_is_in_the_half_of_its_host() -> None:
    for row in load_labels():
        assert row["half"] == half_of({"id": row["id"], "site": row["host"]}), row["id"]


def test_labelled_dates_are_iso_days() -> None:
    for row in load_labels():
        alternatives = row.get("alternatives") or {}
        for name in DATE_FIELDS:
            for value in [row.get(name), *(alternatives.get(name) or [])]:
                assert value is None or ISO_DATE.match(value), (row["id"], name, value)


def test_article_rows_have_a_title_and_their_fields() -> None:
    for row in load_labels():
        if row["page_type"] not in ARTICLE_TYPES:
            continue
        assert row.get("title"), row["id"]
        assert {"published_at", "body_start", "body_end"} <= set(row), row["id"]
        if row["page_type"] in POLICY_LIKE:
            assert {"written_at", "issuer", "doc_number", "index_number", "topic"} <= set(row)
        if row["page_type"] == "news":
            assert {"outlet", "author", "editor"} <= set(row), row["id"]


def test_non_article_rows_carry_no_field_values() -> None:
    for row in load_labels():
        if row["page_type"] not in ARTICLE_TYPES:
            assert "title" not in row, row["id"]
            assert "body_start" not in row, row["id"]


def test_body_boundaries_hold_no_whitespace() -> None:
    for row in load_labels():
        for name in ("body_start", "body_end"):
            value = row.get(name)
            assert value is None or not re.search(r"\s", value), (row["id"], name)

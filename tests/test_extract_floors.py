"""Gate extraction quality: Xietong's dev-set scores must stay at or above the pinned floors."""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from benchmarks.corpus_split import load_index
from benchmarks.score_halves import grade_policy_page
from crawler.clean.extract import extract_article, extract_metadata

ROOT = Path(__file__).resolve().parents[1]
FLOORS = tomllib.loads((ROOT / "benchmarks" / "extract_floors.toml").read_text(encoding="utf-8"))
SHARED = Path(os.environ.get("XIETONG_SHARED") or ROOT.parent / "shared")
UNSEEN_POLICY = ROOT / "tests" / "fixtures" / "unseen_policy"


def _require_shared() -> Path:
    if not (SHARED / "tools" / "score_extraction.py").is_file():
        pytest.fail(
            "extraction floors need the shared corpus and scorers at %s "
            "(set XIETONG_SHARED to their folder)" % SHARED
        )
    return SHARED


def _load(name: str) -> ModuleType:
    path = _require_shared() / "tools" / ("%s.py" % name)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pages(set_name: str) -> list[dict[str, Any]]:
    root = _require_shared() / "corpus" / set_name
    rows = [
        json.loads(line)
        for line in (root / "index.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for row in rows:
        row["dir"] = root / row["id"]
    return rows


def _group(set_name: str, row: dict[str, Any]) -> str:
    if set_name != "extraction-dev":
        return set_name
    if row["language"] != "zh":
        return "extraction-dev/en"
    return "extraction-dev/zh-" + (
        "cleaneval" if str(row.get("group", "")).startswith("2005") else "later"
    )


@pytest.fixture(scope="module")
def page_f1() -> list[tuple[str, str, float]]:
    """(group, half, character-bag F1) of every page of the text-scored dev sets."""
    scorer = _load("score_extraction")
    scores = []
    for set_name in ("extraction-dev", "news-zh-dev"):
        halves = {row["id"]: row["half"] for row in load_index(SHARED / "corpus" / set_name)}
        for row in _pages(set_name):
            html = (row["dir"] / "page.html").read_bytes()
            truth = (row["dir"] / "expected.txt").read_text(encoding="utf-8")
            body = extract_article(html, row.get("url") or "").body
            f1 = scorer.score_page(truth, body)["char"]["f1"]
            scores.append((_group(set_name, row), halves[row["id"]], f1))
    return scores


@pytest.fixture(scope="module")
def f1_by_group(page_f1) -> dict[str, float]:
    groups = {group for group, _, _ in page_f1}
    return {g: statistics.mean(f1 for group, _, f1 in page_f1 if group == g) for g in groups}


@pytest.mark.parametrize("group", sorted(FLOORS["f1"]))
def test_character_bag_f1_stays_above_floor(f1_by_group, group):
    assert f1_by_group[group] >= FLOORS["f1"][group], (group, f1_by_group[group])


@pytest.mark.parametrize("group", sorted(FLOORS["check"]["f1"]))
def test_character_bag_f1_on_sites_not_tuned_on_stays_above_floor(page_f1, group):
    scores = [f1 for g, half, f1 in page_f1 if g == group and half == "check"]
    assert scores, group
    assert statistics.mean(scores) >= FLOORS["check"]["f1"][group], (group, scores)


def _news_accuracy(field: str, half: str | None = None) -> float:
    """Share of news-zh-dev pages (of one half, or all) whose ``field`` matches the truth."""
    scorer = _load("score_metadata")
    halves = {row["id"]: row["half"] for row in load_index(SHARED / "corpus" / "news-zh-dev")}
    rows = [row for row in _pages("news-zh-dev") if half is None or halves[row["id"]] == half]
    assert rows
    hits = 0
    for row in rows:
        truth = json.loads((row["dir"] / "expected.json").read_text(encoding="utf-8"))
        pred = extract_metadata((row["dir"] / "page.html").read_bytes(), row.get("url") or "")
        hits += bool(scorer.match(field, pred[field], truth.get(field)))
    return hits / len(rows)


@pytest.mark.parametrize("field", sorted(FLOORS["metadata"]["news-zh-dev"]))
def test_news_metadata_accuracy_stays_above_floor(field):
    assert _news_accuracy(field) >= FLOORS["metadata"]["news-zh-dev"][field]


@pytest.mark.parametrize("field", sorted(FLOORS["check"]["metadata"]["news-zh-dev"]))
def test_news_metadata_on_sites_not_tuned_on_stays_above_floor(field):
    assert _news_accuracy(field, "check") >= FLOORS["check"]["metadata"]["news-zh-dev"][field]


@pytest.mark.parametrize("field", sorted(FLOORS["metadata"]["policy-dev"]))
def test_policy_metadata_accuracy_stays_above_floor(field):
    scorer = _load("score_policy")
    rows = _pages("policy-dev")
    hits = 0
    for row in rows:
        truth = json.loads((row["dir"] / "expected.json").read_text(encoding="utf-8"))
        policy = (
            extract_article((row["dir"] / "page.html").read_bytes(), row.get("url") or "").policy
            or {}
        )
        hits += bool(scorer.match(field, policy.get(field), truth.get(field)))
    assert hits / len(rows) >= FLOORS["metadata"]["policy-dev"][field]


@pytest.fixture(scope="module")
def policy_multi_by_half() -> dict[str, dict[str, float]]:
    scorer = _load("score_policy_multi")
    rows = load_index(_require_shared() / "corpus" / "policy-multi-dev")
    graded: dict[str, list[dict[str, bool]]] = {}
    for row in rows:
        folder = SHARED / "corpus" / "policy-multi-dev" / row["id"]
        truth = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        result = extract_article((folder / "page.html").read_bytes(), row.get("url") or "")
        graded.setdefault(row["half"], []).append(grade_policy_page(scorer, truth, result))
    return {
        "policy-multi-dev/%s" % half: {
            name: sum(page[name] for page in pages) / len(pages) for name in pages[0]
        }
        for half, pages in graded.items()
    }


@pytest.fixture(scope="module")
def unseen_policy_scores() -> dict[str, float]:
    """Accuracy per measure on the unseen-policy set of tests/fixtures."""
    scorer = _load("score_policy_multi")
    graded = []
    for row in load_index(UNSEEN_POLICY):
        folder = UNSEEN_POLICY / row["id"]
        truth = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        result = extract_article((folder / "page.html").read_bytes(), row["url"])
        graded.append(grade_policy_page(scorer, truth, result))
    assert len(graded) >= 20
    return {name: sum(page[name] for page in graded) / len(graded) for name in graded[0]}


@pytest.mark.parametrize("field", sorted(FLOORS["metadata"]["unseen-policy"]))
def test_policy_pages_of_sites_no_dev_set_has_stay_above_floor(unseen_policy_scores, field):
    assert unseen_policy_scores[field] >= FLOORS["metadata"]["unseen-policy"][field], (
        field,
        unseen_policy_scores[field],
    )


def test_unseen_policy_set_is_what_its_build_script_writes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_unseen", UNSEEN_POLICY / "build.py")
    assert spec is not None
    assert spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, build)  # its dataclasses look themselves up
    spec.loader.exec_module(build)
    build.main(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    kept = sorted(
        p.relative_to(UNSEEN_POLICY)
        for p in UNSEEN_POLICY.rglob("*")
        if p.is_file() and p.name != "build.py" and "__pycache__" not in p.parts
    )
    assert written == kept
    for path in written:
        assert (tmp_path / path).read_bytes() == (UNSEEN_POLICY / path).read_bytes(), path


@pytest.mark.parametrize(
    ("group", "field"),
    [
        (group, field)
        for group in sorted(FLOORS["metadata"])
        if group.startswith("policy-multi-dev/")
        for field in sorted(FLOORS["metadata"][group])
    ],
)
def test_policy_multi_site_accuracy_stays_above_floor_per_half(policy_multi_by_half, group, field):
    assert policy_multi_by_half[group][field] >= FLOORS["metadata"][group][field], (
        group,
        field,
        policy_multi_by_half[group][field],
    )


UNSEEN = ROOT / "tests" / "fixtures" / "unseen_news"


@pytest.fixture(scope="module")
def unseen_extractions() -> list[tuple[dict[str, Any], Any]]:
    """(index row with its folder, extraction) of every unseen-news page."""
    pages = []
    for line in (UNSEEN / "index.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        row["dir"] = UNSEEN / row["id"]
        pages.append((row, extract_article((row["dir"] / "page.html").read_bytes(), row["url"])))
    return pages


def test_character_bag_f1_on_unseen_sites_stays_above_floor(unseen_extractions):
    scorer = _load("score_extraction")
    scores = [
        scorer.score_page((row["dir"] / "expected.txt").read_text(encoding="utf-8"), result.body)[
            "char"
        ]["f1"]
        for row, result in unseen_extractions
    ]
    assert statistics.mean(scores) >= FLOORS["unseen"]["f1"]["unseen-news"], scores


@pytest.mark.parametrize("field", sorted(FLOORS["unseen"]["metadata"]["unseen-news"]))
def test_news_metadata_on_unseen_sites_stays_above_floor(unseen_extractions, field):
    scorer = _load("score_metadata")
    attribute = {"source": "outlet"}.get(field, field)
    hits = [
        bool(
            scorer.match(
                field,
                getattr(result, attribute),
                json.loads((row["dir"] / "expected.json").read_text(encoding="utf-8"))[field],
            )
        )
        for row, result in unseen_extractions
    ]
    assert sum(hits) / len(hits) >= FLOORS["unseen"]["metadata"]["unseen-news"][field], hits

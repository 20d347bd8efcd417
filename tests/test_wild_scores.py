"""Gate the cleaner on real pages of unseen hosts: no crash, page types and fields above floors."""

from __future__ import annotations

import tomllib

import pytest

from benchmarks.score_wild import load_labels, score_all, summarise
from tests.conftest import ROOT, SHARED

FLOORS = tomllib.loads((ROOT / "benchmarks" / "extract_floors.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def table() -> dict:
    return summarise(score_all(SHARED, load_labels()))


def test_no_labelled_wild_page_crashes_the_cleaner(table):
    assert table["all"]["pages"] == 131
    assert table["all"]["crashes"] == 0


@pytest.mark.parametrize("half", ["tune", "check"])
def test_wild_page_types_and_fields_stay_above_their_floors(table, half):
    floors = FLOORS["wild"][half]
    scores = {"page_type": table[half]["page_type"], **table[half]["fields"]}
    below = {
        name: "%d/%d < %.2f" % (hits, scored, floors[name])
        for name, (hits, scored) in scores.items()
        if name in floors and hits < floors[name] * scored
    }
    assert below == {}
    assert set(floors) <= set(scores)

from __future__ import annotations

import json
import re

import pytest

from crawler.text import script
from tests.conftest import SHARED

OPENCC_CASES = SHARED / "corpus" / "opencc-testcases" / "testcases.json"
SEEDS = SHARED / "seeds"


def _opencc_cases() -> list[tuple[str, str, str, str]]:
    """Return (case id, config, input, expected) for every upstream case of a config we use."""
    if not OPENCC_CASES.exists():
        return []
    # Upstream has trailing commas that a strict JSON parser rejects.
    text = re.sub(r",(\s*[}\]])", r"\1", OPENCC_CASES.read_text(encoding="utf-8"))
    return [
        (case["id"], config, case["input"], expected)
        for case in json.loads(text)["cases"]
        for config, expected in case["expected"].items()
        if config in script.CONFIGS_USED
    ]


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


OPENCC_CASE_LIST = _opencc_cases()


def test_every_config_we_use_has_upstream_cases() -> None:
    if not OPENCC_CASE_LIST:
        pytest.fail(
            "the shared OpenCC test cases are missing: the shared folder must sit beside the project (or set XIETONG_SHARED)"
        )
    configs = {config for _, config, _, _ in OPENCC_CASE_LIST}
    assert configs == set(script.CONFIGS_USED)


@pytest.mark.parametrize(
    ("case_id", "config", "text", "expected"),
    OPENCC_CASE_LIST,
    ids=[f"{case_id}-{config}" for case_id, config, _, _ in OPENCC_CASE_LIST],
)
def test_opencc_config_passes_upstream_case(
    case_id: str, config: str, text: str, expected: str
) -> None:
    assert script.converter(config).convert(text) == expected


def test_converter_objects_are_cached_per_config() -> None:
    assert script.converter("t2s") is script.converter("t2s")
    assert script.converter("t2s") is not script.converter("s2t")


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("000", "hant"), ("001", "hant"), ("002", "hans"), ("003", "hant"), ("004", "hans")],
)
def test_seed_script_is_detected(prefix: str, expected: str) -> None:
    if not SEEDS.exists():
        pytest.fail(
            "the shared seeds are missing: the shared folder must sit beside the project (or set XIETONG_SHARED)"
        )
    assert script.detect_script(_seed(prefix)) == expected


def test_seed_000_with_simplified_spam_title_is_still_traditional() -> None:
    if not SEEDS.exists():
        pytest.fail(
            "the shared seeds are missing: the shared folder must sit beside the project (or set XIETONG_SHARED)"
        )
    counts = script.count_script_characters(_seed("000"))
    assert counts.simplified_only > 0
    assert script.detect_script(_seed("000")) == "hant"


def test_short_text_gets_dominant_script() -> None:
    assert script.detect_script("京津冀協同發展") == "hant"
    assert script.detect_script("京津冀协同发展") == "hans"
    assert script.detect_script("京津冀") == "hans"  # no one-script character: simplified
    assert script.detect_script("") == "hans"
    assert script.detect_script("Beijing 2024") == "hans"


def test_taiwan_text_keeps_taiwan_standard_characters_out_of_simplified_count() -> None:
    # 群, 線, 台 are Taiwan standard forms that OpenCC's own s2t would still change.
    counts = script.count_script_characters("台灣產業群聚沿著捷運線發展")
    assert counts.simplified_only == 0
    assert script.detect_script("台灣產業群聚沿著捷運線發展") == "hant"


def test_mixed_only_when_both_scripts_are_substantial() -> None:
    simplified = "京津冀协同发展十年来，产业协作不断深化，交通网络越来越密。"
    traditional = "京津冀協同發展十年來，產業協作不斷深化，交通網絡越來越密。"
    assert script.detect_script(simplified + traditional) == "mixed"
    assert script.detect_script(simplified * 5 + "這裡") == "hans"


def test_variant_found_for_taiwan_and_hong_kong_phrasing() -> None:
    assert script.detect_variant("這款軟體的網路功能，行政院表示將全面檢討。") == "tw"
    assert script.detect_variant("佢話今日唔係好得閒，我哋聽日再傾。") == "hk"
    assert script.detect_variant("京津冀協同發展實踐探索的重要價值") is None
    assert script.detect_variant("这款软件的网络功能") is None


def test_seed_variants_are_mainland_traditional() -> None:
    if not SEEDS.exists():
        pytest.fail(
            "the shared seeds are missing: the shared folder must sit beside the project (or set XIETONG_SHARED)"
        )
    for prefix in ("000", "001", "003"):
        assert script.detect_variant(_seed(prefix)) is None


def test_to_simplified_converts_traditional_seed_sentence() -> None:
    assert (
        script.to_simplified("京津冀作為引領全國高質量發展的三大重要動力源之一")
        == "京津冀作为引领全国高质量发展的三大重要动力源之一"
    )


def test_to_simplified_uses_taiwan_phrases_for_taiwan_variant() -> None:
    assert script.to_simplified("軟體", script="hant", variant="tw") == "软件"
    assert script.to_simplified("軟體", script="hant") == "软体"


def test_simplified_text_comes_back_unchanged() -> None:
    text = "协同发展十年观察③|“链”上发力,产业联系越来越紧密"
    assert script.to_simplified(text) is text
    assert script.to_simplified(text, script="hans") is text


def test_simplified_text_with_stray_traditional_characters_is_converted() -> None:
    assert script.to_simplified("京津冀协同发展，雄安新區建設") == "京津冀协同发展，雄安新区建设"


def test_to_traditional_expands_query() -> None:
    assert script.to_traditional("京津冀协同发展") == "京津冀協同發展"
    assert script.to_traditional("") == ""

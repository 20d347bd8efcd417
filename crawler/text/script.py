"""Script detection and conversion between simplified and traditional Chinese (OpenCC).

Matching, hashing, search and topic rules all run on the simplified form of a text; the
original stays beside it. Detection counts characters that exist in only one script:
a character that OpenCC's ``t2s`` changes is traditional-only, one that ``s2t`` changes is
simplified-only. Both tables are built once from OpenCC itself, so they agree with the
conversion we apply.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import opencc

# --- script and variant names ---------------------------------------------------------------
SIMPLIFIED = "hans"
TRADITIONAL = "hant"
MIXED = "mixed"
TAIWAN = "tw"
HONG_KONG = "hk"

# --- OpenCC configs we use, by job ----------------------------------------------------------
# Traditional (OpenCC standard, as mainland-adjacent outlets such as CRNTT write it) to simplified.
CONFIG_TRADITIONAL_TO_SIMPLIFIED = "t2s"
# Taiwan phrasing to mainland simplified, phrases included (軟體 -> 软件, 網路 -> 网络).
CONFIG_TAIWAN_TO_SIMPLIFIED = "tw2sp"
# Hong Kong variant characters to simplified.
CONFIG_HONG_KONG_TO_SIMPLIFIED = "hk2s"
# Simplified to traditional, used by search to expand queries.
CONFIG_SIMPLIFIED_TO_TRADITIONAL = "s2t"

# Simplified to Taiwan / Hong Kong standard characters: a character these keep unchanged is a
# regional standard form (群, 線, 為), not a simplified-only one.
CONFIG_SIMPLIFIED_TO_TAIWAN = "s2tw"
CONFIG_SIMPLIFIED_TO_HONG_KONG = "s2hk"

CONFIGS_USED = (
    CONFIG_TRADITIONAL_TO_SIMPLIFIED,
    CONFIG_TAIWAN_TO_SIMPLIFIED,
    CONFIG_HONG_KONG_TO_SIMPLIFIED,
    CONFIG_SIMPLIFIED_TO_TRADITIONAL,
    CONFIG_SIMPLIFIED_TO_TAIWAN,
    CONFIG_SIMPLIFIED_TO_HONG_KONG,
)

# --- Han code point ranges scanned to build the one-script character tables ------------------
# CJK compatibility ideographs (U+F900...) are left out: NFKC folds them and OpenCC maps some
# of them both ways, so they say nothing about the script.
HAN_RANGES = (
    (0x3400, 0x4DC0),  # extension A
    (0x4E00, 0xA000),  # unified ideographs
    (0x20000, 0x2A6E0),  # extension B
)

# Characters OpenCC's s2t changes although traditional texts use them every day: one
# simplified character stands for several traditional ones and s2t picks one (台 -> 臺,
# 于 -> 於, 采 -> 採 ...). Counting them as simplified would call Taiwanese text mixed.
SHARED_EVERYDAY_CHARACTERS = "台着么干后里于余准范采占杰游冲凶划斗"

# --- detection thresholds ---------------------------------------------------------------------
# "mixed" needs both scripts substantial: the minority script holds at least this share of
# the script-specific characters, and at least this many of them.
MIXED_MINORITY_SHARE = 0.2
MIXED_MINORITY_MINIMUM = 5
# A variant is named only on this many phrasing signals, and more than the other variant has.
VARIANT_MINIMUM_SIGNALS = 2

# --- Hong Kong markers: Cantonese particles and HK-only names -----------------------------------
HONG_KONG_MARKERS = re.compile(
    r"[嘅咗佢啲冇嚟噉]|唔係|唔會|係咪|點解|乜嘢|特區政府|立法會|港府|港鐵|港元|港幣|金管局"
)
# --- Taiwan markers: Taiwan-only wording and official names -------------------------------------
# OpenCC's own Taiwan phrase table cannot serve as the signal: it also rewrites words every
# writer uses (核心 -> 内核, 建立 -> 创建, 程序 -> 进程), so it fires on mainland text too.
TAIWAN_MARKERS = re.compile(
    r"軟體|硬體|網路|數位|程式碼|影片|記憶體|伺服器|印表機|滑鼠|部落格|計程車|捷運|資訊科技"
    r"|行政院|立法院|總統府|國發會|陸委會|經濟部|新臺幣|新台幣|臺北市|台北市|新北市"
)

_ONE_SCRIPT_NONE = 0
_ONE_SCRIPT_SIMPLIFIED = 1
_ONE_SCRIPT_TRADITIONAL = 2

_converters: dict[str, opencc.OpenCC] = {}
_converters_lock = threading.Lock()


@dataclass(frozen=True)
class ScriptCounts:
    """Characters of a text that exist in only one script."""

    simplified_only: int
    traditional_only: int


def converter(config: str) -> opencc.OpenCC:
    """Return the OpenCC converter for ``config``, created on first use and kept."""
    found = _converters.get(config)
    if found is None:
        with _converters_lock:
            found = _converters.get(config)
            if found is None:
                found = opencc.OpenCC(config)
                _converters[config] = found
    return found


@lru_cache(maxsize=1)
def _one_script_table() -> np.ndarray:
    """Build the code point -> {none, simplified-only, traditional-only} lookup table."""
    characters = "".join(chr(code) for start, stop in HAN_RANGES for code in range(start, stop))
    joined = "\n".join(characters)
    to_simplified_chars = converter(CONFIG_TRADITIONAL_TO_SIMPLIFIED).convert(joined).split("\n")
    to_traditional_chars = [
        converter(config).convert(joined).split("\n")
        for config in (
            CONFIG_SIMPLIFIED_TO_TRADITIONAL,
            CONFIG_SIMPLIFIED_TO_TAIWAN,
            CONFIG_SIMPLIFIED_TO_HONG_KONG,
        )
    ]
    if any(len(lines) != len(characters) for lines in [to_simplified_chars, *to_traditional_chars]):
        raise RuntimeError("OpenCC changed the number of lines while building the script table")
    table = np.zeros(HAN_RANGES[-1][1], dtype=np.uint8)
    shared = set(SHARED_EVERYDAY_CHARACTERS)
    for character, simplified, *traditional_forms in zip(
        characters, to_simplified_chars, *to_traditional_chars, strict=True
    ):
        changes_to_simplified = simplified != character
        # Simplified-only: every traditional standard (OpenCC, Taiwan, Hong Kong) changes it.
        changes_to_traditional = all(form != character for form in traditional_forms)
        if changes_to_simplified == changes_to_traditional or character in shared:
            continue  # unchanged both ways, or ambiguous
        table[ord(character)] = (
            _ONE_SCRIPT_TRADITIONAL if changes_to_simplified else _ONE_SCRIPT_SIMPLIFIED
        )
    return table


def count_script_characters(text: str) -> ScriptCounts:
    """Count the simplified-only and traditional-only characters of ``text``."""
    table = _one_script_table()
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    codes = codes[codes < table.shape[0]]
    counts = np.bincount(table[codes], minlength=3)
    return ScriptCounts(
        simplified_only=int(counts[_ONE_SCRIPT_SIMPLIFIED]),
        traditional_only=int(counts[_ONE_SCRIPT_TRADITIONAL]),
    )


def detect_script(text: str) -> str:
    """Return ``"hans"``, ``"hant"`` or ``"mixed"`` for the Han characters of ``text``.

    Short or ambiguous text gets its dominant script (simplified on a tie, including text
    without Han characters); ``"mixed"`` only when both scripts are substantial.
    """
    return _script_from_counts(count_script_characters(text))


def _script_from_counts(counts: ScriptCounts) -> str:
    """Name the script that a text's one-script character counts show."""
    minority = min(counts.simplified_only, counts.traditional_only)
    total = counts.simplified_only + counts.traditional_only
    if minority >= MIXED_MINORITY_MINIMUM and minority >= MIXED_MINORITY_SHARE * total:
        return MIXED
    return TRADITIONAL if counts.traditional_only > counts.simplified_only else SIMPLIFIED


def _changed_characters(left: str, right: str) -> int:
    """Count positions where two conversions of one text differ (a length change counts too)."""
    if len(left) != len(right):
        return abs(len(left) - len(right)) + 1
    return sum(1 for a, b in zip(left, right, strict=True) if a != b)


def detect_variant(text: str) -> str | None:
    """Return ``"tw"`` or ``"hk"`` when the text shows Taiwan or Hong Kong phrasing, else None.

    Only traditional or mixed text can carry a variant. Taiwan signals are Taiwan-only words
    and official names; Hong Kong signals are Cantonese particles, HK names and the HK
    variant characters that ``hk2s`` reads differently from ``t2s``.
    """
    if detect_script(text) == SIMPLIFIED:
        return None
    taiwan = len(TAIWAN_MARKERS.findall(text))
    hong_kong = len(HONG_KONG_MARKERS.findall(text)) + _changed_characters(
        converter(CONFIG_HONG_KONG_TO_SIMPLIFIED).convert(text),
        converter(CONFIG_TRADITIONAL_TO_SIMPLIFIED).convert(text),
    )
    if taiwan >= VARIANT_MINIMUM_SIGNALS and taiwan > hong_kong:
        return TAIWAN
    if hong_kong >= VARIANT_MINIMUM_SIGNALS and hong_kong > taiwan:
        return HONG_KONG
    return None


def to_simplified(text: str, script: str | None = None, variant: str | None = None) -> str:
    """Return the simplified form of ``text``; simplified text comes back unchanged.

    Pass ``script`` and ``variant`` when already known to skip detection; without them, text
    that holds no traditional-only character is the fast path. Taiwan text goes
    through ``tw2sp`` (phrases too), Hong Kong text through ``hk2s``, the rest through ``t2s``.
    """
    if not text:
        return text
    if script is None:
        counts = count_script_characters(text)
        if counts.traditional_only == 0:
            return text
        script = _script_from_counts(counts)
    elif script == SIMPLIFIED:
        return text
    if variant == TAIWAN:
        config = CONFIG_TAIWAN_TO_SIMPLIFIED
    elif variant == HONG_KONG:
        config = CONFIG_HONG_KONG_TO_SIMPLIFIED
    else:
        config = CONFIG_TRADITIONAL_TO_SIMPLIFIED
    return str(converter(config).convert(text))


def to_traditional(text: str) -> str:
    """Return the traditional form of ``text`` (``s2t``), e.g. to expand a search query."""
    if not text:
        return text
    return str(converter(CONFIG_SIMPLIFIED_TO_TRADITIONAL).convert(text))

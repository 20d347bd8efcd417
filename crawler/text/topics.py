"""Tag topics and regions on simplified text, and tell news from policy documents.

Topics and regions are data (``crawler/text/topics.toml``), loaded once. Every rule runs on
the simplified form of title and body (see ``crawler.text.script``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from crawler.text.lead import article_opening
from crawler.text.policy_vocabulary import DOC_NUMBER_PARTS_RE, DOCUMENT_KINDS

KIND_NEWS = "news"
KIND_POLICY = "policy"
PROVINCE_ORDER = ("北京", "天津", "河北")

# --- policy documents ----------------------------------------------------------------------------
# 发文字号 and the kinds of document a government title ends with (crawler.text.policy_vocabulary).
DOC_NUMBER = DOC_NUMBER_PARTS_RE
DOC_FORMS = "|".join(DOCUMENT_KINDS)
# "<issuer>关于…的<form>" or "<issuer>对…的答复": the title of a document, not of news about one.
DOCUMENT_TITLE = re.compile(rf"^[^《》]{{0,60}}?(?:关于|对).{{2,160}}的(?:{DOC_FORMS})$")
# A title that ends with a document form, e.g. 雄安新区支持企业发展若干措施.
DOCUMENT_FORM_TITLE = re.compile(rf"(?:{DOC_FORMS})(?:（试行）|\(试行\)|（暂行）)?$")
# A title suffix added by the publishing site: "…的通知_中国政府网", "… - 新浪".
TITLE_SITE_SUFFIX = re.compile(r"\s*(?:[_|｜]| - | — ).*$")
# The addressee line a document opens with: 各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
ADDRESSEE_OPENING = re.compile(r"^\s*[^\n。！？]{2,200}?[：:]\s*$", re.MULTILINE)
ADDRESSEE_WORDS = re.compile(
    r"人民政府|各部委|各直属机构|各有关单位|各区|各县|各委|各办|各局|代表|委员|同志"
)
# Closing and enacting formulas only documents use.
DOCUMENT_FORMULAS = re.compile(
    r"特此通知|特此公告|现将.{0,40}印发给你们|本(?:办法|规定|细则|措施|意见|方案)自.{0,20}(?:起施行|施行)|请认真贯彻执行|请遵照执行"
)
# How much of the body to look at for openings and numbers.
OPENING_CHARACTERS = 600


@dataclass(frozen=True)
class Topic:
    """A topic: its name, simplified keywords and the score that tags it."""

    name: str
    pattern: re.Pattern[str]
    min_score: int


@dataclass(frozen=True)
class Region:
    """A place: its name, level, and where it belongs."""

    name: str
    level: str  # "province" | "city" | "area" | "district"
    province: str
    city: str | None


@dataclass(frozen=True)
class Vocabulary:
    """Everything loaded from topics.toml, compiled."""

    topics: tuple[Topic, ...]
    title_weight: int
    lead_weight: int
    lead_characters: int
    body_weight: int
    max_hits_per_keyword: int
    region_pattern: re.Pattern[str]
    # alias or compound text -> names reported for it
    region_names: dict[str, tuple[str, ...]]
    region_order: dict[str, int]


def _alternation(words: list[str]) -> re.Pattern[str]:
    """Compile words into one pattern that prefers the longest word at each position."""
    ordered = sorted(set(words), key=lambda word: (-len(word), word))
    return re.compile("|".join(re.escape(word) for word in ordered))


def _reported_names(region: Region) -> tuple[str, ...]:
    """Name the province and city or area that a mention of ``region`` reports."""
    if region.level == "province":
        return (region.name,)
    if region.level == "district":
        return (region.province, region.city) if region.city else (region.province,)
    return (region.province, region.name)


def _build_vocabulary(data: dict[str, Any]) -> Vocabulary:
    """Compile topics.toml's tables."""
    scoring = data["scoring"]
    topics = tuple(
        Topic(
            name=entry["name"],
            pattern=_alternation([keyword.casefold() for keyword in entry["keywords"]]),
            min_score=int(entry.get("min_score", scoring["min_score"])),
        )
        for entry in data["topics"]
    )
    regions = {
        entry["name"]: Region(
            name=entry["name"],
            level=entry["level"],
            province=entry.get("province", entry["name"]),
            city=entry.get("city"),
        )
        for entry in data["regions"]
    }
    names: dict[str, tuple[str, ...]] = {}
    for entry in data["regions"]:
        for alias in entry["aliases"]:
            names[alias] = _reported_names(regions[entry["name"]])
    for compound in data["compounds"]:
        reported: list[str] = []
        for name in compound["regions"]:
            reported.extend(_reported_names(regions[name]))
        names[compound["text"]] = tuple(dict.fromkeys(reported))
    order = {name: position for position, name in enumerate(PROVINCE_ORDER)}
    for entry in data["regions"]:
        order.setdefault(entry["name"], len(order))
    return Vocabulary(
        topics=topics,
        title_weight=int(scoring["title_weight"]),
        lead_weight=int(scoring["lead_weight"]),
        lead_characters=int(scoring["lead_characters"]),
        body_weight=int(scoring["body_weight"]),
        max_hits_per_keyword=int(scoring["max_hits_per_keyword"]),
        region_pattern=_alternation(list(names)),
        region_names=names,
        region_order=order,
    )


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Load and compile ``crawler/text/topics.toml`` once."""
    text = resources.files("crawler.text").joinpath("topics.toml").read_text(encoding="utf-8")
    return _build_vocabulary(tomllib.loads(text))


def lead_of(text: str, characters: int) -> str:
    """Return the first paragraph of the article's own words, at most ``characters`` long."""
    return article_opening(text).split("\n", 1)[0][:characters]


def topic_scores(text_simplified: str, title_simplified: str = "") -> dict[str, int]:
    """Score every topic on a text and its title (keyword hits, title and lead hits weigh more).

    A news lead states what the article is about, so a keyword in the opening paragraph
    counts ``lead_weight`` instead of ``body_weight``: a short article naming its subjects
    there twice (北三县一体化: 产业协同, 公共服务) reaches the threshold.
    """
    words = vocabulary()
    body = text_simplified.casefold()
    lead = lead_of(body, words.lead_characters)
    title = title_simplified.casefold()
    scores: dict[str, int] = {}
    for topic in words.topics:
        body_hits: dict[str, int] = {}
        for match in topic.pattern.finditer(body):
            body_hits[match.group()] = body_hits.get(match.group(), 0) + 1
        lead_hits: dict[str, int] = {}
        for match in topic.pattern.finditer(lead):
            lead_hits[match.group()] = lead_hits.get(match.group(), 0) + 1
        score = words.body_weight * sum(
            min(hits, words.max_hits_per_keyword) for hits in body_hits.values()
        )
        score += (words.lead_weight - words.body_weight) * sum(
            min(hits, words.max_hits_per_keyword) for hits in lead_hits.values()
        )
        score += words.title_weight * sum(1 for _ in topic.pattern.finditer(title))
        scores[topic.name] = score
    return scores


def tag_topics(text_simplified: str, title_simplified: str = "") -> list[str]:
    """Return the topics of an article, in topics.toml order."""
    scores = topic_scores(text_simplified, title_simplified)
    return [topic.name for topic in vocabulary().topics if scores[topic.name] >= topic.min_score]


def tag_regions(text_simplified: str, title_simplified: str = "") -> list[str]:
    """Return the provinces, cities and new areas mentioned, provinces first (e.g. 河北, 保定).

    京, 津 and 冀 alone are never a mention; only compounds such as 京津冀 are. A district
    reports its city (or its municipality).
    """
    words = vocabulary()
    found: set[str] = set()
    for text in (title_simplified, text_simplified):
        for match in words.region_pattern.finditer(text):
            found.update(words.region_names[match.group()])
    return sorted(
        found, key=lambda name: (words.region_order.get(name, len(words.region_order)), name)
    )


def is_cooperation_article(topics: list[str], regions: list[str]) -> bool:
    """Say whether tags show a cooperation article: a topic and a place in the region.

    What ``require_topics`` sources keep: a general site's article about heat pumps in
    Beijing has a region but no topic; one about industry clusters elsewhere a topic but no
    region.
    """
    return bool(topics) and bool(regions)


def infer_kind(title: str, body: str, has_policy_table: bool = False) -> str:
    """Return ``"policy"`` when the page is a government document, else ``"news"``.

    A 发文字号/发文机关 table decides alone. Otherwise the title must read as a document
    (…关于…的通知, …若干措施) and, unless it is the full 关于…的 form, the body must open
    like one: a 发文字号, an addressee line, or a formula such as 特此通知.
    """
    if has_policy_table:
        return KIND_POLICY
    clean_title = TITLE_SITE_SUFFIX.sub("", title.strip())
    opening = body[:OPENING_CHARACTERS]
    if DOCUMENT_TITLE.search(clean_title):
        return KIND_POLICY
    names_a_document = "《" in clean_title and clean_title.endswith("》")  # news about one
    if not DOCUMENT_FORM_TITLE.search(clean_title) or names_a_document:
        return KIND_NEWS
    addressed = any(
        ADDRESSEE_WORDS.search(line.group()) for line in ADDRESSEE_OPENING.finditer(opening)
    )
    if DOC_NUMBER.search(opening) or addressed or DOCUMENT_FORMULAS.search(body):
        return KIND_POLICY
    return KIND_NEWS

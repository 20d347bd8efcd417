"""Group a kind's entries into stories (titles telling one event) and telling topics."""

from __future__ import annotations

import math
import re
from collections import Counter

from crawler.text.topics import PROVINCE_ORDER
from exports.entries import NO_TOPIC, DigestEntry, DigestSection

STORY_LABEL = "同一事件 Story"
# A topic carried by more than this share of a kind's entries (when there are at least
# UMBRELLA_MINIMUM of them) is the umbrella every article sits under: grouping by it says
# nothing, so entries go under their next topic.
UMBRELLA_SHARE = 0.6
UMBRELLA_MINIMUM = 4
# Two titles tell the same event when this share of their character pairs is shared.
STORY_SIMILARITY = 0.4
TITLE_NOISE = re.compile(r"[\s\W_]+")
# A group heading names at most this many of the regions its entries share.
HEADING_REGIONS = 3


def title_pairs(title: str) -> set[str]:
    """Return the character pairs of a title, punctuation and spaces dropped."""
    text = TITLE_NOISE.sub("", title)
    return {text[index : index + 2] for index in range(len(text) - 1)}


def story_clusters(entries: list[DigestEntry]) -> list[list[DigestEntry]]:
    """Cluster entries whose titles share STORY_SIMILARITY of their character pairs.

    Only pairs of titles that can reach the threshold are compared (prefix filtering):
    with each title's pairs ordered rarest first, two titles at Jaccard similarity ``t`` or
    more share one of the first ``n - ceil(t * n) + 1`` pairs of each (``n`` its pair
    count). The clusters are those of comparing every pair, at a fraction of the cost on a
    week of thousands of articles.
    """
    pairs = [title_pairs(entry.title) for entry in entries]
    parent = list(range(len(entries)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    frequency = Counter(pair for title in pairs for pair in title)
    holders: dict[str, list[int]] = {}
    for second, title in enumerate(pairs):
        if not title:
            continue
        ordered = sorted(title, key=lambda pair: (frequency[pair], pair))
        prefix = ordered[: len(ordered) - math.ceil(STORY_SIMILARITY * len(ordered) - 1e-9) + 1]
        candidates: set[int] = set()
        for pair in prefix:
            candidates.update(holders.setdefault(pair, []))
            holders[pair].append(second)
        for first in sorted(candidates):
            union = pairs[first] | title
            if len(pairs[first] & title) / len(union) >= STORY_SIMILARITY:
                parent[root(second)] = root(first)
    clusters: dict[int, list[DigestEntry]] = {}
    for index, entry in enumerate(entries):
        clusters.setdefault(root(index), []).append(entry)
    return list(clusters.values())


def _group_topic(entry: DigestEntry, counts: Counter[str], umbrellas: set[str]) -> str:
    """Pick the entry's topic most of its neighbours share, passing over umbrella topics."""
    candidates = [topic for topic in entry.topics if topic not in umbrellas] or entry.topics
    if not candidates:
        return NO_TOPIC
    # Most entries first; among equals, the topic the tagger lists first.
    return max(candidates, key=lambda topic: (counts[topic], -candidates.index(topic)))


def _shared_regions(entries: list[DigestEntry], topic: str | None) -> list[str]:
    """Return the regions every entry mentions that tell the group apart.

    Cities and new areas when the entries share some; else the provinces, unless they are
    all three (京津冀 is every article's region, so naming it says nothing).
    """
    shared = set(entries[0].regions)
    for entry in entries[1:]:
        shared &= set(entry.regions)
    ordered = [region for region in entries[0].regions if region in shared and region != topic]
    local = [region for region in ordered if region not in PROVINCE_ORDER]
    if local:
        return local[:HEADING_REGIONS]
    return ordered if len(ordered) < len(PROVINCE_ORDER) else []


def groups_of_kind(kind: str, kind_label: str, entries: list[DigestEntry]) -> list[DigestSection]:
    """Group one kind's entries (newest first) into stories and topic groups."""
    counts: Counter[str] = Counter(topic for entry in entries for topic in entry.topics)
    umbrellas = set()
    if len(entries) >= UMBRELLA_MINIMUM:
        umbrellas = {topic for topic, n in counts.items() if n > UMBRELLA_SHARE * len(entries)}
    sections = []
    by_topic: dict[str, list[DigestEntry]] = {}
    for cluster in story_clusters(entries):
        if len(cluster) > 1:
            topic = _group_topic(cluster[0], counts, umbrellas)
            sections.append(
                DigestSection(
                    kind,
                    kind_label,
                    topic,
                    cluster,
                    label="%s: %s" % (STORY_LABEL, cluster[0].title),
                    regions=_shared_regions(cluster, None),
                    story=True,
                )
            )
            continue
        entry = cluster[0]
        by_topic.setdefault(_group_topic(entry, counts, umbrellas), []).append(entry)
    for topic, grouped in by_topic.items():
        regions = _shared_regions(grouped, topic)
        label = (
            topic if not regions or topic == NO_TOPIC else "%s · %s" % (topic, "、".join(regions))
        )
        sections.append(DigestSection(kind, kind_label, topic, grouped, label, regions))
    sections.sort(
        key=lambda section: (
            section.topic == NO_TOPIC,
            -len(section.entries),
            not section.story,
            section.label,
        )
    )
    return sections

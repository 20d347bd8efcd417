"""Tell template notices apart: pages of one site that share wording but not facts.

A site posts the same notice every month, every batch or for every person (第一批 / 第二批,
one per quarter, one per entrusted office): the wording repeats, the heading, numbers,
names and lists change. Shingle similarity calls such pages near-duplicates; these
helpers say when they are different documents after all:

  template lines    lines a text shares with many of its site's stored texts (the site's
                    repeated wording), left out before two texts are compared
  different heads   headings that name different documents: neither holds the other, and
                    their numbers differ or their wording does
  different facts   texts that differ in several short places (a name, a number, a date
                    swapped inside the same sentences), which a copy of one article does
                    not (its differences are whole lines added, dropped or cut)

All functions take simplified text (``crawler.text.script``) and are pure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from crawler.text.fingerprint import MINIMUM_SHINGLES, SHINGLE_SIZE, normalize_for_matching

# A line this many of the site's other stored texts hold is the site's template wording.
TEMPLATE_LINE_MINIMUM_TEXTS = 2
# Lines shorter than this (normalized) are too common to mean anything ("一", "附件").
TEMPLATE_LINE_MINIMUM_LENGTH = 6
# Two texts are almost identical when their exact shingle sets overlap this much
# (Jaccard): one article with a line or a date changed, never two notices of one template.
ALMOST_IDENTICAL = 0.9
# Headings sharing at least this share of character pairs (Dice) and the same numbers are
# one heading worded two ways.
SIMILAR_HEADINGS = 0.8
# A difference this short inside shared lines is a changed fact (a name, a number)...
FACT_LENGTH = 40
# ...and this many of them make two documents of one template.
DIFFERENT_FACTS_MINIMUM = 3
# The fact comparison reads this many characters of each text: enough for a notice's
# facts, and it keeps the alignment's cost bounded on long texts.
COMPARED_CHARACTERS = 6000

_NUMBER = re.compile(r"[0-9〇零一二三四五六七八九十百千两]+")


def text_lines(text: str) -> list[str]:
    """Return the normalized lines of a text, empty ones left out."""
    lines = (normalize_for_matching(line) for line in text.splitlines())
    return [line for line in lines if line]


def template_lines(lines: Iterable[str], others: Iterable[Iterable[str]]) -> set[str]:
    """Return the lines of ``lines`` that at least TEMPLATE_LINE_MINIMUM_TEXTS of ``others`` hold.

    ``others`` are the lines of other stored texts of the same site.
    """
    wanted = {line for line in lines if len(line) >= TEMPLATE_LINE_MINIMUM_LENGTH}
    if not wanted:
        return set()
    held: Counter[str] = Counter()
    for other in others:
        held.update(wanted.intersection(other))
    return {line for line, count in held.items() if count >= TEMPLATE_LINE_MINIMUM_TEXTS}


def without_template(lines: Iterable[str], template: set[str]) -> str:
    """Return the text the lines make once the template lines are left out."""
    return "".join(line for line in lines if line not in template)


def _shingles(text: str) -> set[str]:
    if len(text) <= SHINGLE_SIZE:
        return {text} if text else set()
    return {text[start : start + SHINGLE_SIZE] for start in range(len(text) - SHINGLE_SIZE + 1)}


def jaccard(first: str, second: str) -> float:
    """Return the exact Jaccard similarity of two normalized texts' shingle sets."""
    one, other = _shingles(first), _shingles(second)
    if not one and not other:
        return 1.0
    return len(one & other) / len(one | other)


def almost_identical(first: str, second: str) -> bool:
    """Say whether two normalized texts are one text with at most a line or a date changed."""
    return jaccard(first, second) >= ALMOST_IDENTICAL


def _pairs(text: str) -> Counter[str]:
    return Counter(text[index : index + 2] for index in range(len(text) - 1))


def numbers_of(text: str) -> list[str]:
    """Return the numbers a normalized text writes, in order (digits or Chinese numerals)."""
    return _NUMBER.findall(text)


def headings_differ(first: str, second: str) -> bool:
    """Say whether two headings name different documents.

    Not when either is empty or holds the other (a heading with a subtitle or a site name
    added); yes when their numbers differ (第3批 / 第13批, 2018年 / 2019年) or they share
    fewer than SIMILAR_HEADINGS of their character pairs.
    """
    one, other = normalize_for_matching(first), normalize_for_matching(second)
    if not one or not other or one in other or other in one:
        return False
    if numbers_of(one) != numbers_of(other):
        return True
    pairs_one, pairs_other = _pairs(one), _pairs(other)
    total = sum(pairs_one.values()) + sum(pairs_other.values())
    shared = sum((pairs_one & pairs_other).values())
    return total == 0 or 2 * shared / total < SIMILAR_HEADINGS


def different_facts(first: str, second: str) -> int:
    """Count the short places where two normalized texts differ inside shared wording.

    A replaced stretch of at most FACT_LENGTH characters on both sides is one changed fact;
    lines added or dropped are not counted.
    """
    matcher = SequenceMatcher(
        None, first[:COMPARED_CHARACTERS], second[:COMPARED_CHARACTERS], autojunk=False
    )
    return sum(
        1
        for operation, start, end, other_start, other_end in matcher.get_opcodes()
        if operation == "replace"
        and end - start <= FACT_LENGTH
        and other_end - other_start <= FACT_LENGTH
    )


@dataclass(frozen=True)
class Page:
    """What the comparison reads of one page: heading, site and simplified text."""

    title: str
    site: str | None
    text: str


def same_document(page: Page, other: Page, template: set[str] | None = None) -> bool:
    """Say whether two similar texts are one document, not two notices of one template.

    Only pages of one site are template notices: copies on other sites (another script,
    another headline style) are left to the similarity that found them. ``template``: the
    site's template lines, left out of both texts before they are compared. Different
    headings part them unless the texts are almost identical and long enough to tell
    (MINIMUM_SHINGLES: "详见附件" under two headings is two documents), and headings
    numbering different documents (2020年 / 2021年) part texts whose numbers differ too;
    DIFFERENT_FACTS_MINIMUM changed facts (names, numbers, dates swapped inside the same
    wording) part them whatever their headings.
    """
    if not page.site or page.site != other.site:
        return True
    template = template or set()
    one = without_template(text_lines(page.text), template)
    two = without_template(text_lines(other.text), template)
    if headings_differ(page.title, other.title):
        if min(len(_shingles(one)), len(_shingles(two))) < MINIMUM_SHINGLES:
            return False
        if not almost_identical(one, two):
            return False
        numbered = numbers_of(normalize_for_matching(page.title)) != numbers_of(
            normalize_for_matching(other.title)
        )
        if numbered and numbers_of(one) != numbers_of(two):
            return False
    return different_facts(one, two) < DIFFERENT_FACTS_MINIMUM

"""The labelled policy-link set (tests/fixtures/policy_links/) and its scorer.

67 short 京津冀 news stories, written for this set: a third cite archived policies, a
third cite policies the archive does not hold, a third cite none (but quote newspapers,
books, programmes and agreements). ``policies.json`` is the archive they are matched to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.text.citations import ArchivedPolicy, PolicyLink, PolicyMatcher, doc_number_key

SET_DIR = Path(__file__).resolve().parent / "fixtures" / "policy_links"


def load_policies() -> list[ArchivedPolicy]:
    rows = json.loads((SET_DIR / "policies.json").read_text(encoding="utf-8"))
    return [ArchivedPolicy(**row) for row in rows]


def load_stories() -> list[dict[str, Any]]:
    return json.loads((SET_DIR / "stories.json").read_text(encoding="utf-8"))


def target(policy_id: str | None, cited_as: str) -> str:
    """Name what a link points at: the archived policy, or the cited text of an unarchived one."""
    if policy_id is not None:
        return policy_id
    return "?" + (doc_number_key(cited_as) or re.sub(r"\s+", "", cited_as))


@dataclass
class Score:
    expected: int = 0
    predicted: int = 0
    correct: int = 0
    correct_via: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0

    @property
    def via_accuracy(self) -> float:
        return self.correct_via / self.correct if self.correct else 1.0


def score(stories: list[dict[str, Any]], matcher: PolicyMatcher) -> Score:
    """Compare each story's links with its labels: a link is right when it names the right target."""
    result = Score()
    for story in stories:
        want = {target(w["policy_id"], w["cited_as"]): w["via"] for w in story["links"]}
        links: list[PolicyLink] = matcher.link(story["title"], story["text"])
        got = {target(link.policy_id, link.cited_as): link.via for link in links}
        result.expected += len(want)
        result.predicted += len(got)
        for name, via in got.items():
            if name in want:
                result.correct += 1
                result.correct_via += via == want[name]
                if via != want[name]:
                    result.misses.append(
                        "%s: %s via %s, labelled %s" % (story["id"], name, via, want[name])
                    )
            else:
                result.misses.append("%s: wrong link %s" % (story["id"], name))
        for name in want.keys() - got.keys():
            result.misses.append("%s: missed %s" % (story["id"], name))
    return result

"""The digest of one week: its sections, counts and changes, built once for every format."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from exports.entries import (
    KIND_LABELS,
    KIND_ORDER,
    POLICY_KIND,
    Change,
    DigestEntry,
    DigestSection,
    entry_datetime,
    kinds_in_order,
    newest_first,
)
from exports.grouping import groups_of_kind
from exports.week import CHINA_STANDARD_TIME, IsoWeek


@dataclass
class Digest:
    """Everything a digest shows, built once and rendered in every format."""

    week: IsoWeek
    entries: list[DigestEntry]
    previous: list[DigestEntry] = field(default_factory=list)  # the week before's entries
    # Where the digest files are published (ends with /); the Atom feed links itself there.
    # Empty: links are relative to the feed's own folder.
    base_url: str = ""
    _sections: tuple[tuple[DigestEntry, ...], list[DigestSection]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def file_url(self, extension: str) -> str:
        """Return the URL (or relative path) of this digest's file in one format."""
        return "%s%s.%s" % (self.base_url, self.week.name, extension)

    @property
    def empty(self) -> bool:
        """Return True when no article was published this week."""
        return not self.entries

    @property
    def previous_week(self) -> IsoWeek:
        """Return the week before."""
        return IsoWeek.containing(self.week.monday - timedelta(days=7))

    def sections(self) -> list[DigestSection]:
        """Return the policy list, then each other kind's groups, entries newest first.

        Computed once per set of entries: every format renders the same sections.
        """
        key = tuple(self.entries)
        if self._sections is None or self._sections[0] != key:
            self._sections = (key, self._build_sections())
        return self._sections[1]

    def _build_sections(self) -> list[DigestSection]:
        sections = []
        for kind in kinds_in_order(self.entries):
            of_kind = newest_first([entry for entry in self.entries if entry.kind == kind])
            label = KIND_LABELS.get(kind, kind)
            if kind == POLICY_KIND:
                sections.append(DigestSection(kind, label, None, of_kind))
                continue
            sections.extend(groups_of_kind(kind, label, of_kind))
        return sections

    def counts_by_kind(self) -> dict[str, int]:
        """Return article counts per kind, in digest order."""
        counts = Counter(entry.kind for entry in self.entries)
        return {kind: counts[kind] for kind in kinds_in_order(self.entries)}

    def counts_by_topic(self) -> dict[str, int]:
        """Return how many articles carry each topic (an article may carry several)."""
        return _counted(topic for entry in self.entries for topic in entry.topics)

    def counts_by_region(self) -> dict[str, int]:
        """Return how many articles mention each region."""
        return _counted(region for entry in self.entries for region in entry.regions)

    def changes_by_topic(self) -> list[Change]:
        """Return each topic's count this week against the week before, biggest change first."""
        return _changes(
            self.counts_by_topic(),
            Counter(topic for entry in self.previous for topic in entry.topics),
        )

    def changes_by_region(self) -> list[Change]:
        """Return each region's count this week against the week before, biggest change first."""
        return _changes(
            self.counts_by_region(),
            Counter(region for entry in self.previous for region in entry.regions),
        )

    def total_change(self) -> Change:
        """Return the article count this week against the week before."""
        return Change("total", len(self.entries), len(self.previous))

    def new_policies(self) -> list[DigestEntry]:
        """Return this week's policy announcements, newest first (the digest highlights them)."""
        return newest_first([entry for entry in self.entries if entry.kind == POLICY_KIND])

    def per_day(self) -> list[dict[str, Any]]:
        """Return, for each day Monday to Sunday, the article count per kind."""
        counts = Counter((entry.date, entry.kind) for entry in self.entries)
        kinds = kinds_in_order(self.entries) or list(KIND_ORDER)
        return [
            {
                "date": day.isoformat(),
                "counts": {kind: counts[(day.isoformat(), kind)] for kind in kinds},
            }
            for day in self.week.days()
        ]

    def updated(self) -> datetime:
        """Return the digest's time stamp: its newest article, or the end of an empty week.

        Derived from the data, not the clock, so rebuilding a digest gives the same files.
        """
        if self.entries:
            return max(entry_datetime(entry) for entry in self.entries)
        return datetime.combine(self.week.sunday, time(23, 59, 59), CHINA_STANDARD_TIME)


def _changes(now: dict[str, int], before: Counter[str]) -> list[Change]:
    names = set(now) | set(before)
    changes = [Change(name, now.get(name, 0), before.get(name, 0)) for name in names]
    return sorted(changes, key=lambda change: (-abs(change.delta), -change.count, change.name))


def _counted(values: Any) -> dict[str, int]:
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

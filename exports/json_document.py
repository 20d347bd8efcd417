"""Render the digest as JSON for machines."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from exports.entries import EMPTY_MESSAGE
from exports.model import Change, Digest


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "name": change.name,
        "count": change.count,
        "previous": change.previous,
        "change": change.delta,
    }


def render_json(digest: Digest) -> str:
    """Return the digest as JSON for machines: counts, changes, per-day counts and sections."""
    document = {
        "week": digest.week.name,
        "start": digest.week.monday.isoformat(),
        "end": digest.week.sunday.isoformat(),
        "empty": digest.empty,
        "message": EMPTY_MESSAGE if digest.empty else None,
        "total": len(digest.entries),
        "counts": {
            "kind": digest.counts_by_kind(),
            "topic": digest.counts_by_topic(),
            "region": digest.counts_by_region(),
        },
        "changes": {
            "previous_week": digest.previous_week.name,
            "total": _change_json(digest.total_change()),
            "topic": [_change_json(change) for change in digest.changes_by_topic()],
            "region": [_change_json(change) for change in digest.changes_by_region()],
            "new_policies": [entry.id for entry in digest.new_policies()],
        },
        "per_day": digest.per_day(),
        "sections": [
            {
                "kind": section.kind,
                "topic": section.topic,
                "label": section.label,
                "regions": section.regions,
                "story": section.story,
                "entries": [
                    dict(asdict(entry), also_on=entry.also_on, tag_id=entry.tag_id)
                    for entry in section.entries
                ],
            }
            for section in digest.sections()
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"

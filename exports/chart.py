"""Lay out the HTML digest's chart of articles per day, stacked by kind."""

from __future__ import annotations

from datetime import date
from typing import Any

from exports.entries import KIND_LABELS, KIND_ORDER
from exports.model import Digest

# The HTML chart: one stacked bar per day, kinds stacked in KIND_ORDER from the bottom.
CHART_WIDTH = 560
CHART_HEIGHT = 200
CHART_MARGIN_TOP = 44  # room for the legend and the totals above the bars
CHART_MARGIN_BOTTOM = 36
CHART_MARGIN_LEFT = 16
CHART_BAR_WIDTH = 48
CHART_COLORS = {"policy": "#b03a2e", "news": "#2e6fb0"}


def chart(digest: Digest) -> dict[str, Any]:
    """Lay out the per-day chart: bars (x, y, height, colour per kind), labels and legend."""
    days = digest.per_day()
    kinds = [kind for kind in KIND_ORDER if kind in days[0]["counts"]] + sorted(
        set(days[0]["counts"]) - set(KIND_ORDER)
    )
    busiest = max((sum(day["counts"].values()) for day in days), default=0) or 1
    plot_height = CHART_HEIGHT - CHART_MARGIN_TOP - CHART_MARGIN_BOTTOM
    step = (CHART_WIDTH - 2 * CHART_MARGIN_LEFT) / len(days)
    bars = []
    for index, day in enumerate(days):
        x = CHART_MARGIN_LEFT + index * step + (step - CHART_BAR_WIDTH) / 2
        base = CHART_HEIGHT - CHART_MARGIN_BOTTOM
        segments = []
        for kind in kinds:
            count = day["counts"][kind]
            height = plot_height * count / busiest
            base -= height
            if count:
                segments.append(
                    {
                        "kind": kind,
                        "count": count,
                        "y": round(base, 1),
                        "height": round(height, 1),
                        "color": CHART_COLORS.get(kind, "#777777"),
                    }
                )
        total = sum(day["counts"].values())
        bars.append(
            {
                "x": round(x, 1),
                "width": CHART_BAR_WIDTH,
                "center": round(x + CHART_BAR_WIDTH / 2, 1),
                "segments": segments,
                "total": total,
                "total_y": round(base - 6, 1),
                "label": date.fromisoformat(day["date"]).strftime("%m-%d"),
                "weekday": "一二三四五六日"[index],
            }
        )
    legend = [
        {
            "kind": kind,
            "label": KIND_LABELS.get(kind, kind),
            "color": CHART_COLORS.get(kind, "#777777"),
        }
        for kind in kinds
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "bars": bars,
        "legend": legend,
        "axis_y": CHART_HEIGHT - CHART_MARGIN_BOTTOM,
    }

"""Render the digest through its Jinja templates: Markdown, and one self-contained HTML page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from crawler.text.urls import file_name
from exports.chart import chart
from exports.entries import EMPTY_MESSAGE, KIND_LABELS, VIA_LABELS
from exports.model import Change, Digest

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# The Markdown and HTML "what's new" lines list at most this many topics or regions each.
SHOWN_CHANGES = 8
WHITESPACE = re.compile(r"\s+")
# ASCII punctuation that Markdown or inline HTML would interpret in a title or lead.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|!&~])")


def _template_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = markdown_escape
    environment.filters["md_url"] = markdown_url
    environment.filters["file_name"] = file_name
    environment.globals["via_labels"] = VIA_LABELS
    return environment


def markdown_escape(text: str) -> str:
    """Backslash-escape the punctuation Markdown (or inline HTML) would act on."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", WHITESPACE.sub(" ", text or ""))


def markdown_url(url: str) -> str:
    """Percent-encode what would end a Markdown link destination early."""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def _shown_changes(changes: list[Change]) -> list[Change]:
    """Return the changes a reader sees: the biggest SHOWN_CHANGES, unchanged ones left out."""
    return [change for change in changes if change.delta][:SHOWN_CHANGES]


def _context(digest: Digest) -> dict[str, Any]:
    return {
        "digest": digest,
        "previous_week": digest.previous_week,
        "total_change": digest.total_change(),
        "topic_changes": _shown_changes(digest.changes_by_topic()),
        "region_changes": _shown_changes(digest.changes_by_region()),
        "new_policies": digest.new_policies(),
        "week": digest.week,
        "sections": digest.sections(),
        "counts_by_kind": digest.counts_by_kind(),
        "counts_by_topic": digest.counts_by_topic(),
        "counts_by_region": digest.counts_by_region(),
        "kind_labels": KIND_LABELS,
        "empty_message": EMPTY_MESSAGE,
        "chart": chart(digest),
        "total": len(digest.entries),
    }


def render_markdown(digest: Digest) -> str:
    """Return the digest as Markdown, every archived string escaped."""
    return _template_environment().get_template("digest.md.j2").render(_context(digest))


def render_html(digest: Digest) -> str:
    """Return the digest as one self-contained HTML page: inline CSS and SVG, no scripts."""
    return _template_environment().get_template("digest.html.j2").render(_context(digest))

"""Weekly digests of the archive: Markdown, self-contained HTML, Atom and JSON.

A digest covers one ISO week (Monday to Sunday, China Standard Time); an article without a
publication date counts in the week it was first seen. Policy announcements come first,
each with its issuer (发文机关), 发文字号, 成文日期, its attachments by name and the week's
stories that cite or explain it. News follows in
groups that say something: a story (articles whose titles tell the same event), else the
article's most telling topic (a topic most of the week's articles carry says nothing and
is passed over), headed by the regions the group shares. Every entry carries its title,
date, outlet, every site it appeared on, a lead of about 120 characters that skips
salutations and datelines, and its link. The header counts articles by kind, topic and
region, and says what changed since the previous week. A week without articles still
gives a valid digest saying so.

Titles, leads and outlets are shown in simplified characters, so one digest reads in one
script; the original title stays in the JSON (``title_original``).

The work is split by job: ``week`` (ISO weeks), ``entries`` (what one article shows),
``grouping`` (stories and topics), ``model`` (the ``Digest``), ``archive_reader`` (the SQL),
``chart``, and one module per renderer (``templated`` for Markdown and HTML,
``atom_feed``, ``json_document``). This module writes the files and names what callers use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from exports.archive_reader import default_week, load_digest
from exports.atom_feed import render_atom
from exports.entries import EMPTY_MESSAGE, DigestEntry
from exports.grouping import STORY_SIMILARITY
from exports.json_document import render_json
from exports.model import Digest
from exports.templated import render_html, render_markdown
from exports.week import CHINA_STANDARD_TIME, IsoWeek, WeekFormatError

__all__ = [
    "CHINA_STANDARD_TIME",
    "EMPTY_MESSAGE",
    "FORMATS",
    "STORY_SIMILARITY",
    "Digest",
    "DigestEntry",
    "IsoWeek",
    "WeekFormatError",
    "default_week",
    "load_digest",
    "render_atom",
    "render_html",
    "render_json",
    "render_markdown",
    "write_digest",
]

logger = logging.getLogger(__name__)

# Output formats and the file extension each is written with.
FORMAT_EXTENSIONS = {"md": "md", "html": "html", "atom": "atom", "json": "json"}
FORMATS = tuple(FORMAT_EXTENSIONS)

RENDERERS: dict[str, Callable[[Digest], str | bytes]] = {
    "md": render_markdown,
    "html": render_html,
    "atom": render_atom,
    "json": render_json,
}


def write_digest(digest: Digest, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the digest in each format to ``out_dir/<week>.<ext>``; return the paths.

    Every format is rendered before any file is written, so a failure leaves no half set.
    """
    rendered = {name: RENDERERS[name](digest) for name in formats}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in rendered.items():
        path = out_dir / ("%s.%s" % (digest.week.name, FORMAT_EXTENSIONS[name]))
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    logger.info("digest %s written to %s: %s", digest.week.name, out_dir, ", ".join(formats))
    return written

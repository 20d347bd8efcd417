"""Metadata a later cleaner reads differently (title, date, outlet …) for an archived page.

``Archive.store`` revises an article when its page's text changed; a page cleaned again
from its kept response (``xietong reclean``) may keep its text and gain a better title or
date. :func:`revise_fields` writes those fields on the article the page first brought,
keeping the article's text as it was in ``article_revisions`` first, in the archive's
open transaction. Only the page an article's row was written from is read so: a later
appearance of a merged article, or a first one whose article shows another copy's text
(the text it holds is not this page's), changes nothing.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from crawler.archive.revisions import record_revision

# The article columns a cleaner fills besides the text, which a page cleaned again may change.
METADATA_COLUMNS = (
    "title",
    "title_simplified",
    "published_at",
    "outlet",
    "outlet_simplified",
    "author",
    "author_simplified",
    "editor",
)


def revise_fields(
    db: sqlite_utils.Database, canonical_url: str, values: dict[str, Any], replaced_at: str
) -> list[str]:
    """Set the metadata that changed on the article first seen at ``canonical_url``.

    Returns the names of the changed columns (empty when nothing changed, the page is not
    the one the article's row was written from, or a new value is empty: a cleaner that
    now finds no date does not erase the one kept).
    """
    row = db.execute(
        "select p.article_id, p.text_hash, a.text_hash from appearances p"
        " join articles a on a.id = p.article_id where p.url = ? and p.is_first = 1",
        [canonical_url],
    ).fetchone()
    if row is None or row[1] != row[2]:
        return []  # not the article's page, or the article shows another copy's text
    article_id = row[0]
    columns = [name for name in METADATA_COLUMNS if name in values]
    current = db.execute(
        "select %s from articles where id = ?" % ", ".join("[%s]" % c for c in columns),
        [article_id],
    ).fetchone()
    changed = {
        name: values[name]
        for name, old in zip(columns, current, strict=True)
        if values[name] not in (None, "") and values[name] != old
    }
    if not changed:
        return []
    record_revision(db, article_id, replaced_at)
    db.execute(
        "update articles set %s where id = ?" % ", ".join("[%s] = ?" % name for name in changed),
        [*changed.values(), article_id],
    )
    if "title" in changed:
        db.execute(
            "update appearances set title = ? where url = ?", [changed["title"], canonical_url]
        )
    return sorted(changed)

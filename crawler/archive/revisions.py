"""Article revisions: what a re-fetched page's changed text, or a policy's new 有效性, replaced.

``article_revisions`` keeps the article's title, body and text hash (and a policy's
validity) as they were, with when that text was fetched and when it was replaced. The
article row itself always shows the newest text, so the digest, search and datasette do.
"""

from __future__ import annotations

import sqlite_utils


def record_revision(db: sqlite_utils.Database, article_id: str, replaced_at: str) -> None:
    """Copy the article's current text (and policy validity) into ``article_revisions``."""
    title, body, text_hash, first_seen_at = db.execute(
        "select title, body, text_hash, first_seen_at from articles where id = ?", [article_id]
    ).fetchone()
    # When the replaced text was fetched: the first page still holding it was fetched then.
    fetched = db.execute(
        "select min(fetched_at) from appearances where article_id = ? and text_hash = ?",
        [article_id, text_hash],
    ).fetchone()[0]
    validity = db.execute(
        "select validity from policies where article_id = ?", [article_id]
    ).fetchone()
    db.table("article_revisions").insert(
        {
            "article_id": article_id,
            "title": title,
            "body": body,
            "text_hash": text_hash,
            "validity": validity[0] if validity else None,
            "fetched_at": fetched or first_seen_at,
            "replaced_at": replaced_at,
        }
    )

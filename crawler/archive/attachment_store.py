"""Attachments (附件) in the archive: one row per article and file, with its text or error.

The ``attachments`` table keeps what each file gave: ``text`` when it has a text layer,
else ``error`` (broken, encrypted, scanned, too_large, unsupported, or why the download
failed). Rows are keyed by article and URL and written with upserts, so a re-crawl changes
nothing. ``known_attachment`` answers the attachments pipeline's question before a
download: was this URL fetched already, and how big was it?
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable
from typing import Any, NamedTuple

import sqlite_utils

from crawler.archive.attachment_search import (
    ATTACHMENTS_TABLE,
    ensure_attachment_search_index,
)
from crawler.items import AttachmentFile
from crawler.text.script import to_simplified

logger = logging.getLogger(__name__)

ATTACHMENT_COLUMNS: dict[str, Any] = {
    "article_id": str,
    "url": str,
    "file_name": str,  # the name the page showed for the link
    "file_name_simplified": str,  # in simplified script; null when file_name already is
    "content_type": str,
    "bytes": int,
    "sha256": str,
    "fetched_at": str,
    "error": str,  # null when the text was read
    # Long text last: the short columns stay on the row's first page.
    "text": str,
    "text_simplified": str,  # in simplified script; null when text already is
}
# Added by the upgrade of an archive written before them (``create_attachment_table``).
_SIMPLIFIED_COLUMNS = ("file_name_simplified", "text_simplified")


def _simplified_or_none(text: str | None) -> str | None:
    """Return the simplified form of ``text`` when it differs, else None (nothing stored)."""
    if not text:
        return None
    simplified = to_simplified(text)
    return simplified if simplified != text else None


def create_attachment_table(db: sqlite_utils.Database) -> None:
    """Create ``attachments``, its indexes and its search index; a no-op when present.

    A table from before the simplified columns gets them, filled for the files in
    traditional script, and its search index rebuilt from them.
    """
    table = db.table(ATTACHMENTS_TABLE)
    upgrade = table.exists() and not set(_SIMPLIFIED_COLUMNS) <= set(table.columns_dict)
    if upgrade:
        for column in _SIMPLIFIED_COLUMNS:
            if column not in table.columns_dict:
                table.add_column(column, str)
        rows = db.execute("select rowid, file_name, text from attachments").fetchall()
        for rowid, name, text in rows:
            simplified = (_simplified_or_none(name), _simplified_or_none(text))
            if simplified != (None, None):
                db.execute(
                    "update attachments set file_name_simplified = ?, text_simplified = ?"
                    " where rowid = ?",
                    [*simplified, rowid],
                )
        logger.info("attachments: simplified columns added; search index rebuilt")
    table.create(
        ATTACHMENT_COLUMNS,
        pk=("article_id", "url"),
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    table.create_index(["url"], if_not_exists=True)
    ensure_attachment_search_index(db, rebuild=upgrade)


class KnownAttachment(NamedTuple):
    """An attachment already in the archive, as the pipeline reuses it."""

    url: str
    content_type: str | None
    size: int | None
    sha256: str | None
    text: str | None
    fetched_at: str | None
    error: str | None


def known_attachment(conn: sqlite3.Connection, url: str) -> KnownAttachment | None:
    """Return the archived copy of the file at ``url`` that has a size, or None."""
    row = conn.execute(
        "select url, content_type, bytes, sha256, text, fetched_at, error from attachments"
        " where url = ? and bytes is not null order by fetched_at desc limit 1",
        [url],
    ).fetchone()
    return KnownAttachment(*row) if row else None


def save_attachments(
    db: sqlite_utils.Database, article_id: str, attachments: Iterable[AttachmentFile]
) -> None:
    """Write an article's attachments; a file archived unchanged keeps its row as it is."""
    table = db.table(ATTACHMENTS_TABLE)
    for attachment in attachments:
        if (
            attachment.unchanged
            and db.execute(
                "select 1 from attachments where article_id = ? and url = ?",
                [article_id, attachment.url],
            ).fetchone()
        ):
            continue
        table.upsert(
            {
                "article_id": article_id,
                "url": attachment.url,
                "file_name": attachment.file_name,
                "file_name_simplified": _simplified_or_none(attachment.file_name),
                "content_type": attachment.content_type,
                "bytes": attachment.size,
                "sha256": attachment.sha256,
                "fetched_at": attachment.fetched_at,
                "error": attachment.error,
                "text": attachment.text,
                "text_simplified": _simplified_or_none(attachment.text),
            },
            pk=("article_id", "url"),
        )


def attachments_of(conn: sqlite3.Connection, article_ids: Iterable[str]) -> dict[str, list[dict]]:
    """Return each article's attachments (name, URL, type, size, error; no text), page order."""
    found: dict[str, list[dict]] = {}
    cursor = conn.execute(
        "select article_id, url, file_name, content_type, bytes, error, length(text)"
        " from attachments where article_id in (select value from json_each(?))"
        " order by article_id, rowid",
        [json.dumps(list(article_ids))],
    )
    for article_id, url, name, content_type, size, error, text_length in cursor:
        found.setdefault(article_id, []).append(
            {
                "url": url,
                "file_name": name,
                "content_type": content_type,
                "bytes": size,
                "error": error,
                "text_length": text_length or 0,
            }
        )
    return found

"""Reads of the facet columns for the in-memory facet counts of ``xietong serve``.

``crawler.web.facet_counts`` keeps each facet column's values as codes by rowid; these are
the statements it reads them with, on datasette's connection or on one of its own opened
here read-only (a background thread reading ahead as the server starts).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from crawler.archive.search_index import FACET_EDITS_TABLE


def open_read_only(path: str) -> sqlite3.Connection:
    """Open the archive file at ``path`` read-only, usable from another thread."""
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, check_same_thread=False)


def highest_rowid(conn: sqlite3.Connection, table: str) -> int:
    """Return the highest rowid of ``table`` (0 when empty)."""
    (highest,) = conn.execute("select coalesce(max(rowid), 0) from %s" % table).fetchone()
    return int(highest)


def facet_edits_version(conn: sqlite3.Connection) -> int | None:
    """Return how many facet values were edited in place, or None for an older archive."""
    try:
        row = conn.execute("select version from %s" % FACET_EDITS_TABLE).fetchone()
    except sqlite3.OperationalError:
        return None  # an archive from before facet_edits
    return None if row is None else int(row[0])


def rowids_by_value(conn: sqlite3.Connection, table: str, column: str) -> Iterator[tuple[Any, str]]:
    """Yield each value of ``column`` with the rowids holding it, as ``group_concat`` text."""
    # Grouping by an indexed column reads that index alone, in value order.
    yield from conn.execute(
        f"select {column}, group_concat(rowid) from {table}"
        f" where {column} is not null group by {column}"
    )


def rows_after(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rowid: int
) -> list[tuple[Any, ...]]:
    """Return (rowid, *columns) of the rows of ``table`` after ``rowid``, in rowid order."""
    rows: list[tuple[Any, ...]] = conn.execute(
        "select rowid, %s from %s where rowid > ? order by rowid" % (", ".join(columns), table),
        [rowid],
    ).fetchall()
    return rows


def matching_rowids(conn: sqlite3.Connection, rowid_sql: str, params: dict[str, Any]) -> str | None:
    """Return the rowids ``rowid_sql`` selects as one ``group_concat`` text (None for none)."""
    (text,) = conn.execute("select group_concat(rowid) from (%s)" % rowid_sql, params).fetchone()
    return text

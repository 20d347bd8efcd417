"""Facet counts for searches that match much of a large archive, counted in memory.

In SQL, a facet of a search matching most of a million articles scans that column's index
and probes the match set once per entry (~0.25 µs an entry: ~250 ms a facet, ~1.5 s for the
six of the articles page). Here each facet column's values are held as codes in a numpy
array indexed by rowid (``ColumnCodes``), read from the column's index with one
``group_concat`` of rowids per distinct value. A request reads the rowids of its matches
once, also as one ``group_concat`` (all its facets share them, and so does the count of a
search alone: ``crawler.web.row_counts``), and each facet is then a
``numpy.bincount`` of the matches' codes: a few milliseconds.

The codes follow the archive: before each use the database file and its write-ahead log are
looked at (two ``stat`` calls); after a commit, rows added since are read at once, and the
whole table is read again when a facet value was edited in place (a re-fetched page with new
topics), which the archive counts in ``facet_edits`` (``crawler.archive.search_index``);
an archive without that table is read again whole at most every ``FULL_RELOAD_SECONDS``
after a change. A rowid the codes do not know yet (committed in between) makes them read
the new rows first. Facets of small match sets stay in SQL (``crawler.web.pages``), exact
to the moment; this path is taken from ``MEMORY_FROM_MATCHES`` matches on.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crawler.archive.facet_columns import (
    facet_edits_version,
    highest_rowid,
    matching_rowids,
    open_read_only,
    rowids_by_value,
    rows_after,
)
from crawler.text.number_lists import integers_array

# From this many matching rows on, facets are counted from the in-memory codes.
MEMORY_FROM_MATCHES = 20_000
# Without ``facet_edits``, a full read of the codes after a change is done at most this often.
FULL_RELOAD_SECONDS = 10.0
# Match sets kept for the facets of the same request, and for the same search asked again
# (paging, a facet toggled and untoggled, a second look). Any commit to the archive drops them
# all (``TableCodes.refresh``), so their age bounds only memory, not staleness: ~4 MB each at
# a million articles (int32 rowids), at most MATCH_SETS_KEPT. Reading one again costs ~100 ms
# at a million articles for a word in most of them (the index's whole list of rowids).
MATCH_SETS_KEPT = 8
MATCH_SET_SECONDS = 600.0
NO_CODE = -1


@dataclass
class ColumnCodes:
    """One column's values: ``values[code]``, and ``codes[rowid]`` (``NO_CODE`` for NULL)."""

    values: list[Any] = field(default_factory=list)
    codes: np.ndarray = field(default_factory=lambda: np.full(1, NO_CODE, dtype=np.int32))
    _lookup: dict[Any, int] = field(default_factory=dict)

    def code_for(self, value: Any) -> int:
        """Return the code of ``value``, giving it the next one when new."""
        code = self._lookup.get(value)
        if code is None:
            code = self._lookup[value] = len(self.values)
            self.values.append(value)
        return code

    def grow(self, highest_rowid: int) -> None:
        """Make room for rowids up to ``highest_rowid`` (by a quarter at least: appends)."""
        if highest_rowid >= len(self.codes):
            size = max(highest_rowid + 1, len(self.codes) + len(self.codes) // 4)
            grown = np.full(size, NO_CODE, dtype=np.int32)
            grown[: len(self.codes)] = self.codes
            self.codes = grown

    def counts(self, rowids: np.ndarray) -> list[tuple[Any, int]]:
        """Return (value, count) for every value at least one of ``rowids`` holds."""
        rowids = rowids[rowids < len(self.codes)]
        codes = self.codes[rowids]
        codes = codes[codes != NO_CODE]
        tally = np.bincount(codes, minlength=len(self.values))
        return [(self.values[code], int(tally[code])) for code in np.flatnonzero(tally)]


class TableCodes:
    """The codes of a table's facet columns, kept in step with the database file."""

    def __init__(self, path: str, table: str, columns: Sequence[str]):
        self.path = path
        self.table = table
        self.columns = tuple(columns)
        self.lock = threading.Lock()
        self.by_column: dict[str, ColumnCodes] = {}
        self.highest_rowid = -1
        self.stamp: tuple[float, ...] | None = None
        self.loaded_at = 0.0
        self.edits: int | None = None
        self.match_sets: OrderedDict[tuple[Any, ...], tuple[float, np.ndarray]] = OrderedDict()

    def _file_stamp(self) -> tuple[float, ...]:
        stamp: list[float] = []
        for suffix in ("", "-wal"):
            try:
                status = os.stat(self.path + suffix)
            except OSError:
                stamp += [0, 0]
                continue
            stamp += [status.st_mtime_ns, status.st_size]
        return tuple(stamp)

    def _load_all(self, conn: sqlite3.Connection) -> None:
        by_column = {}
        highest = highest_rowid(conn, self.table)
        for column in self.columns:
            codes = ColumnCodes()
            codes.grow(highest)
            for value, rowids in rowids_by_value(conn, self.table, column):
                rows = integers_array(rowids)
                codes.grow(int(rows.max()))
                codes.codes[rows] = codes.code_for(value)
            by_column[column] = codes
        self.by_column = by_column
        self.highest_rowid = highest
        self.loaded_at = time.monotonic()

    def _load_new(self, conn: sqlite3.Connection) -> None:
        rows = rows_after(conn, self.table, self.columns, self.highest_rowid)
        if not rows:
            return
        highest = rows[-1][0]
        for position, column in enumerate(self.columns, start=1):
            codes = self.by_column[column]
            codes.grow(highest)
            for row in rows:
                if row[position] is not None:
                    codes.codes[row[0]] = codes.code_for(row[position])
        self.highest_rowid = highest

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Bring the codes up to the database's last commit (see the module docstring)."""
        stamp = self._file_stamp()
        if stamp == self.stamp:
            return
        edits = facet_edits_version(conn)
        if (
            not self.by_column
            or edits != self.edits
            or (edits is None and time.monotonic() - self.loaded_at >= FULL_RELOAD_SECONDS)
        ):
            self._load_all(conn)
        else:
            self._load_new(conn)
        self.edits = edits
        self.stamp = stamp
        self.match_sets.clear()

    def matches(
        self, conn: sqlite3.Connection, rowid_sql: str, params: dict[str, Any]
    ) -> np.ndarray:
        """Return the rowids ``rowid_sql`` selects (one ``group_concat``), shared for a while."""
        key = (rowid_sql, tuple(sorted((name, repr(value)) for name, value in params.items())))
        kept = self.match_sets.get(key)
        if kept is not None and time.monotonic() - kept[0] < MATCH_SET_SECONDS:
            self.match_sets.move_to_end(key)  # the least recently used go first
            return kept[1]
        rowids = integers_array(matching_rowids(conn, rowid_sql, params))
        if len(rowids) and int(rowids.max()) <= np.iinfo(np.int32).max:
            rowids = rowids.astype(np.int32)  # half the memory; indexes codes the same
        if len(rowids) and int(rowids.max()) > self.highest_rowid:
            self._load_new(conn)  # committed between the refresh and this read
        if len(rowids) >= MEMORY_FROM_MATCHES:  # a smaller set's facets are counted in SQL
            self.match_sets[key] = (time.monotonic(), rowids)
        while len(self.match_sets) > MATCH_SETS_KEPT:
            self.match_sets.popitem(last=False)
        return rowids

    def match_count(
        self, conn: sqlite3.Connection, rowid_sql: str, params: dict[str, Any]
    ) -> int | None:
        """Return how many rows ``rowid_sql`` selects, from the match set its facets share.

        The page's count and its facets then read the index's list of matches once, not
        twice. None when the codes are not read yet (a rare word's facets, counted in SQL,
        would not need them; reading them takes seconds at a million articles).
        """
        with self.lock:
            if not self.by_column:
                return None
            self.refresh(conn)
            return len(self.matches(conn, rowid_sql, params))

    def counts(
        self, conn: sqlite3.Connection, column: str, rowid_sql: str, params: dict[str, Any]
    ) -> list[tuple[Any, int]]:
        """Return (value, count) of ``column`` over the rows ``rowid_sql`` selects."""
        with self.lock:
            self.refresh(conn)
            rowids = self.matches(conn, rowid_sql, params)
            return self.by_column[column].counts(rowids)


def list_item_counts(list_counts: list[tuple[Any, int]]) -> list[tuple[Any, int]]:
    """Turn counts of JSON list texts into counts of their items, each once per row."""
    items: dict[Any, int] = {}
    for text, count in list_counts:
        try:
            values = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            continue
        if not isinstance(values, list):
            continue
        for value in dict.fromkeys(v for v in values if isinstance(v, (str, int, float))):
            items[value] = items.get(value, 0) + count
    return list(items.items())


def read_ahead(path: str, table: str, columns: Sequence[str]) -> threading.Thread | None:
    """Read the codes of a large table in a background thread (``xietong serve`` starting).

    The first search of a common word then finds them read (~2 s at a million articles)
    instead of reading them itself. A table of fewer than MEMORY_FROM_MATCHES rows is left
    alone: its facets stay in SQL. Returns the thread, or None when there is nothing to read.
    """
    try:
        conn = open_read_only(path)
        rows = highest_rowid(conn, table)
    except sqlite3.Error:
        return None
    if rows < MEMORY_FROM_MATCHES:
        conn.close()
        return None
    codes = table_codes(path, table, columns)

    def read() -> None:
        try:
            with codes.lock:
                codes.refresh(conn)
        except sqlite3.Error:
            pass  # a page asking for facets reads them itself
        finally:
            conn.close()

    thread = threading.Thread(target=read, name="xietong-facet-codes", daemon=True)
    thread.start()
    return thread


_TABLES: dict[tuple[str, str], TableCodes] = {}
_TABLES_LOCK = threading.Lock()


def table_codes(path: str, table: str, columns: Sequence[str]) -> TableCodes:
    """Return the shared codes of ``table`` in the database file at ``path``."""
    key = (os.path.realpath(path), table)
    with _TABLES_LOCK:
        codes = _TABLES.get(key)
        if codes is None or codes.columns != tuple(columns):
            codes = _TABLES[key] = TableCodes(key[0], table, columns)
        return codes

"""The near-duplicate index: MinHash signatures and LSH band keys kept in the archive file.

The math (shingles, signatures, band keys, similarity) is ``crawler.text.fingerprint``;
this module stores it and finds candidates, so the index stays on disk with the archive
and memory stays small at a million articles.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable

import numpy as np

from crawler.text.fingerprint import (
    MAXIMUM_CANDIDATES,
    MINIMUM_SHINGLES,
    band_keys,
    signature_array,
    similarities,
)

logger = logging.getLogger(__name__)

_CREATE_FINGERPRINTS = (
    "CREATE TABLE IF NOT EXISTS fingerprints ("
    " id INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE,"
    " signature BLOB NOT NULL, length INTEGER NOT NULL)"
)
_CREATE_BANDS = (
    "CREATE TABLE IF NOT EXISTS fingerprint_bands ("
    " band_key INTEGER NOT NULL, fingerprint_id INTEGER NOT NULL,"
    " PRIMARY KEY (band_key, fingerprint_id)) WITHOUT ROWID"
)
BANDS = "fingerprint_bands"
# New band rows go here first (see NearDuplicateIndex), and into BANDS in one sorted pass.
RECENT_BANDS = "fingerprint_bands_recent"
_CREATE_RECENT_BANDS = _CREATE_BANDS.replace(BANDS, RECENT_BANDS)
# The highest fingerprint id whose bands were moved from RECENT_BANDS into BANDS.
_CREATE_MERGE_STATE = (
    "CREATE TABLE IF NOT EXISTS fingerprint_bands_merged (merged_upto INTEGER NOT NULL)"
)
# Articles whose bands wait in RECENT_BANDS before they are moved: at 20,000 (840,000 rows,
# ~10 MB) a move rewrites most of the million-article table's pages in ~5 s, 0.25 ms an
# article; smaller batches cost about as much a move, so more per article.
RECENT_LIMIT = 20_000


def stored_band_keys(signature: bytes | np.ndarray) -> list[int]:
    """Return the band keys as stored: their high 32 bits, a 4-byte integer in SQLite.

    At a million articles and 42 bands a look-up meets a stray 32-bit key about once in
    two hundred keys; the signature check drops those candidates, and each band row is
    4 bytes shorter than with the full 64-bit key.
    """
    return [key >> 32 for key in band_keys(signature)]


class NearDuplicateIndex:
    """MinHash-LSH index kept in the archive's SQLite database.

    ``fingerprints`` holds one signature per article under a small integer id;
    ``fingerprint_bands`` one row per (band key, fingerprint id), clustered on the band key
    (a WITHOUT ROWID table whose primary key is the look-up index), so a look-up reads a
    few B-tree pages and memory stays at SQLite's page cache whatever the archive size.
    Band rows name the integer id, not the 16-character article id: about 10 bytes a row
    instead of 30. The caller owns transactions: ``add`` never commits.

    A new article's 42 band rows go first to ``fingerprint_bands_recent``, the same layout
    kept small: in a million-article table each row lands on a page of its own, so a batch
    of 100 saves rewrote ~4,000 scattered pages at its commit (~1 ms an article); in the
    small table they share pages the cache holds. Every ``RECENT_LIMIT`` articles the
    recent rows are moved into the big table in key order, one pass over its pages, in the
    caller's transaction. Look-ups read both tables.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @staticmethod
    def create_tables(conn: sqlite3.Connection) -> None:
        """Create the index tables when missing, upgrading an older layout in place.

        Called by the archive's schema setup. Tables of the earlier layout (band rows keyed
        by article id and a 64-bit key) are rewritten from the stored signatures.
        """
        columns = [row[1] for row in conn.execute("PRAGMA table_info(fingerprints)")]
        if columns and "id" not in columns:
            _upgrade_tables(conn)
        conn.execute(_CREATE_FINGERPRINTS)
        conn.execute(_CREATE_BANDS)
        conn.execute(_CREATE_RECENT_BANDS)
        conn.execute(_CREATE_MERGE_STATE)
        if not conn.execute("SELECT 1 FROM fingerprint_bands_merged").fetchone():
            # Every band row of an archive written before the recent table is in the big one.
            conn.execute(
                "INSERT INTO fingerprint_bands_merged SELECT coalesce(max(id), 0) FROM fingerprints"
            )

    def _fingerprint_id(self, article_id: str) -> int | None:
        row = self.conn.execute(
            "SELECT id FROM fingerprints WHERE article_id = ?", (article_id,)
        ).fetchone()
        return None if row is None else int(row[0])

    def _add_bands(self, fingerprint_id: int, array: np.ndarray, table: str = RECENT_BANDS) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO %s (band_key, fingerprint_id) VALUES (?, ?)" % table,
            [(key, fingerprint_id) for key in stored_band_keys(array)],
        )

    def _move_recent_if_due(self, fingerprint_id: int) -> None:
        (merged_upto,) = self.conn.execute(
            "SELECT merged_upto FROM fingerprint_bands_merged"
        ).fetchone()
        if fingerprint_id - merged_upto >= RECENT_LIMIT:
            self.move_recent()

    def move_recent(self) -> None:
        """Move the recent band rows into the big table, in key order (no commit)."""
        self.conn.execute(
            "INSERT OR IGNORE INTO %s SELECT band_key, fingerprint_id FROM %s"
            " ORDER BY band_key, fingerprint_id" % (BANDS, RECENT_BANDS)
        )
        self.conn.execute("DELETE FROM %s" % RECENT_BANDS)
        self.conn.execute(
            "UPDATE fingerprint_bands_merged SET merged_upto ="
            " (SELECT coalesce(max(id), 0) FROM fingerprints)"
        )

    def add(self, article_id: str, signature: bytes | np.ndarray, length: int) -> None:
        """Store an article's fingerprint and band keys (a repeat is ignored; no commit)."""
        array = signature_array(signature)
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO fingerprints (article_id, signature, length) VALUES (?, ?, ?)",
            (article_id, array.tobytes(), int(length)),
        )
        if cursor.rowcount == 1 and cursor.lastrowid is not None:
            self._add_bands(cursor.lastrowid, array)
            self._move_recent_if_due(cursor.lastrowid)

    def replace(self, article_id: str, signature: bytes | np.ndarray, length: int) -> None:
        """Store an article's new fingerprint in place of its old one (a revised text)."""
        row = self.conn.execute(
            "SELECT id, signature FROM fingerprints WHERE article_id = ?", (article_id,)
        ).fetchone()
        if row is None:
            self.add(article_id, signature, length)
            return
        fingerprint_id = int(row[0])
        # Delete by the old band keys: the bands tables are keyed (band_key, fingerprint_id).
        old_keys = [(key, fingerprint_id) for key in stored_band_keys(bytes(row[1]))]
        for table in (BANDS, RECENT_BANDS):
            self.conn.executemany(
                "DELETE FROM %s WHERE band_key = ? AND fingerprint_id = ?" % table, old_keys
            )
        array = signature_array(signature)
        self.conn.execute(
            "UPDATE fingerprints SET signature = ?, length = ? WHERE id = ?",
            (array.tobytes(), int(length), fingerprint_id),
        )
        self._add_bands(fingerprint_id, array)

    def add_many(self, fingerprints: Iterable[tuple[str, bytes | np.ndarray, int]]) -> None:
        """Store many fingerprints at once, e.g. when rebuilding the index (no commit)."""
        for article_id, signature, length in fingerprints:
            self.add(article_id, signature, length)

    def candidates(self, signature: bytes | np.ndarray) -> list[tuple[str, bytes, int]]:
        """Return (id, signature, length) of archived articles sharing an LSH band.

        Most shared bands first, at most MAXIMUM_CANDIDATES; one query joins the band hits
        to the stored signatures.
        """
        keys = stored_band_keys(signature)
        placeholders = ",".join("?" * len(keys))
        rows = self.conn.execute(
            "SELECT fingerprints.article_id, fingerprints.signature, fingerprints.length FROM ("
            " SELECT fingerprint_id, COUNT(*) AS shared FROM ("
            f" SELECT fingerprint_id FROM {BANDS} WHERE band_key IN ({placeholders})"
            f" UNION ALL SELECT fingerprint_id FROM {RECENT_BANDS} WHERE band_key IN ({placeholders})"
            f") GROUP BY fingerprint_id ORDER BY shared DESC LIMIT {MAXIMUM_CANDIDATES}"
            ") AS hits JOIN fingerprints ON fingerprints.id = hits.fingerprint_id",
            keys + keys,
        ).fetchall()
        return [
            (str(article_id), bytes(stored), int(length)) for article_id, stored, length in rows
        ]

    def find(self, signature: bytes | np.ndarray, length: int) -> list[tuple[str, float]]:
        """Return archived near-duplicates as (article id, similarity score), best first."""
        if length < MINIMUM_SHINGLES:
            return []
        array = signature_array(signature)
        candidates = [
            (article_id, stored, stored_length)
            for article_id, stored, stored_length in self.candidates(array)
            if stored_length >= MINIMUM_SHINGLES
        ]
        found = similarities(array, length, [(stored, size) for _, stored, size in candidates])
        matches = [
            (article_id, one.score)
            for (article_id, _, _), one in zip(candidates, found, strict=True)
            if one.is_match
        ]
        matches.sort(key=lambda match: (-match[1], match[0]))
        return matches


def _upgrade_tables(conn: sqlite3.Connection) -> None:
    """Rewrite an index of the earlier layout: same signatures, narrower band rows."""
    logger.info("upgrading the near-duplicate index to integer ids and 32-bit band keys")
    conn.execute("ALTER TABLE fingerprints RENAME TO fingerprints_before_upgrade")
    conn.execute("DROP TABLE IF EXISTS fingerprint_bands")
    conn.execute(_CREATE_FINGERPRINTS)
    conn.execute(_CREATE_BANDS)
    conn.execute(
        "INSERT INTO fingerprints (article_id, signature, length)"
        " SELECT article_id, signature, length FROM fingerprints_before_upgrade"
        " ORDER BY article_id"
    )
    conn.execute("DROP TABLE fingerprints_before_upgrade")
    index = NearDuplicateIndex(conn)
    for fingerprint_id, signature in conn.execute("SELECT id, signature FROM fingerprints"):
        index._add_bands(int(fingerprint_id), signature_array(bytes(signature)), BANDS)

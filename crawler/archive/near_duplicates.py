"""The near-duplicate index: MinHash signatures and LSH band keys kept in the archive file.

The math (shingles, signatures, band keys, similarity) is ``crawler.text.fingerprint``;
this module stores it and finds candidates, so the index stays on disk with the archive
and memory stays small at a million articles.
"""

from __future__ import annotations

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


class NearDuplicateIndex:
    """MinHash-LSH index kept in the archive's SQLite database.

    ``fingerprints`` holds one signature per article; ``fingerprint_bands`` one row per
    (band key, article), clustered on the band key (a WITHOUT ROWID table whose primary key
    is the look-up index), so a look-up reads a few B-tree pages and memory stays at
    SQLite's page cache whatever the archive size. The caller owns transactions: ``add``
    never commits.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @staticmethod
    def create_tables(conn: sqlite3.Connection) -> None:
        """Create the index tables when missing (called by the archive's schema setup)."""
        conn.execute(
            "CREATE TABLE IF NOT EXISTS fingerprints ("
            " article_id TEXT PRIMARY KEY, signature BLOB NOT NULL, length INTEGER NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS fingerprint_bands ("
            " band_key INTEGER NOT NULL, article_id TEXT NOT NULL,"
            " PRIMARY KEY (band_key, article_id)) WITHOUT ROWID"
        )

    def add(self, article_id: str, signature: bytes | np.ndarray, length: int) -> None:
        """Store an article's fingerprint and band keys (INSERT OR IGNORE, no commit)."""
        array = signature_array(signature)
        self.conn.execute(
            "INSERT OR IGNORE INTO fingerprints (article_id, signature, length) VALUES (?, ?, ?)",
            (article_id, array.tobytes(), int(length)),
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO fingerprint_bands (band_key, article_id) VALUES (?, ?)",
            [(key, article_id) for key in band_keys(array)],
        )

    def replace(self, article_id: str, signature: bytes | np.ndarray, length: int) -> None:
        """Store an article's new fingerprint in place of its old one (a revised text)."""
        row = self.conn.execute(
            "SELECT signature FROM fingerprints WHERE article_id = ?", (article_id,)
        ).fetchone()
        if row is not None:
            # Delete by the old band keys: the bands table is keyed (band_key, article_id).
            self.conn.executemany(
                "DELETE FROM fingerprint_bands WHERE band_key = ? AND article_id = ?",
                [(key, article_id) for key in band_keys(bytes(row[0]))],
            )
            self.conn.execute("DELETE FROM fingerprints WHERE article_id = ?", (article_id,))
        self.add(article_id, signature, length)

    def add_many(self, fingerprints: Iterable[tuple[str, bytes | np.ndarray, int]]) -> None:
        """Store many fingerprints at once, e.g. when rebuilding the index (no commit)."""
        for article_id, signature, length in fingerprints:
            self.add(article_id, signature, length)

    def candidates(self, signature: bytes | np.ndarray) -> list[tuple[str, bytes, int]]:
        """Return (id, signature, length) of archived articles sharing an LSH band.

        Most shared bands first, at most MAXIMUM_CANDIDATES; one query joins the band hits
        to the stored signatures.
        """
        keys = band_keys(signature)
        placeholders = ",".join("?" * len(keys))
        rows = self.conn.execute(
            "SELECT hits.article_id, fingerprints.signature, fingerprints.length FROM ("
            " SELECT article_id, COUNT(*) AS shared FROM fingerprint_bands"
            f" WHERE band_key IN ({placeholders}) GROUP BY article_id"
            f" ORDER BY shared DESC LIMIT {MAXIMUM_CANDIDATES}"
            ") AS hits JOIN fingerprints ON fingerprints.article_id = hits.article_id",
            keys,
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

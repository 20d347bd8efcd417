"""The near-duplicate index: MinHash signatures and LSH band keys kept in the archive file.

The math (shingles, signatures, band keys, similarity) is ``crawler.text.fingerprint``;
this module stores it and finds candidates, so the index stays on disk with the archive
and memory stays small at a million articles.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

import numpy as np

from crawler.text.fingerprint import (
    MAXIMUM_CANDIDATES,
    MINIMUM_SHINGLES,
    band_keys,
    signature_array,
    similarities,
)
from crawler.text.number_lists import integers_array

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
# The Bloom filter of BANDS' keys (``BandFilter``), as last written, and the move it covers.
_CREATE_FILTER = (
    "CREATE TABLE IF NOT EXISTS fingerprint_bands_filter ("
    " moves INTEGER NOT NULL, bits_log2 INTEGER NOT NULL, bits BLOB NOT NULL)"
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

    def __init__(self, conn: sqlite3.Connection, band_filter: bool = False) -> None:
        self.conn = conn
        # The archive's writer keeps a Bloom filter of the big table's keys (see BandFilter).
        # Read or built on the first look-up, so a connection that never looks up pays nothing.
        self.uses_filter = band_filter
        self.band_filter: BandFilter | None = None

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
                "INSERT INTO fingerprint_bands_merged (merged_upto)"
                " SELECT coalesce(max(id), 0) FROM fingerprints"
            )
        state = [row[1] for row in conn.execute("PRAGMA table_info(fingerprint_bands_merged)")]
        if "moves" not in state:
            conn.execute(
                "ALTER TABLE fingerprint_bands_merged ADD COLUMN moves INTEGER NOT NULL DEFAULT 0"
            )
        conn.execute(_CREATE_FILTER)

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
        band_filter = self._current_filter()  # the filter of the big table before the move
        moving = np.empty(0, dtype=np.int64)
        if band_filter is not None:
            moving = _column_array(
                self.conn, "SELECT group_concat(band_key) FROM %s" % RECENT_BANDS
            )
        self.conn.execute(
            "INSERT OR IGNORE INTO %s SELECT band_key, fingerprint_id FROM %s"
            " ORDER BY band_key, fingerprint_id" % (BANDS, RECENT_BANDS)
        )
        self.conn.execute("DELETE FROM %s" % RECENT_BANDS)
        self.conn.execute(
            "UPDATE fingerprint_bands_merged SET merged_upto ="
            " (SELECT coalesce(max(id), 0) FROM fingerprints), moves = moves + 1"
        )
        if band_filter is not None:
            band_filter.add(moving)
            band_filter.moves = self._moves()
            if band_filter.is_full():
                band_filter = BandFilter.from_table(self.conn, band_filter.moves)
            else:
                band_filter.save(self.conn)
            self.band_filter = band_filter

    def _moves(self) -> int:
        return int(self.conn.execute("SELECT moves FROM fingerprint_bands_merged").fetchone()[0])

    def _current_filter(self) -> BandFilter | None:
        """Return the filter of the big table as it is now, or None when this index uses none.

        Read again when another connection moved rows into the table since.
        """
        if not self.uses_filter:
            return None
        moves = self._moves()
        if self.band_filter is None or self.band_filter.moves != moves:
            self.band_filter = BandFilter.load(self.conn, moves) or BandFilter.from_table(
                self.conn, moves
            )
        return self.band_filter

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

    def candidates(self, signature: bytes | np.ndarray) -> list[tuple[str, bytes, int]]:
        """Return (id, signature, length) of archived articles sharing an LSH band.

        Most shared bands first, at most MAXIMUM_CANDIDATES; one query joins the band hits
        to the stored signatures.
        """
        keys = stored_band_keys(signature)
        big_keys = keys
        band_filter = self._current_filter()
        if band_filter is not None:
            # Only keys the big table may hold are looked up there: a new text's 42 keys
            # are ~0.4 look-ups instead of 42 scattered page reads.
            big_keys = [
                key for key, maybe in zip(keys, band_filter.holds(keys), strict=True) if maybe
            ]
        rows = self.conn.execute(
            "SELECT fingerprints.article_id, fingerprints.signature, fingerprints.length FROM ("
            " SELECT fingerprint_id, COUNT(*) AS shared FROM ("
            f" SELECT fingerprint_id FROM {BANDS} WHERE band_key IN ({_marks(big_keys)})"
            f" UNION ALL SELECT fingerprint_id FROM {RECENT_BANDS} WHERE band_key IN ({_marks(keys)})"
            f") GROUP BY fingerprint_id ORDER BY shared DESC LIMIT {MAXIMUM_CANDIDATES}"
            ") AS hits JOIN fingerprints ON fingerprints.id = hits.fingerprint_id",
            big_keys + keys,
        ).fetchall()
        return [
            (str(article_id), bytes(stored), int(length)) for article_id, stored, length in rows
        ]

    def find(self, signature: bytes | np.ndarray, length: int) -> list[tuple[str, float]]:
        """Return archived near-duplicates as (article id, similarity score), best first."""
        return self.look_up(signature, length).matches

    def look_up(self, signature: bytes | np.ndarray, length: int) -> LookUp:
        """Return the near-duplicates of a text and every candidate its bands met."""
        if length < MINIMUM_SHINGLES:
            return LookUp([], [])
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
        return LookUp(matches, [article_id for article_id, _, _ in candidates])


@dataclass(frozen=True)
class LookUp:
    """What one near-duplicate look-up found.

    ``matches``: (article id, similarity score) of the near-duplicates, best first;
    ``candidates``: every article sharing a band with the text (the matches among them),
    the stored texts most alike it, where a site's template wording shows.
    """

    matches: list[tuple[str, float]]
    candidates: list[str]


def _upgrade_tables(conn: sqlite3.Connection) -> None:
    """Rewrite an index of the earlier layout: same signatures, narrower band rows."""
    logger.info("upgrading the near-duplicate index to integer ids and 32-bit band keys")
    conn.execute("DROP TABLE IF EXISTS fingerprint_bands_filter")  # rebuilt on first use
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


def _marks(keys: list[int]) -> str:
    return ",".join("?" * len(keys))


def _column_array(conn: sqlite3.Connection, sql: str, *parameters: int) -> np.ndarray:
    """Return the numbers of a one-value ``group_concat`` query as an int64 array."""
    (text,) = conn.execute(sql, parameters).fetchone()
    return integers_array(text)


class BandFilter:
    """A Bloom filter of the big band table's keys, kept by the archive's writer.

    A look-up of a new text's 42 band keys reads 42 pages scattered over the big table
    (0.4-1.1 ms at a million articles), and the keys of a text that has no near-duplicate
    are in no row. The filter (3 bit positions a key) says which keys the table may hold,
    and only those are looked up; a key it rejects is in no row, so the candidates are the
    same. Rows deleted from the table (a revised text) leave their bits set: a wasted
    look-up, never a missed one. It is stored in ``fingerprint_bands_filter`` with the
    number of the move it covers (64 MB at a million articles), read back by the next
    writer, built from the table when missing or behind (~15 s at a million), and built
    again larger when it grows too full.
    """

    MULTIPLIERS = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D)  # odd: three different positions
    MINIMUM_LOG2 = 16
    MAXIMUM_LOG2 = 32  # 512 MB: room for 400 million band rows
    # Built with at least 10 bits a row (the power of two above: 10-20), grown below 8:
    # 1-3 % of absent keys pass. A million articles' 42 million rows take 2 ** 29 bits.
    BITS_PER_ROW = 10
    FULL_BITS_PER_ROW = 8

    def __init__(self, bits_log2: int, bits: np.ndarray, moves: int, rows: int = 0) -> None:
        self.bits_log2 = bits_log2
        self.bits = bits  # uint8, 2 ** bits_log2 / 8 bytes
        self.moves = moves
        self.rows = rows

    @classmethod
    def sized_for(cls, rows: int, moves: int) -> BandFilter:
        """Return an empty filter with BITS_PER_ROW bits or more for each of ``rows`` keys."""
        wanted = int(np.ceil(np.log2(max(rows, 1) * cls.BITS_PER_ROW)))
        log2 = min(max(cls.MINIMUM_LOG2, wanted), cls.MAXIMUM_LOG2)
        return cls(log2, np.zeros(2 ** (log2 - 3), dtype=np.uint8), moves)

    @classmethod
    def from_table(cls, conn: sqlite3.Connection, moves: int) -> BandFilter:
        """Build the filter of every key in the big table, and store it."""
        (rows,) = conn.execute("SELECT count(*) FROM %s" % BANDS).fetchone()
        band_filter = cls.sized_for(int(rows), moves)
        # In slices of the key range, so no one string holds 42 million numbers.
        edges = np.linspace(-(2**31), 2**31, 33, dtype=np.int64)
        for low, high in zip(edges[:-1], edges[1:], strict=True):
            band_filter.add(
                _column_array(
                    conn,
                    "SELECT group_concat(band_key) FROM %s WHERE band_key >= ? AND band_key < ?"
                    % BANDS,
                    int(low),
                    int(high),
                )
            )
        band_filter.save(conn)
        return band_filter

    @classmethod
    def load(cls, conn: sqlite3.Connection, moves: int) -> BandFilter | None:
        """Return the stored filter if it covers move ``moves``, else None."""
        row = conn.execute(
            "SELECT bits_log2, bits FROM fingerprint_bands_filter WHERE moves = ?", [moves]
        ).fetchone()
        if row is None:
            return None
        log2, bits = int(row[0]), np.frombuffer(bytes(row[1]), dtype=np.uint8).copy()
        if len(bits) != 2 ** (log2 - 3):
            return None
        # Rows estimated from the bits set: n = -(m / k) ln(1 - set / m).
        size = 2**log2
        set_bits = int(np.bitwise_count(bits).sum())
        rows = int(-(size / len(cls.MULTIPLIERS)) * np.log1p(-min(set_bits / size, 0.999999)))
        return cls(log2, bits, moves, rows)

    def save(self, conn: sqlite3.Connection) -> None:
        """Store the filter in place of the one stored (in the caller's transaction)."""
        conn.execute("DELETE FROM fingerprint_bands_filter")
        conn.execute(
            "INSERT INTO fingerprint_bands_filter (moves, bits_log2, bits) VALUES (?, ?, ?)",
            [self.moves, self.bits_log2, self.bits.tobytes()],
        )

    def _positions(self, keys: np.ndarray) -> list[np.ndarray]:
        unsigned = keys.astype(np.int64) & 0xFFFFFFFF
        shift = 32 - self.bits_log2
        return [((unsigned * multiplier) & 0xFFFFFFFF) >> shift for multiplier in self.MULTIPLIERS]

    def add(self, keys: np.ndarray) -> None:
        """Set the bits of ``keys``."""
        if not len(keys):
            return
        for positions in self._positions(np.asarray(keys, dtype=np.int64)):
            np.bitwise_or.at(self.bits, positions >> 3, (1 << (positions & 7)).astype(np.uint8))
        self.rows += len(keys)

    def holds(self, keys: list[int]) -> list[bool]:
        """Say for each key whether the table may hold it (False: it holds no such key)."""
        found = np.ones(len(keys), dtype=bool)
        for positions in self._positions(np.asarray(keys, dtype=np.int64)):
            found &= ((self.bits[positions >> 3] >> (positions & 7)) & 1).astype(bool)
        return [bool(value) for value in found]

    def is_full(self) -> bool:
        """Say whether the filter has fewer than FULL_BITS_PER_ROW bits a row (time to grow)."""
        return (
            self.rows * self.FULL_BITS_PER_ROW > 2**self.bits_log2
            and self.bits_log2 < self.MAXIMUM_LOG2
        )

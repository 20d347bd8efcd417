"""Open the archive file: the one place the project connects to SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from crawler.archive.schema import ensure_schema


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the archive at ``path`` in WAL mode with its schema."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30)
    db = sqlite_utils.Database(conn)
    db.enable_wal()
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    ensure_schema(db)
    return db

"""How many rows the archive's large tables hold, kept up to date as the archive is written.

datasette counts every table's rows each time its database page or home page is opened,
and the articles page counts the articles: at a million articles ``count(*)`` walks a whole
index of each table (a count is one SQLite instruction, so datasette's time limit cannot
cut it short), hundreds of milliseconds a page. ``table_rows`` holds one row per counted
table, moved by SQL triggers on every insert and delete from any connection, so reading a
count costs one row. An archive written before the table existed is counted once when
opened.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

TABLE_ROWS_TABLE = "table_rows"
# The tables the archive's readers count that grow with it; the run records stay small.
COUNTED_TABLES = (
    "articles",
    "appearances",
    "policies",
    "attachments",
    "article_revisions",
    "policy_links",
)

_CREATE_TABLE = """
create table if not exists table_rows (
  name text primary key,
  rows integer not null default 0
)
"""


def _triggers(table: str) -> list[str]:
    return [
        f"""
create trigger if not exists table_rows_{table}_insert after insert on {table} begin
update table_rows set rows = rows + 1 where name = '{table}';
end
""",
        f"""
create trigger if not exists table_rows_{table}_delete after delete on {table} begin
update table_rows set rows = rows - 1 where name = '{table}';
end
""",
    ]


def create_table_rows(db: sqlite_utils.Database) -> None:
    """Create the table and its triggers; count the tables once for an archive that had none.

    Call after every counted table exists.
    """
    exists = db.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [TABLE_ROWS_TABLE]
    ).fetchone()
    db.execute(_CREATE_TABLE)
    for table in COUNTED_TABLES:
        if not exists:
            db.execute(
                f"insert into table_rows (name, rows) select '{table}', count(*) from {table}"
            )
        for sql in _triggers(table):
            db.execute(sql)


def kept_row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Return the kept row count of each counted table (none for an archive without them)."""
    try:
        rows = conn.execute("select name, rows from %s" % TABLE_ROWS_TABLE).fetchall()
    except sqlite3.OperationalError:
        return {}  # an archive from before table_rows, opened read-only
    return {str(name): int(count) for name, count in rows}


def kept_count_sql(table: str) -> str:
    """Return SQL reading ``table``'s kept row count as ``count(*)`` would give it."""
    if table not in COUNTED_TABLES:
        raise ValueError("no kept row count for %s" % table)
    return "select rows as 'count(*)' from %s where name = '%s'" % (TABLE_ROWS_TABLE, table)

"""Which articles carry each topic and region, kept up to date as articles are written.

``article_tags`` holds one row per (list, name, article): ``list`` is ``topic`` or
``region``, ``name`` an item of the article's ``topics`` or ``regions`` JSON list. SQL
triggers keep it in step with every insert, edit and delete of an article, so a query for
a rare topic or region reads its few articles instead of every article's lists. An archive
written before the table existed is filled once when opened.
"""

from __future__ import annotations

import sqlite_utils

TAGS_TABLE = "article_tags"
TAG_LISTS = ("topic", "region")

_CREATE_TABLE = """
create table if not exists article_tags (
  list text not null,
  name text not null,
  article_rowid integer not null,
  primary key (list, name, article_rowid)
) without rowid
"""
# An article's rows, found again when its lists change or it goes.
_CREATE_INDEX = "create index if not exists idx_article_tags_article on article_tags(article_rowid)"


def _insert_rows(row: str) -> str:
    """Return SQL inserting the tag rows of trigger row ``row``, or of every article (``articles``).

    One statement for both lists, and the insert trigger fires none for an article without
    tags. Its cost is below what ``benchmarks/bench_triggers.py`` can tell apart (~15 us an
    article saved, at a million articles).
    """
    every_article = "articles, " if row == "articles" else ""
    parts = []
    for tag_list, column in (("topic", "topics"), ("region", "regions")):
        parts.append(
            " select '%s', cast(value as text), %s.rowid"
            " from %sjson_each(case when json_valid(%s.%s) then %s.%s else '[]' end)"
            " where value is not null" % (tag_list, row, every_article, row, column, row, column)
        )
    return "insert or ignore into article_tags (list, name, article_rowid)%s;" % " union all".join(
        parts
    )


# An article with empty lists (a third of them) fires no statement.
_HAS_TAGS = "coalesce(new.topics, '[]') != '[]' or coalesce(new.regions, '[]') != '[]'"
_TRIGGERS = {
    "article_tags_insert": """
create trigger article_tags_insert after insert on articles
when %s begin
%s
end
"""
    % (_HAS_TAGS, _insert_rows("new")),
    "article_tags_update": """
create trigger article_tags_update after update of topics, regions on articles
when old.topics is not new.topics or old.regions is not new.regions begin
delete from article_tags where article_rowid = old.rowid;
%s
end
"""
    % _insert_rows("new"),
    "article_tags_delete": """
create trigger article_tags_delete after delete on articles begin
delete from article_tags where article_rowid = old.rowid;
end
""",
}


def create_article_tags(db: sqlite_utils.Database) -> None:
    """Create the table, its index and triggers; fill it once for an archive that had none."""
    exists = db.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [TAGS_TABLE]
    ).fetchone()
    db.execute(_CREATE_TABLE)
    if not exists:
        db.execute(_insert_rows("articles"))
    db.execute(_CREATE_INDEX)
    found = dict(
        db.execute(
            "select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'articles'"
        ).fetchall()
    )
    for name, sql in _TRIGGERS.items():
        # An archive written by an earlier version has the trigger in its older form
        # (SQLite keeps the statement as given, but for ``CREATE TRIGGER`` in capitals).
        if name in found and _same_sql(found[name], sql):
            continue
        if name in found:
            db.execute("drop trigger %s" % name)
        db.execute(sql)


def _same_sql(kept: str, wanted: str) -> bool:
    return " ".join(kept.split()).lower() == " ".join(wanted.split()).lower()

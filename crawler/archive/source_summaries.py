"""Per-source totals kept up to date as the archive is written, for the source-health page.

``source_summaries`` holds, for every source, what a scan of ``appearances`` joined with
``articles`` would count: pages, new articles (first copies), the last fetch, the newest
publication date, and how many of its pages' articles lack a date or have damaged text.
SQL triggers keep it in step with every write (an appearance inserted, updated or deleted;
an article's date, text quality or length changed), so reading it costs a few rows, not a
scan of the archive. An archive written before the table existed is summed once when
opened.

Each source's row is the sum, over its appearances, of what that appearance and its
article's current row give; an article changed later moves the rows of all its sources.
A maximum that a change lowers (rare: a date corrected to an earlier one, an appearance
deleted) is read again from that source's rows.
"""

from __future__ import annotations

import sqlite_utils

SUMMARY_TABLE = "source_summaries"

# The scan the table replaces; it also fills the table of an archive that lacks it.
SUMMARY_SCAN_SQL = """
select coalesce(appearances.source, '') as source,
  count(*) as pages,
  coalesce(sum(appearances.is_first), 0) as new_articles,
  max(appearances.fetched_at) as last_fetched_at,
  max(articles.published_at) as newest_published_at,
  coalesce(sum(coalesce(articles.published_at, '') = ''), 0) as without_date,
  coalesce(sum(articles.text_quality = 'repaired'), 0) as repaired_text,
  coalesce(sum(articles.text_quality = 'mojibake'), 0) as mojibake_text,
  coalesce(sum(articles.body_length), 0) as body_length_sum,
  count(articles.body_length) as body_length_count
from appearances left join articles on articles.id = appearances.article_id
group by coalesce(appearances.source, '')
"""

_CREATE_TABLE = """
create table if not exists source_summaries (
  source text primary key,
  pages integer not null default 0,
  new_articles integer not null default 0,
  last_fetched_at text,
  newest_published_at text,
  without_date integer not null default 0,
  repaired_text integer not null default 0,
  mojibake_text integer not null default 0,
  body_length_sum integer not null default 0,
  body_length_count integer not null default 0
)
"""


def _greater(column: str, value: str) -> str:
    """Return SQL for the larger of ``column`` and ``value``, either possibly null."""
    return (
        f"case when {value} is null then {column} when {column} is null or {value} > {column}"
        f" then {value} else {column} end"
    )


def _add(row: str, sign: str) -> str:
    """Return SQL adding (sign ``+``) or taking away (``-``) one appearance ``row``'s share."""
    return """
insert into source_summaries (source, pages, new_articles, last_fetched_at, newest_published_at,
  without_date, repaired_text, mojibake_text, body_length_sum, body_length_count)
select coalesce({row}.source, ''), {sign}1, {sign}coalesce({row}.is_first, 0),
  case when '{sign}' = '+' then {row}.fetched_at end,
  case when '{sign}' = '+' then articles.published_at end,
  {sign}(coalesce(articles.published_at, '') = ''),
  {sign}coalesce(articles.text_quality = 'repaired', 0),
  {sign}coalesce(articles.text_quality = 'mojibake', 0),
  {sign}coalesce(articles.body_length, 0),
  {sign}(articles.body_length is not null)
from (select 1) left join articles on articles.id = {row}.article_id
where true
on conflict (source) do update set
  pages = pages + excluded.pages,
  new_articles = new_articles + excluded.new_articles,
  last_fetched_at = {last_fetched},
  newest_published_at = {newest},
  without_date = without_date + excluded.without_date,
  repaired_text = repaired_text + excluded.repaired_text,
  mojibake_text = mojibake_text + excluded.mojibake_text,
  body_length_sum = body_length_sum + excluded.body_length_sum,
  body_length_count = body_length_count + excluded.body_length_count;
""".format(
        row=row,
        sign=sign,
        last_fetched=_greater("last_fetched_at", "excluded.last_fetched_at"),
        newest=_greater("newest_published_at", "excluded.newest_published_at"),
    )


def _reread_maxima(source: str, condition: str = "true") -> str:
    """Return SQL reading a source's last fetch and newest date again from its rows, if ``condition``."""
    return f"""
update source_summaries set
  last_fetched_at = (select max(fetched_at) from appearances where coalesce(source, '') = {source}),
  newest_published_at = (select max(articles.published_at) from appearances
    join articles on articles.id = appearances.article_id
    where coalesce(appearances.source, '') = {source})
where source = {source} and ({condition});
"""


_TRIGGERS = {
    "source_summaries_appearance_insert": """
create trigger if not exists source_summaries_appearance_insert
after insert on appearances begin
{add_new}
end
""".format(add_new=_add("new", "+")),
    "source_summaries_appearance_delete": """
create trigger if not exists source_summaries_appearance_delete
after delete on appearances begin
{take_old}
{reread}
end
""".format(take_old=_add("old", "-"), reread=_reread_maxima("coalesce(old.source, '')")),
    "source_summaries_appearance_update": """
create trigger if not exists source_summaries_appearance_update
after update of source, article_id, is_first, fetched_at on appearances begin
{take_old}
{add_new}
update source_summaries set
  last_fetched_at = (select max(fetched_at) from appearances
    where coalesce(source, '') = coalesce(old.source, ''))
where source = coalesce(old.source, '') and last_fetched_at = old.fetched_at
  and (new.fetched_at is null or new.fetched_at < old.fetched_at);
{reread}
end
""".format(
        take_old=_add("old", "-"),
        add_new=_add("new", "+"),
        reread=_reread_maxima(
            "coalesce(old.source, '')",
            "new.source is not old.source or new.article_id is not old.article_id",
        ),
    ),
    # Only a change of the columns the totals read moves them (a re-fetch that changes
    # nothing but last_seen_at costs no more than before).
    "source_summaries_article_update": """
create trigger if not exists source_summaries_article_update
after update of published_at, text_quality, body_length on articles
when old.published_at is not new.published_at or old.text_quality is not new.text_quality
  or old.body_length is not new.body_length
begin
update source_summaries set
  without_date = without_date + copies.pages
    * ((coalesce(new.published_at, '') = '') - (coalesce(old.published_at, '') = '')),
  repaired_text = repaired_text + copies.pages
    * (coalesce(new.text_quality = 'repaired', 0) - coalesce(old.text_quality = 'repaired', 0)),
  mojibake_text = mojibake_text + copies.pages
    * (coalesce(new.text_quality = 'mojibake', 0) - coalesce(old.text_quality = 'mojibake', 0)),
  body_length_sum = body_length_sum + copies.pages
    * (coalesce(new.body_length, 0) - coalesce(old.body_length, 0)),
  body_length_count = body_length_count + copies.pages
    * ((new.body_length is not null) - (old.body_length is not null)),
  newest_published_at = {newest}
from (select coalesce(source, '') as source, count(*) as pages from appearances
      where article_id = new.id group by coalesce(source, '')) as copies
where source_summaries.source = copies.source;
update source_summaries set
  newest_published_at = (select max(articles.published_at) from appearances
    join articles on articles.id = appearances.article_id
    where coalesce(appearances.source, '') = source_summaries.source)
where old.published_at is not null
  and (new.published_at is null or new.published_at < old.published_at)
  and newest_published_at = old.published_at
  and source in (select coalesce(source, '') from appearances where article_id = new.id);
end
""".format(newest=_greater("newest_published_at", "new.published_at")),
}


def sum_sources_again(db: sqlite_utils.Database, sources: list[str]) -> None:
    """Sum these sources' rows again from a scan of their appearances.

    For a write the triggers cannot follow step by step: an article renamed in every table
    (its rows and their appearances move one statement at a time).
    """
    for source in sources:
        db.execute("delete from source_summaries where source = ?", [source])
        db.execute(
            "insert into source_summaries select * from (%s) where source = ?" % SUMMARY_SCAN_SQL,
            [source],
        )


def create_source_summaries(db: sqlite_utils.Database) -> None:
    """Create the table and its triggers; sum an archive that had none, once, when opened."""
    exists = db.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [SUMMARY_TABLE]
    ).fetchone()
    if not exists:
        db.execute(_CREATE_TABLE)
        db.execute("insert into source_summaries %s" % SUMMARY_SCAN_SQL)
    for sql in _TRIGGERS.values():
        db.execute(sql)

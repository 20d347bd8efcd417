"""The merge decision: which archived article an incoming copy belongs to, and whose text wins.

Looked up on the archive's own connection inside its open transaction, so a copy is
matched against every earlier item of the same batch as well as everything committed:
whatever the batch size, the archive comes out the same.

A copy belongs to an article when, in this order, it has
  same_text       the same normalized text (any copy's, or a text a revision replaced),
  same_policy     the same policy document (发文机关 + 发文字号, ``policy_key``),
  near_duplicate  a MinHash-LSH near-duplicate text (``near_duplicates``).
The same URL is not a copy but the same page again (see ``Archive.store``).

Each match on the copy's own site (host and port) is checked against template notices
(``crawler.text.template_text``): a site posts one notice per batch, month or person in
the same words, so a match whose heading names another document is kept apart unless the
texts are almost identical once the site's template wording is left out, and one whose
facts (names, numbers) differ in several places is kept apart whatever its heading. The template wording is what the
copy shares with at least two other stored texts of its site among the near-duplicate
candidates, the archived texts most alike it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlite_utils

from crawler.archive.near_duplicates import NearDuplicateIndex
from crawler.items import Article
from crawler.text.template_text import Page, same_document, template_lines, text_lines

SAME_URL = "same_url"
SAME_TEXT = "same_text"
SAME_POLICY = "same_policy"
NEAR_DUPLICATE = "near_duplicate"
MOJIBAKE = "mojibake"


@dataclass(frozen=True)
class Match:
    """The archived article a copy belongs to, and why."""

    article_id: str
    reason: str


@dataclass(frozen=True)
class KnownPage:
    """What the archive holds about a URL already met."""

    article_id: str
    text_hash: str | None  # null in archives written before pages kept their hash
    fetched_at: str | None


def known_page(db: sqlite_utils.Database, canonical_url: str) -> KnownPage | None:
    """Return the archived page at this URL, if any."""
    row = db.execute(
        "select article_id, text_hash, fetched_at from appearances where url = ?",
        [canonical_url],
    ).fetchone()
    return KnownPage(*row) if row else None


# Articles holding one text hash checked at most: the same text under many headings is a
# template page ("详见附件"), and a few are enough to find the one document it belongs to.
SAME_TEXT_ARTICLES = 20


def _host(url: str | None) -> str | None:
    """Return the host and port of a URL: one site."""
    return urlsplit(url).netloc.lower() if url else None


def page_of(item: Article) -> Page:
    """Return what the template check reads of an incoming copy."""
    return Page(
        item.title_simplified or item.title, _host(item.canonical_url), item.text_simplified
    )


def stored_pages(db: sqlite_utils.Database, article_ids: list[str]) -> dict[str, Page]:
    """Return heading, site (host and port of the first URL) and simplified text of archived articles."""
    if not article_ids:
        return {}
    rows = db.execute(
        "select id, coalesce(nullif(title_simplified, ''), title), url,"
        " coalesce(nullif(body_simplified, ''), body)"
        " from articles where id in (select value from json_each(?))",
        [json.dumps(article_ids)],
    ).fetchall()
    return {
        article_id: Page(title or "", _host(url), text or "")
        for article_id, title, url, text in rows
    }


def _ids_on_site(db: sqlite_utils.Database, article_ids: list[str], site: str | None) -> list[str]:
    """Return the articles among ``article_ids`` whose URL is on ``site`` (host and port)."""
    rows = db.execute(
        "select id, url from articles where id in (select value from json_each(?))",
        [json.dumps(article_ids)],
    ).fetchall()
    return sorted(article_id for article_id, url in rows if site and _host(url) == site)


def _same_text_articles(db: sqlite_utils.Database, text_hash: str) -> list[str]:
    # INDEXED BY: pages stored before they kept their hash have none, and after an
    # ANALYZE the planner would scan a column it believes is all one value.
    rows = db.execute(
        "select article_id from appearances indexed by idx_appearances_text_hash"
        " where text_hash = :hash"
        " union select id from articles where text_hash = :hash"
        " union select article_id from article_revisions"
        " indexed by idx_article_revisions_text_hash where text_hash = :hash"
        " limit %d" % SAME_TEXT_ARTICLES,
        {"hash": text_hash},
    ).fetchall()
    return sorted(row[0] for row in rows)


def _first_same_document(
    page: Page, article_ids: list[str], stored: dict[str, Page], template: set[str] | None = None
) -> str | None:
    for article_id in article_ids:
        other = stored.get(article_id)
        if other is not None and same_document(page, other, template):
            return article_id
    return None


def find_copy_of(
    db: sqlite_utils.Database,
    item: Article,
    policy_key: str | None,
    near_duplicates: bool,
    index: NearDuplicateIndex | None = None,
) -> Match | None:
    """Return the article ``item`` is a copy of, or None when it is a new article.

    ``index``: the near-duplicate index to look up (the archive's writer passes its own,
    which keeps a filter of the big band table); a plain one on ``db`` otherwise.
    """
    page = page_of(item)
    if item.text_hash:
        same_text = _same_text_articles(db, item.text_hash)
        found = _first_same_document(page, same_text, stored_pages(db, same_text))
        if found:
            return Match(found, SAME_TEXT)
    if policy_key:
        row = db.execute(
            "select article_id from policies where policy_key = ? limit 1", [policy_key]
        ).fetchone()
        if row and _first_same_document(page, [row[0]], stored_pages(db, [row[0]])):
            return Match(row[0], SAME_POLICY)
    if near_duplicates and item.signature is not None and item.signature_length:
        index = index or NearDuplicateIndex(db.conn)
        look_up = index.look_up(item.signature, item.signature_length)
        if look_up.matches:
            matches = [article_id for article_id, _ in look_up.matches]
            # Only texts of the copy's own site show its template: read those and the matches.
            site_ids = _ids_on_site(db, look_up.candidates, page.site)
            stored = stored_pages(db, sorted(set(site_ids) | set(matches)))
            template = template_lines(
                text_lines(page.text), (text_lines(stored[one].text) for one in site_ids)
            )
            found = _first_same_document(page, matches, stored, template)
            if found:
                return Match(found, NEAR_DUPLICATE)
    return None


def copy_text_wins(item: Article, stored_length: int, stored_quality: str | None) -> bool:
    """Say whether a copy's text replaces the article's: the most complete clean copy wins."""
    if item.text_quality == MOJIBAKE:
        return False
    return len(item.text) > stored_length or stored_quality == MOJIBAKE

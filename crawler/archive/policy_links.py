"""Policy links in the archive: which policy each article cites, by title, doc number or 解读.

``policy_links`` holds one row per article and cited policy (``cited_as``), with the
archived policy's id or null when no source covers it. Links are made whichever arrives
first: a story is linked to the policies already archived when it is stored, and a policy,
when stored, resolves the earlier citations left unresolved. An article's rows are
rewritten only when its text changes, so a re-crawl changes nothing. Finding and resolving
citations is pure (``crawler.text.citations``); this module keeps the rows.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from crawler.text.citations import (
    ArchivedPolicy,
    PolicyLink,
    PolicyMatcher,
    doc_number_key,
)

logger = logging.getLogger(__name__)

POLICY_LINKS_TABLE = "policy_links"
POLICY_LINK_COLUMNS: dict[str, Any] = {
    "article_id": str,  # the citing article
    "policy_id": str,  # the archived policy (an articles id), null when not archived
    "cited_as": str,  # the text cited: a title, a 发文字号
    "via": str,  # title | doc_number | interpretation
}
POLICY_KIND = "policy"  # the articles.kind of a policy
_SPACE_RE = re.compile(r"[\s\u3000]+")
_ASCII_PARENTHESES = str.maketrans("（）", "()")

# Archived policies as the matcher reads them: the title, and the header's issuer and number.
_POLICIES_SQL = """select articles.id,
    coalesce(nullif(articles.title_simplified, ''), articles.title),
    policies.issuer, policies.doc_number
  from articles left join policies on policies.article_id = articles.id
  where articles.kind = 'policy'"""


def create_policy_links_table(db: sqlite_utils.Database) -> None:
    """Create ``policy_links`` and its indexes; a no-op when present."""
    db.table(POLICY_LINKS_TABLE).create(
        POLICY_LINK_COLUMNS,
        pk=("article_id", "cited_as"),
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    db.table(POLICY_LINKS_TABLE).create_index(["policy_id"], if_not_exists=True)


def _policy(row: tuple[Any, ...]) -> ArchivedPolicy:
    return ArchivedPolicy(row[0], row[1] or "", row[2], row[3])


def _article_text(conn: sqlite3.Connection, article_id: str) -> tuple[str, str, str] | None:
    row = conn.execute(
        "select coalesce(nullif(title_simplified, ''), title, ''),"
        " coalesce(nullif(body_simplified, ''), body, ''), kind from articles where id = ?",
        [article_id],
    ).fetchone()
    return (row[0], row[1], row[2] or "") if row else None


class PolicyLinker:
    """Keep ``policy_links`` up to date from one writing connection.

    The matcher of archived policies is read once, on first use, and grows as policies
    are stored through this linker.
    """

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._matcher: PolicyMatcher | None = None

    @property
    def matcher(self) -> PolicyMatcher:
        """Return the matcher of every archived policy."""
        if self._matcher is None:
            self._matcher = PolicyMatcher(_policy(row) for row in self.db.execute(_POLICIES_SQL))
        return self._matcher

    def article_renamed(self) -> None:
        """Forget the matcher: an article changed its id (read again on next use)."""
        self._matcher = None

    def article_changed(self, article_id: str, is_policy: bool) -> None:
        """Re-link an article whose text was written; a policy also resolves earlier citations."""
        if is_policy:
            row = self.db.execute(_POLICIES_SQL + " and articles.id = ?", [article_id]).fetchone()
            if row is not None:
                self.matcher.add(_policy(row))
        self._relink(article_id)
        if is_policy:
            self._resolve_pending(article_id)

    def _relink(self, article_id: str) -> None:
        text = _article_text(self.db.conn, article_id)
        if text is None:
            return
        links = self.matcher.link(text[0], text[1], article_id)
        if text[2] == POLICY_KIND:
            # A policy titled 关于印发X的通知 prints X (often as its attachment): X is the
            # policy itself, not a citation of another.
            title = _SPACE_RE.sub("", text[0]).translate(_ASCII_PARENTHESES)
            links = [
                link
                for link in links
                if link.policy_id is not None
                or _SPACE_RE.sub("", link.cited_as).translate(_ASCII_PARENTHESES) not in title
            ]
        self._write(article_id, links)

    def _write(self, article_id: str, links: Iterable[PolicyLink]) -> None:
        rows = [
            {
                "article_id": article_id,
                "policy_id": link.policy_id,
                "cited_as": link.cited_as,
                "via": link.via,
            }
            for link in links
        ]
        held = {
            tuple(row)
            for row in self.db.execute(
                "select article_id, policy_id, cited_as, via from policy_links where article_id = ?",
                [article_id],
            )
        }
        if held == {tuple(row.values()) for row in rows}:
            return  # unchanged: a re-crawl writes nothing
        self.db.execute("delete from policy_links where article_id = ?", [article_id])
        if rows:
            self.db.table(POLICY_LINKS_TABLE).insert_all(rows, pk=("article_id", "cited_as"))

    def _resolve_pending(self, policy_id: str) -> None:
        """Re-link the articles whose unresolved citations the new policy may answer."""
        row = self.db.execute(_POLICIES_SQL + " and articles.id = ?", [policy_id]).fetchone()
        if row is None:
            return
        policy = _policy(row)
        # Narrowed in SQL first, so the cost grows with the citations that may name this
        # policy, not with every unresolved citation in the archive: a title cited in
        # any form ends like a piece of the policy's title; a doc number ends 〔year〕N号.
        number = doc_number_key(policy.doc_number or "")
        pending = self.db.execute(
            "select distinct article_id, cited_as, via from policy_links"
            " where policy_id is null and article_id != :id"
            " and (instr(:title, substr(replace(replace(replace(cited_as, ' ', ''), '（', '('), '）', ')'), -4)) > 0"
            " or (:number != '' and cited_as like :number))",
            {
                "id": policy_id,
                "title": _SPACE_RE.sub("", policy.title).translate(_ASCII_PARENTHESES),
                "number": "%" + number[number.index("〔") :] if number else "",
            },
        ).fetchall()
        # Each is linked again with its own text, which tells a place or issuer it names.
        for article_id in sorted({article_id for article_id, _, _ in pending}):
            self._relink(article_id)
            logger.debug("citations of %s resolved against policy %s", article_id, policy_id)


def stories_citing(
    conn: sqlite3.Connection, policy_ids: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """Return, per policy, the articles citing it (id, title, published_at, via), newest first."""
    found: dict[str, list[dict[str, Any]]] = {}
    cursor = conn.execute(
        "select policy_links.policy_id, articles.id, articles.title, articles.published_at,"
        " articles.site, policy_links.via, policy_links.cited_as"
        " from policy_links join articles on articles.id = policy_links.article_id"
        " where policy_links.policy_id in (select value from json_each(?))"
        " order by articles.published_at desc, articles.id",
        [json.dumps(list(policy_ids))],
    )
    for policy_id, article_id, title, published_at, site, via, cited_as in cursor:
        found.setdefault(policy_id, []).append(
            {
                "id": article_id,
                "title": title,
                "published_at": published_at,
                "site": site,
                "via": via,
                "cited_as": cited_as,
            }
        )
    return found


def policies_cited_by(conn: sqlite3.Connection, article_id: str) -> list[dict[str, Any]]:
    """Return the policies an article cites: archived ones with their id and title, others by name."""
    rows = conn.execute(
        "select policy_links.policy_id, articles.title, policy_links.cited_as, policy_links.via"
        " from policy_links left join articles on articles.id = policy_links.policy_id"
        " where policy_links.article_id = ? order by policy_links.policy_id is null, policy_links.rowid",
        [article_id],
    )
    return [
        {"policy_id": policy_id, "title": title, "cited_as": cited_as, "via": via}
        for policy_id, title, cited_as, via in rows
    ]

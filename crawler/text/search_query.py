"""Turn what a user typed into a query for the archive's Chinese bigram search index.

SQLite's ``unicode61`` tokenizer reads a run of Chinese characters as one token, and its
``trigram`` tokenizer cannot match queries shorter than three characters, yet most words
people type (协同, 雄安, 京津) have two. So the index (``crawler.archive.search_index``)
holds every overlapping two-character window of the simplified title and body (京津冀协同
-> 京津 津冀 冀协 协同), and the title's windows a second time behind a marker
(``TITLE_MARKER``), which lets a query ask for title hits alone.

The index keeps no token positions (FTS5 ``detail=none``: a third of the size), so it
cannot match a phrase. A two-character term is one window and its match is exact; a longer
term matches every one of its windows, which finds each text holding the term and a few
that hold the windows apart, and ``text_matches`` then checks the term is a substring of
the text (``needs_text_check`` says when that is needed). Queries are converted to
simplified first, so 協同 finds what 协同 finds.
"""

from __future__ import annotations

import re

from crawler.text.script import to_simplified

# The columns of the index a query may be limited to.
SEARCH_COLUMNS = ("title", "body")
# Marks the title's own copy of its windows: a private-use character (a token character to
# the tokenizer) that no text or query holds, so a marked window never equals a window of
# any text and a one-character query never matches the marked copy by prefix.
TITLE_MARKER = "\ue000"

# A query term holds at least one character the tokenizer keeps (letter, digit, ideograph).
_TOKEN_CHARACTER = re.compile(r"\w")
# A double-quoted phrase, or a run of characters that are neither space nor quote.
_QUERY_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')


class SearchQueryError(ValueError):
    """A search query holds nothing that can be searched (only spaces or punctuation)."""


def bigram_text(text: str | None, marker: str = "") -> str:
    """Return the overlapping two-character windows of ``text``, separated by spaces.

    Text of one character is its own window, so single characters are still indexed.
    ``marker`` is put before every window (the title's marked copy).
    """
    if not text:
        return ""
    if len(text) == 1:
        return marker + text
    return " ".join(marker + text[index : index + 2] for index in range(len(text) - 1))


def title_index_text(title: str | None) -> str:
    """Return what the index holds for a title: its windows, then its marked windows."""
    plain = bigram_text(title)
    if not plain:
        return ""
    return plain + " " + bigram_text(title, TITLE_MARKER)


def _phrase(text: str) -> str:
    """Return ``text`` as one FTS5 string (double quotes doubled)."""
    return '"%s"' % text.replace('"', '""')


def search_terms(text: str | None) -> list[str]:
    """Return the searchable terms of what a user typed, in simplified script."""
    simplified = to_simplified(text or "")
    terms = []
    for quoted, bare in _QUERY_TERM.findall(simplified):
        term = (quoted or bare).strip()
        if _TOKEN_CHARACTER.search(term):
            terms.append(term)
    return terms


def _check_column(column: str | None) -> None:
    if column is not None and column not in SEARCH_COLUMNS:
        raise SearchQueryError(
            "no search column %r (have %s)" % (column, ", ".join(SEARCH_COLUMNS))
        )


def search_query(text: str, column: str | None = None) -> str:
    """Turn what a user typed into an FTS5 query for the bigram index.

    The text is converted to simplified; each space-separated term (or "quoted phrase")
    must match: a one-character term as a prefix, a longer one by all its windows (see
    the module docstring for the substring check that follows). ``column="title"`` asks
    for the title's marked windows; ``column="body"`` matches like no column (the index
    cannot tell the body from the title: ``text_matches`` does). Raise
    ``SearchQueryError`` when no term holds a searchable character.
    """
    _check_column(column)
    marker = TITLE_MARKER if column == "title" else ""
    parts = []
    for term in search_terms(text):
        if len(term) == 1:
            parts.append(_phrase(marker + term) + " *")
        else:
            windows = dict.fromkeys(bigram_text(term, marker).split(" "))
            parts.append(" AND ".join(_phrase(window) for window in windows))
    if not parts:
        raise SearchQueryError("nothing to search for in %r" % text)
    return " AND ".join(parts)


def search_query_or_nothing(text: str | None, column: str | None = None) -> str:
    """Return ``search_query(text)``, or a query that matches nothing when there is no term.

    SQL functions must not raise on what a user typed into a search box: an empty or
    punctuation-only search shows no rows rather than an error page.
    """
    try:
        return search_query(text or "", column)
    except SearchQueryError:
        return _phrase("")


def needs_text_check(text: str | None, column: str | None = None) -> bool:
    """Say whether index matches of ``text`` must be checked against the texts.

    Only a term of three characters or more (its windows may stand apart) and a search of
    the body alone (the index holds the title's windows too) can match more than they
    should.
    """
    return column == "body" or any(len(term) > 2 for term in search_terms(text))


def text_matches(
    text: str | None, title: str | None, body: str | None, column: str | None = None
) -> bool:
    """Say whether every term of ``text`` is a substring of the title or body searched.

    ``title`` and ``body`` are the indexed (simplified) texts; ``column`` limits the check
    to one of them. A query with no term matches nothing.
    """
    terms = search_terms(text)
    if column == "title":
        haystacks: tuple[str, ...] = (title or "",)
    elif column == "body":
        haystacks = (body or "",)
    else:
        haystacks = (title or "", body or "")
    return bool(terms) and all(any(term in haystack for haystack in haystacks) for term in terms)

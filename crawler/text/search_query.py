"""Turn what a user typed into a query for the archive's Chinese bigram search index.

SQLite's ``unicode61`` tokenizer reads a run of Chinese characters as one token, and its
``trigram`` tokenizer cannot match queries shorter than three characters, yet most words
people type (协同, 雄安, 京津) have two. So the index (``crawler.archive.search_index``)
holds every overlapping two-character window of the simplified title and body (京津冀协同
-> 京津 津冀 冀协 协同), and a query is turned into the phrase of its own windows: a phrase
of consecutive bigrams matches exactly the texts that contain the query as a substring,
for any query of two characters or more. Queries are converted to simplified first, so
協同 finds what 协同 finds.
"""

from __future__ import annotations

import re

from crawler.text.script import to_simplified

# The columns of the index a query may be limited to.
SEARCH_COLUMNS = ("title", "body")

# A query term holds at least one character the tokenizer keeps (letter, digit, ideograph).
_TOKEN_CHARACTER = re.compile(r"\w")
# A double-quoted phrase, or a run of characters that are neither space nor quote.
_QUERY_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')


class SearchQueryError(ValueError):
    """A search query holds nothing that can be searched (only spaces or punctuation)."""


def bigram_text(text: str | None) -> str:
    """Return the overlapping two-character windows of ``text``, separated by spaces.

    Text of one character is its own window, so single characters are still indexed.
    """
    if not text:
        return ""
    if len(text) == 1:
        return text
    return " ".join(text[index : index + 2] for index in range(len(text) - 1))


def _phrase(text: str) -> str:
    """Return ``text`` as one FTS5 string (double quotes doubled)."""
    return '"%s"' % text.replace('"', '""')


def search_query(text: str, column: str | None = None) -> str:
    """Turn what a user typed into an FTS5 query for the bigram index.

    The text is converted to simplified; each space-separated term (or "quoted phrase")
    becomes the phrase of its bigrams, and all terms must match. A one-character term
    matches as a prefix. ``column`` limits the match to ``title`` or ``body``.
    Raise ``SearchQueryError`` when no term holds a searchable character.
    """
    simplified = to_simplified(text or "")
    parts = []
    for quoted, bare in _QUERY_TERM.findall(simplified):
        term = (quoted or bare).strip()
        if not _TOKEN_CHARACTER.search(term):
            continue
        if len(term) == 1:
            parts.append(_phrase(term) + " *")
        else:
            parts.append(_phrase(bigram_text(term)))
    if not parts:
        raise SearchQueryError("nothing to search for in %r" % text)
    query = " AND ".join(parts)
    if column is not None:
        if column not in SEARCH_COLUMNS:
            raise SearchQueryError(
                "no search column %r (have %s)" % (column, ", ".join(SEARCH_COLUMNS))
            )
        query = "{%s} : (%s)" % (column, query)
    return query


def search_query_or_nothing(text: str | None, column: str | None = None) -> str:
    """Return ``search_query(text)``, or a query that matches nothing when there is no term.

    SQL functions must not raise on what a user typed into a search box: an empty or
    punctuation-only search shows no rows rather than an error page.
    """
    try:
        return search_query(text or "", column)
    except SearchQueryError:
        return _phrase("")

"""Pipeline 3: give each item what the archive matches copies on: canonical URL and fingerprint."""

from __future__ import annotations

from crawler.items import Article
from crawler.text.fingerprint import fingerprint
from crawler.text.urls import canonical_url


class DeduplicatePipeline:
    """Fill ``canonical_url``, ``text_hash`` and the MinHash signature of the simplified text.

    Matching runs on the simplified text, so a traditional copy merges with its simplified
    original. The merge decision itself (same URL, same text, same policy document,
    near-duplicate text) is the archive's, made when the store pipeline hands it the item,
    inside the transaction that writes it (``crawler.archive.merge``); this pipeline opens
    no database.
    """

    def process_item(self, item: Article) -> Article:
        """Set the canonical URL and the fingerprint of the item."""
        item.canonical_url = canonical_url(item.url)
        prints = fingerprint(item.text_simplified)
        item.text_hash = prints.text_hash
        item.signature = prints.signature
        item.signature_length = prints.length
        return item

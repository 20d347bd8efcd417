"""Pure text helpers: dates, script conversion, topics, URLs, fingerprint math."""

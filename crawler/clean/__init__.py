"""Bytes of one page in, an ``Extraction`` out: no Scrapy, Twisted or SQLite here."""

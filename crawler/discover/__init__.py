"""Crawl-side reading of pages: CMS family, column paging, pages that need a browser.

Plain functions over HTML text (script shells, captcha walls included); the spider calls
them, and nothing here imports Scrapy or SQLite.
"""

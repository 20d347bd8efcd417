"""Names of the request meta keys the spider sets and our middlewares read."""

from __future__ import annotations

SOURCE = "source"  # name of the source a request belongs to
# Links away from a start page; set on every request of the spider (pages, feeds, sitemaps),
# not on attachment downloads, which may live on other hosts.
SOURCE_DEPTH = "source_depth"
FOLLOWED_LINK = "followed_link"  # a link found on a page, feed or sitemap (not a start URL)
REFRESH = "refresh"  # its source fetches archived article pages again (`refresh = true`)
# Walking the pages of a column list (crawler/discover/paging.py):
COLUMN_PAGES = "column_pages"  # the column's pages still to read after this one, in order
COLUMN_READ = "column_read"  # pages of the column read before this one (its first included)
COLUMN_HOW = "column_how"  # how the paging was found: create_page_html, pager_script …
# Canonical URLs of the items the previous page of the column listed: when every one is
# archived, a scheduled crawl has reached what it knows and this page is not fetched.
LISTED_URLS = "listed_urls"
# A later page of a multi-page article: the URL of its first page (kept in the WARC file).
ARTICLE_PART_OF = "article_part_of"
# Fetch through the browser (scrapy-playwright's own meta key), for `render = true` sources.
BROWSER = "playwright"

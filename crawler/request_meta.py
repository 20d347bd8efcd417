"""Names of the request meta keys the spider sets and our middlewares read."""

from __future__ import annotations

SOURCE = "source"  # name of the source a request belongs to
FOLLOWED_LINK = "followed_link"  # a link found on a page, feed or sitemap (not a start URL)
REFRESH = "refresh"  # its source fetches archived article pages again (`refresh = true`)

"""The generic spider: crawls every configured source (listing pages, feeds, sitemaps)."""

from __future__ import annotations

import json
import logging
import re
import struct
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from crawler import request_meta, stats
from crawler.clean.pagination import find_pagination
from crawler.discover.families import recognise_family
from crawler.discover.paging import column_paging, listed_items
from crawler.discover.shells import page_wall
from crawler.fetch_errors import error_kind
from crawler.items import Article
from crawler.middlewares import OffsiteRedirect
from crawler.sources import Source, load_sources
from crawler.text.dates import parse_feed_date
from crawler.text.urls import canonical_url

logger = logging.getLogger(__name__)

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# Links that never lead to an article page.
NOT_PAGES = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|bmp|ico|css|js|pdf|docx?|xlsx?|pptx?|ofd|wps|zip|rar|7z|mp[34]|avi|mov)(?:$|\?)",
    re.I,
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _header_charset(response: Response) -> str | None:
    content_type = response.headers.get(b"Content-Type") or b""
    return http_content_type_encoding(content_type.decode("latin-1")) if content_type else None


class SourcesSpider(Spider):
    """Crawl the sources of a sources file; yield one Article per article page.

    The spider never opens the archive: which article links are already archived is the
    business of :class:`crawler.middlewares.KnownUrlsMiddleware`, and the cap on requests
    per source that of :class:`crawler.middlewares.SourcePageCapMiddleware`. Every link the
    spider finds carries ``meta["followed_link"]``, and ``meta["refresh"]`` when its source
    fetches archived pages again.

    Spider arguments: ``sources`` (path; default setting ``XIETONG_SOURCES``), ``only``
    (comma-separated source names), ``substitutions`` (JSON object filling URL
    placeholders such as ``{demo:hebnews}``).
    Settings: ``XIETONG_SOURCES``, ``DOWNLOAD_MAXSIZE`` (also the cap of an inflated gzip
    sitemap).
    Stats (names in :mod:`crawler.stats`): ``xietong/source/<name>/pages``, ``…/errors``
    and ``…/errors/<kind>``, ``xietong/errors/<kind>``, ``xietong/dropped/<reason>``,
    ``xietong/limits/max_depth`` (links not followed), each also per source.
    """

    name = "sources"

    def __init__(
        self, sources: str | None = None, only: str = "", substitutions: str = "{}", **kwargs: Any
    ):
        super().__init__(**kwargs)
        self.sources_path = sources
        self.only = [name for name in only.split(",") if name]
        self.substitutions: dict[str, str] = json.loads(substitutions) if substitutions else {}
        self.sources: dict[str, Source] = {}
        self.max_xml_size = 0
        # Per source: the link extractor (its patterns compiled once) and the hosts it keeps.
        self.link_rules: dict[str, tuple[LinkExtractor, set[str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourcesSpider:
        """Build the spider and load its sources (a bad file fails here, before any fetch)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        path = spider.sources_path or settings.get("XIETONG_SOURCES")
        loaded = load_sources(path, spider.substitutions)
        spider.sources = {s.name: s for s in loaded if not spider.only or s.name in spider.only}
        spider.max_xml_size = settings.getint("DOWNLOAD_MAXSIZE")
        return spider

    # --- entry points ----------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        """Request every start page, feed and sitemap of every source."""
        for source in self.sources.values():
            logger.info("source %s: %d entry URLs", source.name, len(source.entry_urls))
            for url in source.start_urls:
                yield self._request(url, source, self.parse_page, depth=0)
            for url in source.feeds:
                yield self._request(url, source, self.parse_feed, depth=0)
            for url in source.sitemaps:
                yield self._request(url, source, self.parse_sitemap, depth=0)

    def _request(self, url: str, source: Source, callback: Any, depth: int, **meta: Any) -> Request:
        if source.render and callback in (self.parse_page, self.parse_next_page):
            meta[request_meta.BROWSER] = True  # scrapy-playwright renders it (`render = true`)
        return Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta={request_meta.SOURCE: source.name, request_meta.SOURCE_DEPTH: depth, **meta},
        )

    def _source(self, response: Response) -> Source:
        return self.sources[response.meta[request_meta.SOURCE]]

    def _count(self, group: str, reason: str, source: Source) -> None:
        stats.count_reason(self.crawler.stats, group, reason, source.name)

    def _count_error(self, kind: str, source: Source) -> None:
        self._count(stats.ERROR_KINDS, kind, source)
        stats.count_source(self.crawler.stats, source.name, stats.ERRORS)

    def _count_page(self, source: Source) -> None:
        stats.count_source(self.crawler.stats, source.name, stats.PAGES)

    def _link_request(self, url: str, source: Source, depth: int, **meta: Any) -> Request:
        """Request a link found on a page, feed or sitemap (the middlewares may skip it)."""
        meta[request_meta.FOLLOWED_LINK] = True
        if source.refresh:
            meta[request_meta.REFRESH] = True
        return self._request(url, source, self.parse_page, depth=depth, **meta)

    # --- listing and article pages ---------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Request | Article]:
        """Yield the page as an Article candidate and follow its links within the source.

        A column list's other pages (its CMS's paging, see :mod:`crawler.discover.paging`)
        are read one after another at the list's own depth, up to the source's
        ``max_pages``; a walk stops early at a page listing only archived items or items
        older than the source's ``since``.
        """
        source = self._source(response)
        self._count_page(source)
        if not self._is_html(response, source):
            return
        assert isinstance(response, TextResponse)
        html = self._text(response, source)
        family = self._note_page_kind(html, response.url, source)
        depth = response.meta.get(request_meta.SOURCE_DEPTH, 0)
        paging = column_paging(html, response.url, family) if depth < source.max_depth else None
        pagination = find_pagination(html, response.url)
        column = set(paging.pages) if paging else set()
        if pagination is not None and {url for _, url in pagination.pages} <= column | {
            response.url
        }:
            pagination = None  # the numbered pages of a column list, not of one article
        exclude = column | ({url for _, url in pagination.pages} if pagination else set())
        yield from self._follow_links(response, source, exclude=exclude)
        if request_meta.COLUMN_PAGES in response.meta:
            yield from self._next_column_page(
                response,
                html,
                source,
                tuple(response.meta[request_meta.COLUMN_PAGES]),
                response.meta.get(request_meta.COLUMN_READ, 1),
                response.meta.get(request_meta.COLUMN_HOW, ""),
            )
        elif paging is not None:
            logger.info(
                "column of %d more pages (%s, %s): %s",
                len(paging.pages),
                paging.how,
                paging.family or "no known family",
                response.url,
            )
            yield from self._next_column_page(response, html, source, paging.pages, 1, paging.how)
        if not self._may_be_article(response.url, source):
            return
        item = self._new_item(response, source)
        if pagination is None:
            yield item
        elif pagination.is_first:
            yield from self._next_page(item, pagination.other_urls(), source)
        else:
            logger.debug(
                "page %d of a multi-page article, fetched with page 1: %s",
                pagination.current,
                response.url,
            )

    def _note_page_kind(self, html: str, url: str, source: Source) -> str | None:
        """Count the CMS family the page shows, and a script shell or captcha wall.

        Returns the family (None when none is recognised).
        """
        family = recognise_family(html)
        if family is not None:
            self._count(stats.FAMILIES, family, source)
        wall = page_wall(html)
        if wall is not None:
            counter = stats.CAPTCHAS if wall == "captcha" else stats.JS_SHELLS
            stats.count_source(self.crawler.stats, source.name, counter)
            logger.info("%s page (a browser would be needed): %s", wall, url)
        return family

    def _next_column_page(
        self,
        response: TextResponse,
        html: str,
        source: Source,
        remaining: tuple[str, ...],
        read: int,
        how: str,
    ) -> Iterator[Request]:
        """Request the column's next page unless ``max_pages`` or ``since`` says stop."""
        if not remaining:
            return
        if read >= source.max_pages:
            self._count(stats.PAGING, stats.STOPPED_MAX_PAGES, source)
            logger.info("column paging stopped at %d pages (max_pages): %s", read, response.url)
            return
        items = listed_items(html, response.url)
        dated = [item.published_on for item in items if item.published_on]
        if source.since and dated and all(day < source.since for day in dated):
            self._count(stats.PAGING, stats.STOPPED_SINCE, source)
            logger.info(
                "column paging stopped: every item is older than %s: %s",
                source.since,
                response.url,
            )
            return
        self._count(stats.PAGING, how, source)
        callback = self.parse_list_api if how == "list_api" else self.parse_page
        yield self._request(
            remaining[0],
            source,
            callback,
            depth=response.meta.get(request_meta.SOURCE_DEPTH, 0),
            **{
                request_meta.COLUMN_PAGES: remaining[1:],
                request_meta.COLUMN_READ: read + 1,
                request_meta.COLUMN_HOW: how,
                request_meta.LISTED_URLS: [canonical_url(item.url) for item in items],
                request_meta.REFRESH: source.refresh,
            },
        )

    def parse_list_api(self, response: Response) -> Iterator[Request]:
        """Follow the items of one page of a column's list API (JSON or an HTML fragment)."""
        source = self._source(response)
        self._count_page(source)
        depth = response.meta.get(request_meta.SOURCE_DEPTH, 0)
        _, hosts = self._link_rules(source)
        try:
            data = json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            data = None
        if data is None and isinstance(response, TextResponse):
            links = [link.url for link in self._link_rules(source)[0].extract_links(response)]
        else:
            links = [urljoin(response.url, u) for u in json_links(data)]
        links = [
            url
            for url in dict.fromkeys(links)
            if urlsplit(url).netloc.lower() in hosts and not NOT_PAGES.search(url)
        ]
        if not links:
            logger.info("list API page lists nothing, column done: %s", response.url)
            return
        for url in links:
            yield self._link_request(url, source, depth + 1)
        remaining = tuple(response.meta.get(request_meta.COLUMN_PAGES) or ())
        read = response.meta.get(request_meta.COLUMN_READ, 1)
        if not remaining:
            return
        if read >= source.max_pages:
            self._count(stats.PAGING, stats.STOPPED_MAX_PAGES, source)
            return
        self._count(stats.PAGING, "list_api", source)
        yield self._request(
            remaining[0],
            source,
            self.parse_list_api,
            depth=depth,
            **{
                request_meta.COLUMN_PAGES: remaining[1:],
                request_meta.COLUMN_READ: read + 1,
                request_meta.COLUMN_HOW: "list_api",
                request_meta.LISTED_URLS: [canonical_url(url) for url in links],
            },
        )

    def _next_page(
        self, item: Article, remaining: list[str], source: Source
    ) -> Iterator[Request | Article]:
        if not remaining:
            yield item
            return
        request = self._request(
            remaining[0],
            source,
            self.parse_next_page,
            depth=source.max_depth,
            **{request_meta.ARTICLE_PART_OF: item.url},
        )
        request.dont_filter = True
        request.errback = self.next_page_failed
        request.cb_kwargs.update({"item": item, "remaining": remaining[1:]})
        yield request

    def parse_next_page(
        self, response: Response, item: Article, remaining: list[str]
    ) -> Iterator[Request | Article]:
        """Add a later page of a multi-page article; yield the article after its last page."""
        source = self._source(response)
        self._count_page(source)
        if self._is_html(response, source):
            item.raw_pages.append(response.body)
            item.page_urls.append(response.url)
        yield from self._next_page(item, remaining, source)

    def next_page_failed(self, failure: Failure) -> Iterator[Article]:
        """Store what we have of a multi-page article when a later page fails."""
        self.on_error(failure)
        request = failure.request  # type: ignore[attr-defined]
        item: Article = request.cb_kwargs["item"]
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stats.MULTIPAGE_INCOMPLETE)
        logger.warning(
            "page of a multi-page article failed, storing %d pages: %s",
            len(item.raw_pages),
            request.url,
        )
        yield item

    def _new_item(self, response: Response, source: Source) -> Article:
        return Article(
            url=response.url,
            source=source.name,
            fetched_at=_now(),
            kind="" if source.kind == "auto" else source.kind,
            site=source.site_name,
            page_urls=[response.url],
            raw_pages=[response.body],
            declared_encoding=source.encoding or _header_charset(response),
            selectors=dict(source.selectors),
            feed_published_at=response.meta.get("feed_published_at"),
            require_topics=source.require_topics,
        )

    def _may_be_article(self, url: str, source: Source) -> bool:
        if not source.article_urls:
            return True  # the cleaner judges
        return any(re.search(pattern, url) for pattern in source.article_urls)

    def _is_html(self, response: Response, source: Source) -> bool:
        content_type = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
        if content_type and content_type not in HTML_TYPES:
            self._count(stats.DROPPED, "not_html", source)
            logger.info("not an HTML page (%s): %s", content_type.decode("latin-1"), response.url)
            return False
        if not isinstance(response, TextResponse) or not response.body.strip():
            self._count(stats.DROPPED, "empty", source)
            logger.info("empty or non-text response: %s", response.url)
            return False
        return True

    def _text(self, response: TextResponse, source: Source) -> str:
        if source.encoding:
            return response.body.decode(source.encoding, errors="replace")
        return response.text

    def _follow_links(
        self, response: TextResponse, source: Source, exclude: set[str]
    ) -> Iterator[Request]:
        depth = response.meta.get(request_meta.SOURCE_DEPTH, 0)
        if depth >= source.max_depth:
            if source.article_urls and not self._may_be_article(response.url, source):
                # A listing page at the depth limit: its links stay unfollowed (this is
                # what stops an endless calendar trap).
                self._count(stats.LIMITS, "max_depth", source)
            return
        extractor, hosts = self._link_rules(source)
        for link in extractor.extract_links(response):
            url = link.url
            if url in exclude or NOT_PAGES.search(url) or urlsplit(url).netloc.lower() not in hosts:
                continue
            yield self._link_request(url, source, depth + 1)

    def _link_rules(self, source: Source) -> tuple[LinkExtractor, set[str]]:
        """Return the source's link extractor and own hosts, built at its first page."""
        rules = self.link_rules.get(source.name)
        if rules is None:
            extractor = LinkExtractor(allow=source.follow or (), deny_extensions=[], unique=True)
            rules = self.link_rules[source.name] = (extractor, source.hosts())
        return rules

    # --- feeds and sitemaps ------------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[Request]:
        """Request the article page of every entry of an RSS or Atom feed (feedparser)."""
        source = self._source(response)
        self._count_page(source)
        body = self._unzipped(response, source)
        if body is None:
            return
        feed = feedparser.parse(body)
        if not feed.entries and feed.bozo:
            self._bad_xml(response, source)
            return
        entries = 0
        for entry in feed.entries:
            link = article_link(entry)
            if not link:
                continue
            entries += 1
            yield self._link_request(
                urljoin(response.url, link),
                source,
                source.max_depth,
                feed_published_at=entry_date(entry),
            )
        logger.info("feed of %s: %d entries: %s", source.name, entries, response.url)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """Request the pages of a sitemap, or the sitemaps of a sitemap index."""
        source = self._source(response)
        self._count_page(source)
        body = self._unzipped(response, source)
        if body is None:
            return
        try:
            sitemap = Sitemap(body)
        except (lxml.etree.XMLSyntaxError, StopIteration):
            self._bad_xml(response, source)
            return
        if sitemap.type not in ("urlset", "sitemapindex"):
            self._bad_xml(response, source)
            return
        for entry in sitemap:
            url = urljoin(response.url, entry["loc"])
            if sitemap.type == "sitemapindex":
                yield self._request(url, source, self.parse_sitemap, depth=0)
            else:
                yield self._link_request(url, source, source.max_depth)

    def _unzipped(self, response: Response, source: Source) -> bytes | None:
        """Return the body of a feed or sitemap, inflated if gzipped, at most DOWNLOAD_MAXSIZE.

        A ``.xml.gz`` file served as it is (not with ``Content-Encoding: gzip``, which
        Scrapy's own middleware inflates under the same cap) is inflated here.
        """
        if not gzip_magic_number(response):
            return response.body
        try:
            return gunzip(response.body, max_size=self.max_xml_size)
        except ValueError:  # Scrapy's "decompressed past max_size" error is a ValueError
            self._count_error("too_large", source)
            self.crawler.stats.inc_value(stats.SITEMAP_TOO_LARGE)  # type: ignore[union-attr]
            logger.warning(
                "gzip feed or sitemap inflates past DOWNLOAD_MAXSIZE (%d bytes), skipped: %s",
                self.max_xml_size,
                response.url,
            )
        except (OSError, EOFError, struct.error):  # not gzip after all, or cut short
            self._bad_xml(response, source)
        return None

    def _bad_xml(self, response: Response, source: Source) -> None:
        self._count_error("bad_xml", source)
        logger.warning("feed or sitemap is not XML: %s", response.url)

    # --- failures ----------------------------------------------------------------------------
    def on_error(self, failure: Failure) -> None:
        """Log and count a failed request; the crawl goes on."""
        if failure.check(OffsiteRedirect):
            return  # logged and counted as a drop where it was decided
        request = failure.request  # type: ignore[attr-defined]
        source = self.sources.get(request.meta.get(request_meta.SOURCE, ""))
        kind = error_kind(failure)
        assert self.crawler.stats is not None
        if source is None:
            self.crawler.stats.inc_value(stats.reason_key(stats.ERROR_KINDS, kind))
        else:
            self._count_error(kind, source)
        logger.warning("fetch failed (%s): %s", kind, request.url)


# Keys of a list API's JSON whose string values are the items' page links.
JSON_LINK_KEYS = re.compile(
    r"^(?:url|link|href|path|docurl|pageurl|linkurl|detailurl|art_?url)$", re.I
)


def json_links(data: Any) -> list[str]:
    """Return the item links of a list API's JSON answer, in order (any nesting)."""
    found: list[str] = []
    stack = [data]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and JSON_LINK_KEYS.match(key) and value.strip():
                    found.append(value.strip())
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def article_link(entry: feedparser.FeedParserDict) -> str | None:
    """Return the link of a feed entry's article page, never an enclosure (image, audio).

    feedparser keeps every ``<link>`` of an Atom entry in ``links``; the article is the
    ``alternate`` one (the default relation), whichever order the links come in.
    """
    for link in entry.get("links") or ():
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    link = entry.get("link")
    return str(link) if link else None


def entry_date(entry: feedparser.FeedParserDict) -> str | None:
    """Return a feed entry's date as ISO 8601 in China Standard Time, like page dates."""
    for name in ("published", "updated", "created"):
        value = entry.get(name)
        if value:
            date = parse_feed_date(str(value))
            if date:
                return date
    return None

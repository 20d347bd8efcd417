"""Send the demo's requests for its stable host names to the local demo proxy."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request

from crawler.demo.server import site_of_host


class DemoProxyMiddleware:
    """Route requests for ``<site>.xietong-demo.invalid`` through the demo's proxy server.

    Runs before Scrapy's HttpProxyMiddleware, which then sends the request (robots.txt
    included) to the proxy; every other host is left alone.
    Settings: ``XIETONG_DEMO_PROXY_URL`` (empty: off, NotConfigured).
    """

    def __init__(self, proxy_url: str):
        self.proxy_url = proxy_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DemoProxyMiddleware:
        """Build the middleware when a demo proxy is set."""
        proxy_url = crawler.settings.get("XIETONG_DEMO_PROXY_URL")
        if not proxy_url:
            raise NotConfigured("XIETONG_DEMO_PROXY_URL is not set")
        return cls(proxy_url)

    def process_request(self, request: Request) -> None:
        """Point a request for a demo host name at the proxy."""
        if site_of_host(urlsplit(request.url).netloc):
            request.meta["proxy"] = self.proxy_url

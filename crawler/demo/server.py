"""Serve the bundled fixture sites on loopback, one HTTP server per site on its own port.

Every folder under the root that holds a ``_site.toml`` is a site. Files are served as they
are on disk (their bytes are the encoding under test); ``_site.toml`` says which charset the
``Content-Type`` header of ``.html`` files names, if any, and may override content types per
file name. Run ``python -m crawler.demo.server`` to print the base URLs as one line of JSON
and serve until SIGTERM or SIGINT.

Ports change from run to run, so the demo crawls each site under a stable host name,
``http://<site>.xietong-demo.invalid``, through one more server that acts as their HTTP
proxy (``DemoSites.proxy_url``): a second demo run meets the same URLs and adds nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import signal
import sys
import threading
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import FrameType, TracebackType
from urllib.parse import unquote, urlsplit

from crawler.demo import SITES_DIR

logger = logging.getLogger(__name__)

DEFAULT_ROOT = SITES_DIR
# Stable host names of the demo sites: <site>.DEMO_DOMAIN. ".invalid" never resolves (RFC
# 2606), so a request that misses the demo proxy fails at once instead of reaching the web.
DEMO_DOMAIN = "xietong-demo.invalid"
SITE_CONFIG = "_site.toml"
HOST = "127.0.0.1"
# How often an idle server checks for shutdown: stop() waits up to this long per site.
POLL_INTERVAL = 0.05

# Content types by file extension; .html also gets the site's charset parameter, if it has one.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",  # server-side includes, common on Chinese portals
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".css": "text/css",
    ".js": "application/javascript",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"


class SiteConfigError(ValueError):
    """A site's ``_site.toml`` is missing, unreadable or has a field of the wrong type."""


@dataclass(frozen=True)
class SiteConfig:
    """How one fixture site is served, read from its ``_site.toml``."""

    name: str
    root: Path
    charset: str | None = None
    content_types: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> SiteConfig:
        """Read the ``_site.toml`` of the site folder ``root``."""
        path = root / SITE_CONFIG
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise SiteConfigError(f"{path}: {error}") from error
        charset = data.get("charset")
        if charset is not None and not isinstance(charset, str):
            raise SiteConfigError(f"{path}: charset must be a string")
        content_types = data.get("content_types", {})
        if not isinstance(content_types, dict) or not all(
            isinstance(value, str) for value in content_types.values()
        ):
            raise SiteConfigError(f"{path}: content_types must map file names to strings")
        return cls(root.name, root, charset, dict(content_types))

    def content_type(self, file: Path) -> str:
        """Return the Content-Type header value for a file of this site."""
        if file.name in self.content_types:
            return self.content_types[file.name]
        value = CONTENT_TYPES.get(file.suffix.lower(), FALLBACK_CONTENT_TYPE)
        if value == "text/html" and self.charset:
            value = f"{value}; charset={self.charset}"
        return value


class RequestCounter:
    """Thread-safe count of requests per site and path (query strings ignored)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {}

    def add(self, site: str, path: str) -> None:
        """Count one request."""
        with self._lock:
            self._counts.setdefault(site, Counter())[path] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Return a copy of the counts: site name -> path -> requests."""
        with self._lock:
            return {site: dict(counts) for site, counts in self._counts.items()}

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._counts.clear()


def is_hidden(relative: PurePosixPath) -> bool:
    """Tell whether a path is server configuration or build tooling, never served."""
    return any(part.startswith(("_", ".")) for part in relative.parts) or relative.suffix == ".py"


def resolve_file(site: SiteConfig, url_path: str) -> Path | None:
    """Map a URL path to a file of the site, or None when nothing may be served there."""
    path = unquote(urlsplit(url_path).path)
    relative = PurePosixPath(path.lstrip("/"))
    if ".." in relative.parts or is_hidden(relative):
        return None
    target = site.root / relative
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    try:
        target = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_file() or not target.is_relative_to(site.root.resolve()):
        return None
    return target


def stable_base_url(site: str) -> str:
    """Return the base URL a site keeps across demo runs (reached through the demo proxy)."""
    return "http://%s.%s" % (site, DEMO_DOMAIN)


def site_of_host(host: str) -> str | None:
    """Return the site name of a stable host name (``hebnews.xietong-demo.invalid``), or None."""
    name, _, domain = host.partition(":")[0].lower().partition(".")
    return name if domain == DEMO_DOMAIN and name else None


def make_handler(site: SiteConfig, counter: RequestCounter) -> type[BaseHTTPRequestHandler]:
    """Build a request handler class bound to one site."""
    return _handler(lambda handler: site, counter)


def make_proxy_handler(
    sites: dict[str, SiteConfig], counter: RequestCounter
) -> type[BaseHTTPRequestHandler]:
    """Build a handler that serves each site under its stable host name, as an HTTP proxy.

    A client sends a proxy the absolute URL (``GET http://hebnews.xietong-demo.invalid/…``);
    a plain request names the site in its ``Host`` header. Other hosts get a 404.
    """

    def pick(handler: BaseHTTPRequestHandler) -> SiteConfig | None:
        host = urlsplit(handler.path).netloc or handler.headers.get("Host", "")
        name = site_of_host(host)
        return sites.get(name) if name else None

    return _handler(pick, counter)


def _handler(
    pick: Callable[[BaseHTTPRequestHandler], SiteConfig | None], counter: RequestCounter
) -> type[BaseHTTPRequestHandler]:
    class SiteRequestHandler(BaseHTTPRequestHandler):
        """Serve fixture site files with GET and HEAD; quiet on stdout."""

        server_version = "XietongDemo/1.0"

        def do_GET(self) -> None:
            self._respond(send_body=True)

        def do_HEAD(self) -> None:
            self._respond(send_body=False)

        def _respond(self, *, send_body: bool) -> None:
            site = pick(self)
            if site is None:
                self._send_not_found(send_body=send_body)
                return
            counter.add(site.name, urlsplit(self.path).path)
            file = resolve_file(site, self.path)
            if file is None:
                self._send_not_found(send_body=send_body)
                return
            body = file.read_bytes()
            etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", site.content_type(file))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def _send_not_found(self, *, send_body: bool) -> None:
            body = b"<html><body><h1>404 Not Found</h1></body></html>"
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            logger.debug("%s", format % args)

    return SiteRequestHandler


def discover_sites(root: Path) -> list[SiteConfig]:
    """Return the site folders under root (those holding a ``_site.toml``), sorted by name."""
    if not root.is_dir():
        raise SiteConfigError(f"{root}: not a directory")
    return [
        SiteConfig.load(child)
        for child in sorted(root.iterdir())
        if child.is_dir() and (child / SITE_CONFIG).is_file()
    ]


class DemoSites:
    """Serve every fixture site under ``root`` on 127.0.0.1, each on a free port.

    Use as a context manager, or call ``start()`` and ``stop()``. ``base_urls`` maps site name
    to ``http://127.0.0.1:PORT``; ``stable_urls`` maps it to the host name the site keeps
    across runs, served through ``proxy_url`` (an HTTP proxy for those names);
    ``request_counts`` maps site name to path to the number of requests served (including
    404s), for tests of incremental crawls.
    """

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else DEFAULT_ROOT
        self.base_urls: dict[str, str] = {}
        self.stable_urls: dict[str, str] = {}
        self.proxy_url = ""
        self._counter = RequestCounter()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []

    @property
    def request_counts(self) -> dict[str, dict[str, int]]:
        """Return a snapshot of the requests served: site name -> path -> count."""
        return self._counter.snapshot()

    def reset_counts(self) -> None:
        """Forget the requests counted so far."""
        self._counter.reset()

    def url(self, site: str, path: str = "/") -> str:
        """Return the absolute URL of a path on a site."""
        return self.base_urls[site] + "/" + path.lstrip("/")

    def start(self) -> DemoSites:
        """Start one server thread per site; return self."""
        if self._servers:
            return self
        self.base_urls = {}
        try:
            sites = discover_sites(self.root)
            for site in sites:
                self.base_urls[site.name] = self._serve(
                    make_handler(site, self._counter), site.name
                )
                self.stable_urls[site.name] = stable_base_url(site.name)
                logger.debug(
                    "serving %s from %s at %s", site.name, site.root, self.base_urls[site.name]
                )
            by_name = {site.name: site for site in sites}
            self.proxy_url = self._serve(make_proxy_handler(by_name, self._counter), "proxy")
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, handler: type[BaseHTTPRequestHandler], name: str) -> str:
        """Start one server thread on a free port; return its base URL."""
        server = ThreadingHTTPServer((HOST, 0), handler)
        server.daemon_threads = True
        self._servers.append(server)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"demo-site-{name}",
            daemon=True,
        )
        thread.start()
        self._threads.append(thread)
        return f"http://{HOST}:{server.server_address[1]}"

    def stop(self) -> None:
        """Shut every server down and release its port."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join()
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> DemoSites:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Serve the demo sites, print their base URLs as one JSON line, wait for a signal."""
    parser = argparse.ArgumentParser(
        prog="python -m crawler.demo.server",
        description="Serve the fixture sites on 127.0.0.1. "
        "Example: python -m crawler.demo.server --root crawler/demo/sites",
    )
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="folder of site folders")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        sites = DemoSites(args.root).start()
    except (SiteConfigError, OSError) as error:
        print(f"demo_server: {error}", file=sys.stderr)
        return 1
    try:
        print(json.dumps(sites.base_urls), flush=True)
        stopping.wait()
    finally:
        sites.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``xietong serve``: datasette over the archive, with our metadata and search plugin.

datasette runs in this process, not through its own CLI, so that the plugin module
(``crawler.web.plugin``) is registered with datasette's plugin manager directly and
needs no install-time entry point, and so that the archive is always named ``xietong``:
the metadata's table options and canned queries are keyed by that name, whatever the file
is called.
"""

from __future__ import annotations

import asyncio
import html
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import parse_metadata

from crawler.archive import open_database
from crawler.text.topics import vocabulary
from crawler.web import pages as datasette_pages
from crawler.web import plugin as datasette_plugin
from crawler.web.row_counts import ArchiveDatabase

logger = logging.getLogger(__name__)

DATABASE_NAME = "xietong"
METADATA_PATH = Path(__file__).resolve().parent / "metadata.yml"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
# datasette settings (0.65 names). Facets over ~100,000 rows need more than the default
# 200 ms; suggested facets are off because computing them scans every column of a big table.
SETTINGS: dict[str, Any] = {
    "facet_time_limit_ms": 1000,
    "sql_time_limit_ms": 3000,
    "suggest_facets": False,
    "default_page_size": 50,
    # A table page and a query show the first characters of a long text (a body, an
    # attachment's text) and an ellipsis; the row page, JSON and CSV keep the whole value.
    "truncate_cells_html": 100,
}
# datasette adds an empty in-memory database when it is given no files; we add ours after.
MEMORY_DATABASE = "_memory"


class ArchiveNotFoundError(FileNotFoundError):
    """The archive file to serve does not exist."""


# Canned queries whose page lists the topics and regions they know, each a link that runs it.
QUERIES_LISTING_TAGS = ("articles_by_topic_and_region", "search")
TAGGED_QUERY = "articles_by_topic_and_region"


def known_tags_html() -> str:
    """Return HTML listing every topic and region the tagger knows, each linked to its articles."""
    words = vocabulary()
    topics = [topic.name for topic in words.topics]
    # Only names the tagger reports (a district reports its city, so it is not listed).
    reported = {name for names in words.region_names.values() for name in names}
    regions = sorted(reported, key=lambda name: (words.region_order.get(name, 0), name))

    def links(parameter: str, names: list[str]) -> str:
        return "、".join(
            '<a href="/%s/%s?%s">%s</a>'
            % (
                DATABASE_NAME,
                TAGGED_QUERY,
                html.escape(urlencode({"topic": "", "region": "", parameter: name})),
                html.escape(name),
            )
            for name in names
        )

    return (
        "<p>Either script and a prefix work: 交通一體化, 雄安新區, 雄安.</p>"
        "<p>Topics: %s</p><p>Regions: %s</p>" % (links("topic", topics), links("region", regions))
    )


def load_metadata(path: Path = METADATA_PATH) -> dict[str, Any]:
    """Read datasette's metadata (title, licence, facets, canned queries) from the repo.

    The pages of the tag queries also list the topics and regions of
    ``crawler/text/topics.toml``, so the list never falls behind the tagger.
    """
    metadata: dict[str, Any] = parse_metadata(path.read_text(encoding="utf-8"))
    queries = metadata["databases"][DATABASE_NAME]["queries"]
    for name in QUERIES_LISTING_TAGS:
        query = queries[name]
        query["description_html"] = "<p>%s</p>%s" % (
            html.escape(query.get("description", "")),
            known_tags_html(),
        )
    return metadata


def register_plugin() -> None:
    """Register the search and page plugins with datasette's plugin manager (once per process)."""
    for module in (datasette_plugin, datasette_pages):
        if not pm.is_registered(module):
            pm.register(module, name=module.PLUGIN_NAME)


def build_datasette(db_path: Path) -> Datasette:
    """Return a datasette instance serving the archive at ``db_path`` as ``xietong``.

    The archive's schema is brought up to date first (search index, week column), which
    also builds the search index of an archive created before it existed.
    """
    if not db_path.exists():
        raise ArchiveNotFoundError(
            "no archive at %s (run `xietong demo` or `xietong crawl` first)" % db_path
        )
    open_database(db_path).close()
    register_plugin()
    datasette = Datasette(
        [],
        metadata=load_metadata(),
        settings=SETTINGS,
        template_dir=str(datasette_pages.TEMPLATES_DIR),
    )
    datasette.add_database(
        ArchiveDatabase(datasette, path=str(db_path), is_mutable=True), name=DATABASE_NAME
    )
    if MEMORY_DATABASE in datasette.databases:
        datasette.remove_database(MEMORY_DATABASE)
    return datasette


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind and listen on ``host:port`` (port 0 picks a free one) before the server starts.

    Binding first lets us print the real address; connections made before the server
    loop runs wait in the listen backlog instead of being refused.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Name IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # accepted connections inherit it. With proto 0, Nagle's algorithm holds back the last
    # small chunk of a chunked response until the client's delayed ACK: +40 ms on every
    # request but the first of a kept-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def serve(
    db_path: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the archive until interrupted; call ``on_ready(url)`` once the port is bound."""
    import uvicorn

    datasette = build_datasette(db_path)
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    url = "http://%s:%d/%s" % (
        host if ":" not in host else "[%s]" % host,
        bound_port,
        DATABASE_NAME,
    )
    logger.info("serving %s at %s", db_path, url)
    if on_ready is not None:
        on_ready(url)
    config = uvicorn.Config(datasette.app(), lifespan="on", log_level="warning")
    server = uvicorn.Server(config)

    async def run() -> None:
        await datasette.invoke_startup()
        await server.serve(sockets=[sock])

    try:
        asyncio.run(run())
    finally:
        sock.close()

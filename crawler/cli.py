"""The ``xietong`` command line: one click group, verb subcommands."""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from crawler import settings as project_settings
from crawler import stats
from crawler.demo import DEMO_SOURCES
from crawler.ops.lock import ArchiveLockedError
from crawler.sources import SourceConfigError, load_sources

F = TypeVar("F", bound=Callable[..., Any])


# Exit statuses, the same for every command (cron and scripts tell them apart); 0 is done.
# A crash: Python's own status for an uncaught exception, with its traceback.
EXIT_CRASH = 1
# The user's mistake, as click gives it for a bad option: one line, no traceback.
EXIT_USER_MISTAKE = 2
# A crawl that finished but found an unhealthy source.
EXIT_SOURCE_HEALTH = 3

EXIT_STATUS_HELP = """\b
Exit status (every xietong command):
  0  done
  1  a crash: a traceback (please report it)
  2  your mistake, one line: a bad option, a missing or malformed file,
     an archive locked by a crawl, an unreachable Redis or scrapyd, a port in use
  3  a crawl finished, but a source needs a look (the warnings name it)
The archive is --db, else $XIETONG_DB, else data/xietong.db."""


class ConfigError(click.ClickException):
    """The user's mistake (arguments, files, configuration, a server they named): one line."""

    exit_code = EXIT_USER_MISTAKE


class XietongCommand(click.Command):
    """A command whose --help ends with the exit statuses every command shares."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EXIT_STATUS_HELP)
        super().__init__(*args, **kwargs)


class XietongGroup(click.Group):
    """A group whose commands and subgroups share the same --help epilog."""

    command_class = XietongCommand
    group_class = type

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", EXIT_STATUS_HELP)
        super().__init__(*args, **kwargs)


def _archive_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    """Return ``--db`` when given, else the ``XIETONG_DB`` setting (environment or default)."""
    return value if value is not None else Path(project_settings.XIETONG_DB)


def db_option(func: F) -> F:
    """Add ``--db PATH`` (the archive) to a command; it beats ``XIETONG_DB``."""
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        callback=_archive_path,
        help="SQLite archive file [default: $XIETONG_DB, else data/xietong.db].",
    )(func)


def sources_option(required: bool = True) -> Callable[[F], F]:
    """Add ``--sources FILE`` (a TOML sources file) to a command."""

    def decorate(func: F) -> F:
        return click.option(
            "--sources",
            "sources_path",
            type=click.Path(dir_okay=False, path_type=Path),
            required=required,
            help="TOML file with one [[sources]] table per site.",
        )(func)

    return decorate


def verbose_option(func: F) -> F:
    """Add ``--verbose`` (debug logging) to a command."""
    return click.option("--verbose", "-v", is_flag=True, help="Log more (Scrapy DEBUG level).")(
        func
    )


def parse_setting_overrides(values: tuple[str, ...]) -> dict[str, str]:
    """Turn ``NAME=VALUE`` strings (as ``scrapy crawl -s`` takes them) into a dict."""
    overrides = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise ConfigError("-s takes NAME=VALUE, got %r" % value)
        overrides[name] = setting
    return overrides


def redis_option(required: bool) -> Callable[[F], F]:
    """Add ``--redis URL`` (the Redis of a distributed crawl) to a command."""

    def decorate(func: F) -> F:
        return click.option(
            "--redis",
            "redis_url",
            required=required,
            metavar="URL",
            help="Redis of a distributed crawl, redis://HOST:PORT/DB.",
        )(func)

    return decorate


def check_redis(url: str) -> None:
    """Fail with one line when ``url`` is not a reachable Redis."""
    import redis

    from crawler.worker_queue import redis_client

    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("--redis takes redis://HOST:PORT/DB, got %r" % url)
    try:
        redis_client(url).ping()
    except (redis.RedisError, ValueError) as exc:
        raise ConfigError("cannot reach Redis at %s: %s" % (url, exc)) from None


@click.group(cls=XietongGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xietong")
def cli() -> None:
    """Xietong (协同): follow cooperation news and policy announcements.

    Crawl configured sites, clean and normalize their articles, merge copies of the same
    article, and keep them in a SQLite archive to search and export.
    """


def _print_summary(summary: Any) -> None:
    click.echo("")
    click.echo("finished: %s" % summary.finish_reason)
    click.echo(summary.table())
    for warning in getattr(summary, "warnings", ()):
        click.echo("warning: %s" % warning)
    warc_file = getattr(summary, "stats", {}).get(stats.WARC_FILE)
    if warc_file:
        click.echo(
            "kept %d responses (%d bytes) in %s"
            % (
                summary.stats.get(stats.WARC_RECORDS, 0),
                summary.stats.get(stats.WARC_BYTES, 0),
                warc_file,
            )
        )


def _exit_unless_healthy(summary: Any) -> None:
    """Exit with status 1 when the crawl never finished (it logged why), 3 on health warnings."""
    if not summary.finish_reason:
        click.echo("Error: the crawl stopped without finishing; the traceback is above", err=True)
        sys.exit(EXIT_CRASH)
    if getattr(summary, "warnings", None):
        sys.exit(EXIT_SOURCE_HEALTH)


@cli.command()
@db_option
@verbose_option
def demo(db: Path, verbose: bool) -> None:
    """Serve the bundled demo sites on 127.0.0.1 and crawl them into the archive.

    Each site keeps its URL from run to run (http://SITE.xietong-demo.invalid, served
    through a local proxy), so a second run adds nothing.

    Example: xietong demo --db data/xietong.db
    """
    from crawler.demo.server import DemoSites
    from crawler.ops.run import FULL_SPEED, run_crawl

    check_archive_to_write(db)
    with DemoSites() as sites:
        # The stable host names, not the ports of this run: a re-run meets the same URLs.
        substitutions = {"demo:%s" % name: base for name, base in sites.stable_urls.items()}
        for name, base in sorted(sites.stable_urls.items()):
            click.echo("serving %-8s as %s (also at %s)" % (name, base, sites.base_urls[name]))
        overrides: dict[str, Any] = dict(FULL_SPEED)
        overrides["LOG_LEVEL"] = "DEBUG" if verbose else "INFO"
        overrides["XIETONG_DEMO_PROXY_URL"] = sites.proxy_url
        try:
            summary = run_crawl(
                DEMO_SOURCES,
                db=db,
                overrides=overrides,
                substitutions=substitutions,
                quiet=not verbose,
            )
        except (SourceConfigError, ArchiveLockedError) as exc:
            raise ConfigError(str(exc)) from None
    _print_summary(summary)
    click.echo("archive: %s" % db)
    _exit_unless_healthy(summary)


@cli.command()
@sources_option()
@click.option("--only", multiple=True, metavar="NAME", help="Crawl only this source (repeatable).")
@db_option
@click.option(
    "-s",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Scrapy setting override (repeatable).",
)
@redis_option(required=False)
@verbose_option
def crawl(
    sources_path: Path,
    only: tuple[str, ...],
    db: Path,
    settings: tuple[str, ...],
    redis_url: str | None,
    verbose: bool,
) -> None:
    """Crawl the sources in a TOML file into the archive.

    With --redis the process is one worker of a distributed crawl: start the same command
    on any number of machines; they share one queue, and `xietong ingest` stores what
    they find.

    Example: xietong crawl --sources sources/jingjinji.toml --only hebnews -s DOWNLOAD_DELAY=2
    """
    from crawler.ops.run import run_crawl

    overrides: dict[str, Any] = parse_setting_overrides(settings)
    if verbose:
        overrides.setdefault("LOG_LEVEL", "DEBUG")
    if redis_url:
        check_redis(redis_url)
        overrides["XIETONG_REDIS_URL"] = redis_url
    else:
        check_archive_to_write(db)
    try:
        summary = run_crawl(sources_path, db=db, only=only, overrides=overrides)
    except (SourceConfigError, ArchiveLockedError) as exc:
        raise ConfigError(str(exc)) from None
    _print_summary(summary)
    if redis_url:
        queued = summary.stats.get(stats.REDIS_QUEUED_ITEMS, 0)
        click.echo("queued %d articles at %s for `xietong ingest`" % (queued, redis_url))
    _exit_unless_healthy(summary)


# A page whose first bytes hold this share of control characters (other than whitespace) is
# binary, not text: HTML in any encoding but UTF-16 has almost none.
BINARY_CONTROL_SHARE = 0.01
BINARY_SNIFF_BYTES = 8192
CONTROL_BYTES = frozenset(range(32)) - {9, 10, 12, 13}
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_page(page: Path, max_size: int) -> bytes:
    """Read a saved page for ``extract``; one clear line (exit 2) when it cannot be a page.

    The size is checked before anything is read: the crawl refuses pages over its
    DOWNLOAD_MAXSIZE, and so does ``extract``.
    """
    size = page.stat().st_size
    if size > max_size:
        raise ConfigError(
            "%s is %d bytes, over the crawl's page cap of %d bytes (DOWNLOAD_MAXSIZE)"
            % (page, size, max_size)
        )
    if size == 0:
        raise ConfigError("%s is empty, not an HTML page" % page)
    content = page.read_bytes()
    head = content[:BINARY_SNIFF_BYTES]
    if not head.startswith(UTF16_BOMS):
        controls = sum(1 for byte in head if byte in CONTROL_BYTES)
        if b"\x00" in head or controls > BINARY_CONTROL_SHARE * len(head):
            raise ConfigError("%s is a binary file, not an HTML page" % page)
    return content


@cli.command()
@click.argument("page", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--url", default="", help="The URL the page was fetched from (resolves links, names the site)."
)
@click.option("--json", "as_json", is_flag=True, help="Print all metadata as one JSON object.")
@click.option("--encoding", default=None, help="Charset the server declared, if known.")
def extract(page: Path, url: str, as_json: bool, encoding: str | None) -> None:
    """Clean one saved HTML page and print its article text (or all metadata with --json).

    A page the crawl would not clean either (empty, binary, no HTML, a feed, sitemap, XML or
    JSON document, or larger than DOWNLOAD_MAXSIZE) is refused with one line. A reader of
    the cleaner that fails on the page leaves its fields empty and is named in the JSON's
    ``warnings``.

    Example: xietong extract saved/page.html --url https://example.com/a.html --json
    """
    from crawler import settings as crawl_settings
    from crawler.clean.extract import extract_article, extraction_to_json

    content = read_page(page, crawl_settings.DOWNLOAD_MAXSIZE)
    result = extract_article(content, url, declared_encoding=encoding)
    if result.document_kind != "html":
        raise ConfigError("%s: %s, not an HTML page; nothing to clean" % (page, result.error))
    if result.error is not None:
        raise ConfigError("%s: no HTML to clean (%s)" % (page, result.error))
    if as_json:
        click.echo(json.dumps(extraction_to_json(result), ensure_ascii=False, indent=1))
    else:
        click.echo(result.body)


@cli.group()
def sources() -> None:
    """Work with sources files."""


@sources.command("check")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@db_option
def sources_check(path: Path, db: Path) -> None:
    """Validate a sources file and list its sources, with what their last crawl found.

    For each source crawled into the archive (--db): the CMS family recognised on its
    pages (trs, vsb, jeecms, ucap, gd_site_group …, or "unknown"), how its column lists
    were paged, and the script shells and captcha walls met (pages a browser would be
    needed for).

    Example: xietong sources check sources/jingjinji.toml --db data/xietong.db
    """
    from crawler.archive import open_database
    from crawler.archive.runs import latest_source_runs
    from crawler.demo.server import DEFAULT_ROOT, discover_sites

    # {demo:NAME} is filled by `xietong demo` with the site's stable demo URL; any bundled site is valid.
    demo_sites = {
        "demo:%s" % site.name: "http://127.0.0.1" for site in discover_sites(DEFAULT_ROOT)
    }
    try:
        loaded = load_sources(path, demo_sites)
    except SourceConfigError as exc:
        raise ConfigError(str(exc)) from None
    last_runs: dict[str, dict[str, Any]] = {}
    if db.is_file():
        require_archive(db)
        archive = open_database(db)
        try:
            last_runs = latest_source_runs(archive)
        finally:
            archive.close()
    for source in loaded:
        entry = ", ".join(
            part
            for part in (
                "%d start URLs" % len(source.start_urls) if source.start_urls else "",
                "%d feeds" % len(source.feeds) if source.feeds else "",
                "%d sitemaps" % len(source.sitemaps) if source.sitemaps else "",
            )
            if part
        )
        flag = "" if source.verified else "  (not verified offline)"
        click.echo("%-16s %-6s %s%s" % (source.name, source.kind, entry, flag))
        run = last_runs.get(source.name)
        if run is None:
            click.echo("  family: not crawled yet")
            continue
        paging = ", ".join("%s %d" % (k, v) for k, v in sorted(run["paging"].items())) or "none"
        click.echo(
            "  family: %s; column paging: %s; script shells: %d; captcha walls: %d (crawl of %s)"
            % (
                run["family"] or "unknown",
                paging,
                run["js_shells"],
                run["captchas"],
                run["started_at"],
            )
        )
    click.echo("%s: %d sources, all valid" % (path, len(loaded)))


@cli.command()
@db_option
@sources_option(required=False)
@click.option("--source", default=None, metavar="NAME", help="Only this source's pages.")
@click.option(
    "--since",
    default=None,
    metavar="DATE",
    help="Only pages fetched on or after this date (YYYY-MM-DD).",
)
@verbose_option
def reclean(
    db: Path, sources_path: Path | None, source: str | None, since: str | None, verbose: bool
) -> None:
    """Clean the pages kept in the crawls' WARC files again with the current cleaner.

    Changed texts revise their articles (the old text kept in article_revisions), a
    better title, date or outlet is written the same way, and pages the cleaner once
    failed on are stored. Nothing is fetched. The WARC files are read from
    XIETONG_WARC_DIR, else the warc/ folder beside the archive. Each page is cleaned
    with its source's settings as crawled (kind, encoding, selectors, require_topics),
    or as --sources FILE now says for the sources it names.

    Example: xietong reclean --db data/xietong.db --source hebnews --since 2024-01-01
    """
    from datetime import date

    from crawler.ops.lock import ArchiveLock
    from crawler.ops.reclean import reclean as reclean_archive
    from crawler.ops.warc import cleaning_settings, warc_files, warc_folder

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
    )
    if since is not None:
        try:
            date.fromisoformat(since)
        except ValueError:
            raise ConfigError("--since takes a date YYYY-MM-DD, got %r" % since) from None
    overrides = None
    if sources_path is not None:
        try:
            loaded = load_sources(sources_path, {})
        except SourceConfigError as exc:
            raise ConfigError(str(exc)) from None
        overrides = cleaning_settings({s.name: s for s in loaded})
    require_archive(db)
    folder = warc_folder(db, project_settings.XIETONG_WARC_DIR or None)
    if not warc_files(folder):
        raise ConfigError("no WARC files in %s (crawl with XIETONG_WARC_ENABLED on first)" % folder)
    lock = ArchiveLock(db)
    try:
        lock.acquire()
    except ArchiveLockedError as exc:
        raise ConfigError(str(exc)) from None
    try:
        summary = reclean_archive(db, folder, source=source, since=since, settings=overrides)
    finally:
        lock.release()
    for line in summary.lines():
        click.echo(line)


# --- serve and digest (crawler/web/serve.py, exports/digest.py) ---------------------------------
SQLITE_HEADER = b"SQLite format 3\x00"


def require_archive(db: Path) -> None:
    """Fail with one line (exit 2) unless ``db`` is an existing SQLite file."""
    if not db.exists():
        raise ConfigError("no archive at %s (run `xietong demo` or `xietong crawl` first)" % db)
    check_archive_to_write(db)


def check_archive_to_write(db: Path) -> None:
    """Fail with one line (exit 2) when ``db`` is no SQLite file (empty is new) or cannot be made."""
    if db.is_dir():
        raise ConfigError("%s is a directory, not an archive" % db)
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError("cannot make the folder of %s: %s" % (db, exc.strerror or exc)) from None
    if not db.exists() or db.stat().st_size == 0:
        return
    with db.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise ConfigError("%s is not a SQLite database (give --db the archive file)" % db)


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8001,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0 picks a free one).",
)
def serve(db: Path, host: str, port: int) -> None:
    """Explore the archive in datasette, with Chinese search (simplified or traditional).

    The archive appears as /xietong; search finds two-character words such as 协同 or 產業.
    Prints the URL once the port is bound.

    Example: xietong serve --db data/xietong.db --port 8001
    """
    from crawler.web.serve import ArchiveNotFoundError
    from crawler.web.serve import serve as serve_archive

    def announce(url: str) -> None:
        click.echo("serving %s at %s" % (db, url))
        sys.stdout.flush()

    require_archive(db)
    try:
        serve_archive(db, host=host, port=port, on_ready=announce)
    except ArchiveNotFoundError as exc:
        raise ConfigError(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise ConfigError("%s is not a usable archive: %s" % (db, exc)) from None
    except OSError as exc:
        raise ConfigError(
            "cannot listen on %s:%d: %s" % (host, port, exc.strerror or exc)
        ) from None


@cli.command()
@click.option(
    "--week",
    default=None,
    metavar="YYYY-Www",
    help="ISO week, e.g. 2024-W08 [default: the last full week, or the latest week with"
    " dated articles when that one is empty].",
)
@db_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["md", "html", "atom", "json", "all"]),
    default="all",
    show_default=True,
    help="Which digest to write.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="data/digests",
    show_default=True,
    help="Directory to write <week>.<format> files into.",
)
@click.option(
    "--base-url",
    default="",
    metavar="URL",
    help="Where the digest files are published; the Atom feed links itself there"
    " [default: links relative to the feed].",
)
def digest(week: str | None, db: Path, output_format: str, out_dir: Path, base_url: str) -> None:
    """Export one week's articles as a digest: Markdown, HTML, Atom and JSON.

    Policy announcements first (issuer, 发文字号, 成文日期, attachments), then news grouped
    by story or topic, with what changed since the week before.

    Example: xietong digest --week 2024-W08 --format all --out data/digests
    """
    from crawler.archive import open_database
    from exports.digest import (
        FORMATS,
        IsoWeek,
        WeekFormatError,
        default_week,
        load_digest,
        write_digest,
    )

    try:
        iso_week = IsoWeek.parse(week) if week else None
    except WeekFormatError as exc:
        raise ConfigError(str(exc)) from None
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigError("--base-url takes an http(s) URL, got %r" % base_url)
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    require_archive(db)
    try:
        archive = open_database(db)
        try:
            if iso_week is None:
                iso_week = default_week(archive)
                click.echo("no --week given: %s" % iso_week.name)
            loaded = load_digest(archive, iso_week)
        finally:
            archive.close()
    except sqlite3.DatabaseError as exc:
        raise ConfigError("%s is not a usable archive: %s" % (db, exc)) from None
    loaded.base_url = base_url
    formats = FORMATS if output_format == "all" else (output_format,)
    try:
        written = write_digest(loaded, out_dir, formats)
    except OSError as exc:
        raise ConfigError("cannot write into %s: %s" % (out_dir, exc.strerror or exc)) from None
    for path in written:
        click.echo("wrote %s" % path)
    click.echo("%s: %d articles" % (iso_week.name, len(loaded.entries)))


# --- distributed crawls and scrapyd (crawler/distributed/workers.py, crawler/distributed/ingest.py) -------------
@cli.command()
@redis_option(required=True)
@db_option
@click.option(
    "--idle",
    type=click.FloatRange(0),
    default=None,
    help="Seconds to wait for a first worker before exiting when none is live "
    "[default: XIETONG_REDIS_MAX_IDLE].",
)
@verbose_option
def ingest(redis_url: str, db: Path, idle: float | None, verbose: bool) -> None:
    """Store the articles that distributed workers queued in Redis: the archive's one writer.

    Runs while workers are live and exits once they have left and their articles are
    stored (start it with the workers, or after them).

    Example: xietong ingest --redis redis://10.0.0.5:6379/0 --db data/xietong.db
    """
    from crawler.distributed.ingest import Ingest
    from crawler.ops.run import build_settings
    from crawler.worker_queue import redis_client

    check_redis(redis_url)
    check_archive_to_write(db)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
    )
    settings = build_settings(db)
    runner = Ingest(
        redis_client(redis_url),
        db,
        idle=settings.getfloat("XIETONG_REDIS_MAX_IDLE") if idle is None else idle,
        near_enabled=settings.getbool("XIETONG_DEDUP_NEAR_ENABLED", True),
    )
    try:
        summary = runner.run()
    except ArchiveLockedError as exc:
        raise ConfigError(str(exc)) from None
    _print_summary(summary)
    click.echo("ingested %d articles into %s" % (runner.items, db))


@cli.command()
@sources_option()
@click.option("--only", multiple=True, metavar="NAME", help="Crawl only this source (repeatable).")
@click.option(
    "--url",
    "scrapyd_url",
    default="http://127.0.0.1:6800/",
    show_default=True,
    help="Base URL of the scrapyd server.",
)
@click.option("--project", default="xietong", show_default=True, help="Project deployed there.")
@click.option(
    "--db",
    "db",
    default=None,
    help="Archive path on the scrapyd machine [default: its XIETONG_DB].",
)
@click.option(
    "-s",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Scrapy setting override for the job (repeatable).",
)
@redis_option(required=False)
def schedule(
    sources_path: Path,
    only: tuple[str, ...],
    scrapyd_url: str,
    project: str,
    db: str | None,
    settings: tuple[str, ...],
    redis_url: str | None,
) -> None:
    """Start a crawl of the `sources` spider on a scrapyd server (after `scrapyd-deploy`).

    The sources file path is read on the scrapyd machine. Prints the job id.

    Example: xietong schedule --url http://127.0.0.1:6800/ --sources /srv/xietong/sources/jingjinji.toml
    """
    from crawler.ops.scrapyd import ScrapydError, schedule_crawl

    overrides = parse_setting_overrides(settings)
    if db:
        overrides["XIETONG_DB"] = db
    if redis_url:
        overrides["XIETONG_REDIS_URL"] = redis_url
    arguments = {"sources": str(sources_path)}
    if only:
        arguments["only"] = ",".join(only)
    try:
        job = schedule_crawl(scrapyd_url, project, arguments, overrides)
    except ScrapydError as exc:
        raise ConfigError(str(exc)) from None
    click.echo("scheduled job %s on %s" % (job, scrapyd_url))


def main() -> None:
    """Run the CLI (the ``xietong`` console script)."""
    logging.captureWarnings(True)
    cli(prog_name="xietong")


if __name__ == "__main__":  # pragma: no cover
    main()

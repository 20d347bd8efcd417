"""Score a zero-configuration crawl of real site slices against their labels.

Each slice (``../shared/corpus/sites/NAME/www``) is served on 127.0.0.1 by a threaded
``http.server`` on a free port and crawled with ``python -m crawler crawl`` in a subprocess
into a temporary SQLite file, from the site's home page with no selectors (``kind =
"auto"``, ``max_depth = 3``). The archive is read back against ``tests/labels/sites``:

  articles found     labelled article pages stored / labelled article pages
  with text          the same, counting only article pages whose content has text
  non-articles       pages stored that are labelled as no article (share of pages stored)
  titles, dates      stored pages whose own title and date match the label / found
  false merges       pairs of pages of one ``apart.json`` group stored as one article
  traceback          whether the crawl's log holds a Python traceback

Titles are compared with whitespace removed (NFKC); dates on their first ten characters.

    .venv/bin/python benchmarks/score_sites.py [--site NAME ...] [--shared PATH] [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import sqlite_utils

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "labels" / "sites"
SITES = ("trs-forestry", "association", "boda-district")
# Loopback servers: full speed, and INFO so the log shows what the crawl did.
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO"]
TRACEBACK = "Traceback (most recent call last)"
MAX_DEPTH = 3


class QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        """Say nothing: the crawl's own log counts the requests."""


@contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """Serve ``root`` as the web root on 127.0.0.1, a free port; yield the base URL."""
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-%s" % root.name)
    thread.daemon = True
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def sources_text(name: str, base_url: str) -> str:
    """Return a sources file crawling one site from its home page with no per-site settings."""
    return (
        "[[sources]]\n"
        'name = "%s"\n'
        'kind = "auto"\n'
        'start_urls = ["%s/index.html"]\n'
        "max_depth = %d\n" % (name, base_url, MAX_DEPTH)
    )


@dataclass
class Crawl:
    """One finished crawl of a slice: its archive file, base URL and log."""

    site: str
    base_url: str
    db_path: Path
    log: str
    returncode: int


def crawl_site(name: str, www: Path, work: Path, timeout: float = 900) -> Crawl:
    """Serve ``www`` and crawl it into ``work/NAME.db`` in a fresh process."""
    if not www.is_dir():
        raise FileNotFoundError("no site slice at %s (give --shared the shared folder)" % www)
    db_path = work / ("%s.db" % name)
    sources = work / ("%s.toml" % name)
    with serve_folder(www) as base_url:
        sources.write_text(sources_text(name, base_url), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", "--sources", str(sources)]
            + ["--db", str(db_path), *FAST],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
            check=False,
        )
    return Crawl(name, base_url, db_path, result.stdout + result.stderr, result.returncode)


def load_labels(name: str, labels: Path = LABELS) -> dict[str, dict[str, Any]]:
    """Return the labels of one slice by path."""
    rows = (json.loads(line) for line in (labels / ("%s.jsonl" % name)).open(encoding="utf-8"))
    return {row["path"]: row for row in rows}


def load_apart(name: str, labels: Path = LABELS) -> list[list[str]]:
    """Return the groups of one slice's pages that are different articles."""
    groups: list[list[str]] = json.loads((labels / "apart.json").read_text(encoding="utf-8"))[name]
    return groups


def squash(text: str | None) -> str:
    """Fold width and drop whitespace, so a heading's line breaks do not count."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


@dataclass
class Score:
    """What a crawl of one slice got right."""

    site: str
    labelled: int = 0
    found: int = 0
    labelled_with_text: int = 0
    found_with_text: int = 0
    stored: int = 0
    non_articles: int = 0
    titles_right: int = 0
    dates_right: int = 0
    false_merges: int = 0
    traceback: bool = False
    wrong_titles: list[tuple[str, str, str]] = field(default_factory=list)
    wrong_dates: list[tuple[str, str, str]] = field(default_factory=list)
    merged_pairs: list[tuple[str, str]] = field(default_factory=list)
    stored_non_articles: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of labelled article pages stored."""
        return self.found / self.labelled if self.labelled else 0.0

    @property
    def non_article_share(self) -> float:
        """Share of stored pages that are no article."""
        return self.non_articles / self.stored if self.stored else 0.0

    @property
    def title_share(self) -> float:
        """Share of found article pages with the right title."""
        return self.titles_right / self.found if self.found else 0.0

    @property
    def date_share(self) -> float:
        """Share of found article pages with the right date."""
        return self.dates_right / self.found if self.found else 0.0

    def figures(self) -> dict[str, Any]:
        """Return the headline figures (no per-page lists)."""
        values = asdict(self)
        for name in (
            "wrong_titles",
            "wrong_dates",
            "merged_pairs",
            "stored_non_articles",
            "missed",
        ):
            values.pop(name)
        values.update(
            recall=round(self.recall, 3),
            non_article_share=round(self.non_article_share, 3),
            title_share=round(self.title_share, 3),
            date_share=round(self.date_share, 3),
        )
        return values


def stored_pages(db_path: Path, base_url: str) -> dict[str, dict[str, Any]]:
    """Return every stored page by its path under ``base_url``: article id, title, date."""
    db = sqlite_utils.Database(db_path)
    try:
        columns = set(db["appearances"].columns_dict)
        date = "appearances.published_at" if "published_at" in columns else "articles.published_at"
        rows = db.execute(
            "select appearances.url, appearances.article_id, appearances.title, %s"
            " from appearances join articles on articles.id = appearances.article_id" % date
        ).fetchall()
    finally:
        db.close()
    prefix = base_url.rstrip("/") + "/"
    pages = {}
    for url, article_id, title, published_at in rows:
        if url.startswith(prefix):
            path = url[len(prefix) :].split("#")[0] or "index.html"
            pages[path] = {"article_id": article_id, "title": title, "published_at": published_at}
    return pages


def score_crawl(crawl: Crawl, labels: dict[str, dict[str, Any]], apart: list[list[str]]) -> Score:
    """Compare one crawl's archive with the slice's labels."""
    score = Score(crawl.site, traceback=TRACEBACK in crawl.log)
    pages = stored_pages(crawl.db_path, crawl.base_url) if crawl.db_path.exists() else {}
    score.stored = len(pages)
    for path, label in sorted(labels.items()):
        page = pages.get(path)
        if not label["is_article"]:
            continue
        score.labelled += 1
        score.labelled_with_text += bool(label.get("has_text", True))
        if page is None:
            score.missed.append(path)
            continue
        score.found += 1
        score.found_with_text += bool(label.get("has_text", True))
        if squash(page["title"]) == squash(label["title"]):
            score.titles_right += 1
        else:
            score.wrong_titles.append((path, page["title"] or "", label["title"]))
        if (page["published_at"] or "")[:10] == label["published_at"]:
            score.dates_right += 1
        else:
            score.wrong_dates.append((path, page["published_at"] or "", label["published_at"]))
    for path in sorted(pages):
        if not labels.get(path, {}).get("is_article"):
            score.non_articles += 1
            score.stored_non_articles.append(path)
    for group in apart:
        for first, second in itertools.combinations(group, 2):
            if (
                first in pages
                and second in pages
                and pages[first]["article_id"] == pages[second]["article_id"]
            ):
                score.false_merges += 1
                score.merged_pairs.append((first, second))
    return score


def score_site(name: str, shared: Path, work: Path) -> tuple[Score, Crawl]:
    """Crawl one slice and score it."""
    crawl = crawl_site(name, shared / "corpus" / "sites" / name / "www", work)
    return score_crawl(crawl, load_labels(name), load_apart(name)), crawl


def print_score(score: Score, details: bool) -> None:
    """Print one slice's figures, and with ``details`` the pages behind them."""
    print(
        "%-14s articles found %3d / %3d (%.2f; with text %d / %d)  non-articles stored %2d of %3d"
        " (%.1f %%)  titles right %3d / %3d (%.2f)  dates right %3d / %3d (%.2f)"
        "  false merges %d  traceback %s"
        % (
            score.site,
            score.found,
            score.labelled,
            score.recall,
            score.found_with_text,
            score.labelled_with_text,
            score.non_articles,
            score.stored,
            100 * score.non_article_share,
            score.titles_right,
            score.found,
            score.title_share,
            score.dates_right,
            score.found,
            score.date_share,
            score.false_merges,
            "yes" if score.traceback else "no",
        )
    )
    if not details:
        return
    for first, second in score.merged_pairs:
        print("    merged   %s + %s" % (first, second))
    for path, got, want in score.wrong_titles:
        print("    title    %s: %r, label %r" % (path, got, want))
    for path, got, want in score.wrong_dates:
        print("    date     %s: %r, label %r" % (path, got, want))
    for path in score.stored_non_articles:
        print("    stored   %s (no article)" % path)
    for path in score.missed:
        print("    missed   %s" % path)


def main(argv: list[str] | None = None) -> int:
    """Crawl and score the slices named (all three by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", action="append", choices=SITES, help="Slice to score.")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--details", action="store_true", help="List the pages behind each figure.")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="score-sites-") as work:
        for name in args.site or SITES:
            score, crawl = score_site(name, args.shared, Path(work))
            print_score(score, args.details)
            if crawl.returncode:
                print("    crawl exited with %d" % crawl.returncode)
            results.append(score.figures())
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

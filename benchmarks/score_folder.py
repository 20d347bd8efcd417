"""Score Xietong (and readability-lxml, trafilatura) on any folder of labelled news pages.

The folder holds ``index.jsonl`` (id, url, site, ...) and ``NNN/page.html``,
``NNN/expected.txt``, ``NNN/expected.json``, laid out as ../shared/corpus/news-zh-dev is.
Text is scored with ../shared/tools/score_extraction.py (char-bag F1) and metadata with
score_metadata.py's match rules, so figures compare with score_halves.py's. Pages kept
outside the repository (publishers' pages we may not commit) are scored this way.
readability-lxml gives only a title; trafilatura gives title, date, site name and author.

    .venv/bin/python benchmarks/score_folder.py FOLDER [--per-page] [--shared PATH] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.bench_extract import (  # noqa: E402 (the repository goes on the path first)
    BenchmarkSetupError,
    load_module,
    readability_text,
    safe_call,
    shared_dir,
    trafilatura_metadata,
    trafilatura_text,
)
from benchmarks.score_halves import METADATA_FIELDS  # noqa: E402
from crawler.clean.extract import extract_article, extract_metadata  # noqa: E402

TEXT_TOOLS: dict[str, Callable[[bytes, str], str]] = {
    "xietong": lambda html, url: extract_article(html, url).body,
    "readability": readability_text,
    "trafilatura": trafilatura_text,
}


def readability_metadata(html: bytes, url: str) -> dict[str, Any]:
    """readability-lxml's headline: the only metadata it gives."""
    import readability

    return {"title": readability.Document(html).short_title()}


METADATA_TOOLS: dict[str, Callable[[bytes, str], dict[str, Any]]] = {
    "xietong": extract_metadata,
    "readability": readability_metadata,
    "trafilatura": trafilatura_metadata,
}


def safe_metadata(func: Callable[[bytes, str], dict], html: bytes, url: str) -> dict[str, Any]:
    """Call a metadata extractor; a failure scores as all fields empty."""
    try:
        return func(html, url) or {}
    except Exception:  # a third-party extractor's crash is a data point, not a stop
        return {}


def load_rows(folder: Path) -> list[dict[str, Any]]:
    """Return the folder's index rows; a missing or bad index is a setup error."""
    index = folder / "index.jsonl"
    if not index.is_file():
        raise BenchmarkSetupError("no index.jsonl in %s" % folder)
    try:
        return [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line]
    except ValueError as error:
        raise BenchmarkSetupError("bad line in %s: %s" % (index, error)) from error


def score(folder: Path, shared: Path, per_page: bool) -> dict[str, dict[str, float]]:
    """Return {tool: {measure: mean}} over the folder's pages; print failures if asked."""
    text_scorer = load_module(shared / "tools" / "score_extraction.py", "score_extraction")
    meta_scorer = load_module(shared / "tools" / "score_metadata.py", "score_metadata")
    cells: dict[str, dict[str, list[float]]] = {tool: {} for tool in TEXT_TOOLS}
    for row in load_rows(folder):
        page = folder / row["id"]
        html = (page / "page.html").read_bytes()
        truth_text = (page / "expected.txt").read_text(encoding="utf-8")
        truth = json.loads((page / "expected.json").read_text(encoding="utf-8"))
        url = row.get("url") or ""
        for tool, text_func in TEXT_TOOLS.items():
            f1 = text_scorer.score_page(truth_text, safe_call(text_func, html, url))["char"]["f1"]
            cells[tool].setdefault("f1", []).append(f1)
            pred = safe_metadata(METADATA_TOOLS[tool], html, url)
            misses = []
            for field in METADATA_FIELDS:
                if tool == "readability" and field != "title":
                    continue
                ok = meta_scorer.match(field, pred.get(field), truth.get(field))
                cells[tool].setdefault(field, []).append(float(ok))
                if not ok:
                    misses.append("%s=%r (want %r)" % (field, pred.get(field), truth.get(field)))
            if per_page and tool == "xietong" and (f1 < 0.98 or misses):
                print(
                    "%s %-18s f1=%.3f %s" % (row["id"], row.get("site", ""), f1, "; ".join(misses))
                )
    return {tool: {k: statistics.mean(v) for k, v in c.items()} for tool, c in cells.items()}


def main(argv: list[str] | None = None) -> int:
    """Run from the command line."""
    parser = argparse.ArgumentParser(description="Score extractors on a folder of labelled pages.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--shared", help="folder with tools/ (default ../shared)")
    parser.add_argument("--per-page", action="store_true", help="print Xietong's misses")
    parser.add_argument("--json", type=Path, help="write the table here")
    args = parser.parse_args(argv)
    try:
        shared = shared_dir(args.shared)
        table = score(args.folder, shared, args.per_page)
    except BenchmarkSetupError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    pages = len(load_rows(args.folder))
    for tool, values in table.items():
        cells = "  ".join("%s=%.3f" % (key, value) for key, value in values.items())
        print("%-12s %3d pages  %s" % (tool, pages, cells))
    if args.json:
        args.json.write_text(json.dumps(table, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

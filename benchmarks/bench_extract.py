"""Benchmark Xietong's cleaner against trafilatura, readability-lxml and resiliparse.

Runs every extractor over the dev sets in one process and prints, side by side: mean
character-bag P/R/F1 per set and group (scored with ../shared/tools/score_extraction.py),
metadata accuracy on news-zh-dev (score_metadata.py match rules) and pages/s with the ratio
to plain ``lxml.html`` parsing of the same pages.

Speed is measured for a shared, noisy machine: every round times one pass of lxml and of
each tool over all pages, interleaved, so a busy spell hits them alike. Pages/s is the
median over the rounds of single-core CPU time (``time.process_time``; wall-clock time is
printed beside it), and the ratio to lxml is the median of the per-round ratios.

    .venv/bin/python benchmarks/bench_extract.py [--shared PATH] [--runs 5] [--json out.json]

The shared folder (corpus + tools) defaults to ``../shared`` beside the repository; the
XIETONG_SHARED environment variable or ``--shared`` overrides it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_SHARED = REPO.parent / "shared"
# (set folder, group name function) – groups split extraction-dev by language and era.
SETS = ("extraction-dev", "news-zh-dev")
METADATA_FIELDS = ("title", "published_at", "source", "author", "editor")


class BenchmarkSetupError(RuntimeError):
    """Raised when the shared corpus or scorer cannot be found."""


def shared_dir(option: str | None = None) -> Path:
    """Return the shared folder: --shared, then XIETONG_SHARED, then ../shared."""
    path = Path(option or os.environ.get("XIETONG_SHARED") or DEFAULT_SHARED)
    if not (path / "tools" / "score_extraction.py").is_file() or not (path / "corpus").is_dir():
        raise BenchmarkSetupError(
            "shared corpus/tools not found at %s (set XIETONG_SHARED or --shared)" % path
        )
    return path


def load_module(path: Path, name: str) -> ModuleType:
    """Import a scorer script by path."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise BenchmarkSetupError("cannot import %s" % path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(shared: Path) -> list[dict[str, Any]]:
    """Return every dev page with its bytes, truth and group."""
    pages = []
    for set_name in SETS:
        root = shared / "corpus" / set_name
        for line in (root / "index.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            folder = root / record["id"]
            if set_name == "extraction-dev":
                group = (
                    "zh-" + ("cleaneval" if record.get("group", "").startswith("2005") else "later")
                    if record["language"] == "zh"
                    else "en"
                )
            else:
                group = "news-zh"
            truth_json = folder / "expected.json"
            pages.append(
                {
                    "set": set_name,
                    "id": record["id"],
                    "group": group,
                    "url": record.get("url") or "",
                    "html": (folder / "page.html").read_bytes(),
                    "truth": (folder / "expected.txt").read_text(encoding="utf-8"),
                    "meta_truth": json.loads(truth_json.read_text(encoding="utf-8"))
                    if truth_json.is_file()
                    else None,
                }
            )
    return pages


# --- extractors --------------------------------------------------------------------------


def xietong_text(html: bytes, url: str) -> str:
    """Xietong: body of extract_article (metadata is computed too, so timing is fair)."""
    from crawler.clean.extract import extract_article

    return extract_article(html, url).body


def trafilatura_text(html: bytes, url: str) -> str:
    """Trafilatura with default settings."""
    import trafilatura

    return trafilatura.extract(html, url=url or None) or ""


def readability_text(html: bytes, url: str) -> str:
    """readability-lxml summary, as plain text."""
    import lxml.html
    import readability

    return lxml.html.fromstring(readability.Document(html).summary()).text_content()


def resiliparse_text(html: bytes, url: str) -> str:
    """Resiliparse main-content plain text with its own encoding detection."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    return extract_plain_text(bytes_to_str(html, detect_encoding(html)), main_content=True)


def lxml_parse(html: bytes, url: str) -> str:
    """Plain lxml.html parsing: the speed yardstick."""
    import lxml.html

    lxml.html.document_fromstring(html)
    return ""


EXTRACTORS: dict[str, Callable[[bytes, str], str]] = {
    "xietong": xietong_text,
    "trafilatura": trafilatura_text,
    "readability": readability_text,
    "resiliparse": resiliparse_text,
}


def safe_call(func: Callable[[bytes, str], str], html: bytes, url: str) -> str:
    """Call an extractor; a failure scores as an empty extraction."""
    try:
        return func(html, url) or ""
    except Exception:  # a third-party extractor's crash is a data point, not a stop
        return ""


def time_pass(
    func: Callable[[bytes, str], str], pages: list[dict[str, Any]]
) -> tuple[float, float]:
    """Return (CPU pages/s, wall-clock pages/s) of one pass over the pages."""
    cpu, wall = time.process_time(), time.perf_counter()
    for page in pages:
        safe_call(func, page["html"], page["url"])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return len(pages) / max(cpu, 1e-9), len(pages) / max(wall, 1e-9)


def time_interleaved(
    funcs: dict[str, Callable[[bytes, str], str]], pages: list[dict[str, Any]], runs: int
) -> dict[str, dict[str, float]]:
    """Time every function in each of ``runs`` rounds; return medians and ratios to "lxml".

    Each round runs one pass of every function, lxml first, so the ratio of a round
    compares passes made moments apart; the median over rounds discards busy spells.
    """
    cpu: dict[str, list[float]] = {name: [] for name in funcs}
    wall: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(runs):
        for name, func in funcs.items():
            rate_cpu, rate_wall = time_pass(func, pages)
            cpu[name].append(rate_cpu)
            wall[name].append(rate_wall)
    return {
        name: {
            "pages_per_second": statistics.median(cpu[name]),
            "wall_pages_per_second": statistics.median(wall[name]),
            "ratio_to_lxml": statistics.median(
                c / base for c, base in zip(cpu[name], cpu["lxml"], strict=True)
            ),
            "wall_ratio_to_lxml": statistics.median(
                w / base for w, base in zip(wall[name], wall["lxml"], strict=True)
            ),
        }
        for name in funcs
    }


def xietong_metadata(html: bytes, url: str) -> dict[str, Any]:
    from crawler.clean.extract import extract_metadata

    return extract_metadata(html, url)


def trafilatura_metadata(html: bytes, url: str) -> dict[str, Any]:
    import trafilatura

    doc = trafilatura.extract_metadata(html, default_url=url or None)
    if doc is None:
        return {}
    return {
        "title": doc.title,
        "published_at": doc.date,
        "source": doc.sitename,
        "author": doc.author,
        "editor": None,
    }


def run(shared: Path, runs: int, tools: list[str]) -> dict[str, Any]:
    """Score and time every tool; return the results table as a dict."""
    scorer = load_module(shared / "tools" / "score_extraction.py", "score_extraction")
    meta_scorer = load_module(shared / "tools" / "score_metadata.py", "score_metadata")
    pages = load_pages(shared)
    groups = sorted({p["group"] for p in pages})
    results: dict[str, Any] = {"pages": len(pages), "groups": groups, "tools": {}}
    for name in tools:
        func = EXTRACTORS[name]
        per_group: dict[str, list[dict[str, float]]] = {g: [] for g in groups}
        for page in pages:  # also the warm-up: lazy imports and caches are not timed
            scores = scorer.score_page(page["truth"], safe_call(func, page["html"], page["url"]))
            per_group[page["group"]].append(scores["char"])
        results["tools"][name] = {
            "groups": {
                g: {k: statistics.mean(s[k] for s in rows) for k in ("p", "r", "f1")}
                for g, rows in per_group.items()
                if rows
            },
        }
    timings = time_interleaved(
        {"lxml": lxml_parse, **{name: EXTRACTORS[name] for name in tools}}, pages, runs
    )
    results["lxml_pages_per_second"] = timings["lxml"]["pages_per_second"]
    results["lxml_wall_pages_per_second"] = timings["lxml"]["wall_pages_per_second"]
    results["runs"] = runs
    for name in tools:
        results["tools"][name].update(timings[name])
    for name, func in (("xietong", xietong_metadata), ("trafilatura", trafilatura_metadata)):
        if name not in tools:
            continue
        hits = dict.fromkeys(METADATA_FIELDS, 0)
        meta_pages = [p for p in pages if p["meta_truth"] is not None and p["set"] == "news-zh-dev"]
        for page in meta_pages:
            try:
                pred = func(page["html"], page["url"]) or {}
            except Exception:  # scored as all-null, like score_metadata.py
                pred = {}
            for key in METADATA_FIELDS:
                hits[key] += bool(
                    meta_scorer.match(key, pred.get(key), page["meta_truth"].get(key))
                )
        results["tools"][name]["metadata"] = {k: hits[k] / len(meta_pages) for k in METADATA_FIELDS}
    return results


def print_table(results: dict[str, Any]) -> None:
    """Print the side-by-side table."""
    groups = results["groups"]
    header = (
        "%-12s" % "tool"
        + "".join("%14s" % g for g in groups)
        + "%10s%9s%11s%9s" % ("pages/s", "x lxml", "wall p/s", "x lxml")
    )
    print(
        "mean character-bag F1 (P/R in --json); speed: median of %d interleaved rounds,"
        " CPU time (process_time) then wall clock" % results["runs"]
    )
    print(header)
    for name, data in results["tools"].items():
        row = "%-12s" % name + "".join("%14.3f" % data["groups"][g]["f1"] for g in groups)
        print(
            row
            + "%10.1f%9.3f%11.1f%9.3f"
            % (
                data["pages_per_second"],
                data["ratio_to_lxml"],
                data["wall_pages_per_second"],
                data["wall_ratio_to_lxml"],
            )
        )
    print(
        "%-12s" % "lxml parse"
        + " " * 14 * len(groups)
        + "%10.1f%9.3f%11.1f%9.3f"
        % (results["lxml_pages_per_second"], 1.0, results["lxml_wall_pages_per_second"], 1.0)
    )
    print("\nmetadata accuracy on news-zh-dev (score_metadata.py rules; source = outlet)")
    print("%-12s" % "tool" + "".join("%14s" % f for f in METADATA_FIELDS))
    for name, data in results["tools"].items():
        if "metadata" in data:
            print("%-12s" % name + "".join("%14.3f" % data["metadata"][f] for f in METADATA_FIELDS))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(
        description="Benchmark Xietong's cleaner against other extractors."
    )
    parser.add_argument("--shared", help="folder with corpus/ and tools/ (default ../shared)")
    parser.add_argument(
        "--runs", type=int, default=5, help="interleaved timing rounds; medians are shown"
    )
    parser.add_argument("--tools", default=",".join(EXTRACTORS), help="comma-separated subset")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    try:
        shared = shared_dir(args.shared)
    except BenchmarkSetupError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    tools = [t for t in args.tools.split(",") if t in EXTRACTORS]
    results = run(shared, max(1, args.runs), tools)
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

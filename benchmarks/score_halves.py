"""Print Xietong's scores on every dev corpus, split into its ``tune`` and ``check`` halves.

Each entry of ``ENTRIES`` is one (corpus, scorer) pair; a row of the table is one entry's
score on one half (and group, where the corpus has groups). Tune rules on ``tune`` only;
``check`` says how the cleaner does on sites it was not tuned on. ``--with readability``
adds readability-lxml's text F1 beside ours.

    .venv/bin/python benchmarks/score_halves.py [--shared PATH] [--with readability] [--json out.json]
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
)
from benchmarks.corpus_split import load_index  # noqa: E402
from crawler.clean.extract import extract_article, extract_metadata  # noqa: E402

# Sets kept in the repository rather than in ../shared: pages we wrote ourselves in the styles
# of sites absent from the dev corpora (tests/fixtures/unseen_news/build.py,
# tests/fixtures/unseen_policy/build.py). Their pages are not split into halves: the whole set
# is one "all" row.
REPO_SETS = {
    "unseen-news": REPO / "tests" / "fixtures" / "unseen_news",
    "unseen-policy": REPO / "tests" / "fixtures" / "unseen_policy",
}

METADATA_FIELDS = ("title", "published_at", "source", "author", "editor")
POLICY_FIELDS = (
    "title",
    "published_at",
    "written_at",
    "issuer",
    "doc_number",
    "index_number",
    "topic",
)


def corpus_dir(shared: Path, corpus: str) -> Path:
    """Return the folder of a scored set: a repository set, else ../shared/corpus/NAME."""
    return REPO_SETS.get(corpus) or shared / "corpus" / corpus


def text_group(corpus: str, row: dict[str, Any]) -> str:
    """Return the group a text-scored page counts in (extraction-dev by language and era)."""
    if corpus != "extraction-dev":
        return corpus
    if row.get("language") != "zh":
        return "extraction-dev/en"
    return "extraction-dev/zh-" + (
        "cleaneval" if str(row.get("group", "")).startswith("2005") else "later"
    )


def score_text(shared: Path, corpus: str, rows: list[dict[str, Any]], tools: list[str]) -> dict:
    """Return {(group, half): {tool: mean char-bag F1}} for one corpus."""
    scorer = load_module(shared / "tools" / "score_extraction.py", "score_extraction")
    funcs: dict[str, Callable[[bytes, str], str]] = {
        "xietong": lambda html, url: extract_article(html, url).body,
        "readability": readability_text,
    }
    scores: dict[tuple[str, str], dict[str, list[float]]] = {}
    for row in rows:
        folder = corpus_dir(shared, corpus) / row["id"]
        html = (folder / "page.html").read_bytes()
        truth = (folder / "expected.txt").read_text(encoding="utf-8")
        cell = scores.setdefault((text_group(corpus, row), row["half"]), {})
        for tool in tools:
            body = safe_call(funcs[tool], html, row.get("url") or "")
            cell.setdefault(tool, []).append(scorer.score_page(truth, body)["char"]["f1"])
    return {key: {t: statistics.mean(v) for t, v in cell.items()} for key, cell in scores.items()}


def score_metadata(shared: Path, corpus: str, rows: list[dict[str, Any]], tools: list[str]) -> dict:
    """Return {(corpus, half): {field: accuracy}} with score_metadata.py's match rules."""
    scorer = load_module(shared / "tools" / "score_metadata.py", "score_metadata")
    hits: dict[tuple[str, str], dict[str, list[bool]]] = {}
    for row in rows:
        folder = corpus_dir(shared, corpus) / row["id"]
        truth = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        pred = extract_metadata((folder / "page.html").read_bytes(), row.get("url") or "")
        cell = hits.setdefault((corpus, row["half"]), {})
        for field in METADATA_FIELDS:
            cell.setdefault(field, []).append(scorer.match(field, pred[field], truth.get(field)))
    return {key: {f: sum(v) / len(v) for f, v in cell.items()} for key, cell in hits.items()}


def grade_policy_page(scorer: Any, truth: dict[str, Any], result: Any) -> dict[str, bool]:
    """Grade one page's extraction as score_policy_multi.py does (its key, norm and windows).

    Policy fields come from ``result.policy``, or from the extraction itself on a page that
    is no policy document, as the scorer reads ``xietong extract --json``.
    """
    policy = result.policy or {}
    pred = {
        name: policy[name] if name in policy else getattr(result, name, None)
        for name in POLICY_FIELDS
    }
    pred["title"] = result.title or pred["title"]
    alternatives = truth.get("alternatives") or {}
    ok = {}
    for name in POLICY_FIELDS:
        if truth.get(name):
            accepted = [truth[name], *(alternatives.get(name) or [])]
            ok[name] = scorer.key(name, pred[name]) in {
                scorer.key(name, value) for value in accepted if value
            }
        else:
            ok[name] = not scorer.norm(pred[name])
    body = scorer.norm(result.body or "")
    start = scorer.norm(truth.get("body_start"))
    ends = {scorer.norm(truth.get("body_end")), scorer.norm(truth.get("content_end"))} - {""}
    ok["body_start"] = start in body[: 60 + len(start)] if start else not body
    ok["body_end"] = any(end in body[-(100 + len(end)) :] for end in ends) if ends else not body
    return ok


def score_policy_multi(
    shared: Path, corpus: str, rows: list[dict[str, Any]], tools: list[str]
) -> dict:
    """Return {(corpus, half): {measure: accuracy}} with score_policy_multi.py's rules."""
    scorer = load_module(shared / "tools" / "score_policy_multi.py", "score_policy_multi")
    hits: dict[tuple[str, str], dict[str, list[bool]]] = {}
    for row in rows:
        folder = corpus_dir(shared, corpus) / row["id"]
        truth = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        result = extract_article((folder / "page.html").read_bytes(), row.get("url") or "")
        cell = hits.setdefault((corpus, row["half"]), {})
        for measure, ok in grade_policy_page(scorer, truth, result).items():
            cell.setdefault(measure, []).append(ok)
    return {key: {f: sum(v) / len(v) for f, v in cell.items()} for key, cell in hits.items()}


def score_policy(shared: Path, corpus: str, rows: list[dict[str, Any]], tools: list[str]) -> dict:
    """Return {(corpus, half): {field: accuracy}} with score_policy.py's match rules."""
    scorer = load_module(shared / "tools" / "score_policy.py", "score_policy")
    hits: dict[tuple[str, str], dict[str, list[bool]]] = {}
    for row in rows:
        folder = corpus_dir(shared, corpus) / row["id"]
        truth = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        result = extract_article((folder / "page.html").read_bytes(), row.get("url") or "")
        policy = result.policy or {}
        cell = hits.setdefault((corpus, row["half"]), {})
        for field in POLICY_FIELDS:
            cell.setdefault(field, []).append(
                bool(scorer.match(field, policy.get(field), truth.get(field)))
            )
    return {key: {f: sum(v) / len(v) for f, v in cell.items()} for key, cell in hits.items()}


CO_ISSUERS = " co_issuers"  # the suffix of the joint-issuer rows' group names


def score_co_issuers(
    shared: Path, corpus: str, rows: list[dict[str, Any]], tools: list[str]
) -> dict:
    """Return {(corpus co_issuers, half): counts} of joint issuers (联合发文) read.

    ``found``: pages whose truth lists co-issuers and that get exactly those, in order, of
    ``with`` such pages; ``extra``: pages given a co-issuer their truth lacks (a truth
    without the key lists none), so a page read right scores found and no extra.
    """
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        folder = corpus_dir(shared, corpus) / row["id"]
        truth = (
            json.loads((folder / "expected.json").read_text(encoding="utf-8")).get("co_issuers")
            or []
        )
        result = extract_article((folder / "page.html").read_bytes(), row.get("url") or "")
        found = list((result.policy or {}).get("co_issuers") or [])
        cell = counts.setdefault(
            (corpus + CO_ISSUERS, row["half"]), {"with": 0, "found": 0, "extra": 0}
        )
        cell["with"] += bool(truth)
        cell["found"] += bool(truth) and found == truth
        cell["extra"] += any(body not in truth for body in found)
    return counts


# (corpus, scorer): what is scored on each corpus, one table section per entry.
ENTRIES: list[tuple[str, Callable[..., dict]]] = [
    ("extraction-dev", score_text),
    ("news-zh-dev", score_text),
    ("news-zh-dev", score_metadata),
    ("policy-multi-dev", score_policy_multi),
    ("policy-dev", score_policy),
    ("unseen-news", score_text),
    ("unseen-news", score_metadata),
    ("unseen-policy", score_policy_multi),
    ("policy-multi-dev", score_co_issuers),
    ("policy-dev", score_co_issuers),
    ("unseen-policy", score_co_issuers),
]


def run(shared: Path, tools: list[str]) -> dict[str, dict[str, float]]:
    """Score every entry; return {"group half": {measure: score}} in table order."""
    table: dict[str, dict[str, float]] = {}
    for corpus, scorer in ENTRIES:
        rows = load_index(corpus_dir(shared, corpus))
        results = scorer(shared, corpus, rows, tools)
        for (group, half), values in sorted(results.items()):
            pages = sum(
                1
                for r in rows
                if r["half"] == half and text_group(corpus, r) == group.removesuffix(CO_ISSUERS)
            )
            name = "%s %s" % (group, half)
            table.setdefault(name, {"pages": pages})
            prefix = "f1 " if scorer is score_text else ""
            table[name].update({prefix + key: value for key, value in values.items()})
    return table


def print_table(table: dict[str, dict[str, float]]) -> None:
    """Print one line per group and half."""
    for name, values in table.items():
        cells = "  ".join(
            ("%s=%d" if isinstance(value, int) else "%s=%.3f") % (key, value)
            for key, value in values.items()
            if key != "pages"
        )
        print("%-34s %3d pages  %s" % (name, values["pages"], cells))


def main(argv: list[str] | None = None) -> int:
    """Run from the command line."""
    parser = argparse.ArgumentParser(description="Score Xietong per corpus and half.")
    parser.add_argument("--shared", help="folder with corpus/ and tools/ (default ../shared)")
    parser.add_argument("--with", dest="others", default="", help="also score: readability")
    parser.add_argument("--json", type=Path, help="write the table here")
    args = parser.parse_args(argv)
    try:
        shared = shared_dir(args.shared)
    except BenchmarkSetupError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    tools = ["xietong"] + [t for t in args.others.split(",") if t == "readability"]
    table = run(shared, tools)
    print_table(table)
    if args.json:
        args.json.write_text(json.dumps(table, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

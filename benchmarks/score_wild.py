"""Score Xietong's cleaner on the real pages of ../shared/corpus/wild against our hand labels.

The labels live in tests/labels/wild.jsonl, one row per wild page: its ``half`` (tune or
check, from corpus_split.half_of on the host, so a whole host falls in one half), its
``page_type`` and, for article pages, the values a reader sees on the page. The pages
themselves stay in ../shared (research use only, not redistributed).

Every labelled page runs in-process through ``extract_article(bytes, url,
declared_encoding=<charset of the stored Content-Type>)``; an exception counts as a crash
(with its one-line reason) and scores every measure of the page as a miss. Per half
(tune / check / all) the table gives: pages, crashes, page type, and accuracy per field.

Page type: the extraction's ``page_type`` when it has one, else ``is_article`` compared with
article (policy, interpretation, notice, news) versus non-article labels. Fields use the match
rules of ../shared/tools/score_policy_multi.py (its ``key`` and ``norm``: NFKC, whitespace
removed; dates the same day; 文号 brackets normalised; a null label matched only by an empty
value; body_start within the first 60 characters of the body, body_end within the last 100).
A value in the row's ``alternatives`` also counts, and a null among them accepts an empty
value. A field is scored over the rows that carry it: title, published_at, body_start and
body_end over article pages; written_at, issuer, doc_number, index_number and topic over
policy-like pages (policy, interpretation, notice); outlet, author and editor over news.

    .venv/bin/python benchmarks/score_wild.py [--misses] [--json out.json]
    .venv/bin/python benchmarks/score_wild.py --crashes

``--misses`` lists the misses of the tune half only; the check half is reported as figures,
so rules are never fitted to it. ``--crashes`` runs the cleaner over all wild pages and every
HTML file of ../shared/corpus/sites/*/www and prints each crash with its reason.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.bench_extract import (  # noqa: E402 (the repository goes on the path first)
    BenchmarkSetupError,
    load_module,
    shared_dir,
)
from benchmarks.corpus_split import HALVES  # noqa: E402
from crawler.clean.extract import extract_article  # noqa: E402

LABELS = REPO / "tests" / "labels" / "wild.jsonl"
POLICY_LIKE = ("policy", "interpretation", "notice")
ARTICLE_TYPES = (*POLICY_LIKE, "news")
PAGE_TYPES = (*ARTICLE_TYPES, "listing", "error", "js_shell", "other")
# Field groups in table order; each is scored over the label rows that carry it.
ARTICLE_FIELDS = ("title", "published_at")
POLICY_FIELDS = ("written_at", "issuer", "doc_number", "index_number", "topic")
NEWS_FIELDS = ("outlet", "author", "editor")
BODY_FIELDS = ("body_start", "body_end")
FIELDS = (*ARTICLE_FIELDS, *POLICY_FIELDS, *NEWS_FIELDS, *BODY_FIELDS)
START_WINDOW = 60  # body_start must begin within this many characters of the body
END_WINDOW = 100  # body_end must end within this many characters of the body's end
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


@dataclass
class PageScore:
    """One labelled page's outcome: its crash reason, page type and field hits."""

    id: str
    half: str
    crash: str | None = None
    page_type_ok: bool = False
    got_type: str | None = None
    fields: dict[str, bool] = field(default_factory=dict)
    got: dict[str, Any] = field(default_factory=dict)


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    """Read the label file, one JSON object per line."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_wild_index(shared: Path) -> dict[str, dict[str, Any]]:
    """Return the wild corpus's index rows by page id."""
    rows = {}
    with open(shared / "corpus" / "wild" / "index.jsonl", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                rows[row["id"]] = row
    return rows


def declared_charset(content_type: str | None) -> str | None:
    """Return the charset a stored Content-Type header names, else None."""
    match = _CHARSET.search(content_type or "")
    return match.group(1) if match else None


def one_line(error: BaseException) -> str:
    """Return an exception as ``Type: first line of its message``."""
    message = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, message[0][:200] if message else "")


def run_cleaner(html: bytes, url: str, charset: str | None) -> tuple[Any, str | None]:
    """Return (extraction, None) or (None, one-line reason) when the cleaner raises."""
    try:
        return extract_article(html, url, declared_encoding=charset), None
    except Exception as error:  # a crash is a measured outcome, never a stop
        return None, one_line(error)


def predicted(result: Any) -> dict[str, Any]:
    """Return the extraction's value for every scored field (policy fields from .policy)."""
    policy = result.policy or {}
    values = {
        name: policy[name] if name in policy else getattr(result, name, None)
        for name in (*ARTICLE_FIELDS, *POLICY_FIELDS, *NEWS_FIELDS)
    }
    values["title"] = result.title or policy.get("title")
    return values


def accepted(label: dict[str, Any], name: str) -> list[Any]:
    """Return the label's value for a field and its alternatives (None = empty accepted)."""
    return [label.get(name), *((label.get("alternatives") or {}).get(name) or [])]


def value_matches(scorer: Any, name: str, value: Any, label: dict[str, Any]) -> bool:
    """Say whether one predicted value matches the label under score_policy_multi's rules."""
    wants = accepted(label, name)
    if not scorer.norm(value):
        return any(not scorer.norm(want) for want in wants)
    return scorer.key(name, value) in {scorer.key(name, want) for want in wants if want}


def body_matches(scorer: Any, name: str, body: str, label: dict[str, Any]) -> bool:
    """Say whether the body starts (or ends) with a labelled boundary, within its window."""
    text = scorer.norm(body or "")
    wants = accepted(label, name)
    if not text:
        return any(not scorer.norm(want) for want in wants)
    for want in wants:
        piece = scorer.norm(want)
        if not piece:
            continue
        if name == "body_start" and piece in text[: START_WINDOW + len(piece)]:
            return True
        if name == "body_end" and piece in text[-(END_WINDOW + len(piece)) :]:
            return True
    return False


def page_type_of(result: Any) -> str:
    """Return the extraction's page type, or article / non-article from ``is_article``."""
    page_type = getattr(result, "page_type", None)
    if page_type:
        return str(page_type)
    return "article" if result.is_article else "non-article"


def page_type_matches(got: str, label: dict[str, Any]) -> bool:
    """Say whether a predicted page type agrees with the label (or one of its alternatives)."""
    wants = [want for want in accepted(label, "page_type") if want]
    if got in ("article", "non-article"):
        return any((want in ARTICLE_TYPES) == (got == "article") for want in wants)
    return got in wants


def score_page(scorer: Any, label: dict[str, Any], html: bytes, charset: str | None) -> PageScore:
    """Run the cleaner on one labelled page and grade each measure it carries."""
    score = PageScore(id=label["id"], half=label["half"])
    result, score.crash = run_cleaner(html, label["url"], charset)
    names = [name for name in FIELDS if name in label]
    if result is None:
        score.fields = dict.fromkeys(names, False)
        return score
    score.got_type = page_type_of(result)
    score.page_type_ok = page_type_matches(score.got_type, label)
    values = predicted(result)
    body = result.body or ""
    for name in names:
        if name in BODY_FIELDS:
            score.fields[name] = body_matches(scorer, name, body, label)
            score.got[name] = body[:40] if name == "body_start" else body[-40:]
        else:
            score.fields[name] = value_matches(scorer, name, values[name], label)
            score.got[name] = values[name]
    return score


def score_all(shared: Path, labels: list[dict[str, Any]]) -> list[PageScore]:
    """Score every labelled page (reading each page's bytes and stored charset)."""
    scorer = load_module(shared / "tools" / "score_policy_multi.py", "score_policy_multi")
    index = load_wild_index(shared)
    folder = shared / "corpus" / "wild"
    scores = []
    for label in labels:
        html = (folder / label["id"] / "page.html").read_bytes()
        charset = declared_charset(index.get(label["id"], {}).get("content_type"))
        scores.append(score_page(scorer, label, html, charset))
    return scores


def summarise(scores: list[PageScore]) -> dict[str, dict[str, Any]]:
    """Return {half: {pages, crashes, page_type, fields: {name: [hits, scored]}}}."""
    table: dict[str, dict[str, Any]] = {}
    for half in (*HALVES, "all"):
        chosen = [s for s in scores if half in ("all", s.half)]
        fields: dict[str, list[int]] = {}
        for score in chosen:
            for name, ok in score.fields.items():
                cell = fields.setdefault(name, [0, 0])
                cell[0] += ok
                cell[1] += 1
        table[half] = {
            "pages": len(chosen),
            "crashes": sum(1 for s in chosen if s.crash),
            "page_type": [sum(s.page_type_ok for s in chosen), len(chosen)],
            "fields": {name: fields[name] for name in FIELDS if name in fields},
        }
    return table


def ratio(cell: list[int]) -> str:
    """Format [hits, scored] as ``0.83 (25/30)``."""
    hits, scored = cell
    return "%.2f (%d/%d)" % (hits / scored if scored else 0.0, hits, scored)


def print_table(table: dict[str, dict[str, Any]]) -> None:
    """Print pages, crashes, page type and field accuracy per half."""
    halves = list(table)
    print("%-13s" % "" + "".join("%-17s" % half for half in halves))
    print("%-13s" % "pages" + "".join("%-17d" % table[h]["pages"] for h in halves))
    print("%-13s" % "crashes" + "".join("%-17d" % table[h]["crashes"] for h in halves))
    print("%-13s" % "page_type" + "".join("%-17s" % ratio(table[h]["page_type"]) for h in halves))
    for name in FIELDS:
        cells = [table[h]["fields"].get(name) for h in halves]
        print("%-13s" % name + "".join("%-17s" % (ratio(c) if c else "-") for c in cells))


def print_misses(scores: list[PageScore], labels: list[dict[str, Any]]) -> None:
    """List the tune half's misses: page, measure, what the cleaner gave, what the label says."""
    by_id = {label["id"]: label for label in labels}
    for score in scores:
        if score.half != "tune":
            continue
        label = by_id[score.id]
        if score.crash:
            print("%s crash %s" % (score.id, score.crash))
            continue
        if not score.page_type_ok:
            print("%s page_type got=%r want=%r" % (score.id, score.got_type, label["page_type"]))
        for name, ok in score.fields.items():
            if not ok:
                print(
                    "%s %s got=%r want=%r" % (score.id, name, score.got.get(name), label.get(name))
                )


def crash_sweep(shared: Path) -> list[tuple[str, str]]:
    """Return (page, reason) for every wild page and site-slice HTML file the cleaner crashes on."""
    crashes = []
    folder = shared / "corpus" / "wild"
    for page_id, row in sorted(load_wild_index(shared).items()):
        html = (folder / page_id / "page.html").read_bytes()
        _, reason = run_cleaner(
            html, row.get("url") or "", declared_charset(row.get("content_type"))
        )
        if reason:
            crashes.append(("wild/" + page_id, reason))
    for site in sorted((shared / "corpus" / "sites").glob("*/www")):
        for path in sorted(site.rglob("*.htm*")):
            url = "http://%s.site/%s" % (site.parent.name, path.relative_to(site).as_posix())
            _, reason = run_cleaner(path.read_bytes(), url, None)
            if reason:
                crashes.append((str(path.relative_to(shared / "corpus")), reason))
    return crashes


def count_swept(shared: Path) -> int:
    """Return how many pages the crash sweep runs over."""
    sites = shared / "corpus" / "sites"
    return len(load_wild_index(shared)) + sum(
        1 for site in sites.glob("*/www") for _ in site.rglob("*.htm*")
    )


def main(argv: list[str] | None = None) -> int:
    """Run from the command line."""
    parser = argparse.ArgumentParser(description="Score the cleaner on the labelled wild pages.")
    parser.add_argument("--shared", help="folder with corpus/ and tools/ (default ../shared)")
    parser.add_argument("--labels", type=Path, default=LABELS, help="label file (JSON lines)")
    parser.add_argument("--misses", action="store_true", help="list the tune half's misses")
    parser.add_argument("--json", type=Path, help="write the table and per-page results here")
    parser.add_argument(
        "--crashes", action="store_true", help="crash sweep over wild and the site slices"
    )
    args = parser.parse_args(argv)
    try:
        shared = shared_dir(args.shared)
    except BenchmarkSetupError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    if args.crashes:
        crashes = crash_sweep(shared)
        print("%d crashes over %d pages" % (len(crashes), count_swept(shared)))
        for page, reason in crashes:
            print("  %s  %s" % (page, reason))
        return 0
    labels = load_labels(args.labels)
    scores = score_all(shared, labels)
    table = summarise(scores)
    print_table(table)
    if args.misses:
        print("\nmisses (tune half):")
        print_misses(scores, labels)
    if args.json:
        pages = [
            {"id": s.id, "half": s.half, "crash": s.crash, "page_type_ok": s.page_type_ok}
            | {"fields": s.fields}
            for s in scores
        ]
        args.json.write_text(
            json.dumps({"table": table, "pages": pages}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Switch the cleaner's news-side rules off one at a time and print what each one does.

A rule is a named pattern or word list of crawler/clean/patterns.py (outside the policy
section) or a branch of line_kinds, title, metadata, body, threads or extract that can be
switched off from outside: a pattern is replaced by one that never matches, a word list
by an empty one, a function by its neutral result. With the rule off, the cleaner runs over
every page of the dev corpora (extraction-dev, news-zh-dev, policy-dev, policy-multi-dev),
the unseen sets of tests/fixtures and the demo sites' articles; the table says, per rule,
which pages' output changed, on which sites, and how the scores moved (score_extraction.py's
char-bag F1, score_metadata.py's, score_policy.py's and score_policy_multi.py's match rules,
and the checks of tests/fixtures/expected). A negative delta means the rule helps.
``--tests`` also runs the cleaner's fast tests with the rule off and names the failures.

    .venv/bin/python benchmarks/ablate_rules.py [--rule NAME ...] [--tests all|candidates]
        [--json out.json] [--shared PATH]

The same module is a pytest plugin: ``pytest -p benchmarks.ablate_rules --ablate NAME``
runs any test with one rule off.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.bench_extract import BenchmarkSetupError, load_module, shared_dir  # noqa: E402
from benchmarks.corpus_split import load_index  # noqa: E402
from benchmarks.score_halves import (  # noqa: E402
    METADATA_FIELDS,
    POLICY_FIELDS,
    REPO_SETS,
    grade_policy_page,
)
from crawler.clean import (  # noqa: E402
    body,
    extract,
    layout,
    line_kinds,
    metadata,
    threads,
    title,
)
from crawler.clean import patterns as cp  # noqa: E402
from crawler.clean.extract import Extraction, extract_article, merge_pages  # noqa: E402
from crawler.demo import SITES_DIR  # noqa: E402

_NEVER = re.compile(r"(?!)")  # a pattern that matches nothing
_HUGE = 10**9
EXPECTED_DIR = REPO / "tests" / "fixtures" / "expected"
FAST_TESTS = [
    "tests/test_extract.py",
    "tests/test_extract_floors.py",
    "tests/test_extract_metamorphic.py",
    "tests/test_extract_seeds.py",
    "tests/test_policy_metamorphic.py",
]
# Patterns and lists of patterns.py that the cleaner is built on rather than rules about
# chrome or metadata (the block model, whitespace, Han characters, sentence marks); switching
# one off breaks every page, so they are not ablated. The policy section is another
# engineer's and is left out too.
INFRASTRUCTURE = {
    "BLOCK_TAGS",
    "HEADING_TAGS",
    "WHITESPACE_RE",
    "CHINESE_RE",
    "SENTENCE_PUNCT_RE",
    "TITLE_SEPARATOR_RE",
    "SURNAMES",
    "COMPOUND_SURNAMES",
}
POLICY_SECTION_MARK = "# === Policy documents"
# Word lists whose members are also switched off one at a time.
MEMBER_LISTS = ("DROP_TAGS",)


# --- rules -------------------------------------------------------------------------------


@dataclass
class Rule:
    """One rule and how to switch it off: (module, attribute, neutral value) triples."""

    name: str
    patches: list[tuple[Any, str, Any]]
    note: str = ""


def _neutral(value: Any) -> Any:
    if isinstance(value, re.Pattern):
        return _NEVER
    if isinstance(value, frozenset):
        return frozenset()
    if isinstance(value, tuple):
        return ()
    if isinstance(value, int):
        return _HUGE
    raise TypeError("no neutral value for %r" % type(value))


def news_pattern_names() -> list[str]:
    """Return the names patterns.py defines before its policy section, in file order."""
    source = Path(cp.__file__).read_text(encoding="utf-8").split(POLICY_SECTION_MARK)[0]
    names = re.findall(r"^([A-Z][A-Z0-9_]+)\s*=", source, flags=re.MULTILINE)
    return [n for n in dict.fromkeys(names) if n not in INFRASTRUCTURE]


def _everywhere(module: Any, name: str, value: Any) -> list[tuple[Any, str, Any]]:
    """Patch a function in its module and in every cleaner module that imported it."""
    original = getattr(module, name)
    modules = [m for n, m in sys.modules.items() if n.startswith("crawler.clean") and m]
    return [
        (m, attr, value) for m in modules for attr in (name,) if getattr(m, attr, None) is original
    ]


def _branch_rules() -> list[Rule]:
    """Return the branches of the cleaner's modules that can be switched off from outside."""
    none = lambda *args, **kwargs: None  # noqa: E731
    false = lambda *args, **kwargs: False  # noqa: E731
    return [
        Rule("line_kinds._ONLY_DATE_RE", [(line_kinds, "_ONLY_DATE_RE", _NEVER)], "date line"),
        Rule(
            "line_kinds._DATE_TIME_NAME_RE",
            [(line_kinds, "_DATE_TIME_NAME_RE", _NEVER)],
            "date, time and a short name",
        ),
        Rule(
            "line_kinds.find_dates",
            [(line_kinds, "find_dates", lambda text: [])],
            "a label after a date is a meta line",
        ),
        Rule("line_kinds.byline_names", _everywhere(line_kinds, "byline_names", none)),
        Rule("title.SpamCheck.is_spam", [(title.SpamCheck, "is_spam", false)]),
        Rule("title.is_title_name", [(title, "is_title_name", false)], "title class bonus"),
        Rule(
            "metadata._value_on_next_line",
            _everywhere(metadata, "_value_on_next_line", lambda line: ""),
        ),
        Rule("metadata._CO_WRITER_RE", [(metadata, "_CO_WRITER_RE", _NEVER)]),
        Rule("metadata._JSONLD_DATE_RE", [(metadata, "_JSONLD_DATE_RE", _NEVER)]),
        Rule(
            "metadata._META_DATE_KEYS",
            [(metadata, "_META_DATE_KEYS", ())],
            "dates from meta tags",
        ),
        Rule("metadata.outlet_by_date", _everywhere(metadata, "outlet_by_date", none)),
        Rule("metadata.site_name_from", _everywhere(metadata, "site_name_from", none)),
        Rule("metadata.keywords_from", _everywhere(metadata, "keywords_from", lambda *a: [])),
        Rule("extract._rel_author", [(extract, "_rel_author", none)]),
        Rule("body.thread_start", [(body, "thread_start", none)], "comment threads cut"),
        Rule(
            "body._drop_contact_notice",
            [(body, "_drop_contact_notice", lambda lines: lines)],
            "help-line notice",
        ),
        Rule("body._ATTACHMENT_LINE_RE", [(body, "_ATTACHMENT_LINE_RE", _NEVER)]),
        Rule(
            "threads._stamped_entries",
            [(threads, "_stamped_entries", lambda *a: _HUGE)],
            "entries need stamp and prose",
        ),
    ]


def all_rules() -> list[Rule]:
    """Return every rule: patterns, word-list members, then module branches."""
    rules = [Rule(n, [(cp, n, _neutral(getattr(cp, n)))]) for n in news_pattern_names()]
    for name in MEMBER_LISTS:
        words = getattr(cp, name, ())
        for word in sorted(words):
            rest = type(words)(w for w in words if w != word)
            rules.append(Rule("%s[%s]" % (name, word), [(cp, name, rest)]))
    return rules + _branch_rules()


def _clear_caches() -> None:
    layout._CHROME_NAME_CACHE.clear()
    for func in (layout._is_chrome_name, layout._is_body_name, layout.is_title_name):
        func.cache_clear()


@contextlib.contextmanager
def switched_off(rule: Rule) -> Iterator[None]:
    """Run the body with one rule off; everything is put back afterwards."""
    saved = [(m, a, getattr(m, a)) for m, a, _ in rule.patches]
    try:
        for module, attr, value in rule.patches:
            setattr(module, attr, value)
        _clear_caches()
        yield
    finally:
        for module, attr, value in saved:
            setattr(module, attr, value)
        _clear_caches()


# --- pages and their scores --------------------------------------------------------------


@dataclass
class Page:
    """One scored page (or one demo article of several pages)."""

    key: str  # set/id
    site: str
    run: Callable[[], Extraction]
    grade: Callable[[Extraction], dict[str, float]]
    baseline: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)


def _signature(result: Extraction) -> str:
    return json.dumps(extract.extraction_to_json(result), ensure_ascii=False, sort_keys=True)


def _corpus_pages(shared: Path) -> list[Page]:
    text_scorer = load_module(shared / "tools" / "score_extraction.py", "score_extraction")
    meta_scorer = load_module(shared / "tools" / "score_metadata.py", "score_metadata")
    policy_scorer = load_module(shared / "tools" / "score_policy.py", "score_policy")
    multi_scorer = load_module(shared / "tools" / "score_policy_multi.py", "score_policy_multi")
    sets = {
        "extraction-dev": ("text",),
        "news-zh-dev": ("text", "meta"),
        "policy-dev": ("text", "policy"),
        "policy-multi-dev": ("multi",),
        "unseen-news": ("text", "meta"),
        "unseen-policy": ("multi",),
    }
    pages = []
    for corpus, kinds in sets.items():
        folder = REPO_SETS.get(corpus) or shared / "corpus" / corpus
        for row in load_index(folder):
            page_dir = folder / row["id"]
            html = (page_dir / "page.html").read_bytes()
            url = row.get("url") or ""
            truth_file = page_dir / "expected.json"
            truth = (
                json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.is_file() else {}
            )
            text_file = page_dir / "expected.txt"
            truth_text = text_file.read_text(encoding="utf-8") if text_file.is_file() else None

            def grade(result: Extraction, kinds=kinds, truth=truth, truth_text=truth_text):
                out: dict[str, float] = {}
                if "text" in kinds and truth_text is not None:
                    f1 = text_scorer.score_page(truth_text, result.body)["char"]["f1"]
                    out["f1"] = f1
                if "meta" in kinds:
                    pred = {
                        "title": result.title,
                        "published_at": result.published_at,
                        "source": result.outlet,
                        "author": result.author,
                        "editor": result.editor,
                    }
                    for name in METADATA_FIELDS:
                        out["meta:" + name] = float(
                            bool(meta_scorer.match(name, pred[name], truth.get(name)))
                        )
                if "policy" in kinds:
                    policy = result.policy or {}
                    for name in POLICY_FIELDS:
                        ok = policy_scorer.match(name, policy.get(name), truth.get(name))
                        out["policy:" + name] = float(bool(ok))
                if "multi" in kinds:
                    for name, ok in grade_policy_page(multi_scorer, truth, result).items():
                        out["policy:" + name] = float(ok)
                return out

            pages.append(
                Page(
                    "%s/%s" % (corpus, row["id"]),
                    "%s:%s" % (corpus, row["site_key"]),
                    lambda html=html, url=url: extract_article(html, url),
                    grade,
                )
            )
    return pages


def _demo_checks(article: dict[str, Any], result: Extraction) -> dict[str, float]:
    """Grade a demo article as tests/test_extract_seeds.py does, one measure per check."""
    out: dict[str, float] = {}
    for name in ("title", "outlet", "author", "editor"):
        if name in article:
            out["demo:" + name] = float(getattr(result, name) == article[name])
    if article.get("site_name"):
        out["demo:site_name"] = float(result.site == article["site_name"])
    if article.get("published_at"):
        out["demo:published_at"] = float(
            (result.published_at or "")[:10] == article["published_at"][:10]
        )
    checks = [s in result.body for s in article.get("must_contain", [])]
    checks += [s not in result.body for s in article.get("must_not_contain", [])]
    for key, value in (article.get("policy") or {}).items():
        checks.append((result.policy or {}).get(key) == value)
    checks.append(result.is_article)
    out["demo:checks"] = float(sum(checks))
    return out


def _demo_pages() -> list[Page]:
    pages = []
    for path in sorted(EXPECTED_DIR.glob("*.json")):
        site = path.stem
        for article in json.loads(path.read_text(encoding="utf-8")):
            files = [
                (
                    (SITES_DIR / site / p.lstrip("/")).read_bytes(),
                    "http://%s.example%s" % (site, p),
                )
                for p in article.get("pages") or [article["path"]]
            ]

            def run(files=files) -> Extraction:
                results = [extract_article(html, url) for html, url in files]
                return merge_pages(results) if len(results) > 1 else results[0]

            pages.append(
                Page(
                    "demo/%s%s" % (site, article["path"]),
                    "demo:%s" % site,
                    run,
                    lambda result, article=article: _demo_checks(article, result),
                )
            )
    return pages


def load_pages(shared: Path) -> list[Page]:
    """Return every page with its baseline output and scores (all rules on)."""
    pages = _corpus_pages(shared) + _demo_pages()
    for page in pages:
        result = page.run()
        page.baseline = {"signature": _signature(result)}
        page.scores = page.grade(result)
    return pages


# --- ablation ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What switching one rule off did."""

    rule: str
    changed: list[str] = field(default_factory=list)
    helped: dict[str, list[str]] = field(default_factory=dict)  # site -> pages the rule helps
    hurt: dict[str, list[str]] = field(default_factory=dict)  # site -> pages it makes worse
    delta: dict[str, float] = field(default_factory=dict)  # measure group -> off minus on
    failed_tests: list[str] | None = None
    error: str = ""


def _group(measure: str) -> str:
    return measure.split(":")[0]


def ablate(rule: Rule, pages: list[Page]) -> Outcome:
    """Run every page with the rule off; compare with the baseline."""
    outcome = Outcome(rule.name)
    with switched_off(rule):
        for page in pages:
            try:
                result = page.run()
            except Exception as error:  # a rule off may break a page: that is a finding
                outcome.error = "%s: %s" % (page.key, error)
                outcome.changed.append(page.key)
                outcome.helped.setdefault(page.site, []).append(page.key)
                continue
            if _signature(result) == page.baseline["signature"]:
                continue
            outcome.changed.append(page.key)
            scores = page.grade(result)
            worse = better = False
            for measure, before in page.scores.items():
                diff = scores.get(measure, 0.0) - before
                if abs(diff) > 1e-9:
                    group = _group(measure)
                    outcome.delta[group] = outcome.delta.get(group, 0.0) + diff
                    worse |= diff < 0
                    better |= diff > 0
            if worse:
                outcome.helped.setdefault(page.site, []).append(page.key)
            if better:
                outcome.hurt.setdefault(page.site, []).append(page.key)
    return outcome


def failing_tests(rule: str) -> list[str]:
    """Run the fast cleaner tests with one rule off; return the failing tests' names."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-rf",
        "-p",
        "no:cacheprovider",
        "-p",
        "benchmarks.ablate_rules",
        "--ablate",
        rule,
        *FAST_TESTS,
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    failed = re.findall(r"^FAILED (\S+?)(?:\[.*?\])?(?: - |$)", done.stdout, flags=re.MULTILINE)
    if done.returncode not in (0, 1):
        return ["pytest exit %d: %s" % (done.returncode, done.stdout[-300:])]
    counts: dict[str, int] = {}
    for name in failed:
        short = name.replace("tests/", "").replace(".py::", "::")
        counts[short] = counts.get(short, 0) + 1
    return ["%s x%d" % (n, c) if c > 1 else n for n, c in counts.items()]


def is_candidate(outcome: Outcome) -> bool:
    """Say whether the corpora alone would let the rule go: it helps fewer than two sites."""
    return len(outcome.helped) < 2


def _fmt_delta(delta: dict[str, float]) -> str:
    return " ".join("%s%+.3g" % (k, v) for k, v in sorted(delta.items())) or "0"


def print_table(outcomes: list[Outcome]) -> None:
    """Print one line per rule, then the sites each rule helps and hurts."""
    print(
        "%-44s %5s %5s %5s  %-40s %s" % ("rule", "chg", "help", "hurt", "delta (off-on)", "tests")
    )
    for o in outcomes:
        helped = sum(len(v) for v in o.helped.values())
        hurt = sum(len(v) for v in o.hurt.values())
        tests = "-" if o.failed_tests is None else (", ".join(o.failed_tests) or "none fail")
        print(
            "%-44s %5d %5d %5d  %-40s %s"
            % (o.rule, len(o.changed), helped, hurt, _fmt_delta(o.delta), tests)
        )
    print()
    for o in outcomes:
        if o.helped or o.hurt or o.error:
            print("%s" % o.rule)
            if o.helped:
                print(
                    "  helps %d sites: %s"
                    % (
                        len(o.helped),
                        ", ".join(
                            "%s (%s)" % (s, " ".join(p.split("/", 1)[1] for p in ps))
                            for s, ps in sorted(o.helped.items())
                        ),
                    )
                )
            if o.hurt:
                print(
                    "  hurts: %s"
                    % ", ".join(
                        "%s (%s)" % (s, " ".join(p.split("/", 1)[1] for p in ps))
                        for s, ps in sorted(o.hurt.items())
                    )
                )
            if o.error:
                print("  error: %s" % o.error)


def main(argv: list[str] | None = None) -> int:
    """Run from the command line."""
    parser = argparse.ArgumentParser(description="Switch each cleaner rule off and score.")
    parser.add_argument("--shared", help="folder with corpus/ and tools/ (default ../shared)")
    parser.add_argument("--rule", action="append", help="only this rule (repeatable)")
    parser.add_argument(
        "--tests",
        choices=("all", "candidates"),
        help="run the fast tests with each rule off (candidates: rules helping < 2 sites)",
    )
    parser.add_argument("--json", type=Path, help="write the outcomes here")
    parser.add_argument(
        "--outcomes", type=Path, help="reuse the page outcomes of an earlier --json run"
    )
    args = parser.parse_args(argv)
    try:
        shared = shared_dir(args.shared)
    except BenchmarkSetupError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    rules = all_rules()
    if args.rule:
        unknown = set(args.rule) - {r.name for r in rules}
        if unknown:
            print("error: no rule named %s" % ", ".join(sorted(unknown)), file=sys.stderr)
            return 2
        rules = [r for r in rules if r.name in args.rule]
    if args.outcomes:
        earlier = {o["rule"]: o for o in json.loads(args.outcomes.read_text(encoding="utf-8"))}
        outcomes = [Outcome(**earlier[r.name]) for r in rules if r.name in earlier]
    else:
        pages = load_pages(shared)
        print("%d pages, %d rules" % (len(pages), len(rules)), file=sys.stderr)
        outcomes = [ablate(rule, pages) for rule in rules]
    if args.tests:
        print_table(outcomes)
        # Members of a word list are tested only when named: the list is the rule.
        chosen = [
            o
            for o in outcomes
            if args.tests == "all" or (is_candidate(o) and ("[" not in o.rule or args.rule))
        ]
        print("\ntests with the rule off (%d rules):" % len(chosen), flush=True)
        with ThreadPoolExecutor(max_workers=2) as pool:
            for o, failed in zip(
                chosen, pool.map(failing_tests, [o.rule for o in chosen]), strict=True
            ):
                o.failed_tests = failed
                print("  %-44s %s" % (o.rule, ", ".join(failed) or "none fail"), flush=True)
        print()
    print_table(outcomes)
    if args.json:
        args.json.write_text(
            json.dumps([o.__dict__ for o in outcomes], ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    return 0


# --- pytest plugin -----------------------------------------------------------------------


def pytest_addoption(parser: Any) -> None:
    """Add --ablate NAME: run the tests with that rule off."""
    parser.addoption("--ablate", default=None, help="switch this cleaner rule off")


_ACTIVE: list[contextlib.AbstractContextManager[None]] = []


def pytest_configure(config: Any) -> None:
    """Switch the named rule off for the whole session."""
    name = config.getoption("--ablate", default=None)
    if not name:
        return
    rules = {r.name: r for r in all_rules()}
    if name not in rules:
        raise SystemExit("no rule named %s" % name)
    manager = switched_off(rules[name])
    manager.__enter__()
    _ACTIVE.append(manager)


if __name__ == "__main__":
    sys.exit(main())

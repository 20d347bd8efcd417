"""Compare bs4's UnicodeDammit with crawler/clean/decode.py on the GB and Big5 pages.

Usage:
    python benchmarks/bench_encoding.py                # the shared corpus
    python benchmarks/bench_encoding.py --repeat 11 --shared ../shared --pages

Reads the pages of ``corpus/extraction-dev`` (Chinese ones), ``corpus/news-zh-dev`` and
``corpus/wild`` whose bytes are not UTF-8 (GB2312/GBK/GB18030 or Big5), and, marked apart
because the project wrote them, the Big5 pages of ``tests/fixtures/unseen_news``. Each page
is decoded three ways, given what a crawl knows (the HTTP charset where the corpus
recorded one):

- ``decode_html``: the project's decoder;
- ``UnicodeDammit``: bs4's detector as documented (HTTP charset as a known encoding, then
  its own reading of BOM, ``<meta>`` and charset-normalizer);
- ``UnicodeDammit, browser label``: bs4 given the declared label as browsers read it
  (GB2312 and GBK as GB18030, Big5 as Big5-HKSCS, through w3lib), a fairer comparison.

A decode is wrong when the text holds U+FFFD or does not read as Chinese (fewer than half
of its non-ASCII characters are Han or CJK punctuation): the mark of a page decoded as
windows-1252 or UTF-8. "Other punctuation" counts pages that read as Chinese but whose
characters differ from a clean browser reading (GB2312's own codec maps 0xA1AA to U+2015
and 0xA1A4 to U+30FB where browsers give — and ·); pages whose browser reading holds U+FFFD
(bytes lost in transit, which decode_html re-aligns) are left out of that count. Prints
the counts and the median milliseconds per page.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bs4 import UnicodeDammit  # noqa: E402
from w3lib.encoding import http_content_type_encoding  # noqa: E402

from crawler.clean.decode import decode_html, normalize_encoding_name  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared"
CORPUS_SETS = ("extraction-dev", "news-zh-dev", "wild")
FIXTURE_SET = "tests/fixtures/unseen_news (ours)"
META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
WRAPPER_CHARSET = re.compile(rb"""<text\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
NON_ASCII = re.compile(r"[^\x00-\x7f]")


@dataclass
class Page:
    """One page to decode: where it is, its bytes, the charsets it declares."""

    corpus: str
    name: str
    data: bytes
    http_charset: str | None  # from the recorded Content-Type header
    declared: str | None  # the HTTP charset, else the <meta> (or CleanEval wrapper) one


@dataclass
class Decoded:
    """What one decoder made of a page."""

    text: str
    encoding: str
    seconds: float


def shared_dir(option: str | None) -> Path:
    """Return the shared folder: --shared, then XIETONG_SHARED, then ../shared."""
    path = Path(option or os.environ.get("XIETONG_SHARED") or DEFAULT_SHARED)
    if not (path / "corpus").is_dir():
        raise SystemExit("shared corpus not found at %s (set XIETONG_SHARED or --shared)" % path)
    return path


def is_utf8(data: bytes) -> bool:
    """Tell whether the bytes decode as UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def declared_label(data: bytes, http_charset: str | None) -> str | None:
    """Return the charset the response declares: the HTTP header's, else the page's own."""
    if http_charset:
        return http_charset
    head = data[:4096]
    for pattern in (META_CHARSET, WRAPPER_CHARSET):
        match = pattern.search(head)
        if match:
            return match.group(1).decode("ascii").lower()
    return None


def corpus_pages(shared: Path) -> list[Page]:
    """Return the non-UTF-8 pages of the corpus sets (Chinese pages only)."""
    pages = []
    for corpus in CORPUS_SETS:
        folder = shared / "corpus" / corpus
        index = {}
        for line in (folder / "index.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                index[row["id"]] = row
        for page_dir in sorted(path for path in folder.iterdir() if path.is_dir()):
            row = index.get(page_dir.name, {})
            if row.get("language") == "en":
                continue
            data = (page_dir / "page.html").read_bytes()
            if is_utf8(data):
                continue
            content_type = row.get("content_type")
            http = http_content_type_encoding(content_type) if content_type else None
            pages.append(Page(corpus, page_dir.name, data, http, declared_label(data, http)))
    return pages


def fixture_pages() -> list[Page]:
    """Return the project's own Big5 fixture pages (written by its builders, so apart)."""
    pages = []
    for path in sorted((ROOT / "tests" / "fixtures" / "unseen_news").glob("*/page.html")):
        data = path.read_bytes()
        if not is_utf8(data):
            pages.append(
                Page(FIXTURE_SET, path.parent.name, data, None, declared_label(data, None))
            )
    return pages


def timed(run: Callable[[], tuple[str, str]], repeat: int) -> Decoded:
    """Run a decoder ``repeat`` times; keep its output and the median time."""
    times = []
    text = encoding = ""
    for _ in range(repeat):
        start = time.perf_counter()
        text, encoding = run()
        times.append(time.perf_counter() - start)
    return Decoded(text, encoding, statistics.median(times))


def ours(page: Page) -> tuple[str, str]:
    """Decode with the project's decoder."""
    decoded = decode_html(page.data, page.http_charset)
    return decoded.text, decoded.encoding


def dammit(page: Page) -> tuple[str, str]:
    """Decode with UnicodeDammit as its documentation shows."""
    known = [page.http_charset] if page.http_charset else []
    result = UnicodeDammit(page.data, known_definite_encodings=known, is_html=True)
    return result.unicode_markup or "", str(result.original_encoding)


def dammit_browser_label(page: Page) -> tuple[str, str]:
    """Decode with UnicodeDammit, told the declared label as browsers read it."""
    label = normalize_encoding_name(page.declared)
    result = UnicodeDammit(
        page.data, known_definite_encodings=[label] if label else [], is_html=True
    )
    return result.unicode_markup or "", str(result.original_encoding)


def browser_reading(page: Page) -> str:
    """Return the page as a browser reads its declared label (GB18030 when none)."""
    label = normalize_encoding_name(page.declared) or "gb18030"
    return page.data.decode(label, "replace")


def reads_as_chinese(text: str) -> bool:
    """Tell whether text is Chinese: no U+FFFD, and most non-ASCII characters Han or CJK."""
    if "\ufffd" in text:
        return False
    non_ascii = len(NON_ASCII.findall(text))
    return non_ascii > 0 and len(CHINESE.findall(text)) >= 0.5 * non_ascii


DECODERS: dict[str, Callable[[Page], tuple[str, str]]] = {
    "decode_html": ours,
    "UnicodeDammit": dammit,
    "UnicodeDammit, browser label": dammit_browser_label,
}

SHORT = {"decode_html": "ours", "UnicodeDammit": "UD", "UnicodeDammit, browser label": "UD+label"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", help="the shared folder (default: XIETONG_SHARED, ../shared)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per page (default 5)")
    parser.add_argument("--pages", action="store_true", help="also print one line per page")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # bs4 warns and logs on each replacement it makes
    logging.getLogger("bs4").setLevel(logging.ERROR)
    pages = corpus_pages(shared_dir(args.shared)) + fixture_pages()
    sets = [*CORPUS_SETS, FIXTURE_SET]
    print(
        "non-UTF-8 pages: %s"
        % ", ".join("%s %d" % (s, sum(p.corpus == s for p in pages)) for s in sets)
    )
    labels = Counter("%s (%s)" % (p.declared, "http" if p.http_charset else "page") for p in pages)
    print("declared: %s" % ", ".join("%s %d" % item for item in labels.most_common()))
    results = {
        name: [timed(partial(run, page), args.repeat) for page in pages]
        for name, run in DECODERS.items()
    }
    if args.pages:
        for index, page in enumerate(pages):
            print(
                "%-34s %s  declared %-8s %s"
                % (
                    page.corpus,
                    page.name,
                    page.declared,
                    "  ".join(
                        "%s=%s%s"
                        % (
                            SHORT[name],
                            r[index].encoding,
                            "" if reads_as_chinese(r[index].text) else " WRONG",
                        )
                        for name, r in results.items()
                    ),
                )
            )
    print()
    columns = ["wrong: %s" % s for s in sets] + [
        "other punctuation",
        "median ms/page",
        "detected as",
    ]
    print("| decoder | %s |" % " | ".join(columns))
    print("|---|%s" % ("---|" * len(columns)))
    for name, decoded in results.items():
        wrong = [
            sum(
                1
                for page, d in zip(pages, decoded, strict=True)
                if page.corpus == s and not reads_as_chinese(d.text)
            )
            for s in sets
        ]
        punctuation = sum(
            1
            for page, d in zip(pages, decoded, strict=True)
            if reads_as_chinese(d.text)
            and reads_as_chinese(browser := browser_reading(page))
            and d.text != browser
        )
        detected = Counter(d.encoding for d in decoded)
        print(
            "| %s | %s | %d | %.2f | %s |"
            % (
                name,
                " | ".join(
                    "%d/%d" % (w, sum(p.corpus == s for p in pages))
                    for w, s in zip(wrong, sets, strict=True)
                ),
                punctuation,
                1000 * statistics.median(d.seconds for d in decoded),
                ", ".join("%s %d" % item for item in detected.most_common()),
            )
        )


if __name__ == "__main__":
    main()

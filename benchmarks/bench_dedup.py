"""Benchmark near-duplicate detection: pair precision/recall, cost per article, index size.

Usage:
    python benchmarks/bench_dedup.py                      # sizes 10000,100000,1000000
    python benchmarks/bench_dedup.py --quick              # sizes 1000,10000
    python benchmarks/bench_dedup.py --sizes 10000,50000 --queries 500 --fill texts

For each size N a fresh SQLite file holds N archived articles. By default they are filled
with random MinHash signatures (``--fill signatures``): an unrelated text's signature is a
vector of independent uniform minima, so random ones load the LSH tables exactly as a
million unrelated articles would, in a fraction of the time. ``--fill texts`` fingerprints
synthetic texts instead (about 0.3 ms each more). The labelled cases' base articles are
planted too, so look-ups meet real candidates. Then ``--queries`` new articles (the cases'
edited copies and synthetic texts) go through the whole path: simplify, normalize,
shingle, MinHash, LSH look-up, verification and insert; the median and p90 per article are
printed with the RSS growth and the bytes on disk.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.archive.near_duplicates import NearDuplicateIndex, stored_band_keys  # noqa: E402
from crawler.text import fingerprint as fp  # noqa: E402
from crawler.text.script import to_simplified  # noqa: E402

CASES_MODULE = ROOT / "tests" / "fixtures" / "dedup" / "dedup_cases.py"
BATCH = 20_000
TARGET_MS_AT_1M = 2.0
TARGET_FLATNESS = 1.5
TARGET_MEMORY_MB = 200.0


def load_cases_module() -> Any:
    spec = importlib.util.spec_from_file_location("dedup_cases", CASES_MODULE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def synthetic_texts(count: int, vocabulary: str, rng: random.Random) -> list[str]:
    """Make unrelated texts fast: runs of characters drawn from real Chinese text."""
    texts = []
    size = len(vocabulary)
    for _ in range(count):
        length = rng.randint(400, 3000)
        start = rng.randrange(size)
        # A shuffled window of real characters: realistic code points, no shared phrases.
        window = list((vocabulary * 2)[start : start + length])
        rng.shuffle(window)
        texts.append("".join(window))
    return texts


def fill(conn: sqlite3.Connection, count: int, mode: str, vocabulary: str, seed: int) -> None:
    generator = np.random.default_rng(seed)
    rng = random.Random(seed)
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        if mode == "signatures":
            signatures = generator.integers(
                0, 2**32, size=(size, fp.NUM_PERMUTATIONS), dtype=np.uint32
            )
            lengths = generator.integers(300, 3000, size=size)
            rows = [
                (f"synthetic-{done + i:08d}", signatures[i], int(lengths[i])) for i in range(size)
            ]
        else:
            rows = []
            for i, text in enumerate(synthetic_texts(size, vocabulary, rng)):
                found = fp.fingerprint(text)
                rows.append((f"synthetic-{done + i:08d}", found.signature, found.length))
        # Explicit integer ids (the fill runs on empty tables), so band rows can name them.
        fingerprint_rows = [
            (done + i + 1, article_id, fp.signature_array(sig).tobytes(), length)
            for i, (article_id, sig, length) in enumerate(rows)
        ]
        # Sorted by key, a batch lands in the B-tree page by page instead of at random.
        band_rows = sorted(
            (key, done + i + 1)
            for i, (_, sig, _) in enumerate(rows)
            for key in stored_band_keys(sig)
        )
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT OR IGNORE INTO fingerprints (id, article_id, signature, length)"
            " VALUES (?, ?, ?, ?)",
            fingerprint_rows,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO fingerprint_bands (band_key, fingerprint_id) VALUES (?, ?)",
            band_rows,
        )
        conn.execute("COMMIT")
        del rows, fingerprint_rows, band_rows
        done += size


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run_size(
    size: int, args: argparse.Namespace, cases: dict[str, Any], dc: Any, queries: list[str]
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.db"
        gc.collect()
        rss_before = rss_bytes()
        conn = sqlite3.connect(str(path), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        NearDuplicateIndex.create_tables(conn)
        started = time.perf_counter()
        fill(conn, size, args.fill, args.vocabulary, seed=size)
        # Plant the cases' unedited articles so look-ups meet real candidates.
        index = NearDuplicateIndex(conn)
        conn.execute("BEGIN")
        for key in cases["bases"]:
            found = fp.fingerprint(
                to_simplified(dc.materialize(cases["bases"], {"base": key, "ops": []}))
            )
            index.add(f"base-{key}", found.signature, found.length)
        conn.execute("COMMIT")
        fill_seconds = time.perf_counter() - started
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        gc.collect()
        timings = []
        hits = 0
        conn.execute("BEGIN")
        for number, text in enumerate(queries):
            began = time.perf_counter()
            found = fp.fingerprint(to_simplified(text))
            matches = index.find(found.signature, found.length)
            index.add(f"query-{number:06d}", found.signature, found.length)
            timings.append((time.perf_counter() - began) * 1000)
            hits += bool(matches)
            if number % 100 == 99:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
        conn.execute("COMMIT")
        gc.collect()
        rss_after = rss_bytes()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        on_disk = disk_bytes(path)
        conn.close()
    timings.sort()
    return {
        "size": size,
        "fill_s": fill_seconds,
        "median_ms": statistics.median(timings),
        "p90_ms": timings[int(len(timings) * 0.9)],
        "hits": hits,
        "rss_mb": (rss_after - rss_before) / 2**20,
        "disk_mb": on_disk / 2**20,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="archived articles per run, comma-separated"
    )
    parser.add_argument("--quick", action="store_true", help="sizes 1000,10000")
    parser.add_argument("--queries", type=int, default=1000, help="new articles timed per size")
    parser.add_argument(
        "--fill",
        choices=["signatures", "texts"],
        default="signatures",
        help="how archived articles are made",
    )
    args = parser.parse_args()
    sizes = (
        [1000, 10000] if args.quick else [int(value) for value in args.sizes.split(",") if value]
    )

    dc = load_cases_module()
    cases = dc.load_cases()
    started = time.perf_counter()
    quality = dc.evaluate(cases)
    print(
        f"labelled pairs: precision {quality['precision']:.4f}  recall {quality['recall']:.4f}"
        f"  (TP {quality['true_positive']} FP {quality['false_positive']}"
        f" FN {quality['false_negative']} TN {quality['true_negative']}, {time.perf_counter() - started:.1f} s)"
    )
    for wrong in quality["wrong"]:
        print(f"  wrong: {wrong['id']} ({wrong['label']}) {wrong['similarity']}")

    bases = cases["bases"]
    args.vocabulary = "".join(
        character
        for base in bases.values()
        for paragraph in base["paragraphs"]
        for character in paragraph
        if "\u4e00" <= character <= "\u9fff"
    )
    rng = random.Random(7)
    edited = [
        dc.materialize(bases, pair["b"]) for pair in cases["pairs"] if pair["label"] == "duplicate"
    ]
    queries = rng.sample(edited, min(len(edited), args.queries // 2))
    queries += synthetic_texts(args.queries - len(queries), args.vocabulary, rng)
    rng.shuffle(queries)
    # Warm up OpenCC converters and numpy before timing.
    for text in queries[:20]:
        fp.fingerprint(to_simplified(text))

    results = []
    print(
        f"\n{'archived':>10} {'fill s':>8} {'median ms':>10} {'p90 ms':>8} {'hits':>6} {'RSS +MB':>8} {'disk MB':>9}"
    )
    for size in sizes:
        result = run_size(size, args, cases, dc, queries)
        results.append(result)
        print(
            f"{result['size']:>10} {result['fill_s']:>8.1f} {result['median_ms']:>10.3f} {result['p90_ms']:>8.3f}"
            f" {result['hits']:>6} {result['rss_mb']:>8.1f} {result['disk_mb']:>9.1f}",
            flush=True,
        )
    if len(results) > 1:
        flatness = results[-1]["median_ms"] / results[0]["median_ms"]
        print(
            f"\ncost growth {results[0]['size']} -> {results[-1]['size']}: {flatness:.2f}x (target <= {TARGET_FLATNESS}x)"
        )
    largest = results[-1]
    print(
        f"at {largest['size']}: {largest['median_ms']:.3f} ms/article (target <= {TARGET_MS_AT_1M} ms at 1M),"
        f" index memory +{largest['rss_mb']:.1f} MB (target <= {TARGET_MEMORY_MB:.0f} MB at 1M)"
    )
    print(
        f"signature {fp.NUM_PERMUTATIONS} x uint32, LSH {fp.LSH_BANDS} bands x {fp.LSH_ROWS} rows, pid {os.getpid()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

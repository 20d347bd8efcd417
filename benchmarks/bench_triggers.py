"""The save cost of the archive's summary triggers: source_summaries, article_tags, table_rows.

Inserts the same articles and their pages row by row, as a save does, into an existing
archive (e.g. one ``bench_search.py --db`` built), inside a transaction that is rolled
back, so the archive is left as it was. In each round every variant runs once (all
triggers, each group dropped inside the transaction; a dropped trigger comes back with the
rollback), each round starting with the next variant: the first after a rollback runs
colder, which, with a fixed order, read as ~0.1 ms of trigger cost that was not. CPU time of the inserts alone (``time.process_time``), the median over the
rounds: on a shared machine the wall time of a whole save varies by more than the triggers
cost, the CPU time of the inserts much less. What each group saves when dropped is its share.

    python benchmarks/bench_triggers.py --db /tmp/xietong.db --rounds 9
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import (  # noqa: E402
    CST,
    SHAPE_SEED,
    CrawlShape,
    TextGenerator,
    appearance_rows,
    article_row,
)

from crawler.archive import open_database  # noqa: E402

# Trigger name prefixes of each group (crawler/archive/source_summaries.py, article_tags.py,
# table_rows.py).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("all triggers", ()),
    ("without source_summaries", ("source_summaries_",)),
    ("without article_tags", ("article_tags_",)),
    ("without table_rows", ("table_rows_",)),
    ("without all three", ("source_summaries_", "article_tags_", "table_rows_")),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="an archive to measure in")
    parser.add_argument("--articles", type=int, default=1000, help="articles a round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args()
    if not args.db.exists():
        raise SystemExit("no archive at %s" % args.db)

    db = open_database(args.db)
    conn = db.conn
    (articles,) = conn.execute("select coalesce(max(rowid), 0) from articles").fetchone()
    rng = random.Random(args.seed)
    texts = TextGenerator(rng)
    crawl = CrawlShape(random.Random(SHAPE_SEED))
    rows, pages = [], []
    for number in range(args.articles):
        row = article_row(rng, texts, crawl, 30_000_000 + number, datetime(2024, 3, 1, tzinfo=CST))
        rows.append(row)
        pages.append(appearance_rows(rng, crawl, row, 1)[0])
    article_columns, page_columns = list(rows[0]), list(pages[0])
    insert_article = "insert into articles (%s) values (%s)" % (
        ", ".join(article_columns),
        ", ".join("?" * len(article_columns)),
    )
    insert_page = "insert into appearances (%s) values (%s)" % (
        ", ".join(page_columns),
        ", ".join("?" * len(page_columns)),
    )
    triggers = [
        name for (name,) in conn.execute("select name from sqlite_master where type = 'trigger'")
    ]
    conn.isolation_level = None  # the transactions below are ours
    cpu: dict[str, list[float]] = {name: [] for name, _ in GROUPS}
    for round_number in range(args.rounds):
        # Each round starts with another variant: the first after a rollback runs colder.
        shift = round_number % len(GROUPS)
        for name, prefixes in GROUPS[shift:] + GROUPS[:shift]:
            conn.execute("begin")
            for trigger in triggers:
                if prefixes and trigger.startswith(prefixes):
                    conn.execute("drop trigger %s" % trigger)
            began = time.process_time()
            for row, page in zip(rows, pages, strict=True):
                conn.execute(insert_article, [row[column] for column in article_columns])
                conn.execute(insert_page, [page[column] for column in page_columns])
            cpu[name].append((time.process_time() - began) / len(rows) * 1e6)
            conn.execute("rollback")
    db.close()

    print(
        "an article and its page inserted row by row into an archive of %d articles"
        " (CPU, median of %d rounds of %d):" % (articles, args.rounds, args.articles)
    )
    base = statistics.median(cpu["all triggers"])
    for name, _ in GROUPS:
        median = statistics.median(cpu[name])
        print("  %-26s %7.1f us   the group's share %+6.1f us" % (name, median, base - median))


if __name__ == "__main__":
    main()

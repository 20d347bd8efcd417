"""Score and time the policy citation finder on the labelled set (issue 12).

Usage:
    python benchmarks/bench_citations.py                  # the set, then 10,000 archived policies
    python benchmarks/bench_citations.py --archive 50000 --repeat 9

Prints precision, recall and the share of links found the right way (title, doc_number,
interpretation) on tests/fixtures/policy_links/stories.json and stories_check.json, each
miss, then the median milliseconds per story to find and resolve its citations against
the set's 15 policies and against ``--archive`` synthetic ones added to them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.text.citations import ArchivedPolicy, PolicyMatcher  # noqa: E402
from tests.policy_link_set import SET_DIR, load_policies, score  # noqa: E402

PLACES = ("北京市", "天津市", "河北省", "石家庄市", "唐山市", "保定市", "廊坊市", "雄安新区")
TOPICS = ("产业协同", "交通一体化", "生态环境联防联治", "公共服务共建共享", "科技创新", "人才流动")
GENRES = ("的实施意见", "的若干措施", "的通知", "工作方案", "管理办法", "行动计划")


def synthetic_policies(count: int) -> list[ArchivedPolicy]:
    policies = []
    for i in range(count):
        place = PLACES[i % len(PLACES)]
        topic = TOPICS[(i // len(PLACES)) % len(TOPICS)]
        genre = GENRES[i % len(GENRES)]
        title = "%s人民政府关于推进京津冀%s第%d批重点事项%s" % (place, topic, i, genre)
        policies.append(
            ArchivedPolicy(
                "s%d" % i,
                title,
                place + "人民政府",
                "%s发〔%d〕%d号" % (place[0], 2000 + i % 25, i),
            )
        )
    return policies


def ms_per_story(matcher: PolicyMatcher, stories: list[dict], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for story in stories:
            matcher.link(story["title"], story["text"])
        times.append((time.perf_counter() - start) * 1000 / len(stories))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=int, default=10_000, help="synthetic archived policies")
    parser.add_argument("--repeat", type=int, default=7, help="runs per timing (default 7)")
    args = parser.parse_args()

    matcher = PolicyMatcher(load_policies())
    stories = []
    for name in ("stories.json", "stories_check.json"):
        part = json.loads((SET_DIR / name).read_text(encoding="utf-8"))
        stories += part
        result = score(part, matcher)
        print(
            "%-19s %3d stories  %3d links  precision %.3f  recall %.3f  via right %.3f"
            % (
                name,
                len(part),
                result.expected,
                result.precision,
                result.recall,
                result.via_accuracy,
            )
        )
        for miss in result.misses:
            print("    " + miss)
    print(
        "%.3f ms per story against %d policies" % (ms_per_story(matcher, stories, args.repeat), 15)
    )
    start = time.perf_counter()
    big = PolicyMatcher(load_policies() + synthetic_policies(args.archive))
    built = time.perf_counter() - start
    result = score(stories, big)
    print(
        "%.3f ms per story against %d policies (index built in %.2f s; precision %.3f, recall %.3f)"
        % (
            ms_per_story(big, stories, args.repeat),
            args.archive + 15,
            built,
            result.precision,
            result.recall,
        )
    )


if __name__ == "__main__":
    main()

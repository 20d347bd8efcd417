"""Print each dev corpus's scores per half (tune / check), with the shared scorers.

Each entry of ``CORPORA`` names a corpus under ../shared/corpus and the scorer in
../shared/tools that grades it; the scorer runs once over the whole corpus through
``python -m crawler extract`` (this tree's code) and its per-page results are split by
``benchmarks/corpus_split.py``. Example, from the project root:
  PYTHONPATH=$PWD .venv/bin/python benchmarks/score_halves.py policy-multi-dev
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from corpus_split import HALVES, load_index

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
# (corpus, scorer): scorers that accept --cmd and --json and write per-page {"id", "ok"}.
CORPORA: tuple[tuple[str, str], ...] = (
    ("policy-multi-dev", "score_policy_multi"),
    ("policy-dev", "score_policy"),
)


def _page_results(corpus: str, scorer: str) -> list[dict]:
    """Run one scorer over one corpus and return its per-page results."""
    command = "%s -m crawler extract {path} --url {url} --json" % shlex.quote(sys.executable)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "scores.json"
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "tools" / ("%s.py" % scorer)),
                str(SHARED / "corpus" / corpus),
                "--cmd",
                command,
                "--json",
                str(out),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        data = json.loads(out.read_text(encoding="utf-8"))
        # score_policy.py writes its pages under "per_page", score_policy_multi.py under "pages".
        return data["per_page"] if "per_page" in data else data["pages"]


def main() -> int:
    """Print a table of field accuracy per corpus and half."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("corpora", nargs="*", help="corpus names (default: all in CORPORA)")
    parser.add_argument("--misses", action="store_true", help="list each half's missed fields")
    args = parser.parse_args()
    for corpus, scorer in CORPORA:
        if args.corpora and corpus not in args.corpora:
            continue
        halves = {row["id"]: row["half"] for row in load_index(SHARED / "corpus" / corpus)}
        pages = _page_results(corpus, scorer)
        fields = list(pages[0]["ok"]) if pages else []
        print("%s (%s)" % (corpus, scorer))
        print("  %-13s" % "field" + "".join("%8s" % half for half in HALVES) + "%8s" % "all")
        for name in fields:
            cells = []
            for half in (*HALVES, None):
                chosen = [p for p in pages if half is None or halves.get(p["id"]) == half]
                cells.append(
                    "%8.2f" % (sum(bool(p["ok"][name]) for p in chosen) / len(chosen))
                    if chosen
                    else "%8s" % "-"
                )
            print("  %-13s" % name + "".join(cells))
        print(
            "  %-13s" % "pages"
            + "".join(
                "%8d" % sum(1 for p in pages if halves.get(p["id"]) == half) for half in HALVES
            )
            + "%8d" % len(pages)
        )
        if args.misses:
            for page in pages:
                bad = [name for name, ok in page["ok"].items() if not ok]
                if bad:
                    print("  miss %s %-5s %s" % (page["id"], halves.get(page["id"]), " ".join(bad)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

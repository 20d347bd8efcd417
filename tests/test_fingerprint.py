from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crawler.archive import near_duplicates
from crawler.archive.near_duplicates import NearDuplicateIndex
from crawler.text import fingerprint as fp
from crawler.text.script import to_simplified, to_traditional
from tests.conftest import SHARED

HERE = Path(__file__).resolve().parent
CASES_MODULE = HERE / "fixtures" / "dedup" / "dedup_cases.py"


def _cases_module() -> Any:
    spec = importlib.util.spec_from_file_location("dedup_cases", CASES_MODULE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def evaluation() -> dict[str, Any]:
    module = _cases_module()
    return module.evaluate(module.load_cases())


@pytest.fixture(scope="module")
def cases() -> dict[str, Any]:
    return _cases_module().load_cases()


def _seed(prefix: str) -> str:
    (path,) = (SHARED / "seeds").glob(f"{prefix}_*.txt")
    return to_simplified(path.read_text(encoding="utf-8"))


def _index() -> NearDuplicateIndex:
    conn = sqlite3.connect(":memory:")
    NearDuplicateIndex.create_tables(conn)
    return NearDuplicateIndex(conn)


def _article(cases: dict[str, Any], key: str) -> str:
    base = cases["bases"][key]
    return "\n".join([base["title"], *base["paragraphs"]])


def test_labelled_pairs_reach_precision_floor(evaluation: dict[str, Any]) -> None:
    assert evaluation["precision"] >= 0.99, evaluation["wrong"]


def test_labelled_pairs_reach_recall_floor(evaluation: dict[str, Any]) -> None:
    assert evaluation["recall"] >= 0.95, evaluation["wrong"]


def test_cases_cover_every_edit_and_negative_kind(cases: dict[str, Any]) -> None:
    kinds = {pair["kind"] for pair in cases["pairs"]}
    for kind in (
        "traditional",
        "drop_paragraph",
        "add_paragraph",
        "byline",
        "cut_80",
        "title_suffix",
        "chrome",
    ):
        assert kind in kinds
    for kind in (
        "different",
        "same_subject_seed",
        "shared_sentences",
        "list_vs_list",
        "list_vs_article",
    ):
        assert kind in kinds


def test_seeds_002_and_003_sharing_a_sentence_are_not_merged() -> None:
    if not (SHARED / "seeds").exists():
        pytest.fail(
            "the shared seeds are missing: the shared folder must sit beside the project (or set XIETONG_SHARED)"
        )
    first, second = fp.fingerprint(_seed("002")), fp.fingerprint(_seed("003"))
    assert "京津冀作为引领全国高质量发展的三大重要动力源之一" in _seed("003")
    index = _index()
    index.add("002", first.signature, first.length)
    assert index.find(second.signature, second.length) == []
    assert not fp.similarity(
        first.signature, first.length, second.signature, second.length
    ).is_match


def test_traditional_copy_merges_with_simplified_original(cases: dict[str, Any]) -> None:
    original = _article(cases, "news-009")
    copy = to_traditional(original)
    assert copy != original
    index = _index()
    stored = fp.fingerprint(original)
    index.add("original", stored.signature, stored.length)
    found = fp.fingerprint(to_simplified(copy))
    matches = index.find(found.signature, found.length)
    assert matches
    assert matches[0][0] == "original"
    assert matches[0][1] >= 0.9


def test_similarities_to_many_equal_similarity_to_each(cases: dict[str, Any]) -> None:
    texts = [_article(cases, key) for key in sorted(cases["bases"])[:6]]
    original = texts[0]
    others = [
        fp.fingerprint(text)
        for text in [*texts, original[: len(original) // 2], to_traditional(original)]
    ]
    mine = fp.fingerprint(original)
    together = fp.similarities(
        mine.signature, mine.length, [(other.signature, other.length) for other in others]
    )
    one_by_one = [
        fp.similarity(mine.signature, mine.length, other.signature, other.length)
        for other in others
    ]
    assert together == one_by_one
    assert together[0].jaccard == 1.0
    assert fp.similarities(mine.signature, mine.length, []) == []


def test_copy_cut_to_80_percent_matches_by_containment(cases: dict[str, Any]) -> None:
    original = _article(cases, "seed-002")
    index = _index()
    stored = fp.fingerprint(original)
    index.add("original", stored.signature, stored.length)
    cut = fp.fingerprint(original[: int(len(original) * 0.8)])
    assert [article for article, _ in index.find(cut.signature, cut.length)] == ["original"]


def test_index_persists_in_sqlite_file(tmp_path: Path, cases: dict[str, Any]) -> None:
    path = tmp_path / "archive.db"
    original = fp.fingerprint(_article(cases, "news-009"))
    conn = sqlite3.connect(path)
    NearDuplicateIndex.create_tables(conn)
    NearDuplicateIndex(conn).add("article-1", original.signature, original.length)
    conn.commit()
    conn.close()
    reopened = sqlite3.connect(path)
    NearDuplicateIndex.create_tables(reopened)  # idempotent
    copy = fp.fingerprint(
        to_simplified(to_traditional(_article(cases, "news-009") + "\n责任编辑：李娜"))
    )
    assert [
        article for article, _ in NearDuplicateIndex(reopened).find(copy.signature, copy.length)
    ] == ["article-1"]
    reopened.close()


def test_add_does_not_commit_and_ignores_repeats(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "archive.db")
    NearDuplicateIndex.create_tables(conn)
    conn.commit()
    index = NearDuplicateIndex(conn)
    found = fp.fingerprint(
        "京津冀协同发展十年来，产业协作不断深化，交通网络越来越密，生态环境持续改善。" * 3
    )
    index.add("a", found.signature, found.length)
    index.add("a", found.signature, found.length)
    assert conn.in_transaction
    assert conn.execute("select count(*) from fingerprints").fetchone() == (1,)
    assert _band_rows(conn) == fp.LSH_BANDS
    conn.rollback()
    assert conn.execute("select count(*) from fingerprints").fetchone() == (0,)


def _band_rows(conn: sqlite3.Connection) -> int:
    return sum(
        conn.execute("select count(*) from %s" % table).fetchone()[0]
        for table in (near_duplicates.BANDS, near_duplicates.RECENT_BANDS)
    )


def test_recent_bands_move_to_the_big_table_and_are_found_in_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cases: dict[str, Any]
) -> None:
    # Where a band row waits (the small recent table or the big one) must not change what a
    # look-up finds, nor what a replace leaves behind.
    monkeypatch.setattr(near_duplicates, "RECENT_LIMIT", 3)
    conn = sqlite3.connect(tmp_path / "archive.db")
    NearDuplicateIndex.create_tables(conn)
    index = NearDuplicateIndex(conn)
    keys = sorted(cases["bases"])[:5]
    assert len(keys) == 5
    for number, key in enumerate(keys, start=1):
        found = fp.fingerprint(_article(cases, key))
        index.add("article-%d" % number, found.signature, found.length)
    big = conn.execute("select count(*) from fingerprint_bands").fetchone()[0]
    recent = conn.execute("select count(*) from fingerprint_bands_recent").fetchone()[0]
    assert big == 3 * fp.LSH_BANDS  # moved when the third article came
    assert recent == 2 * fp.LSH_BANDS
    for number, key in enumerate(keys, start=1):
        copy = fp.fingerprint(
            to_simplified(to_traditional(_article(cases, key))) + "\n责任编辑：李娜"
        )
        hits = [hit for hit, _ in index.find(copy.signature, copy.length)]
        assert hits[:1] == ["article-%d" % number], key
    # A revised text replaces its rows in whichever table held them.
    other = fp.fingerprint(_article(cases, sorted(cases["bases"])[6]))
    for article in ("article-1", "article-5"):
        index.replace(article, other.signature, other.length)
    assert _band_rows(conn) == 5 * fp.LSH_BANDS
    hits = {hit for hit, _ in index.find(other.signature, other.length)}
    assert hits == {"article-1", "article-5"}


def test_short_texts_never_near_match() -> None:
    index = _index()
    short = fp.fingerprint("京津冀协同发展")
    index.add("short", short.signature, short.length)
    assert index.find(short.signature, short.length) == []


def test_normalize_drops_punctuation_width_and_case() -> None:
    assert fp.normalize_for_matching("Ｈｅｌｌｏ，世界！\n２０２４年 ABC") == "hello世界2024年abc"


def test_text_hash_is_sha1_of_normalized_text() -> None:
    assert fp.text_hash("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert fp.fingerprint("京津冀，协同！").text_hash == fp.fingerprint("京津冀 协同").text_hash


def test_signature_is_deterministic_bytes_of_fixed_size() -> None:
    first = fp.fingerprint("京津冀协同发展十年观察，产业联系越来越紧密")
    second = fp.fingerprint("京津冀协同发展十年观察，产业联系越来越紧密")
    assert first == second
    assert len(first.signature) == 4 * fp.NUM_PERMUTATIONS


def test_band_keys_are_signed_64_bit_and_differ_by_band() -> None:
    keys = fp.band_keys(np.zeros(fp.NUM_PERMUTATIONS, dtype=np.uint32))
    assert len(keys) == fp.LSH_BANDS
    assert len(set(keys)) == fp.LSH_BANDS  # the band index is mixed in
    assert all(-(2**63) <= key < 2**63 for key in keys)


def test_minhash_estimate_tracks_exact_jaccard(cases: dict[str, Any]) -> None:
    text = fp.normalize_for_matching(_article(cases, "news-001"))
    left, right = text[: int(len(text) * 0.7)], text[int(len(text) * 0.3) :]
    a, b = set(fp.shingle_hashes(left).tolist()), set(fp.shingle_hashes(right).tolist())
    exact = len(a & b) / len(a | b)
    estimate = fp.similarity(
        fp.minhash(fp.shingle_hashes(left)), len(a), fp.minhash(fp.shingle_hashes(right)), len(b)
    )
    assert abs(estimate.jaccard - exact) < 0.15


@pytest.mark.parametrize(
    ("issuer", "number", "expected"),
    [
        ("国务院办公厅", "国办发〔2018〕128号", "国务院办公厅|国办发〔2018〕128号"),
        ("国务院办公厅", "国办发[2018]128号", "国务院办公厅|国办发〔2018〕128号"),
        (" 国务院 办公厅 ", "国办发 （2018） 128 号", "国务院办公厅|国办发〔2018〕128号"),
        ("国务院办公厅", "国办发［2018］128号", "国务院办公厅|国办发〔2018〕128号"),
        ("国务院", None, None),
        (None, "国发〔2019〕5号", None),
    ],
)
def test_policy_key_normalizes_brackets_and_spaces(
    issuer: str | None, number: str | None, expected: str | None
) -> None:
    assert fp.policy_key(issuer, number) == expected


def _filled_archive(
    path: Path, cases: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> tuple[sqlite3.Connection, NearDuplicateIndex]:
    """Every case base added through an index with the band filter, moving every 4 articles."""
    monkeypatch.setattr(near_duplicates, "RECENT_LIMIT", 4)
    conn = sqlite3.connect(path)
    NearDuplicateIndex.create_tables(conn)
    index = NearDuplicateIndex(conn, band_filter=True)
    for key in sorted(cases["bases"]):
        found = fp.fingerprint(_article(cases, key))
        index.find(found.signature, found.length)  # as the archive does: look up, then add
        index.add(key, found.signature, found.length)
    conn.commit()
    return conn, index


def test_band_filter_finds_what_the_tables_find(
    tmp_path: Path, cases: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Metamorphic: skipping the look-ups the filter rules out must not change a candidate.
    conn, filtered = _filled_archive(tmp_path / "archive.db", cases, monkeypatch)
    plain = NearDuplicateIndex(conn)
    assert conn.execute("select moves from fingerprint_bands_merged").fetchone()[0] >= 2
    band_filter = filtered.band_filter
    assert band_filter is not None
    keys = [row[0] for row in conn.execute("select band_key from fingerprint_bands")]
    assert keys
    assert all(band_filter.holds(keys))  # no key of the table is ever ruled out
    held = set(keys)
    absent = [key + 1 for key in keys if key + 1 not in held][:2000]
    assert sum(band_filter.holds(absent)) < 0.05 * len(absent)  # and most absent keys are
    compared = 0
    for pair in cases["pairs"]:
        materialize = _cases_module().materialize
        text = to_simplified(materialize(cases["bases"], pair["b"]))
        found = fp.fingerprint(text)
        assert filtered.find(found.signature, found.length) == plain.find(
            found.signature, found.length
        ), pair
        compared += 1
    assert compared > 20


def test_band_filter_is_stored_and_follows_other_writers(
    tmp_path: Path, cases: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "archive.db"
    conn, first = _filled_archive(path, cases, monkeypatch)
    # Another writer reads the stored filter instead of building it from the table.
    built = []
    monkeypatch.setattr(
        near_duplicates.BandFilter,
        "from_table",
        classmethod(lambda cls, *args: built.append(args) or pytest.fail("filter rebuilt")),
    )
    other_conn = sqlite3.connect(path)
    other = NearDuplicateIndex(other_conn, band_filter=True)
    extra = fp.fingerprint(_article(cases, sorted(cases["bases"])[0]) + "\n另一篇文章的结尾。" * 3)
    other.find(extra.signature, extra.length)
    for number in range(5):  # enough new articles for a move by this writer
        text = "第%d篇：" % number + _article(cases, sorted(cases["bases"])[number + 1])[::-1]
        found = fp.fingerprint(text)
        other.add("other-%d" % number, found.signature, found.length)
    other_conn.commit()
    assert not built
    # The first writer sees the move and reads the filter the other one stored with it.
    moved = fp.fingerprint("第0篇：" + _article(cases, sorted(cases["bases"])[1])[::-1])
    assert [hit for hit, _ in first.find(moved.signature, moved.length)][:1] == ["other-0"]
    assert first.band_filter is not None
    assert first.band_filter.moves == other._moves()
    other_conn.close()
    conn.close()


def test_band_filter_grows_when_full(
    tmp_path: Path, cases: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(near_duplicates.BandFilter, "MINIMUM_LOG2", 8)  # 256 bits: ~20 rows
    conn, index = _filled_archive(tmp_path / "archive.db", cases, monkeypatch)
    band_filter = index.band_filter
    assert band_filter is not None
    assert band_filter.bits_log2 > 8
    keys = [row[0] for row in conn.execute("select band_key from fingerprint_bands")]
    assert all(band_filter.holds(keys))

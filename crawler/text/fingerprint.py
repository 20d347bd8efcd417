"""Fingerprint math for finding the same article across sites and scripts.

Texts are matched on their simplified form (see ``crawler.text.script``), normalized by
``normalize_for_matching``: an exact text hash, and for near-duplicates character
5-shingles, a 128-value MinHash signature computed with numpy and LSH band keys. The index
that stores them lives with the archive (``crawler.archive.near_duplicates``). Candidates
are verified on the full signature: estimated Jaccard similarity, or estimated containment
for a copy cut short (length-aware). Also the key that names one policy document.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from crawler.text.policy_vocabulary import normalize_doc_number

# --- shingles and signature -------------------------------------------------------------------
# Five characters: in Chinese a 2- or 3-gram is a word shared by every text on the subject;
# five characters is a phrase, rare enough that shared 5-grams mean shared text.
SHINGLE_SIZE = 5
# 128 values: standard error of the Jaccard estimate sqrt(J(1-J)/128) is 0.044 at J = 0.5.
NUM_PERMUTATIONS = 128
# LSH: 42 bands of 3 rows (126 of the 128 values; all 128 serve the estimate). A pair
# becomes a candidate with probability 0.996 at Jaccard 0.5, 0.94 at 0.4 (a copy cut short
# with chrome added, saved by the containment test), 0.29 at 0.2 and 0.04 at 0.1. 32 x 4
# would give only 0.87 at 0.5 and 0.74 at 0.45.
LSH_BANDS = 42
LSH_ROWS = 3
# Fixed seed: signatures are persisted, so the permutations must never change between runs.
MINHASH_SEED = 20240224

# --- verification thresholds (tuned on tests/fixtures/dedup, see benchmarks/bench_dedup.py) ---
# Same article when the estimated Jaccard similarity of the shingle sets reaches this...
JACCARD_THRESHOLD = 0.5
# ...or when the shorter text's shingles are mostly contained in the longer one (a copy cut
# to 80 %, a paragraph dropped) and the lengths are close enough that it is not an excerpt.
CONTAINMENT_THRESHOLD = 0.8
MINIMUM_LENGTH_RATIO = 0.5
# Texts with fewer distinct shingles than this are too short to call near-duplicates
# (headline-only pages, empty bodies); the exact text hash still applies to them.
MINIMUM_SHINGLES = 30
# Candidates verified per look-up, most band hits first: bounds the cost of a text that
# shares boilerplate with many archived ones.
MAXIMUM_CANDIDATES = 200

_MASK_64 = (1 << 64) - 1
_NON_WORD = re.compile(r"[\W_]+")
_SIGNATURE_DTYPE = np.dtype("<u4")


def _make_parameters() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw the fixed random multipliers of the shingle hash and the MinHash family."""
    generator = np.random.Generator(np.random.PCG64(MINHASH_SEED))
    shingle_multipliers = generator.integers(
        0, _MASK_64, size=SHINGLE_SIZE, dtype=np.uint64, endpoint=True
    ) | np.uint64(1)
    minhash_a = generator.integers(
        0, _MASK_64, size=(NUM_PERMUTATIONS, 1), dtype=np.uint64, endpoint=True
    ) | np.uint64(1)
    minhash_b = generator.integers(
        0, _MASK_64, size=(NUM_PERMUTATIONS, 1), dtype=np.uint64, endpoint=True
    )
    band_salts = generator.integers(0, _MASK_64, size=LSH_BANDS, dtype=np.uint64, endpoint=True)
    return shingle_multipliers, minhash_a, minhash_b, band_salts


_SHINGLE_MULTIPLIERS, _MINHASH_A, _MINHASH_B, _BAND_SALTS = _make_parameters()


@dataclass(frozen=True)
class Fingerprint:
    """What the archive stores to recognise a text again."""

    text_hash: str
    signature: bytes
    length: int  # distinct shingles


@dataclass(frozen=True)
class Similarity:
    """How alike two fingerprints are, estimated from their signatures."""

    jaccard: float
    containment: float  # share of the shorter text's shingles found in the longer one
    length_ratio: float  # shorter / longer, in shingles

    @property
    def score(self) -> float:
        """Return the similarity that decides a match: containment counts only for close lengths."""
        if self.length_ratio >= MINIMUM_LENGTH_RATIO:
            return max(self.jaccard, self.containment)
        return self.jaccard

    @property
    def is_match(self) -> bool:
        """Say whether the two texts are the same article."""
        if self.jaccard >= JACCARD_THRESHOLD:
            return True
        return (
            self.length_ratio >= MINIMUM_LENGTH_RATIO and self.containment >= CONTAINMENT_THRESHOLD
        )


def normalize_for_matching(text: str) -> str:
    """Fold width and case and drop whitespace, punctuation and symbols from a simplified text."""
    # Dropping punctuation first spares NFKC its slow path: full-width punctuation (，：（）)
    # is what most Chinese text would need rewritten. NFKC can make new symbols (½ -> 1⁄2),
    # hence the second pass.
    stripped = _NON_WORD.sub("", text)
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", stripped).casefold())


def text_hash(normalized: str) -> str:
    """Return the exact-duplicate key of a normalized text (sha1 hex)."""
    return hashlib.sha1(normalized.encode("utf-8")).hexdigest()


def _fmix64(values: np.ndarray) -> np.ndarray:
    """Finalize 64-bit hashes in place (MurmurHash3's fmix64) so every bit depends on every bit."""
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xFF51AFD7ED558CCD)
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xC4CEB9FE1A85EC53)
    values ^= values >> np.uint64(33)
    return values


def shingle_hashes(normalized: str) -> np.ndarray:
    """Return the distinct 32-bit hashes of the character shingles of a normalized text."""
    if not normalized:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(normalized.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    count = max(codes.shape[0] - SHINGLE_SIZE + 1, 1)
    width = min(SHINGLE_SIZE, codes.shape[0])
    hashes = codes[:count] * _SHINGLE_MULTIPLIERS[0]
    for offset in range(1, width):
        hashes += codes[offset : offset + count] * _SHINGLE_MULTIPLIERS[offset]
    # Keep 32 bits: the MinHash family below is strongly universal on 32-bit keys.
    hashes = np.sort(_fmix64(hashes) >> np.uint64(32))
    # Sort and drop repeats: np.unique does the same with more overhead per call.
    keep = np.empty(hashes.shape[0], dtype=bool)
    keep[0] = True
    np.not_equal(hashes[1:], hashes[:-1], out=keep[1:])
    return hashes[keep]


def minhash(hashes: np.ndarray) -> np.ndarray:
    """Return the MinHash signature (uint32 x NUM_PERMUTATIONS) of a set of shingle hashes.

    Each permutation is the multiply-add-shift hash ``(a * x + b) >> 32`` with 64-bit odd
    ``a``: one vectorized pass over a permutations x shingles matrix, no Python loop.
    """
    if hashes.shape[0] == 0:
        return np.full(NUM_PERMUTATIONS, 0xFFFFFFFF, dtype=_SIGNATURE_DTYPE)
    products = _MINHASH_A * hashes[np.newaxis, :]
    products += _MINHASH_B
    # The shift is monotonic, so the minimum can be taken before it.
    return (products.min(axis=1) >> np.uint64(32)).astype(_SIGNATURE_DTYPE)


def fingerprint(text_simplified: str) -> Fingerprint:
    """Compute the text hash, MinHash signature and shingle count of a simplified text."""
    normalized = normalize_for_matching(text_simplified)
    hashes = shingle_hashes(normalized)
    return Fingerprint(
        text_hash=text_hash(normalized),
        signature=minhash(hashes).tobytes(),
        length=int(hashes.shape[0]),
    )


def signature_array(signature: bytes | np.ndarray) -> np.ndarray:
    """Return a signature as a uint32 array, from the bytes stored in the archive or as is."""
    if isinstance(signature, np.ndarray):
        array = signature.astype(_SIGNATURE_DTYPE, copy=False)
    else:
        array = np.frombuffer(signature, dtype=_SIGNATURE_DTYPE)
    if array.shape != (NUM_PERMUTATIONS,):
        raise ValueError(f"signature must hold {NUM_PERMUTATIONS} values, got {array.shape}")
    return array


def band_keys(signature: bytes | np.ndarray) -> list[int]:
    """Return one signed 64-bit LSH key per band, the band index mixed in."""
    banded = signature_array(signature)[: LSH_BANDS * LSH_ROWS]
    rows = banded.astype(np.uint64).reshape(LSH_BANDS, LSH_ROWS)
    keys = _BAND_SALTS.copy()
    for column in range(LSH_ROWS):
        keys = _fmix64(keys ^ rows[:, column])
    return [int(key) for key in keys.view(np.int64)]


def similarity(
    signature: bytes | np.ndarray, length: int, other: bytes | np.ndarray, other_length: int
) -> Similarity:
    """Estimate Jaccard similarity, containment and length ratio of two fingerprints."""
    jaccard = (
        float(np.count_nonzero(signature_array(signature) == signature_array(other)))
        / NUM_PERMUTATIONS
    )
    return _similarity_from_jaccard(jaccard, length, other_length)


def similarities(
    signature: bytes | np.ndarray, length: int, others: list[tuple[bytes, int]]
) -> list[Similarity]:
    """Estimate ``similarity`` to each of ``others`` (signature, length) in one array comparison."""
    if not others:
        return []
    array = signature_array(signature)
    stacked = np.frombuffer(b"".join(other for other, _ in others), dtype=_SIGNATURE_DTYPE)
    if stacked.shape != (len(others) * NUM_PERMUTATIONS,):
        raise ValueError(f"every signature must hold {NUM_PERMUTATIONS} values")
    agreeing = np.count_nonzero(stacked.reshape(len(others), NUM_PERMUTATIONS) == array, axis=1)
    return [
        _similarity_from_jaccard(float(count) / NUM_PERMUTATIONS, length, other_length)
        for count, (_, other_length) in zip(agreeing, others, strict=True)
    ]


def _similarity_from_jaccard(jaccard: float, length: int, other_length: int) -> Similarity:
    """Derive containment from Jaccard and the two set sizes: |A & B| = J (|A| + |B|) / (1 + J)."""
    shorter, longer = sorted((max(length, 1), max(other_length, 1)))
    shared = jaccard * (shorter + longer) / (1.0 + jaccard)
    return Similarity(
        jaccard=jaccard, containment=min(shared / shorter, 1.0), length_ratio=shorter / longer
    )


# --- policy documents: same 发文字号 and 发文机关 means the same document --------------------
_SPACES = re.compile(r"\s+")


def policy_key(issuer: str | None, doc_number: str | None) -> str | None:
    """Return the key that names one policy document, or None without both parts."""
    if not issuer or not doc_number:
        return None
    issuer_normalized = _SPACES.sub("", unicodedata.normalize("NFKC", issuer))
    number = normalize_doc_number(doc_number)
    if not issuer_normalized or not number:
        return None
    return f"{issuer_normalized}|{number}"

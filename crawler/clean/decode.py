"""Decode HTML bytes to text: declared charsets verified, Chinese encodings detected, mojibake repaired.

Order of evidence: byte-order mark, the HTTP charset, the page's own ``<meta>`` charset (or a
CleanEval ``<text encoding="...">`` wrapper), then verification. GB2312 and GBK are always
decoded as their superset GB18030. A declared charset that does not decode strictly is not
trusted: UTF-8, GB18030 and Big5 are tried in turn (charset-normalizer only as a last resort,
it is slow). When a GB18030 stream lost single bytes, the damaged runs are re-aligned by
dropping one byte and the variant with far more common Chinese characters is kept; what
cannot be repaired is kept as is and reported as ``quality == "mojibake"``.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from w3lib.encoding import resolve_encoding

if TYPE_CHECKING:
    from crawler.clean.page import Page

logger = logging.getLogger(__name__)

__all__ = [
    "DecodedPage",
    "EncodingError",
    "decode_html",
    "decode_page",
    "document_kind",
    "normalize_encoding_name",
    "text_score",
]


class EncodingError(ValueError):
    """Raised when a byte string cannot be turned into text at all."""


@dataclass
class DecodedPage:
    """Decoded HTML text with the encoding used and a quality verdict."""

    text: str
    encoding: str
    quality: str  # "ok" | "repaired" | "mojibake"


# Charset labels seen on Chinese pages that Python's codec registry, and so w3lib, does not
# know, spelled as a label w3lib reads. w3lib already decodes GB2312 and GBK as their
# superset GB18030 and Big5 as Big5-HKSCS, and reads Latin-1 and ASCII as windows-1252, as
# browsers do (the WHATWG Encoding Standard).
_UNKNOWN_LABELS = {
    "x-gbk": "gbk",
    "csgb2312": "gb2312",
    "gb_2312": "gb2312",
    "windows-936": "gbk",
    "hz-gb-2312": "gb2312",  # HZ pages are rare; their GB bytes decode as GB18030
    "cp950": "big5",  # Microsoft's Big5: decode with the HKSCS superset like Big5
    "x-x-big5": "big5",
    "windows-950": "big5",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
}

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE
)
_WRAPPER_CHARSET_RE = re.compile(
    rb"""<text\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.IGNORECASE
)
_XML_CHARSET_RE = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.IGNORECASE)

# Bytes below 0x30 never occur inside a GB18030 multi-byte sequence, so the stream
# re-synchronises at each of them: they bound the runs a lost byte can damage.
_GB_SYNC_RE = re.compile(rb"[\x00-\x2f<>]")
_HIGH_BYTE_RE = re.compile(rb"[\x80-\xff]")
_MAX_REPAIRS_PER_RUN = 20
_REPAIR_WINDOW_CHARS = 100
_SHIFT_MARGIN = 3
_REPAIR_TAIL_BYTES = 80
_SILENT_MARGIN = 6  # a run that decoded without error needs much stronger evidence
_REPAIR_CHUNK_BYTES = 4096  # bytes decoded at once before looking for damaged runs
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Characters that do not belong in Chinese running text when they show up between Han
# characters: kana, Hangul, Greek/Cyrillic, box drawing, private use, replacement char.
_ODD_RE = re.compile(r"[\u0370-\u04ff\u2500-\u257f\u3040-\u30ff\uac00-\ud7af\ue000-\uf8ff\ufffd]")


def normalize_encoding_name(name: str | None) -> str | None:
    """Return the Python codec to decode a declared charset with, or None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    return resolve_encoding(_UNKNOWN_LABELS.get(label, label))


@lru_cache(maxsize=1)
def common_han() -> frozenset[str]:
    """Return the set of common Han characters (GB2312 level 1 plus Big5 level 1)."""
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    for lead in range(0xA4, 0xC7):
        for trail in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


def _char_ranges(codes: list[int]) -> str:
    """Return the body of a regex character class holding exactly these code points."""
    ranges: list[str] = []
    start: int | None = None
    prev = 0
    for code in sorted(codes):
        if start is not None and code == prev + 1:
            prev = code
            continue
        if start is not None:
            ranges.append("%s-%s" % (chr(start), chr(prev)) if prev != start else chr(start))
        start = prev = code
    if start is not None:
        ranges.append("%s-%s" % (chr(start), chr(prev)) if prev != start else chr(start))
    return "".join(ranges)


@lru_cache(maxsize=1)
def _score_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Return regexes for runs of common and for uncommon Han characters (of ``_CJK_RE``)."""
    common = common_han()
    cjk = [c for c in (*range(0x3400, 0xA000), *range(0xF900, 0xFB00)) if _CJK_RE.match(chr(c))]
    good = [c for c in cjk if chr(c) in common]
    rare = [c for c in cjk if chr(c) not in common]
    # Common characters come in long runs: matching runs allocates far less than one
    # match per character.
    return re.compile("[%s]+" % _char_ranges(good)), re.compile("[%s]" % _char_ranges(rare))


_ASCII_BYTES = bytes(range(0x80))
_NON_ASCII_MIN_CHARS = 512  # below this, stripping ASCII first does not pay


def _non_ascii(text: str) -> str:
    """Return text without its ASCII characters, in order (fast: in UTF-8, with bytes.translate).

    Every character the scores look at is non-ASCII, and a page is mostly ASCII markup,
    so the regexes then scan a small fraction of it. UTF-8 multi-byte sequences hold no
    ASCII bytes, so deleting those leaves the other characters intact.
    """
    if len(text) < _NON_ASCII_MIN_CHARS or text.isascii():
        return "" if text.isascii() else text
    data = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
    return data.decode("utf-8", "surrogatepass")


def text_score(text: str) -> tuple[int, int]:
    """Return (common Han characters, suspicious characters) in text."""
    text = _non_ascii(text)
    good_runs_re, rare_re = _score_res()
    good = sum(map(len, good_runs_re.findall(text)))
    bad = len(rare_re.findall(text)) + 2 * len(_ODD_RE.findall(text))
    return good, bad


@lru_cache(maxsize=1)
def _rare_cluster_re() -> re.Pattern[str]:
    """Return a regex for two uncommon Han characters close together (a misaligned run)."""
    common = common_han()
    rare = [c for c in range(0x4E00, 0xA000) if chr(c) not in common]
    odd = "\u3400-\u4dbf\ue000-\uf8ff\u3040-\u30ff"
    cls = "[" + _char_ranges(rare) + odd + "]"
    return re.compile(cls + "[^\x00-\x7f]?" + cls)


def _repair_silent(data: bytes, text: str) -> tuple[str, bool]:
    """Re-align GB18030 runs that decoded without error but read as a cluster of rare characters."""
    # A cluster is all non-ASCII, so one in text is also one in text without its ASCII.
    if not _rare_cluster_re().search(_non_ascii(text)):
        return text, False
    matches = list(_rare_cluster_re().finditer(text))
    if not matches:
        return text, False
    changed = False
    edits: list[tuple[int, int, bytes]] = []
    done_runs: set[int] = set()
    encoded_chars = encoded_bytes = 0  # the text before the last match encodes to so many bytes
    for match in matches[:50]:
        if text.count(match.group(0), match.end()) or text.count(match.group(0), 0, match.start()):
            # A byte lost in transit misaligns one spot; a cluster that recurs is real text
            # (rare name characters: 金锺旼 on Korean-name pages, 镕/堃 in Chinese names).
            continue
        # GB18030 encodes character by character: encode only the text since the last match.
        encoded_bytes += len(text[encoded_chars : match.start()].encode("gb18030"))
        encoded_chars, byte_pos = match.start(), encoded_bytes
        run_start = 0
        for sync in _GB_SYNC_RE.finditer(data, max(0, byte_pos - 400), byte_pos):
            run_start = sync.end()
        sync_after = _GB_SYNC_RE.search(data, byte_pos)
        run_end = sync_after.start() if sync_after else len(data)
        if run_start in done_runs or run_end - run_start > 1200:
            continue
        done_runs.add(run_start)
        run = data[run_start:run_end]
        base_value = _run_value(run.decode("gb18030", "replace"))
        best_cut, best_value = -1, base_value + _SILENT_MARGIN - 1
        cuts = [
            cut
            for cut in range(
                max(0, byte_pos - run_start - 2 * _REPAIR_WINDOW_CHARS), byte_pos - run_start + 2
            )
            if cut < len(run) and run[cut] >= 0x80
        ]
        values = _cut_values(run, cuts)
        for cut in cuts:
            value = values[cut]
            if value > best_value:
                best_cut, best_value = cut, value
        if best_cut >= 0:
            edits.append((run_start, run_end, run[:best_cut] + run[best_cut + 1 :]))
            changed = True
    if not changed:
        return text, False
    pieces, pos = [], 0
    for start, end, replacement in sorted(edits):
        pieces.append(data[pos:start])
        pieces.append(replacement)
        pos = end
    pieces.append(data[pos:])
    return b"".join(pieces).decode("gb18030", "replace"), True


def _looks_right(text: str) -> bool:
    """Say whether decoded text reads like real text (few rare or odd characters)."""
    good, bad = text_score(text)
    if good + bad < 20:
        return True
    return bad <= 0.25 * (good + bad)


def _declared_candidates(data: bytes, declared: str | None) -> list[str]:
    head = data[:4096]
    found: list[str] = []
    for raw in (declared,):
        enc = normalize_encoding_name(raw)
        if enc:
            found.append(enc)
    for regex in (_META_CHARSET_RE, _WRAPPER_CHARSET_RE, _XML_CHARSET_RE):
        match = regex.search(head)
        if match:
            enc = normalize_encoding_name(match.group(1).decode("ascii", "ignore"))
            if enc and enc not in found:
                found.append(enc)
    return found


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _pick_chinese(data: bytes) -> tuple[str, str] | None:
    """Decode undeclared non-UTF-8 bytes as GB18030 or Big5, whichever reads better."""
    options = []
    for enc in ("gb18030", "big5hkscs"):
        text = _strict(data, enc)
        if text is not None:
            good, bad = text_score(text)
            options.append((good - 3 * bad, enc, text))
    if not options:
        return None
    options.sort(key=lambda o: o[0], reverse=True)
    return options[0][2], options[0][1]


def _repair_gb18030(data: bytes) -> tuple[str, int, int]:
    """Decode GB18030 re-aligning runs damaged by a lost byte; return (text, fixed, left).

    Sync bytes never occur inside a multi-byte sequence, so the stream is decoded in
    chunks that end at one, and only the run (between two sync bytes) around a decode
    error goes through ``_decode_run``; the runs that decode cleanly come out the same
    whether decoded alone or together.
    """
    pieces: list[str] = []
    fixed = left = 0
    pos = 0
    size = len(data)
    while pos < size:
        sync = _GB_SYNC_RE.search(data, min(pos + _REPAIR_CHUNK_BYTES, size))
        chunk_end = sync.start() if sync else size
        try:
            pieces.append(data[pos:chunk_end].decode("gb18030"))
            pos = chunk_end
            continue
        except UnicodeDecodeError as error:
            bad = pos + error.start
        run_start = pos
        for before in _GB_SYNC_RE.finditer(data, pos, bad):
            run_start = before.end()
        after = _GB_SYNC_RE.search(data, bad)
        run_end = after.start() if after else size
        if run_start > pos:
            pieces.append(data[pos:run_start].decode("gb18030"))
        text, ok = _decode_run(data[run_start:run_end])
        pieces.append(text)
        fixed += ok == "fixed"
        left += ok == "bad"
        pos = run_end
    return "".join(pieces), fixed, left


def _run_value(text: str) -> int:
    good, bad = text_score(text)
    return good - 3 * bad


# --- the value of a run with one byte cut, for every cut at once ------------------------------
#
# ``_run_value`` adds one value per character (common Han +1, rare Han -3, odd -6), and the
# GB18030 decoder reads at most four bytes from where a character starts. So the run's text
# with one byte cut out is the whole run's text up to a few bytes before the cut, a few
# characters read again across the cut, and the text that decoding from a later offset gives.
# Reading each offset once gives all these parts: trying every cut of a damaged run then costs
# about one decoding of it instead of one per cut.


@lru_cache(maxsize=65536)
def _sequence_value(sequence: bytes) -> int | None:
    """Return the value of the one character a 2- or 4-byte GB18030 sequence is, None if invalid."""
    text = _strict(sequence, "gb18030")
    if text is None or len(text) != 1:
        return None
    return _run_value(text)


_REPLACEMENT_VALUE = -6  # U+FFFD, what "replace" writes for each invalid sequence: odd, 2 x -3


def _step(data: bytes, pos: int) -> tuple[int, int]:
    """Return (bytes read, value of the character) of the decoder ("replace") at an offset."""
    if data[pos] < 0x80:
        return 1, 0
    left = len(data) - pos
    if left < 2:
        return left, _REPLACEMENT_VALUE  # an incomplete sequence at the end: one U+FFFD
    if 0x30 <= data[pos + 1] <= 0x39:
        if left < 4:
            return left, _REPLACEMENT_VALUE
        length = 4
    else:
        length = 2
    value = _sequence_value(data[pos : pos + length])
    return (1, _REPLACEMENT_VALUE) if value is None else (length, value)


def _cut_values(data: bytes, cuts: list[int]) -> dict[int, int]:
    """Return, for each cut, ``_run_value`` of the data decoded without the byte at that offset."""
    size = len(data)
    steps = [1] * size
    values = [0] * size
    for pos in range(size):
        if data[pos] >= 0x80:
            steps[pos], values[pos] = _step(data, pos)
    after = [0] * (size + 1)  # value of the text data[pos:] decodes to
    for pos in range(size - 1, -1, -1):
        after[pos] = values[pos] + after[pos + steps[pos]]
    starts: list[int] = []  # where the characters of the whole data start, and the value
    before: list[int] = []  # of the text before each
    pos = total = 0
    while pos < size:
        starts.append(pos)
        before.append(total)
        total += values[pos]
        pos += steps[pos]
    starts.append(size)
    before.append(total)
    found: dict[int, int] = {}
    for cut in cuts:
        # Characters starting four bytes or more before the cut read the same bytes either way.
        index = bisect_right(starts, cut - 4)
        start, value = (starts[index], before[index]) if index else (0, 0)
        around = data[start:cut] + data[cut + 1 : cut + 5]
        pos = 0
        while pos < cut - start:
            length, char_value = _step(around, pos)
            value += char_value
            pos += length
        found[cut] = value + after[cut + 1 + pos - (cut - start)]
    return found


def _decode_run(run: bytes) -> tuple[str, str]:
    """Decode one run between sync bytes, re-aligning it where a byte was lost.

    At each decode error two repairs compete: dropping the orphan byte at the error (a
    character cut short) or dropping one byte up to ~100 characters before it (a lost byte
    shifted the pairing of everything after it). A shift wins only when its text has
    clearly more common characters, so clean runs are never rewritten.
    """
    strict = _strict(run, "gb18030")
    if strict is not None:
        return strict, "ok"
    fixed = False
    for _ in range(_MAX_REPAIRS_PER_RUN):
        try:
            return run.decode("gb18030"), "fixed" if fixed else "ok"
        except UnicodeDecodeError as error:
            pos = error.start
        prefix = run[:pos].decode("gb18030", "replace")
        window = pos - len(prefix[-_REPAIR_WINDOW_CHARS:].encode("gb18030", "replace"))
        window = max(window, 0)
        best_cut = pos
        tail = pos + _REPAIR_TAIL_BYTES
        cuts = [cut for cut in range(window, pos) if run[cut] >= 0x80]
        values = _cut_values(run[window:tail], [pos - window, *(cut - window for cut in cuts)])
        best_value = values[pos - window]
        for cut in cuts:
            value = values[cut - window]
            if value >= best_value + _SHIFT_MARGIN:
                best_cut, best_value = cut, value
        run = run[:best_cut] + run[best_cut + 1 :]
        fixed = True
    return run.decode("gb18030", "replace"), "bad"


def decode_html(data: bytes, declared: str | None = None) -> DecodedPage:
    """Decode page bytes, trusting declarations only as far as the bytes confirm them."""
    if not isinstance(data, (bytes, bytearray)):
        raise EncodingError("decode_html needs bytes, got %s" % type(data).__name__)
    data = bytes(data)
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return DecodedPage(
                data[len(bom) :].decode(enc, "replace"),
                enc.replace("-le", "").replace("-be", ""),
                "ok",
            )
    candidates = _declared_candidates(data, declared)
    for enc in candidates:
        text = _strict(data, enc)
        if text is None:
            continue
        if enc == "cp1252" and _HIGH_BYTE_RE.search(data):
            # A Latin label on a page full of high bytes is usually a CJK page mislabelled.
            if _strict(data, "utf-8") is not None:
                return DecodedPage(data.decode("utf-8"), "utf-8", "ok")
            picked = _pick_chinese(data)
            if picked and _looks_right(picked[0]):
                return DecodedPage(picked[0], picked[1], "ok")
        if enc in ("gb18030", "big5hkscs") and not _looks_right(text):
            continue
        if enc == "gb18030":
            text, fixed = _repair_silent(data, text)
            return DecodedPage(text, enc, "repaired" if fixed else "ok")
        return DecodedPage(text, enc, "ok")
    text = _strict(data, "utf-8")
    if text is not None:
        return DecodedPage(text, "utf-8", "ok")
    picked = _pick_chinese(data)
    if picked and _looks_right(picked[0]):
        if picked[1] == "gb18030":
            text, fixed = _repair_silent(data, picked[0])
            return DecodedPage(text, "gb18030", "repaired" if fixed else "ok")
        return DecodedPage(picked[0], picked[1], "ok")
    # Nothing decodes cleanly. A GB family declaration (or GB-looking bytes) gets the
    # byte-loss repair; anything else goes to charset-normalizer.
    gb_declared = "gb18030" in candidates
    if gb_declared or not candidates or candidates[0] == "utf-8":
        lossy = data.decode("gb18030", "replace")
        if gb_declared or _looks_right(lossy):
            repaired, fixed_runs, left = _repair_gb18030(data)
            quality = "mojibake" if left else ("repaired" if fixed_runs else "ok")
            return DecodedPage(repaired, "gb18030", quality)
    if candidates and candidates[0] == "big5hkscs":
        lossy = data.decode("cp950", "replace")
        return DecodedPage(lossy, "big5hkscs", "mojibake" if "\ufffd" in lossy else "ok")
    return _normalizer_fallback(data, candidates)


def _normalizer_fallback(data: bytes, candidates: list[str]) -> DecodedPage:
    from charset_normalizer import from_bytes  # slow import and slow call: last resort only

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        enc = normalize_encoding_name(best.encoding) or best.encoding
        text = data.decode(enc, "replace")
        return DecodedPage(text, enc, "mojibake" if "\ufffd" in text else "ok")
    enc = candidates[0] if candidates else "utf-8"
    text = data.decode(enc, "replace")
    return DecodedPage(text, enc, "mojibake")


# --- the decode stage ----------------------------------------------------------------------

# What stands before a document's first element: an XML declaration, comments, a doctype,
# processing instructions.
_PROLOGUE_RE = re.compile(
    r"\A(?:\s+|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*", re.IGNORECASE | re.DOTALL
)
_FIRST_TAG_RE = re.compile(r"<([A-Za-z][A-Za-z0-9:_-]*)")
# First elements of documents that are not web pages, by what they are.
_FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "channel"})
_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
# First elements an HTML page (or a fragment of one, or CleanEval's <text> wrapper) opens with.
_HTML_ROOTS = frozenset(
    {
        "html",
        "head",
        "body",
        "meta",
        "title",
        "link",
        "script",
        "style",
        "div",
        "p",
        "table",
        "text",
        "base",
        "center",
        "font",
        "span",
        "a",
        "h1",
        "h2",
        "h3",
        "form",
        "iframe",
        "noscript",
        "section",
        "article",
        "header",
        "main",
        "nav",
        "img",
        "br",
        "ul",
        "frameset",
    }
)


def document_kind(text: str) -> str:
    """Say what a decoded document is: ``html``, ``feed``, ``sitemap``, ``xml`` or ``json``.

    Judged by its first element (or its first character for JSON), so a page that only
    mentions RSS stays a page.
    """
    head = text[:4096].lstrip("\ufeff")
    stripped = head.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            json.loads(text)
        except ValueError:
            return "html"
        return "json"
    prologue = _PROLOGUE_RE.match(head)
    rest = head[prologue.end() :] if prologue else head
    match = _FIRST_TAG_RE.match(rest)
    if match is None:
        return "html"
    tag = match.group(1).lower()
    if tag in _FEED_ROOTS:
        return "feed"
    if tag in _SITEMAP_ROOTS:
        return "sitemap"
    if tag not in _HTML_ROOTS and head.lstrip().lower().startswith("<?xml"):
        return "xml"
    return "html"


def decode_page(page: Page) -> None:
    """Decode the page's bytes (a str is taken as it is) and say what kind of document it is."""
    if isinstance(page.raw, (bytes, bytearray)):
        raw = bytes(page.raw)
        decoded = decode_html(raw, page.declared_encoding)
        if (
            decoded.encoding == "utf-8"
            and decoded.quality == "ok"
            and not raw.startswith(codecs.BOM_UTF8)
        ):
            # Decoded strictly as UTF-8 (no byte-order mark, nothing replaced): the parser
            # reads these bytes as they came.
            page.utf8 = raw
    else:
        decoded = DecodedPage(page.raw, "utf-8", "ok")
    page.text, page.encoding, page.quality = decoded.text, decoded.encoding, decoded.quality
    page.document_kind = document_kind(decoded.text)

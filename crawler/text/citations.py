"""Find the policies an article cites, and resolve them to archived policies.

An article cites a policy by its 《title》 (in full, or with the issuer left out), by its
发文字号 (京政办发〔2024〕3号), or as the interpretation (解读) of it. Policy titles are told
from book, newspaper and programme titles by shape: they end in a document genre (通知,
意见, 办法 …) and have a policy's length, so 《人民日报》 and 《求是》 never count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from crawler.text.policy_vocabulary import BRACKETED_YEAR_RE, DOC_NUMBER_PARTS_RE, DOCUMENT_KINDS

__all__ = [
    "VIA_DOC_NUMBER",
    "VIA_INTERPRETATION",
    "VIA_TITLE",
    "ArchivedPolicy",
    "Citation",
    "PolicyLink",
    "PolicyMatcher",
    "doc_number_key",
    "find_citations",
    "is_policy_title",
]

VIA_TITLE = "title"
VIA_DOC_NUMBER = "doc_number"
VIA_INTERPRETATION = "interpretation"
# When one policy is cited several ways, the strongest way is kept.
_VIA_RANK = {VIA_INTERPRETATION: 0, VIA_TITLE: 1, VIA_DOC_NUMBER: 2}


class Citation(NamedTuple):
    """A policy as an article cites it: the text cited and how (title, doc_number, interpretation)."""

    cited_as: str
    via: str


class ArchivedPolicy(NamedTuple):
    """A policy in the archive, with the fields citations are matched against."""

    id: str
    title: str
    issuer: str | None = None
    doc_number: str | None = None


class PolicyLink(NamedTuple):
    """An article's citation resolved: the archived policy's id, or None when not archived."""

    policy_id: str | None
    cited_as: str
    via: str


# ---------------------------------------------------------------------------------------------
# Shape of a policy title

# The document genres policy titles end in: the statutory kinds of official document (公文
# 种类: 通知, 意见, 决定 …) and the normative kinds (办法, 条例, 细则, 方案, 规划 …). A law ends
# in 法, unlike 方法/办法/说法/做法/看法/想法 (办法 is a genre of its own).
# Kinds that also end the titles of books, yearbooks and reports quoted in 《》 (京津冀发展报告,
# 投资指南), or that end many other words (令, 函): a quote ending in one is no citation by
# itself.
_BOOK_LIKE_KINDS = frozenset(
    {"报告", "公报", "令", "函", "指南", "标准", "章程", "纪要", "请示", "议案"}
)
_GENRE_RE = re.compile(
    r"(?:%s|规范|若干政策|的函|[^方办说做看想]法)$"
    % "|".join(kind for kind in DOCUMENT_KINDS if kind not in _BOOK_LIKE_KINDS)
)
# Trailing parts a title may carry or drop when cited: （试行）, （2024—2027年）, （修订）.
_TRAILING_PARENTHESES_RE = re.compile(r"(?:[(（][^()（）]{1,16}[)）])+$")
_MIN_TITLE, _MAX_TITLE = 5, 100
# Headlines and slogans, not document titles.
_NOT_A_TITLE_RE = re.compile(r"[!?！？…]|——")


def is_policy_title(title: str) -> bool:
    """Say whether a quoted title has a policy's shape: a document genre at its end, a policy's length."""
    core = _TRAILING_PARENTHESES_RE.sub("", _SPACE_RE.sub("", title))
    return (
        _MIN_TITLE <= len(core) <= _MAX_TITLE
        and bool(_GENRE_RE.search(core))
        and not _NOT_A_TITLE_RE.search(core)
    )


# ---------------------------------------------------------------------------------------------
# Keys: the forms two spellings of one title or one doc number share

_SPACE_RE = re.compile(r"[\s\u3000\xa0]+")
_QUOTE_MARKS_RE = re.compile(r"[《》〈〉<>“”\"'‘’「」『』]")
_PARENTHESES = str.maketrans("（）［］【】", "()[][]")


def _title_key(title: str) -> str:
    """One spelling for a title: no spaces, no quote marks, ASCII parentheses."""
    return _QUOTE_MARKS_RE.sub("", _SPACE_RE.sub("", title)).translate(_PARENTHESES)


def _title_keys(title: str) -> list[str]:
    """List the keys a citation of this title may use: in full, without （试行）/year, from 关于 on."""
    key = _title_key(title)
    keys = [key, _TRAILING_PARENTHESES_RE.sub("", key)]
    about = key.find("关于")
    if about > 0:
        # The issuer left out: 河北省人民政府办公厅关于…的通知 -> 关于…的通知.
        keys += [key[about:], _TRAILING_PARENTHESES_RE.sub("", key[about:])]
    for inner in _INNER_QUOTE_RE.findall(title):
        # 关于印发《X》的通知 is cited as 《X》.
        if is_policy_title(inner):
            keys += _title_keys(inner)
    printed = _PRINTS_RE.search(key)
    if printed and is_policy_title(printed.group(1)):
        # The same without quotes: 关于印发X的通知 is cited as 《X》 too.
        keys += _title_keys(printed.group(1))
    return list(dict.fromkeys(k for k in keys if len(k) >= _MIN_TITLE))


# 关于印发X的通知, 关于转发X的通知: a notice that prints (or forwards) the document X.
_PRINTS_RE = re.compile(r"关于(?:印发|转发|发布)([^《》]{5,100})的(?:通知|通告|公告)$")

_DOC_NUMBER_RE = DOC_NUMBER_PARTS_RE
# Words that stand just before a doc number in running text and are never part of its
# prefix (印发京政办发…, 依据冀政字…, 文号为…); the prefix starts after the last one.
_PREFIX_BOUNDARY_RE = re.compile(
    r".*(?:印发|下发|转发|出台|发布|公布|颁布|制定|文件|文号|字号|编号|[的了以为和与及或是按照据根依即将在对把号于从由等称见])"
)


_BRACKETED_YEAR_RE = BRACKETED_YEAR_RE


class _DocNumber(NamedTuple):
    prefix: str
    year: int
    number: int

    def text(self) -> str:
        return "%s〔%d〕%d号" % (self.prefix, self.year, self.number)


def _parse_doc_numbers(text: str) -> list[tuple[_DocNumber, int, int]]:
    """Doc numbers in running text, each with its span; a prefix shorter than two is no number."""
    if not _BRACKETED_YEAR_RE.search(text):
        return []
    found = []
    for match in _DOC_NUMBER_RE.finditer(text):
        prefix = _PREFIX_BOUNDARY_RE.sub("", match.group("prefix"))
        if len(prefix) < 2:
            continue
        number = _DocNumber(prefix, int(match.group("year")), int(match.group("number")))
        found.append((number, match.end("prefix") - len(prefix), match.end()))
    return found


def doc_number_key(doc_number: str) -> str | None:
    """One spelling for a 发文字号: 京政办发[2024]03号 -> 京政办发〔2024〕3号; None if it is none."""
    numbers = _parse_doc_numbers(_SPACE_RE.sub("", doc_number))
    return numbers[0][0].text() if numbers else None


# ---------------------------------------------------------------------------------------------
# Finding citations

# 《…》 with at most one level of inner quotes, which careless pages write as 《…《…》…》.
_QUOTE_RE = re.compile(r"《((?:[^《》\n]|《[^《》\n]*》){1,150})》")
_INNER_QUOTE_RE = re.compile(r"[《〈]([^《》〈〉\n]{1,120})[》〉]")
# Words that make a page or a quote an interpretation of a policy.
_INTERPRETATION_WORD = r"(?:政策)?(?:解读|图解|读懂|看懂|答记者问|问答|划重点)"
_INTERPRETATION_RE = re.compile(_INTERPRETATION_WORD)
# Just before a quote: "解读《…》", "一图读懂《…》"; just after: "《…》解读", "《…》政策问答".
_INTERPRETS_BEFORE_RE = re.compile(r"(?:解读|图解|读懂|看懂)\s*[:：|｜丨]?\s*$")
_INTERPRETS_AFTER_RE = re.compile(r"^\s*(?:的)?%s" % _INTERPRETATION_WORD)
# In one sentence: "就《…》有关问题答记者问", "对《…》进行了解读".
_TALKS_ABOUT_BEFORE_RE = re.compile(r"[就对]\s*$")
_TALKS_ABOUT_AFTER_RE = re.compile(r"^[^。！？；\n]{0,24}?(?:解读|答记者问|回答记者提问)")
# Separators and interpretation words around a policy name in a 解读 page's title.
_TITLE_DECORATION_RE = re.compile(
    r"的?%s|[:：|｜丨\-—·【】\[\]]|^(?:一图|图说)" % _INTERPRETATION_WORD
)


def _interprets(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 12) : start], text[end : end + 40]
    if _INTERPRETS_BEFORE_RE.search(before) or _INTERPRETS_AFTER_RE.match(after):
        return True
    return bool(_TALKS_ABOUT_BEFORE_RE.search(before) and _TALKS_ABOUT_AFTER_RE.match(after))


def _citation_key(cited_as: str) -> str:
    """Return the key two citations of one policy share: from 关于 on, without （试行）/year."""
    key = _title_key(cited_as)
    about = key.find("关于")
    if about > 0:
        key = key[about:]
    return _TRAILING_PARENTHESES_RE.sub("", key)


def _quoted_titles(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(1).strip(), m.start(), m.end()) for m in _QUOTE_RE.finditer(text)]


def find_citations(title: str, text: str) -> list[Citation]:
    """Return the policies an article cites, in order of first mention, each once.

    A 《title》 with a policy's shape is a citation by title, a 发文字号 by doc number;
    either becomes an interpretation when the article interprets it (a 解读 page's own
    title, "《…》解读", "解读《…》", "就《…》答记者问"). A 解读 page whose title names a
    policy without quotes cites that name. A doc number in brackets right after a cited
    title is the same policy and is not counted twice. Of one policy cited with and
    without its issuer, the fuller form is kept.
    """
    interpretation_page = bool(_INTERPRETATION_RE.search(title))
    found: list[tuple[str, str]] = []
    for part, content in (("title", title), ("text", text)):
        quote_ends = []
        for cited, start, end in _quoted_titles(content):
            if not is_policy_title(cited):
                continue
            quote_ends.append(end)
            interprets = (part == "title" and interpretation_page) or _interprets(
                content, start, end
            )
            found.append((cited, VIA_INTERPRETATION if interprets else VIA_TITLE))
        for number, start, end in _parse_doc_numbers(content):
            if any(
                re.fullmatch(r"\s*[(（]\s*", content[q:start]) for q in quote_ends if q <= start
            ):
                continue
            interprets = (part == "title" and interpretation_page) or _interprets(
                content, start, end
            )
            found.append((number.text(), VIA_INTERPRETATION if interprets else VIA_DOC_NUMBER))
        if part == "title" and interpretation_page and not found:
            named = _TITLE_DECORATION_RE.sub("", _SPACE_RE.sub("", title))
            if is_policy_title(named):
                found.append((named, VIA_INTERPRETATION))
    if interpretation_page and found and all(via != VIA_INTERPRETATION for _, via in found):
        # A 解读 page that names its policy only in the text interprets the first one named.
        found[0] = (found[0][0], VIA_INTERPRETATION)
    return _merge(found)


def _merge(found: list[tuple[str, str]]) -> list[Citation]:
    """Keep one citation per policy: the fullest form cited, the strongest way it was cited."""
    merged: dict[str, list[str]] = {}
    for cited, via in found:
        key = cited if _DOC_NUMBER_RE.fullmatch(cited) else _citation_key(cited)
        if key not in merged:
            merged[key] = [cited, via]
            continue
        entry = merged[key]
        if len(_title_key(cited)) > len(_title_key(entry[0])):
            entry[0] = cited
        if _VIA_RANK[via] < _VIA_RANK[entry[1]]:
            entry[1] = via
    # A short form of a title cited in full elsewhere in the article (该《三年行动计划》) is
    # that citation again.
    for key in list(merged):
        fuller = next((k for k in merged if k != key and key in k), None)
        if fuller is not None and not _DOC_NUMBER_RE.fullmatch(key):
            held = merged.pop(key)
            if _VIA_RANK[held[1]] < _VIA_RANK[merged[fuller][1]]:
                merged[fuller][1] = held[1]
    return [Citation(cited, via) for cited, via in merged.values()]


# ---------------------------------------------------------------------------------------------
# Resolving citations to archived policies


def _place_of(issuer: str) -> str:
    """Return the place an issuer belongs to: 河北省人民政府办公厅 -> 河北省, or "" for none."""
    match = re.match(r"^[\u4e00-\u9fff]{2,6}?[省市区县州]", issuer)
    return match.group(0) if match else ""


# An issuer named in the clause just before a quote: 河北省政府办公厅近日印发《…》.
_ISSUER_PLACE_RE = re.compile(r"([\u4e00-\u9fff]{2,3}[省市])(?:人民)?(?:政府|委|局|厅|办)")


# A national issuer just before a quote (国务院《…》): the policy is not a local one.
_NATIONAL_ISSUER_RE = re.compile(r"国务院|中共中央|全国人大|国家[\u4e00-\u9fff]{1,8}[委局部]")
# A place at the front of a title: 天津市推动…, 雄安新区支持…
_PLACE_FRONT_RE = re.compile(r"^[\u4e00-\u9fff]{2,5}?[省市区县]")


def _clause_before(context: str, cited_as: str) -> str:
    at = context.find("《%s》" % cited_as)
    return re.split(r"[。！？；，,\n]", context[max(0, at - 40) : at])[-1] if at >= 0 else ""


def _sentence_with(context: str, cited_as: str) -> str:
    at = context.find("《%s》" % cited_as)
    if at < 0:
        return ""
    start = max(context.rfind(mark, 0, at) for mark in "。！？\n") + 1
    ends = [i for i in (context.find(mark, at) for mark in "。！？\n") if i >= 0]
    return context[start : min(ends) if ends else len(context)]


def _issuer_place_before(context: str, cited_as: str) -> str:
    places = _ISSUER_PLACE_RE.findall(_clause_before(context, cited_as))
    return places[-1] if places else ""


def _issued_by(policy: ArchivedPolicy, front: str) -> bool:
    """Say whether the issuer a citation names (北京市政府) is the policy's (北京市人民政府)."""
    title = _title_key(policy.title)
    issuer = _SPACE_RE.sub("", policy.issuer or "")
    if front in (issuer, title[: max(title.find("关于"), 0)]):
        return True
    place = _place_of(front)
    return bool(place) and place == _place_of(issuer or title)


def _named_in(policy: ArchivedPolicy, context: str) -> bool:
    issuer = _SPACE_RE.sub("", policy.issuer or "")
    place = _place_of(issuer)
    return bool(issuer) and (issuer in context or bool(place) and place in context)


class PolicyMatcher:
    """Resolve citations to the archived policies they name.

    A title resolves through every key of an archived title (in full, without （试行）
    or a year range, from 关于 on, without the issuer at the front, the
    quoted title inside 关于印发《…》的通知), then without a place its title starts with
    when the citing sentence names the place; a doc number through its year and number,
    with one prefix ending the other. Several candidates are narrowed to those whose
    issuer or place the article names; still several, or none, is None: not archived.
    """

    def __init__(self, policies: Iterable[ArchivedPolicy] = ()) -> None:
        self._by_title: dict[str, list[ArchivedPolicy]] = {}
        self._by_number: dict[tuple[int, int], list[tuple[str, ArchivedPolicy]]] = {}
        self._by_placeless: dict[str, list[tuple[str, ArchivedPolicy]]] = {}
        for policy in policies:
            self.add(policy)

    def add(self, policy: ArchivedPolicy) -> None:
        """Index one more policy (a policy archived after the stories citing it)."""
        keys = _title_keys(policy.title)
        issuer = _SPACE_RE.sub("", policy.issuer or "")
        title = _title_key(policy.title)
        if issuer and title.startswith(issuer) and len(title) - len(issuer) >= _MIN_TITLE:
            keys += _title_keys(title[len(issuer) :])
        for key in dict.fromkeys(keys):
            self._by_title.setdefault(key, []).append(policy)
            place = _PLACE_FRONT_RE.match(key)
            if place and len(key) - place.end() >= _MIN_TITLE + 1:
                self._by_placeless.setdefault(key[place.end() :], []).append(
                    (place.group(0), policy)
                )
        for number, _, _ in _parse_doc_numbers(_SPACE_RE.sub("", policy.doc_number or "")):
            self._by_number.setdefault((number.year, number.number), []).append(
                (number.prefix, policy)
            )

    def resolve(self, citation: Citation, context: str = "") -> str | None:
        """Return the id of the archived policy a citation names, or None if none is known.

        ``context`` is the article's text: it tells apart policies of different issuers
        cited alike, and an issuer named just before a quote must be the policy's own.
        """
        candidates: list[ArchivedPolicy] = []
        if citation.via != VIA_DOC_NUMBER:
            candidates = self._by_cited_title(citation.cited_as) or self._by_title_without_place(
                citation.cited_as, context
            )
            near = _issuer_place_before(context, citation.cited_as)
            if near:
                candidates = [p for p in candidates if _place_of(p.issuer or "") in ("", near)]
        if not candidates:
            # A doc number, or a 解读 page citing its policy by doc number.
            candidates = self._by_doc_number(citation.cited_as)
        unique = list({policy.id: policy for policy in candidates}.values())
        if len(unique) > 1 and context:
            unique = [policy for policy in unique if _named_in(policy, context)]
        return unique[0].id if len(unique) == 1 else None

    def _by_doc_number(self, cited_as: str) -> list[ArchivedPolicy]:
        for number, _, _ in _parse_doc_numbers(cited_as)[:1]:
            return [
                policy
                for prefix, policy in self._by_number.get((number.year, number.number), [])
                if prefix.endswith(number.prefix) or number.prefix.endswith(prefix)
            ]
        return []

    def _by_title_without_place(self, cited_as: str, context: str) -> list[ArchivedPolicy]:
        """Policies whose title starts with a place the citation leaves out (天津市推动… as 推动…).

        Only when the sentence citing it names that place (天津, 雄安新区) and no national
        issuer stands before the quote: 国务院《优化营商环境条例》 is not 北京市优化营商环境条例.
        """
        if _NATIONAL_ISSUER_RE.search(_clause_before(context, cited_as)):
            return []
        sentence = _sentence_with(context, cited_as)
        for key in _title_keys(cited_as):
            found = [
                policy
                for place, policy in self._by_placeless.get(key, [])
                if place in sentence or place[:-1] in sentence
            ]
            if found:
                return found
        return []

    def _by_cited_title(self, cited_as: str) -> list[ArchivedPolicy]:
        key = _title_key(cited_as)
        about = key.find("关于")
        # An issuer the citation names itself (河北省人民政府办公厅关于…) must be the policy's.
        front = key[:about] if about > 0 else ""
        for cited_key in _title_keys(cited_as):
            candidates = self._by_title.get(cited_key, [])
            if front and not cited_key.startswith(front):
                candidates = [policy for policy in candidates if _issued_by(policy, front)]
            if candidates:
                return candidates
        return []

    def link(self, title: str, text: str, article_id: str | None = None) -> list[PolicyLink]:
        """Return an article's policy links: each cited policy once, archived or not.

        Quotes that are not policy-shaped still link when they are an archived title
        word for word. A policy never links to itself (``article_id``).
        """
        citations = find_citations(title, text)
        known = {_citation_key(c.cited_as) for c in citations}
        for cited, _, _ in _quoted_titles(title) + _quoted_titles(text):
            key = _title_key(cited)
            if key in self._by_title and _citation_key(cited) not in known:
                citations.append(Citation(cited, VIA_TITLE))
                known.add(_citation_key(cited))
        context = "%s\n%s" % (title, text)
        links: dict[str, PolicyLink] = {}
        for citation in citations:
            policy_id = self.resolve(citation, context)
            if policy_id is not None and policy_id == article_id:
                continue
            key = policy_id if policy_id is not None else "?" + citation.cited_as
            held = links.get(key)
            if held is None or _VIA_RANK[citation.via] < _VIA_RANK[held.via]:
                links[key] = PolicyLink(policy_id, citation.cited_as, citation.via)
        return list(links.values())

"""Recognise the CMS family that built a page, by its generator meta, script names and URL shapes.

A family tells how a site pages its columns and how its article URLs look; the signs are
structural (what every site of the family shows), never one site's class names.
"""

from __future__ import annotations

import re

# --- Signs of each family -----------------------------------------------------------------
# Each sign is a literal the lower-cased page must hold (a fast substring test) and, when
# the literal alone is too loose, a pattern then searched in the page. Each family needs two
# signs, or one generator meta naming it, so a single look-alike link on another site's
# page does not decide.
Sign = tuple[str, re.Pattern[str] | None]
FAMILY_SIGNS: dict[str, tuple[Sign, ...]] = {
    # TRS WCM (拓尔思), most Chinese government portals: article URLs tYYYYMMDD_N.html in
    # month folders, createPageHTML(...) or a Pager({size, prefix}) script writing the
    # column's paging bar, the TRS visitor-analytics script, ColumnName/ColumnDescription metas.
    "trs": (
        ("/t20", re.compile(r"/t20\d{6}_\d+\.s?html?\b")),
        ("createpagehtml(", None),
        ("prefix:", re.compile(r"\bPager\s*\(\s*\{[^}]*\bprefix\s*:")),
        ("_trs_", re.compile(r"_trs_ta_js|_trs_uv|_trs_user")),
        (
            'name="column',
            re.compile(r"""<meta\s+name=["']Column(?:Name|Description|Type)["']""", re.I),
        ),
    ),
    # 博达 VSB (Visual SiteBuilder), school and district portals: info/<column>/<id>.htm
    # articles, system/resource/js/ scripts, _sitegray, paging <column>/<n>.htm.
    "vsb": (
        ("info/", re.compile(r"\binfo/\d+/\d+\.s?html?\b")),
        ("system/resource/", re.compile(r"""["'/]system/resource/(?:js|code)/""")),
        ("_sitegray/_sitegray", None),
        ("vsb", re.compile(r"vsbscreen|VsbSiteCount|_vsb_", re.I)),
    ),
    # JEECMS (Java CMS used by associations and bureaus): .jhtml pages, /r/cms/ resources,
    # paging index_N.jhtml written in onclick handlers.
    "jeecms": (
        (".jhtml", None),
        ("/r/cms/", None),
        ("jeecms", None),
    ),
    # 开普云 (ucap) portals: ucap script and resource folders, list data from its API.
    "ucap": (
        ("/ucap/", None),
        ("ucap", re.compile(r"ucapweb|ucap\.min\.js|ucap-", re.I)),
        ("/module/web/jpage/", None),
    ),
    # The Guangdong government site group (广东省政府网站集约化平台): content/post_N.html,
    # gkmlpt (信息公开目录) apps.
    "gd_site_group": (
        ("content/post_", re.compile(r"\bcontent/post_\d+\.html\b")),
        ("/gkmlpt/", None),
        ("gd.gov.cn", None),
    ),
    # DedeCMS: list_<type>_<n>.html paging, /plus/ scripts.
    "dedecms": (
        ("list_", re.compile(r"\blist_\d+_\d+\.html\b")),
        ("/plus/", re.compile(r"/plus/(?:search|count|view)\.php")),
        ("dede", re.compile(r"dedeajax|dedecms", re.I)),
    ),
    # WordPress: /wp-content/ and /wp-includes/ assets, the REST API.
    "wordpress": (
        ("/wp-content/", None),
        ("/wp-includes/", None),
        ("/wp-json/", None),
    ),
}

# A generator meta naming a family: the family's name (or its product name) in its content.
GENERATOR_META = re.compile(
    r"""<meta\s+[^>]*name=["']generator["'][^>]*content=["']([^"']+)["']"""
    r"""|<meta\s+[^>]*content=["']([^"']+)["'][^>]*name=["']generator["']""",
    re.I,
)
GENERATOR_NAMES: tuple[tuple[str, str], ...] = (
    ("trs", "trs"),
    ("拓尔思", "trs"),
    ("vsb", "vsb"),
    ("博达", "vsb"),
    ("jeecms", "jeecms"),
    ("ucap", "ucap"),
    ("开普云", "ucap"),
    ("dedecms", "dedecms"),
    ("wordpress", "wordpress"),
)

# Signs a family needs on one page when no generator meta names it.
MIN_SIGNS = 2


def generator_family(html: str) -> str | None:
    """Return the family a ``<meta name="generator">`` names, or None."""
    if "generator" not in html and "GENERATOR" not in html and "Generator" not in html:
        return None
    match = GENERATOR_META.search(html)
    if match is None:
        return None
    content = (match.group(1) or match.group(2) or "").lower()
    for word, family in GENERATOR_NAMES:
        if word in content:
            return family
    return None


def recognise_family(html: str) -> str | None:
    """Return the CMS family whose signs the page shows most (at least two), or None."""
    named = generator_family(html)
    if named is not None:
        return named
    lowered = html.lower()
    best, best_signs = None, 0
    for family, signs in FAMILY_SIGNS.items():
        found = sum(
            1
            for literal, pattern in signs
            if literal in lowered and (pattern is None or pattern.search(html))
        )
        if found > best_signs:
            best, best_signs = family, found
    return best if best_signs >= MIN_SIGNS else None

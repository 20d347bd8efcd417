"""Recognise the CMS family that built a page, by its generator meta, script names and URL shapes.

A family tells how a site pages its columns and how its article URLs look; the signs are
structural (what every site of the family shows), never one site's class names.
"""

from __future__ import annotations

import re

# --- Signs of each family, as patterns over the page's HTML (its links included) -----------
# Each family needs two signs, or one generator meta naming it, so a single look-alike
# link on another site's page does not decide.
FAMILY_SIGNS: dict[str, tuple[re.Pattern[str], ...]] = {
    # TRS WCM (拓尔思), most Chinese government portals: article URLs tYYYYMMDD_N.html in
    # month folders, createPageHTML(...) or a Pager({size, prefix}) script writing the
    # column's paging bar, the TRS visitor-analytics script, ColumnName/ColumnDescription metas.
    "trs": (
        re.compile(r"""href=["'][^"']*\bt\d{8}_\d+\.s?html?["']""", re.I),
        re.compile(r"\bcreatePageHTML\s*\("),
        re.compile(r"\bPager\s*\(\s*\{[^}]*\bprefix\s*:", re.S),
        re.compile(r"""_trs_ta_js|trs_ta\.js|/c/js/ta-\d+\.js""", re.I),
        re.compile(r"""<meta\s+name=["']Column(?:Name|Description|Type)["']""", re.I),
    ),
    # 博达 VSB (Visual SiteBuilder), school and district portals: info/<column>/<id>.htm
    # articles, /system/resource/js/ scripts, _sitegray, paging <column>/<n>.htm.
    "vsb": (
        re.compile(r"""href=["'][^"']*\binfo/\d+/\d+\.s?html?["']""", re.I),
        re.compile(r"""["'/]system/resource/(?:js|code)/""", re.I),
        re.compile(r"_sitegray/_sitegray", re.I),
        re.compile(r"vsbscreen|VsbSiteCount|_vsb_", re.I),
    ),
    # JEECMS (Java CMS used by associations and bureaus): .jhtml pages, /r/cms/ resources,
    # paging index_N.jhtml written in onclick handlers.
    "jeecms": (
        re.compile(r"""["'][^"']*\.jhtml\b""", re.I),
        re.compile(r"""/r/cms/""", re.I),
        re.compile(r"""jeecms""", re.I),
    ),
    # 开普云 (ucap) portals: ucap script and resource folders, list data from its API.
    "ucap": (
        re.compile(r"""/ucap/""", re.I),
        re.compile(r"""ucapweb|ucap\.min\.js|ucap-""", re.I),
        re.compile(r"""/module/web/jpage/""", re.I),
    ),
    # The Guangdong government site group (广东省政府网站集约化平台): content/post_N.html,
    # gkmlpt (信息公开目录) apps, column pages index_N.html.
    "gd_site_group": (
        re.compile(r"""href=["'][^"']*\bcontent/post_\d+\.html["']""", re.I),
        re.compile(r"""/gkmlpt/""", re.I),
        re.compile(r"""gdgov|gd\.gov\.cn/(?:gdywdt|zwgk)""", re.I),
    ),
    # DedeCMS: list_<type>_<n>.html paging, /plus/ scripts.
    "dedecms": (
        re.compile(r"""href=["'][^"']*\blist_\d+_\d+\.html["']""", re.I),
        re.compile(r"""/plus/(?:search|count|view)\.php""", re.I),
        re.compile(r"""dedeajax|dedecms""", re.I),
    ),
    # WordPress: /wp-content/ and /wp-includes/ assets, ?p=N or /page/N/ paging.
    "wordpress": (
        re.compile(r"""/wp-content/""", re.I),
        re.compile(r"""/wp-includes/""", re.I),
        re.compile(r"""/wp-json/""", re.I),
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
    best, best_signs = None, 0
    for family, signs in FAMILY_SIGNS.items():
        found = sum(1 for sign in signs if sign.search(html))
        if found > best_signs:
            best, best_signs = family, found
    return best if best_signs >= MIN_SIGNS else None

"""Tell pages that a crawler without a browser cannot read: script shells and captcha walls.

A script shell serves an empty frame (``<div id="app"></div>`` and a bundle) and writes
its text in the browser; a captcha or anti-bot wall (slider, 验证码, a cookie challenge
script) stands in for the page. Both hold little visible text: that is what is measured
first, so a normal page with a comment form's 验证码 field is never taken for a wall.
"""

from __future__ import annotations

import re

# A page with less visible text than this (characters, whitespace left out) may be a wall.
MAX_WALL_TEXT = 200
# Script on a shell page: at least this many characters of inline or linked script.
MIN_SHELL_SCRIPTS = 1

# --- Captcha and anti-bot walls (words and challenge scripts; any site) -------------------
CAPTCHA_SIGNS = re.compile(
    r"验证码|驗證碼|滑动验证|滑块验证|安全验证|人机验证|请完成验证|访问验证|captcha|"
    r"geetest|verify you are human|are you a robot|"
    r"__jsl_clearance|acw_sc__v2|_waf_|waf_token|wzws_cid|"
    r"请开启JavaScript并刷新",
    re.I,
)

# --- Script shells: an empty mount point for a single-page app, a noscript notice --------
SHELL_SIGNS = re.compile(
    r"""<div\s+id=["'](?:app|root|__nuxt|__next|main-app)["']\s*>\s*</div>|"""
    r"""<noscript>[^<]*(?:enable JavaScript|启用JavaScript|开启JavaScript|支持JavaScript)|"""
    r"""document\.write\s*\(|innerHTML\s*=|\$\(\s*["'][^"']+["']\s*\)\.html\s*\(""",
    re.I,
)

SCRIPT_OR_STYLE = re.compile(r"<(script|style|noscript)\b[^>]*>.*?</\1\s*>", re.S | re.I)
SCRIPT_TAG = re.compile(r"<script\b", re.I)
TAG = re.compile(r"<[^>]+>")
COMMENT = re.compile(r"<!--.*?-->", re.S)
SPACE_OR_ENTITY = re.compile(r"\s+|&nbsp;|&#160;")


def visible_text(html: str) -> str:
    """Return the page's text without scripts, styles, comments and whitespace."""
    text = COMMENT.sub("", html)
    text = SCRIPT_OR_STYLE.sub("", text)
    return SPACE_OR_ENTITY.sub("", TAG.sub("", text))


def page_wall(html: str) -> str | None:
    """Return ``captcha`` or ``js_shell`` for a page a browser is needed for, else None."""
    if len(visible_text(html)) >= MAX_WALL_TEXT:
        return None
    if CAPTCHA_SIGNS.search(html):
        return "captcha"
    if len(SCRIPT_TAG.findall(html)) >= MIN_SHELL_SCRIPTS and SHELL_SIGNS.search(html):
        return "js_shell"
    return None

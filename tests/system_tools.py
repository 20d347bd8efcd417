"""What the tests need beyond PyPI, found on this machine or failed with the command that installs it.

redis-server (distributed crawls), Chromium (pages and digests as a reader sees them) and a
font with Chinese characters (the PDFs the attachment tests write) come from Debian;
`make test` installs the missing ones first (`make test-tools`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

INSTALL_COMMAND = "make test-tools"
# The fonts the tests can write Chinese PDFs with, first found wins.
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


class MissingToolError(RuntimeError):
    """A program or font the tests need is not installed; the message says how to get it."""

    def __init__(self, what: str, package: str):
        super().__init__(
            "%s is not installed: `%s` installs it (apt-get install %s, as root)"
            % (what, INSTALL_COMMAND, package)
        )


def redis_server_binary() -> str:
    """Return the path of redis-server."""
    found = shutil.which("redis-server")
    if found is None:
        raise MissingToolError("redis-server", "redis-server")
    return found


def chromium_binary() -> str:
    """Return the path of Debian's Chromium."""
    for name in ("/usr/bin/chromium", "chromium"):
        found = shutil.which(name)
        if found:
            return found
    raise MissingToolError("chromium", "chromium")


def cjk_font() -> Path:
    """Return a font file with Chinese characters."""
    for path in CJK_FONTS:
        if path.exists():
            return path
    raise MissingToolError("a font with Chinese characters", "fonts-wqy-zenhei")

"""The bundled demo: fixture sites served on 127.0.0.1 and the sources file that crawls them.

Both ship inside the package (package data), so ``xietong demo`` works from an installed
wheel. ``tests/fixtures/build_sites.py`` generates the sites.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
# One folder per site, each with a ``_site.toml`` (see crawler/demo/server.py).
SITES_DIR = DEMO_DIR / "sites"
# The demo sources: URLs start with ``{demo:<site>}``, filled in when the sites are served.
DEMO_SOURCES = DEMO_DIR / "demo.toml"

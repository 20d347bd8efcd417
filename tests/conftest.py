"""Shared fixtures: the demo sites served on 127.0.0.1, and running the CLI in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from crawler.demo import DEMO_SOURCES
from crawler.demo.server import DemoSites
from tests.system_tools import MissingToolError

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("XIETONG_SHARED", ROOT.parent / "shared"))
# Full speed against our own loopback servers (politeness stays on for real sites).
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report a missing program or font as its one line (the command that installs it)."""
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(MissingToolError):
        report.longrepr = str(call.excinfo.value)
    return report


@pytest.fixture(scope="session")
def demo_sites() -> Iterator[DemoSites]:
    """Serve the fixture sites, each on its own free port, for the whole test run."""
    with DemoSites() as sites:
        yield sites


def resolved_sources(sites: DemoSites, target: Path, source: Path | None = None) -> Path:
    """Write a copy of a sources file with the ``{demo:SITE}`` placeholders filled in."""
    text = (source or DEMO_SOURCES).read_text(encoding="utf-8")
    text = re.sub(r"\{demo:([A-Za-z0-9_-]+)\}", lambda m: sites.base_urls[m.group(1)], text)
    target.write_text(text, encoding="utf-8")
    return target


def run_xietong(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m crawler ARGS`` in a fresh process (a Twisted reactor cannot restart)."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )

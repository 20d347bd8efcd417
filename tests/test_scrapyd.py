"""Scheduling: deploy the project to a real scrapyd on loopback and run a crawl job there."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from crawler.ops.scrapyd import job_state
from tests.conftest import FAST, ROOT, resolved_sources, run_xietong

BIN = Path(sys.executable).parent
PROJECT = "xietong"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory) -> Iterator[str]:
    """Start scrapyd on a free port with its eggs, logs and queues in a temporary folder."""
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        "http_port = %d\n"
        "eggs_dir = %s\n"
        "logs_dir = %s\n"
        "dbs_dir = %s\n"
        "items_dir =\n"
        "max_proc = 2\n"
        "poll_interval = 0.2\n" % (port, home / "eggs", home / "logs", home / "dbs"),
        encoding="utf-8",
    )
    log = (home / "scrapyd.out").open("w")
    # scrapyd reads ./scrapyd.conf; its jobs run with this folder as working directory.
    server = subprocess.Popen(
        [str(BIN / "scrapyd")], cwd=home, stdout=log, stderr=subprocess.STDOUT
    )
    url = "http://127.0.0.1:%d/" % port
    deadline = time.monotonic() + 30
    while True:
        try:
            if get_json(url + "daemonstatus.json")["status"] == "ok":
                break
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("scrapyd did not start: %s" % (home / "scrapyd.out").read_text()[-2000:])
        time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def deployed(scrapyd, tmp_path_factory) -> dict[str, Any]:
    """Run scrapyd-deploy against a [deploy:test] target that points at the test's scrapyd."""
    if shutil.which("scrapyd-deploy", path=str(BIN)) is None:
        pytest.fail("scrapyd-deploy is not installed (pip install scrapyd-client)")
    config = tmp_path_factory.mktemp("xdg")
    # The project's scrapy.cfg names the production target; a user-level scrapy.cfg adds ours.
    (config / "scrapy.cfg").write_text(
        "[deploy:test]\nurl = %s\nproject = %s\n" % (scrapyd, PROJECT), encoding="utf-8"
    )
    env = dict(os.environ, XDG_CONFIG_HOME=str(config))
    result = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "test", "--version", "r1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return {"result": result, "url": scrapyd}


def test_scrapyd_deploy_uploads_the_project_with_its_spider(deployed):
    result = deployed["result"]
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == "ok"
    assert answer["spiders"] == 1
    spiders = get_json(deployed["url"] + "listspiders.json?project=" + PROJECT)
    assert spiders["spiders"] == ["sources"]


def test_scheduled_job_crawls_the_demo_sources_into_the_archive(deployed, demo_sites, tmp_path):
    assert deployed["result"].returncode == 0
    url = deployed["url"]
    sources = resolved_sources(demo_sites, tmp_path / "sources.toml")
    db = tmp_path / "archive.db"
    settings = [FAST[i + 1] for i in range(0, len(FAST), 2)]
    args = ["schedule", "--url", url, "--sources", str(sources), "--db", str(db)]
    for setting in settings:
        args += ["-s", setting]
    result = run_xietong(*args, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("scheduled job ")
    job = result.stdout.split()[2]
    deadline = time.monotonic() + 180
    state = "pending"
    while state != "finished" and time.monotonic() < deadline:
        time.sleep(0.5)
        state = job_state(url, PROJECT, job)
    assert state == "finished"
    archive = sqlite_utils.Database(db)
    hebnews = demo_sites.base_urls["hebnews"]
    urls = [row["url"] for row in archive.query("select url from appearances")]
    assert archive["articles"].count >= 10
    assert any(u.startswith(hebnews + "/news/") for u in urls)
    assert archive.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_schedule_reports_an_unreachable_scrapyd_in_one_line(tmp_path):
    url = "http://127.0.0.1:%d/" % free_port()
    result = run_xietong(
        "schedule", "--url", url, "--sources", str(tmp_path / "s.toml"), timeout=60
    )
    assert result.returncode == 2
    assert "scrapyd at %s" % url in result.stderr
    assert "Traceback" not in result.stderr

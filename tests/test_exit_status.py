"""Every command exits alike: 0 done, 1 a crash, 2 the user's mistake in one line, 3 health."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import EXIT_STATUS_HELP, EXIT_USER_MISTAKE, cli
from tests.conftest import ROOT
from tests.redis_server import free_port
from tests.test_docs import command_paths
from tests.test_search import build_archive
from tests.test_web_pages import seed_articles

DEMO_SOURCES = str(ROOT / "crawler" / "demo" / "demo.toml")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_archive(tmp_path_factory.mktemp("exit") / "xietong.db", seed_articles())


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another socket is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m crawler ARGS`` in a fresh process (settings read the environment once)."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )


def assert_one_line_mistake(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == EXIT_USER_MISTAKE, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert words in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_unreachable_redis_is_the_users_mistake():
    url = "redis://127.0.0.1:%d/0" % free_port()
    crawl = run("crawl", "--sources", DEMO_SOURCES, "--redis", url)
    assert_one_line_mistake(crawl, "cannot reach Redis")
    ingest = run("ingest", "--redis", url)
    assert_one_line_mistake(ingest, "cannot reach Redis")


def test_a_port_in_use_is_the_users_mistake(archive: Path, busy_port: int):
    result = run("serve", "--db", str(archive), "--port", str(busy_port))
    assert_one_line_mistake(result, "cannot listen on 127.0.0.1:%d" % busy_port)


def test_unreachable_scrapyd_is_the_users_mistake():
    url = "http://127.0.0.1:%d/" % free_port()
    result = run("schedule", "--url", url, "--sources", "/srv/sources.toml")
    assert_one_line_mistake(result, "scrapyd")


@pytest.mark.parametrize(
    "args",
    [
        ("crawl", "--sources", "no-such-file.toml"),
        ("sources", "check", "no-such-file.toml"),
        ("serve", "--db", "no-such-archive.db"),
        ("digest", "--db", "no-such-archive.db"),
    ],
)
def test_a_missing_file_is_the_users_mistake(args: tuple[str, ...]):
    result = run(*args)
    assert_one_line_mistake(result, "no-such-")


def test_a_malformed_sources_file_is_the_users_mistake(tmp_path: Path):
    sources = tmp_path / "sources.toml"
    sources.write_text("[[sources]\nname = ", encoding="utf-8")
    assert_one_line_mistake(run("crawl", "--sources", str(sources)), "not valid TOML")
    assert_one_line_mistake(run("sources", "check", str(sources)), "not valid TOML")


def test_crawling_into_a_file_that_is_no_archive_is_the_users_mistake(tmp_path: Path):
    not_archive = tmp_path / "notes.db"
    not_archive.write_text("not a database", encoding="utf-8")
    result = run("crawl", "--sources", DEMO_SOURCES, "--db", str(not_archive))
    assert_one_line_mistake(result, "is not a SQLite database")
    demo = run("demo", "--db", str(not_archive))
    assert_one_line_mistake(demo, "is not a SQLite database")


def test_a_digest_folder_that_cannot_be_written_is_the_users_mistake(archive: Path, tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = run("digest", "--db", str(archive), "--week", "2024-W08", "--out", str(blocker / "d"))
    assert_one_line_mistake(result, "cannot write into")


def test_every_help_ends_with_the_same_exit_statuses():
    paths = [path.split()[1:] for path in command_paths(cli)]
    groups = [[], ["sources"]]
    for args in paths + groups:
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, args
        assert result.output.rstrip().endswith("else data/xietong.db."), args
        assert "1  a crash" in result.output, args
    assert "3  a crawl finished" in EXIT_STATUS_HELP


def test_serve_and_digest_read_xietong_db(archive: Path, tmp_path: Path, busy_port: int):
    # The busy port stops serve right after it has opened the archive XIETONG_DB names.
    env = {"XIETONG_DB": str(archive)}
    served = run("serve", "--port", str(busy_port), env=env)
    assert_one_line_mistake(served, "cannot listen on")
    missing = run("serve", "--port", str(busy_port), env={"XIETONG_DB": str(tmp_path / "x.db")})
    assert_one_line_mistake(missing, "no archive at %s" % (tmp_path / "x.db"))
    digest = run("digest", "--week", "2024-W08", "--out", str(tmp_path / "d"), env=env)
    assert digest.returncode == 0, digest.stderr[-2000:]
    assert (tmp_path / "d" / "2024-W08.md").exists()


def test_make_serve_and_digest_leave_the_archive_to_xietong_db():
    for target in ("serve", "digest"):
        dry = subprocess.run(
            ["make", "-n", "-o", ".venv/.installed", target],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        )
        line = [line for line in dry.stdout.splitlines() if "xietong %s" % target in line]
        assert line, dry.stdout
        assert "--db" not in line[0]


def test_a_crawl_that_crashes_before_finishing_exits_1_with_its_traceback(tmp_path: Path):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[sources]]\nname = "x"\nkind = "news"\nstart_urls = ["http://127.0.0.1:9/"]\n',
        encoding="utf-8",
    )
    result = run(
        "crawl",
        "--sources",
        str(sources),
        "--db",
        str(tmp_path / "xietong.db"),
        "-s",
        'ITEM_PIPELINES={"nowhere.Pipeline": 100}',
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" in result.stderr
    assert "the crawl stopped without finishing" in result.stderr

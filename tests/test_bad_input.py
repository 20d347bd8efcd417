"""Every bad input of extract, serve, digest and sources check: one line, exit status 2."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crawler import settings as crawl_settings
from crawler.cli import cli
from tests.conftest import ROOT


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for text in expected:
        assert text in lines[0]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.html", b"", "is empty"),
        ("xml.html", b'<?xml version="1.0" encoding="utf-8"?>', "no HTML to clean"),
        ("random.bin", random.Random(11).randbytes(4096), "binary file"),
        ("nul.bin", b"\x7fELF\x02\x01\x01\x00" + bytes(200), "binary file"),
    ],
)
def test_extract_refuses_what_is_not_an_html_page(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    page = tmp_path / name
    page.write_bytes(content)
    assert_one_line_error(run("extract", str(page)), name, expected)


def test_extract_refuses_a_page_over_the_crawls_cap_before_reading_it(tmp_path: Path) -> None:
    page = tmp_path / "huge.html"
    with page.open("wb") as handle:  # sparse: no disk and nothing to read
        handle.truncate(crawl_settings.DOWNLOAD_MAXSIZE + 1)
    assert_one_line_error(run("extract", str(page)), "DOWNLOAD_MAXSIZE")


def test_extract_still_cleans_a_gbk_page(tmp_path: Path) -> None:
    page = tmp_path / "gbk.html"
    body = "京津冀协同发展是一个重大国家战略。" * 10
    page.write_bytes(
        (
            "<html><head><meta charset='gbk'></head><body><article><p>%s</p></article></body></html>"
            % body
        ).encode("gbk")
    )
    result = run("extract", str(page))
    assert result.exit_code == 0, result.output
    assert "京津冀协同发展" in result.output


@pytest.mark.parametrize("command", ["serve", "digest"])
def test_serve_and_digest_refuse_a_file_that_is_not_a_database(
    tmp_path: Path, command: str
) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n", encoding="utf-8")
    extra = ["--week", "2024-W08", "--out", str(tmp_path / "out")] if command == "digest" else []
    assert_one_line_error(run(command, "--db", str(notes), *extra), "not a SQLite database")
    assert notes.read_text(encoding="utf-8") == "not a database\n"


def test_sources_check_rejects_an_unknown_demo_placeholder(tmp_path: Path) -> None:
    text = (ROOT / "crawler" / "demo" / "demo.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("{demo:crntt}", "{demo:nosuch}"), encoding="utf-8")
    assert_one_line_error(run("sources", "check", str(bad)), "{demo:nosuch}", "crntt")


def test_sources_check_accepts_every_bundled_demo_placeholder() -> None:
    result = run("sources", "check", str(ROOT / "crawler" / "demo" / "demo.toml"))
    assert result.exit_code == 0, result.output


def test_sources_check_rejects_a_broken_css_selector(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[sources]]\nname = "x"\nkind = "news"\nstart_urls = ["https://example.com/"]\n'
        'selectors = { title = "h1[" }\n',
        encoding="utf-8",
    )
    assert_one_line_error(run("sources", "check", str(bad)), "selectors", "h1[")


def test_crawl_of_the_demo_sources_says_only_demo_fills_them(tmp_path: Path) -> None:
    result = run(
        "crawl",
        "--sources",
        str(ROOT / "crawler" / "demo" / "demo.toml"),
        "--db",
        str(tmp_path / "a.db"),
    )
    assert_one_line_error(result, "{demo:", "filled only by `xietong demo`")

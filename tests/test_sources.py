from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.demo import DEMO_SOURCES
from crawler.sources import FIELDS, SourceConfigError, load_sources

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_source_gets_documented_defaults(tmp_path):
    path = write(
        tmp_path, '[[sources]]\nname = "a"\nkind = "news"\nstart_urls = ["https://a.example/"]\n'
    )
    (source,) = load_sources(path)
    assert source.max_depth == 2
    assert source.follow == ()
    assert source.hosts() == {"a.example"}
    assert not source.require_topics


def test_placeholders_are_filled_from_substitutions(tmp_path):
    path = write(tmp_path, '[[sources]]\nname = "a"\nkind = "news"\nfeeds = ["{demo:a}/rss.xml"]\n')
    (source,) = load_sources(path, {"demo:a": "http://127.0.0.1:9"})
    assert source.feeds == ("http://127.0.0.1:9/rss.xml",)


@pytest.mark.parametrize(
    ("entry", "field", "problem"),
    [
        ('name = "a"\nstart_urls = ["https://a.example/"]', "kind", "required"),
        (
            'name = "a"\nkind = "blog"\nstart_urls = ["https://a.example/"]',
            "kind",
            "must be one of",
        ),
        ('name = "a"\nkind = "news"', "start_urls", "at least one"),
        (
            'name = "a"\nkind = "news"\nstart_urls = ["ftp://a.example/"]',
            "start_urls",
            "not an http",
        ),
        (
            'name = "a"\nkind = "news"\nstart_urls = "https://a.example/"',
            "start_urls",
            "expected list",
        ),
        (
            'name = "a"\nkind = "news"\nstart_urls = ["https://a.example/"]\nmax_depth = "2"',
            "max_depth",
            "expected int",
        ),
        (
            'name = "a"\nkind = "news"\nstart_urls = ["https://a.example/"]\nfollow = ["("]',
            "follow",
            "bad regex",
        ),
        (
            'name = "a"\nkind = "news"\nstart_urls = ["https://a.example/"]\nencoding = "klingon"',
            "encoding",
            "unknown encoding",
        ),
        (
            'name = "a"\nkind = "news"\nstart_urls = ["https://a.example/"]\nstart_url = ["x"]',
            "start_url",
            "unknown field",
        ),
        (
            'name = "a"\nkind = "news"\nstart_urls = ["{demo:a}/"]',
            "start_urls",
            "filled only by `xietong demo`",
        ),
        (
            'name = "a"\nkind = "news"\nstart_urls = ["{site:a}/"]',
            "start_urls",
            "unknown placeholder {site:a}",
        ),
    ],
)
def test_bad_entry_names_file_source_and_field(tmp_path, entry, field, problem):
    path = write(tmp_path, "[[sources]]\n" + entry + "\n")
    with pytest.raises(SourceConfigError) as info:
        load_sources(path)
    message = str(info.value)
    assert str(path) in message
    assert "'a'" in message
    assert "field %r" % field in message
    assert problem in message


def test_duplicate_names_and_broken_toml_are_reported(tmp_path):
    path = write(tmp_path, '[[sources]]\nname="a"\nkind="news"\nfeeds=["https://x/"]\n' * 2)
    with pytest.raises(SourceConfigError, match="duplicate source name"):
        load_sources(path)
    path = write(tmp_path, "[[sources]\nname=")
    with pytest.raises(SourceConfigError, match="not valid TOML"):
        load_sources(path)


def test_sources_check_exits_2_with_one_line_on_a_bad_file(tmp_path):
    path = write(tmp_path, '[[sources]]\nname = "broken"\nkind = "news"\nstart_urls = ["nope"]\n')
    result = CliRunner().invoke(cli, ["sources", "check", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "'broken'" in lines[0]
    assert "'start_urls'" in lines[0]


@pytest.mark.parametrize("path", [DEMO_SOURCES, ROOT / "sources" / "jingjinji.toml"])
def test_shipped_sources_files_are_valid(path):
    result = CliRunner().invoke(cli, ["sources", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "all valid" in result.output


def test_every_source_field_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [field for field in FIELDS if "`%s`" % field not in readme]
    assert not missing

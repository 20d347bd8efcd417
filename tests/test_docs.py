"""The README documents every command, setting and Makefile target a user meets."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import click
from click.testing import CliRunner

from crawler import settings
from crawler.cli import cli
from tests.conftest import ROOT
from tests.test_search import build_archive
from tests.test_serve import served
from tests.test_web_pages import seed_articles

README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "xietong") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = "%s %s" % (prefix, name)
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


def test_every_command_appears_in_the_readme():
    missing = [path for path in command_paths(cli) if "`%s" % path not in README]
    assert not missing


def test_every_command_has_help_with_an_example():
    for path in command_paths(cli):
        args = path.split()[1:] + ["--help"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, path
        assert "Example:" in result.output, path


def test_every_xietong_setting_is_documented():
    names = [name for name in dir(settings) if name.startswith("XIETONG_")]
    assert names
    missing = [name for name in names if "`%s`" % name not in README]
    assert not missing


def test_quick_start_is_the_two_make_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make (\w+)", quick, flags=re.M)
    assert commands == ["demo", "test"]


def test_readme_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in set(re.findall(r"^make ([\w-]+)", README, flags=re.M)):
        assert re.search(r"^%s:" % re.escape(target), makefile, flags=re.M), target


def code_blocks() -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", README, flags=re.M | re.S)


def test_every_url_in_a_readme_command_is_ascii():
    """Pasted into a shell, a URL holding raw Chinese makes the server answer 400."""
    code = code_blocks() + re.findall(r"`([^`\n]+)`", README)
    urls = [url for text in code for url in re.findall(r"https?://[^\s'\"`>)]+", text)]
    assert len(urls) > 10
    assert [url for url in urls if not url.isascii()] == []


def test_readme_curl_examples_work_when_pasted(tmp_path):
    """Run every README curl line that queries datasette against a real `xietong serve`."""
    assert shutil.which("curl"), "curl is needed to check the README's examples"
    commands = []
    for block in code_blocks():
        joined = block.replace("\\\n", " ")
        commands += [line for line in joined.splitlines() if line.startswith("curl ")]
    datasette_commands = [line for line in commands if ":8001/xietong" in line]
    assert len(datasette_commands) >= 4
    path = build_archive(tmp_path / "xietong.db", seed_articles())
    with served(path) as url:
        base = url.rsplit("/xietong", 1)[0]
        for command in datasette_commands:
            pasted = command.split("  #")[0].replace("http://127.0.0.1:8001", base)
            result = subprocess.run(
                ["bash", "-c", pasted], capture_output=True, text=True, timeout=60, check=False
            )
            assert result.returncode == 0, (command, result.stderr)
            rows = json.loads(result.stdout)
            assert isinstance(rows, list), (command, result.stdout[:300])
            assert rows, command


def test_readme_says_how_to_run_xietong():
    section = README.split("## Running `xietong`", 1)[1].split("\n## ", 1)[0]
    assert ".venv/bin/xietong" in section
    assert ". .venv/bin/activate" in section
    assert "make serve" in section


def sh_commands() -> list[str]:
    """Return the command lines of the README's ``sh`` blocks (continuations joined)."""
    blocks = re.findall(r"^```sh\n(.*?)^```", README, flags=re.M | re.S)
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    return [line.split("  #")[0].strip() for line in lines if line.strip()]


def test_every_readme_command_runs_from_the_project_folder():
    """After `make demo` only make, curl and the environment's own programs are there."""
    for command in sh_commands():
        program = command.split()[0]
        assert program in ("make", "curl") or program.startswith(".venv/bin/"), command
    inline = re.findall(r"`([^`\n]+)`", README)
    for program in ("sqlite-utils", "datasette", "scrapyd", "scrapyd-deploy"):
        assert not [text for text in inline if text.startswith(program + " ")], program


def test_readme_digest_and_sqlite_utils_commands_work_when_pasted(tmp_path):
    """Run them in a folder laid out as after `make demo`: .venv and data/xietong.db."""
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    build_archive(tmp_path / "data" / "xietong.db", seed_articles())
    inline = [t for t in re.findall(r"`([^`\n]+)`", README) if t.startswith(".venv/bin/")]
    commands = [c for c in sh_commands() if c.startswith(".venv/bin/xietong digest")]
    commands += [t for t in inline if t.startswith(".venv/bin/sqlite-utils")]
    assert len(commands) >= 4
    for command in commands:
        pasted = command.replace("/tmp/digests", str(tmp_path / "digests"))
        result = subprocess.run(
            ["bash", "-c", pasted],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            check=False,
        )
        assert result.returncode == 0, (command, result.stderr[-2000:])
        assert result.stdout.strip(), command
    assert (tmp_path / "data" / "digests" / "2024-W08.md").exists()
    assert (tmp_path / "digests").is_dir()

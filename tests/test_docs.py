"""The README documents every command, setting and Makefile target a user meets."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

from crawler import settings
from crawler.cli import cli
from tests.conftest import ROOT

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

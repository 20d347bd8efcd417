"""Settings read from the environment, in crawler/settings.py alone."""

from __future__ import annotations

import pytest

from crawler.settings import environment_flag

NAME = "XIETONG_TEST_FLAG_ENABLED"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", False), ("false", False), ("False", False), ("1", True), ("yes", True), ("", True)],
)
def test_an_enabled_flag_is_off_only_for_0_or_false(monkeypatch, value: str, expected: bool):
    monkeypatch.setenv(NAME, value)
    assert environment_flag(NAME, True) is expected


def test_an_unset_flag_takes_its_default(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    assert environment_flag(NAME, True) is True
    assert environment_flag(NAME, False) is False

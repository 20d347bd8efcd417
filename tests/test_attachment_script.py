"""Attachments in traditional script are found by queries in either script.

Metamorphic: the script a file was written in (simplified or traditional) must not change
which searches find it; and an archive written before the simplified columns finds its
traditional files once opened.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from crawler.archive import Archive, open_database
from crawler.items import AttachmentFile
from crawler.text.script import to_traditional
from crawler.web.serve import build_datasette
from tests.test_search import make_article

NAME = "附件1.重点产业链协同清单.pdf"
TEXT = "一、生物医药产业链协同清单。二、新能源汽车产业链协同。三、发展数字经济，共建创新平台。"
QUERIES = ["清单", "清單", "生物医药", "生物醫藥", "协同 汽车", "天气"]


def store(path: Path, name: str, text: str) -> Path:
    archive = Archive(open_database(path))
    article = make_article(
        "https://gov.example/policy/1",
        "关于印发重点产业链协同清单的通知",
        "各有关单位：现将清单印发给你们，请认真贯彻落实。",
        "2024-02-23T10:00:00+08:00",
        kind="policy",
    )
    attachment = AttachmentFile(
        url="https://gov.example/files/1.pdf",
        file_name=name,
        content_type="application/pdf",
        size=len(text.encode()),
        text=text,
        fetched_at="2024-02-23T02:00:00+00:00",
    )
    archive.store(dataclasses.replace(article, attachments=[attachment]))
    archive.close()
    return path


def found(path: Path, query: str) -> list[str]:
    async def fetch() -> Any:
        response = await build_datasette(path).client.get(
            "/xietong/attachments.json", params={"_search": query, "_shape": "array"}
        )
        assert response.status_code == 200, response.text[:500]
        return response.json()

    return [row["url"] for row in asyncio.run(fetch())]


@pytest.mark.parametrize("query", QUERIES)
def test_a_file_is_found_the_same_in_either_script(tmp_path: Path, query: str):
    simplified = store(tmp_path / "simplified.db", NAME, TEXT)
    traditional = store(tmp_path / "traditional.db", to_traditional(NAME), to_traditional(TEXT))
    assert found(traditional, query) == found(simplified, query)
    assert bool(found(simplified, query)) == (query != "天气")


def test_only_traditional_files_keep_a_simplified_copy(tmp_path: Path):
    simplified = store(tmp_path / "simplified.db", NAME, TEXT)
    traditional = store(tmp_path / "traditional.db", to_traditional(NAME), to_traditional(TEXT))
    query = "select file_name_simplified, text_simplified from attachments"
    assert sqlite3.connect(simplified).execute(query).fetchall() == [(None, None)]
    assert sqlite3.connect(traditional).execute(query).fetchall() == [(NAME, TEXT)]


def test_an_archive_from_before_the_simplified_columns_is_upgraded(tmp_path: Path):
    path = store(tmp_path / "xietong.db", to_traditional(NAME), to_traditional(TEXT))
    # Make it what an earlier version wrote: no simplified columns, the original text indexed.
    conn = sqlite3.connect(path)
    with conn:
        for name in ("insert", "update", "delete"):
            conn.execute("drop trigger attachments_search_%s" % name)
        conn.execute("alter table attachments drop column file_name_simplified")
        conn.execute("alter table attachments drop column text_simplified")
        conn.execute("insert into attachments_search(attachments_search) values ('delete-all')")
        conn.execute(
            "insert into attachments_search(rowid, file_name, text)"
            " select rowid, file_name, text from attachments"
        )
    conn.close()
    open_database(path).close()  # the upgrade
    assert found(path, "清单") == found(path, "清單") == ["https://gov.example/files/1.pdf"]
    # The index holds what the triggers compute: deleting the row leaves nothing behind.
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("delete from attachments")
    assert conn.execute("select count(*) from attachments_search").fetchone() == (0,)
    bigram = conn.execute(
        "select count(*) from attachments_search where attachments_search match '清单'"
    ).fetchone()
    assert bigram == (0,)

"""Headless Chromium driven over the DevTools protocol: load a page, measure it, screenshot it.

Tests use it to check what a reader sees (column widths, what the DOM holds) and keep a
screenshot to look at, in data/test-artifacts/ or the folder a test gives. The protocol runs over a websocket on
127.0.0.1 (aiohttp, which Scrapy already brings).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import ROOT
from tests.system_tools import chromium_binary

ARTIFACTS = ROOT / "data" / "test-artifacts"
# Bounds a hung browser so the suite fails instead of waiting forever; not a speed check.
START_LIMIT_SECONDS = 60
PAGE_LIMIT_SECONDS = 60
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # This machine has no network: keep Chromium from trying to reach its services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Page:
    """What a loaded page gives a test: values computed in it and a screenshot."""

    def __init__(self, values: Any, screenshot: Path):
        self.values = values
        self.screenshot = screenshot


async def _load(
    websocket_url: str, url: str, expression: str, screenshot: Path, width: int, height: int
) -> Page:
    ids = itertools.count(1)
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(websocket_url, max_msg_size=0) as socket,
    ):
        pending: list[dict[str, Any]] = []

        async def call(method: str, session_id: str | None = None, **params: Any) -> Any:
            message_id = next(ids)
            message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
            if session_id:
                message["sessionId"] = session_id
            await socket.send_str(json.dumps(message))
            while True:
                reply = json.loads((await socket.receive()).data)
                if reply.get("id") == message_id:
                    if "error" in reply:
                        raise AssertionError("%s failed: %s" % (method, reply["error"]))
                    return reply.get("result", {})
                pending.append(reply)

        async def event(name: str) -> None:
            while True:
                if any(item.get("method") == name for item in pending):
                    return
                pending.append(json.loads((await socket.receive()).data))

        target = (await call("Target.createTarget", url="about:blank"))["targetId"]
        attached = await call("Target.attachToTarget", targetId=target, flatten=True)
        page = attached["sessionId"]
        await call(
            "Emulation.setDeviceMetricsOverride",
            page,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        await call("Page.enable", page)
        pending.clear()
        await call("Page.navigate", page, url=url)
        await asyncio.wait_for(event("Page.loadEventFired"), PAGE_LIMIT_SECONDS)
        result = await call("Runtime.evaluate", page, expression=expression, returnByValue=True)
        shot = await call("Page.captureScreenshot", page, format="png")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        await call("Target.closeTarget", targetId=target)
        return Page(result.get("result", {}).get("value"), screenshot)


class Chromium:
    """One headless Chromium with a fresh profile, for the pages of one test module."""

    def __init__(self, profile: Path):
        self.process = subprocess.Popen(
            [
                chromium_binary(),
                *FLAGS,
                "--user-data-dir=%s" % profile,
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.websocket_url = self._read_websocket_url()

    def _read_websocket_url(self) -> str:
        assert self.process.stderr is not None
        deadline = time.monotonic() + START_LIMIT_SECONDS
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            seen.append(line)
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                return match.group(1)
        self.close()
        raise AssertionError("chromium did not start: %s" % "".join(seen))

    def load(
        self,
        url: str,
        expression: str,
        screenshot_name: str,
        width: int = 1400,
        height: int = 1000,
        folder: Path = ARTIFACTS,
    ) -> Page:
        """Open ``url`` at ``width`` x ``height``, evaluate ``expression``, keep a screenshot."""
        return asyncio.run(
            _load(
                self.websocket_url,
                url,
                expression,
                folder / screenshot_name,
                width,
                height,
            )
        )

    def close(self) -> None:
        """Stop the browser."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()

"""Talk to a scrapyd server's JSON API: schedule a crawl, ask how a job is doing."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

SPIDER = "sources"
TIMEOUT = 30


class ScrapydError(RuntimeError):
    """scrapyd could not be reached or refused the request."""


def _call(url: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with urllib.request.urlopen(url, data=body, timeout=TIMEOUT) as response:
            answer: dict[str, Any] = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ScrapydError("scrapyd at %s: %s" % (url, exc)) from exc
    if answer.get("status") != "ok":
        raise ScrapydError("scrapyd at %s: %s" % (url, answer.get("message", answer)))
    return answer


def schedule_crawl(
    base_url: str,
    project: str,
    arguments: Mapping[str, str],
    settings: Mapping[str, str],
) -> str:
    """Schedule the ``sources`` spider with spider arguments and settings; return the job id."""
    data = [("project", project), ("spider", SPIDER)]
    data += [(name, value) for name, value in arguments.items()]
    data += [("setting", "%s=%s" % (name, value)) for name, value in settings.items()]
    return str(_call(urllib.parse.urljoin(base_url, "schedule.json"), data)["jobid"])


def job_state(base_url: str, project: str, job: str) -> str:
    """Return ``pending``, ``running``, ``finished`` or ``unknown`` for a job."""
    query = urllib.parse.urlencode({"project": project})
    answer = _call(urllib.parse.urljoin(base_url, "listjobs.json") + "?" + query)
    for state in ("pending", "running", "finished"):
        if any(entry.get("id") == job for entry in answer.get(state, [])):
            return state
    return "unknown"

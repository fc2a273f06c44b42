"""Reading posts from JSON lines, strictly.

Only ``id``, ``title``, ``body`` and ``tags`` are read from each object; every other field (a
benchmark's ``label`` above all) is dropped on the spot and never reaches the matcher.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from matching.engine.types import Post

ALLOWED_FIELDS = ("id", "title", "body", "tags")


class InputError(ValueError):
    """A malformed input line; ``line`` is 1-based."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line


def parse_post(obj: Any) -> Post:
    """A Post from one decoded JSON value, or ValueError saying what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object")
    fields = {k: obj[k] for k in ALLOWED_FIELDS if k in obj}
    pid = fields.get("id")
    if isinstance(pid, bool) or not isinstance(pid, int | str) or pid == "":
        raise ValueError('"id" must be a non-empty string or an integer')
    title = fields.get("title")
    if not isinstance(title, str):
        raise ValueError('"title" must be a string')
    body = fields.get("body") or ""
    if not isinstance(body, str):
        raise ValueError('"body" must be a string')
    tags = fields.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError('"tags" must be a list of strings')
    return Post(id=pid, title=title, body=body, tags=tuple(tags))


def iter_posts(lines: Iterable[str], path: str = "<input>") -> Iterator[Post]:
    seen: set[object] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            post = parse_post(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(path, number, f"not valid JSON ({exc.msg})") from exc
        except ValueError as exc:
            raise InputError(path, number, str(exc)) from exc
        if post.id in seen:
            raise InputError(path, number, f"duplicate id {post.id!r}")
        seen.add(post.id)
        yield post


def read_posts(path: str | Path, progress: bool = False) -> list[Post]:
    """All posts of a JSON-lines file; raises InputError on the first malformed line."""
    with open(path, encoding="utf-8") as handle:
        lines = tqdm(handle, desc="reading", unit=" posts", disable=not progress, leave=False)
        return list(iter_posts(lines, str(path)))

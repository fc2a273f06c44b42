"""The load scenario of `make bench-load`: people browsing the directory, communities and posts,
searching, posting, joining and reading the API, against a server on production settings.

Pages are read anonymously (production cookies are HTTPS-only and the benchmark speaks plain
HTTP); writes and API reads use the API tokens of accounts made by bench/prepare_load.py.
Search is both the directory's ``?q=`` and the site-wide /search/ page.
A rate-limited answer (429) counts as a failure: the scenario stays within the limits a real
person has, so a 429 means the limits or the scenario are wrong.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

SCENARIO = json.loads(
    Path(os.environ.get("KINDRED_LOAD_SCENARIO", "var/load/scenario.json")).read_text()
)
_TOKENS = itertools.cycle(SCENARIO["tokens"])


class Person(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.token = next(_TOKENS)
        self.api = {"Authorization": f"Token {self.token}", "Accept": "application/json"}

    def _community(self) -> str:
        return random.choice(SCENARIO["communities"])

    @task(6)
    def directory(self) -> None:
        self.client.get("/communities/", name="/communities/")

    @task(4)
    def search(self) -> None:
        word = random.choice(SCENARIO["words"])
        self.client.get(f"/communities/?q={word}", name="/communities/?q=")

    @task(4)
    def site_search(self) -> None:
        word = random.choice(SCENARIO["words"])
        self.client.get(f"/search/?q={word}", name="/search/?q=")

    @task(6)
    def community(self) -> None:
        self.client.get(f"/communities/{self._community()}/", name="/communities/<slug>/")

    @task(6)
    def post(self) -> None:
        self.client.get(f"/posts/{random.choice(SCENARIO['posts'])}/", name="/posts/<pk>/")

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(2)
    def api_communities(self) -> None:
        self.client.get("/api/communities/", headers=self.api, name="/api/communities/")

    @task(2)
    def api_posts(self) -> None:
        self.client.get("/api/posts/", headers=self.api, name="/api/posts/")

    @task(1)
    def write_post(self) -> None:
        words = random.sample(SCENARIO["words"], 3)
        self.client.post(
            "/api/posts/",
            json={"title": f"Trouble with {' and '.join(words)}", "body": " ".join(words * 5)},
            headers=self.api,
            name="POST /api/posts/",
        )

    @task(1)
    def join(self) -> None:
        self.client.post(
            f"/api/communities/{self._community()}/join/",
            headers=self.api,
            name="POST /api/communities/<slug>/join/",
        )

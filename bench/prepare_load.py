"""Accounts for the load test (`make bench-load`): verified people with API tokens, and the lists
of pages the simulated users browse, written to a JSON file the Locust scenario reads.

Run with the same settings and database as the server under test (bench/load.sh sets them):
`python -m bench.prepare_load var/load/scenario.json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.django_setup import setup

setup()

from allauth.account.models import EmailAddress

from communities.models import Community, Post
from profiles.models import User
from profiles.services import token_create

PEOPLE = 60  # one account for each simulated user, and a few to spare


def main(out: Path) -> None:
    tokens = []
    for number in range(PEOPLE):
        username = f"load-{number}"
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        tokens.append(token_create(actor=user, name="load test")[1])
    communities = list(
        Community.objects.exclude(status=Community.Status.ARCHIVED)
        .order_by("?")
        .values_list("slug", flat=True)[:200]
    )
    posts = list(
        Post.objects.filter(status=Post.Status.OPEN)
        .order_by("?")
        .values_list("pk", flat=True)[:500]
    )
    words = [
        "sourdough", "espresso", "clay", "drainage", "raspberry", "compost", "kiln", "solder",
        "bread", "coffee", "garden", "sensor", "yeast", "oven", "grinder", "soil",
    ]  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"tokens": tokens, "communities": communities, "posts": posts, "words": words})
    )
    print(f"{out}: {len(tokens)} accounts, {len(communities)} communities, {len(posts)} posts")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

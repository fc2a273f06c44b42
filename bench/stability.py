"""Measure whether full runs leave people alone: run after run over the same posts, then a
moderator's merge and a few new posts, counting communities, placements moved and invitations.

Run it on an empty, migrated database of its own (it refuses one that already holds posts): it
loads the demo, imports the dataset's posts but a held-back share (``--new-share``, drawn with
``--seed``), runs the matcher ``--runs`` times in this process, merges the two largest communities
the matcher proposed (as the demo's administrator), imports the held-back posts and runs twice
more. Labels in the file are not read.

    python -m bench.stability ../shared/datasets/stackexchange3.jsonl [--runs 3] [--new-share 0.02]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.django_setup import fail, setup

setup()

from django.core.management import call_command
from django.db.models import Count

from communities.models import Community, Placement, Post
from matching import services
from matching.models import MatcherSuggestion, MatchRun
from moderation.services import community_merge
from profiles.models import Notification, User

LIVE = [Community.Status.PROPOSED, Community.Status.ACTIVE]


def _placed() -> dict[int, int]:
    return dict(
        Placement.objects.filter(community__status__in=LIVE).values_list("post_id", "community_id")
    )


def _invitations() -> Counter[int]:
    return Counter(
        Notification.objects.filter(kind=Notification.Kind.INVITATION).values_list(
            "user_id", flat=True
        )
    )


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.stability",
        description="Count what full runs change when nothing, or a little, changes "
        "(empty database).",
    )
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--new-share", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if Post.objects.exists():
        fail("run it on an empty, migrated database of its own")
    dataset: Path = args.dataset
    lines = [line for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(args.seed).shuffle(lines)
    held = max(1, round(len(lines) * args.new_share))
    with tempfile.TemporaryDirectory() as tmp:
        first, later = Path(tmp) / "first.jsonl", Path(tmp) / "later.jsonl"
        first.write_text("\n".join(lines[:-held]))
        later.write_text("\n".join(lines[-held:]))
        call_command("load_demo")
        call_command("import_posts", str(first))
        for _ in range(args.runs):
            _run()
        _merge_two_largest()
        call_command("import_posts", str(later))
        for _ in range(2):
            _run()


def _run() -> None:
    before, live_before = _placed(), Community.objects.filter(status__in=LIVE).count()
    invited_before = sum(_invitations().values())
    started = time.monotonic()
    run = MatchRun.objects.create(trigger=MatchRun.Trigger.COMMAND)
    result = services.match_run_execute(run_id=run.pk)
    if result is None:
        fail("the run did not start: another run is in progress")
    after, invited = _placed(), _invitations()
    moved = sum(after.get(post) != community for post, community in before.items())
    row = {
        "run": result.pk,
        "communities": [live_before, Community.objects.filter(status__in=LIVE).count()],
        "placements_moved": moved,
        "placements_kept_share": round(1 - moved / len(before), 4) if before else None,
        "proposed": len(result.metrics.get("proposed", [])),
        "invitations": sum(invited.values()) - invited_before,
        "most_invitations_to_one_person": max(invited.values(), default=0),
        "suggestions": MatcherSuggestion.objects.filter(run=result).count(),
        "transitions": result.metrics.get("transitions", {}),
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(row))


def _merge_two_largest() -> None:
    largest = list(
        Community.objects.filter(status__in=LIVE, origin=Community.Origin.MATCHER)
        .annotate(posts=Count("placements"))
        .order_by("-posts", "pk")[:2]
    )
    if len(largest) < 2:
        return
    target, source = largest
    admin = User.objects.get(username="admin")  # the demo's administrator moderates everything
    community_merge(actor=admin, source=source, target=target, reason="The same problems")
    print(f"merged {source.pk} “{source.name}” into {target.pk} “{target.name}”")


if __name__ == "__main__":
    main()

"""Time the directory, community, post and moderation pages and the API lists, server side, at
scale, on PostgreSQL or SQLite (whichever DATABASE_URL names).

    DATABASE_URL=postgres://.../kindred_pages python manage.py migrate
    DATABASE_URL=postgres://.../kindred_pages python -m bench.pages --seed [--repeat 20]
    DATABASE_URL=sqlite:///var/bench-pages.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:///var/bench-pages.sqlite3 python -m bench.pages --seed

--seed fills an empty database with 5,000 communities (a fifth of them proposed), 20,000 people,
about 100,000 memberships, 100,000 posts each placed in a community (20,000 of them in one big
community, `bench-0`, with 2,000 members, 30 join requests and 40 reports waiting, the viewer
among its moderators), ten peers and a fit for each of 2,000 of its posts, and 50 threads and 10
open proposals in another community. It refuses a database that already holds communities. Each
page is then requested through Django's test client (middleware, queries and templates; no
network) and the table of query counts and timings is printed as Markdown.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from datetime import timedelta

from bench.django_setup import fail, setup

setup()

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Community, Membership, Placement, Post, Proposal, Reply, Tag, Thread
from matching.models import CommunityFit, PeerSuggestion
from moderation.models import Report
from profiles.models import Profile, User

BIG = "bench-0"  # the community holding 20,000 posts
BIG_POSTS = 20_000

WORDS = [
    "heat",
    "pump",
    "soil",
    "clay",
    "repair",
    "cafe",
    "bike",
    "trailer",
    "garden",
    "rain",
    "water",
    "solar",
    "roof",
    "insulation",
    "school",
    "run",
    "allotment",
    "compost",
    "bees",
    "sourdough",
    "knitting",
    "choir",
    "football",
    "tutoring",
    "coding",
    "elderly",
    "care",
    "loneliness",
    "flood",
    "drainage",
    "noise",
    "parking",
    "housing",
    "rent",
    "energy",
    "bills",
]


def _seed(rng: random.Random) -> None:
    users = User.objects.bulk_create(
        [User(username=f"bench{i}", email=f"bench{i}@example.org") for i in range(20_000)]
    )
    Profile.objects.bulk_create([Profile(user=user) for user in users])
    tags = Tag.objects.bulk_create(
        [Tag(name=f"{word} {i}", slug=f"{word}-{i}") for i in range(60) for word in WORDS[:10]]
    )
    now = timezone.now()
    communities = Community.objects.bulk_create(
        [
            Community(
                name=f"{' '.join(rng.sample(WORDS, 3)).title()} {i}",
                slug=f"bench-{i}",
                purpose=" ".join(rng.choices(WORDS, k=40)),
                status="active" if i % 5 else "proposed",
                activated_at=now if i % 5 else None,
            )
            for i in range(5_000)
        ]
    )
    through = Community.tags.through
    through.objects.bulk_create(
        [through(community_id=c.pk, tag_id=t.pk) for c in communities for t in rng.sample(tags, 3)]
    )
    Membership.objects.bulk_create(
        [
            Membership(user_id=user.pk, community_id=c.pk, state="active")
            for c in communities
            for user in rng.sample(users, rng.randint(1, 40))
        ],
        batch_size=10_000,
    )
    posts = Post.objects.bulk_create(
        [
            Post(
                author=rng.choice(users),
                title=" ".join(rng.choices(WORDS, k=8)),
                body=" ".join(rng.choices(WORDS, k=60)),
            )
            for _ in range(100_000)
        ],
        batch_size=10_000,
    )
    big, others = communities[0], communities[1:]
    Placement.objects.bulk_create(
        [
            Placement(
                post=post,
                community=big if i < BIG_POSTS else rng.choice(others),
                placed_by="matcher",
                score=rng.random(),
            )
            for i, post in enumerate(posts)
        ],
        batch_size=10_000,
    )
    _seed_discussions(community=communities[1], users=users, now=now)
    _seed_big(community=big, users=users, posts=posts[:BIG_POSTS], rng=rng)


def _seed_big(*, community: Community, users: list[User], posts: list[Post], rng) -> None:
    """The big community: 2,000 members with the viewer (users[0]) among its moderators, 30 join
    requests, 40 pending reports on its posts, and ten peers and one fit for 2,000 of its posts."""
    Membership.objects.filter(community=community).delete()
    people = users[:2_000]
    Membership.objects.bulk_create(
        [
            Membership(
                user_id=user.pk,
                community_id=community.pk,
                state="active",
                role="moderator" if i < 5 else "member",
            )
            for i, user in enumerate(people)
        ]
        + [
            Membership(user_id=user.pk, community_id=community.pk, state="requested")
            for user in users[2_000:2_030]
        ],
        batch_size=10_000,
    )
    post_type = ContentType.objects.get_for_model(Post)
    Report.objects.bulk_create(
        [
            Report(
                reporter=users[100 + i],
                community=community,
                target_type=post_type,
                target_id=posts[i].pk,
                reason="Off topic.",
            )
            for i in range(40)
        ]
    )
    PeerSuggestion.objects.bulk_create(
        [
            PeerSuggestion(
                post_id=post.pk, peer_id=peer.pk, score=rng.random(), reason="Shared words: heat."
            )
            for post in posts[:2_000]
            for peer in rng.sample(posts, 10)
            if peer.pk != post.pk
        ],
        batch_size=10_000,
        ignore_conflicts=True,
    )
    CommunityFit.objects.bulk_create(
        [CommunityFit(post_id=p.pk, community=community, confidence=0.8) for p in posts[:2_000]],
        batch_size=10_000,
    )


def _seed_discussions(*, community: Community, users: list[User], now) -> None:
    """One busy community: 50 threads of 20 messages and 10 open proposals."""
    busy = community
    for i in range(50):
        thread = Thread.objects.create(community=busy, author=users[i], title=f"Thread {i}")
        Reply.objects.bulk_create(
            [Reply(thread=thread, author=users[j], body="Hello.") for j in range(20)]
        )
        if i < 10:
            Proposal.objects.create(
                community=busy,
                author=users[i],
                kind="name",
                value=f"Name {i}",
                closes_at=now + timedelta(days=3),
            )


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description="Time the directory and a community page (server side) at scale.",
    )
    parser.add_argument("--seed", action="store_true", help="fill an empty database first")
    parser.add_argument("--repeat", type=int, default=20)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    repeat: int = args.repeat
    if args.seed:
        if Community.objects.exists():
            fail("--seed wants an empty database; this one has communities.")
        started = time.monotonic()
        with transaction.atomic():
            _seed(random.Random(0))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"Seeded in {time.monotonic() - started:.0f} s.")
    viewer = User.objects.order_by("pk").first()
    busy = Community.objects.annotate(n=Count("threads")).order_by("-n", "pk").first()
    if viewer is None or busy is None:
        fail("Nothing to measure: run with --seed on an empty database.")
    big = Community.objects.filter(slug=BIG).first()
    post = (
        Post.objects.filter(placements__community=big, peer_suggestions__isnull=False)
        .order_by("pk")
        .first()
    )
    if big is None or post is None:
        fail(f"No community {BIG} with posts: seed again on an empty database.")
    staff, _ = User.objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "email": "staff@example.org"}
    )
    client, staff_client = Client(), Client()
    client.force_login(viewer)
    staff_client.force_login(staff)
    tag = Tag.objects.order_by("slug").first()
    pages = [
        "/communities/",
        "/communities/?q=heat+pump",
        "/communities/?q=compost+bees&sort=members",
        "/communities/?sort=members",
        "/communities/?status=proposed&page=20",
        f"/communities/?tag={tag.slug if tag else ''}",
        busy.get_absolute_url(),
        big.get_absolute_url(),
        post.get_absolute_url(),
        f"/posts/{post.pk}/matches/",
        f"/communities/{BIG}/moderation/",
        "/api/communities/",
        "/api/communities/?ordering=-member_count",
        f"/api/communities/{BIG}/",
        "/api/posts/",
        f"/api/posts/{post.pk}/",
        f"/api/posts/{post.pk}/peers/",
        f"/api/posts/{post.pk}/communities/",
        f"/api/threads/?community={busy.slug}",
        "/api/proposals/",
        "/api/tags/",
        "/api/areas/",
    ]
    print(
        f"{connection.vendor}: {Post.objects.count():,} posts, "
        f"{Community.objects.count():,} communities, the biggest with "
        f"{Placement.objects.filter(community=big).count():,} posts\n"
    )
    # CPU ms: this process's own time (on SQLite the queries too), which a loaded machine
    # changes far less than the wall-clock median and p95.
    print("| page | queries | median ms | p95 ms | CPU ms (median) |\n|---|---|---|---|---|")
    for url in pages:
        _measure(client, url, repeat)
    _measure(staff_client, "/moderation/", repeat, label="/moderation/ (staff)")


def _measure(client: Client, url: str, repeat: int, label: str = "") -> None:
    client.get(url)
    timings, cpu = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        if response.status_code != 200:
            fail(f"{url} answered {response.status_code}")
    timings.sort()
    p95 = timings[max(0, int(0.95 * len(timings)) - 1)]
    print(
        f"| `{label or url}` | {len(queries.captured_queries)} | "
        f"{statistics.median(timings):.0f} | {p95:.0f} | {statistics.median(cpu):.0f} |",
        flush=True,
    )


if __name__ == "__main__":
    main()

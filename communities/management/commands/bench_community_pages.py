"""Time the directory and a community page, server side, at scale.

    DATABASE_URL=postgres://.../kindred_bench python manage.py migrate
    DATABASE_URL=postgres://.../kindred_bench python manage.py bench_community_pages --seed

--seed fills an empty database with 5,000 communities (a fifth of them proposed), 20,000 people,
about 100,000 memberships, 100,000 posts each placed in a community, and 50 threads and 10 open
proposals in one community. It refuses a database that already holds communities. Each page is then
requested through Django's test client (middleware, queries and templates; no network) and the
table of query counts and timings is printed as Markdown.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Community, Membership, Placement, Post, Proposal, Reply, Tag, Thread
from profiles.models import Profile, User

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
    Placement.objects.bulk_create(
        [
            Placement(post=post, community=rng.choice(communities), placed_by="matcher", score=0.5)
            for post in posts
        ],
        batch_size=10_000,
    )
    _seed_discussions(community=communities[1], users=users, now=now)


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


class Command(BaseCommand):
    help = "Time the directory and a community page (server side) at scale."

    def add_arguments(self, parser):
        parser.add_argument("--seed", action="store_true", help="fill an empty database first")
        parser.add_argument("--repeat", type=int, default=20)

    def handle(self, *args, seed: bool, repeat: int, **options):
        if seed:
            if Community.objects.exists():
                raise CommandError("--seed wants an empty database; this one has communities.")
            started = time.monotonic()
            with transaction.atomic():
                _seed(random.Random(0))
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.stdout.write(f"Seeded in {time.monotonic() - started:.0f} s.\n")
        viewer = User.objects.order_by("pk").first()
        busy = Community.objects.annotate(n=Count("threads")).order_by("-n", "pk").first()
        if viewer is None or busy is None:
            raise CommandError("Nothing to measure: run with --seed on an empty database.")
        client = Client()
        client.force_login(viewer)
        urls = [
            "/communities/",
            "/communities/?q=heat+pump",
            "/communities/?q=compost+bees&sort=members",
            "/communities/?sort=members",
            "/communities/?status=proposed&page=20",
            f"/communities/?tag={Tag.objects.order_by('slug').first().slug}",
            busy.get_absolute_url(),
        ]
        self.stdout.write("| page | queries | median ms | p95 ms |\n|---|---|---|---|\n")
        for url in urls:
            client.get(url)
            timings = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
            timings.sort()
            p95 = timings[max(0, int(0.95 * len(timings)) - 1)]
            self.stdout.write(
                f"| `{url}` | {len(queries.captured_queries)} | "
                f"{statistics.median(timings):.0f} | {p95:.0f} |\n"
            )

"""Import posts from JSON lines (the matcher CLI's format), for demos and scale tests.

Each line: {"id", "title", "body"?, "tags"?, "author"?}; other fields (a "label", say) are ignored.
Without "author", posts are spread over --authors generated people. The file is read and checked
whole before anything is written, and written in one transaction: a bad line changes nothing.
"""

import json
import random
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from tqdm import tqdm

from communities.models import Post, Tag
from profiles.models import Profile, User

BATCH = 2000


def _read(path: Path) -> list[dict]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise CommandError(f"{path}:{number}: expected a JSON object")
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise CommandError(f'{path}:{number}: "title" must be a non-empty string')
        body = raw.get("body") or ""
        tags = raw.get("tags") or []
        author = raw.get("author")
        if not isinstance(body, str):
            raise CommandError(f'{path}:{number}: "body" must be a string')
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise CommandError(f'{path}:{number}: "tags" must be a list of strings')
        if author is not None and not isinstance(author, str | int):
            raise CommandError(f'{path}:{number}: "author" must be a string')
        rows.append(
            {
                "title": title.strip()[:200],
                "body": body.strip()[:20000],
                "tags": tags,
                "author": str(author) if author is not None else None,
            }
        )
    return rows


class Command(BaseCommand):
    help = "Import posts from a JSON lines file (id, title, body, tags, optional author)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--authors",
            type=int,
            default=None,
            help="Spread posts without an author over this many generated people "
            "(default: one for every five posts).",
        )
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, file: Path, authors: int | None, seed: int, **options):
        rows = _read(file)
        if not rows:
            raise CommandError(f"{file}: no posts in it")
        if authors is not None and authors < 1:
            raise CommandError("--authors must be at least 1")
        rng = random.Random(seed)
        generated = authors or max(1, len(rows) // 5)
        with transaction.atomic():
            people = self._people(rows, generated)
            tags = self._tags(rows)
            progress = tqdm(total=len(rows), desc="importing", unit="post", disable=None)
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                posts = Post.objects.bulk_create(
                    [
                        Post(
                            author=people[row["author"]]
                            if row["author"]
                            else people[f"generated-{rng.randrange(generated)}"],
                            title=row["title"],
                            body=row["body"],
                        )
                        for row in batch
                    ]
                )
                links = []
                for post, row in zip(posts, batch, strict=True):
                    slugs = {Tag.normalize(t) for t in row["tags"]} - {""}
                    links += [Post.tags.through(post_id=post.pk, tag_id=tags[s]) for s in slugs]
                Post.tags.through.objects.bulk_create(links, ignore_conflicts=True)
                progress.update(len(batch))
            progress.close()
            for tag in Tag.objects.annotate(
                n=Count("posts", distinct=True) + Count("communities", distinct=True)
            ):
                if tag.usage_count != tag.n:
                    Tag.objects.filter(pk=tag.pk).update(usage_count=tag.n)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(rows)} posts by {len(people)} people. They are pending: the "
                "next match run (or `manage.py run_matcher`) matches them."
            )
        )

    def _people(self, rows: list[dict], generated: int) -> dict[str, User]:
        names = {row["author"] for row in rows if row["author"]}
        if any(row["author"] is None for row in rows):
            names |= {f"generated-{i}" for i in range(generated)}
        existing = {u.username: u for u in User.objects.filter(username__in=names)}
        password = make_password(None)  # generated people cannot log in
        User.objects.bulk_create(
            [User(username=n, password=password) for n in sorted(names - set(existing))],
            ignore_conflicts=True,
        )
        people = {u.username: u for u in User.objects.filter(username__in=names)}
        Profile.objects.bulk_create(
            [Profile(user=u, discoverable=True) for u in people.values()], ignore_conflicts=True
        )
        return people

    def _tags(self, rows: list[dict]) -> dict[str, int]:
        wanted: dict[str, str] = {}
        for row in rows:
            for raw in row["tags"]:
                slug = Tag.normalize(raw)
                if slug:
                    wanted.setdefault(slug, " ".join(raw.split())[:50])
        Tag.objects.bulk_create(
            [Tag(slug=s, name=n) for s, n in wanted.items()],
            ignore_conflicts=True,
            batch_size=BATCH,
        )
        return dict(Tag.objects.filter(slug__in=wanted).values_list("slug", "pk"))

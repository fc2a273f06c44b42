"""Import posts from JSON lines (the matcher CLI's format), for demos and scale tests.

Each line: {"id", "title", "body"?, "tags"?, "author"?}; other fields (a "label", say) are ignored.
Without "author", posts are spread over --authors generated people. The file is read and checked
whole before anything is written, and written in one transaction: a bad line changes nothing.

With a sentence encoder (the semantic extra), the new posts are then encoded once, in chunks that
the Celery workers share (the task ``matching.encode_posts``, enqueued by name), with a progress
bar while a worker is running; a match run reuses those vectors.
"""

import json
import random
import time
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from tqdm import tqdm

from communities.models import Post, Tag
from core.health import check_worker
from profiles.models import Profile, User

BATCH = 2000
ENCODE_TASK = "matching.encode_posts"
ENCODE_CHUNK = 500


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
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help="Queue the encoding of the new posts for the workers without waiting for it.",
        )

    def handle(
        self, *args, file: Path, authors: int | None, seed: int, no_wait: bool = False, **options
    ):
        rows = _read(file)
        if not rows:
            raise CommandError(f"{file}: no posts in it")
        if authors is not None and authors < 1:
            raise CommandError("--authors must be at least 1")
        rng = random.Random(seed)
        generated = authors or max(1, len(rows) // 5)
        with transaction.atomic():
            first_new = (Post.objects.order_by("-pk").values_list("pk", flat=True).first()) or 0
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
        new_ids = list(
            Post.objects.filter(pk__gt=first_new).order_by("pk").values_list("pk", flat=True)
        )
        self._encode(new_ids, wait=not no_wait)

    def _encode(self, post_ids: list[int], *, wait: bool) -> None:
        """Spread the encoding of the new posts over the workers, and follow it when asked."""
        if settings.KINDRED_MATCHER.get("encoder", "lexical") == "lexical" or not post_ids:
            return
        chunks = [post_ids[i : i + ENCODE_CHUNK] for i in range(0, len(post_ids), ENCODE_CHUNK)]
        results = [current_app.send_task(ENCODE_TASK, args=[chunk]) for chunk in chunks]
        self.stdout.write(f"Queued the encoding of {len(post_ids)} posts in {len(chunks)} chunks.")
        if not wait:
            return
        if not check_worker().ok:
            self.stdout.write(
                "No worker is running: the posts are encoded when one starts, or by the next "
                "match run."
            )
            return
        pending = dict(zip(results, chunks, strict=True))
        failed = 0
        with tqdm(total=len(post_ids), desc="encoding", unit="post", disable=None) as bar:
            while pending:
                for result in [r for r in pending if r.ready()]:
                    failed += len(pending[result]) if result.failed() else 0
                    bar.update(len(pending.pop(result)))
                time.sleep(0.2)
        if failed:
            raise CommandError(
                f"{failed} posts could not be encoded (see the worker's log); the next match run "
                "encodes them."
            )
        self.stdout.write(self.style.SUCCESS(f"Encoded {len(post_ids)} posts."))

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

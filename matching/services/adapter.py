"""Rows to engine posts: which posts the matcher sees, and who may be shown as a peer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from communities.models import ContentStatus, Post
from matching import engine

# A post other people may be shown as a peer: open and visible, by an active author who lets
# others find them (``is_searchable`` says the same of one loaded post).
SEARCHABLE = Q(
    status=Post.Status.OPEN,
    moderation_status=ContentStatus.VISIBLE,
    author__is_active=True,
    author__profile__discoverable=True,
)


def matchable_posts() -> QuerySet[Post]:
    """Posts the matcher clusters: every post that neither its author nor a moderator hid, oldest
    first (a stable order makes a run reproducible)."""
    return (
        Post.objects.exclude(status=Post.Status.HIDDEN)
        .filter(moderation_status=ContentStatus.VISIBLE)
        .select_related("author__profile")
        .prefetch_related("tags")
        .order_by("pk")
    )


def matchable_engine_posts() -> list[engine.Post]:
    """:func:`matchable_posts` as the engine sees them (``to_engine_post``), read in two queries
    without model instances: what a run fits, a hundred thousand posts at a time."""
    base = matchable_posts().select_related(None).prefetch_related(None)
    tags: dict[int, list[str]] = defaultdict(list)
    for post_id, slug in (
        Post.tags.through.objects.filter(post__in=base)
        .order_by("post_id", "tag__slug")
        .values_list("post_id", "tag__slug")
        .iterator(chunk_size=20_000)
    ):
        tags[post_id].append(slug)
    rows = base.annotate(
        searchable=ExpressionWrapper(SEARCHABLE, output_field=BooleanField())
    ).values_list("pk", "title", "body", "searchable")
    return [
        engine.Post(
            id=pk,
            title=title,
            body=body,
            tags=tuple(tags.get(pk, ())),
            searchable=bool(searchable),
        )
        for pk, title, body, searchable in rows.iterator(chunk_size=20_000)
    ]


def is_searchable(post: Post) -> bool:
    """Whether a post may be shown to other people as a peer: its author opted in, it is open."""
    author = post.author
    if author is None or not author.is_active or post.status != Post.Status.OPEN:
        return False
    if post.moderation_status != ContentStatus.VISIBLE:
        return False
    profile = getattr(author, "profile", None)
    return bool(profile and profile.discoverable)


def searchable_authors(post_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Post id -> author id for those of ``post_ids`` (every post when None: one query, no list
    of ids, for a run's apply) that may be shown to others as peers."""
    posts = Post.objects.filter(SEARCHABLE)
    if post_ids is not None:
        posts = posts.filter(pk__in=list(post_ids))
    return dict(posts.values_list("pk", "author_id").iterator(chunk_size=20_000))


def to_engine_post(post: Post) -> engine.Post:
    return engine.Post(
        id=post.pk,
        title=post.title,
        body=post.body,
        tags=tuple(tag.slug for tag in post.tags.all()),
        searchable=is_searchable(post),
    )


def new_matcher() -> engine.Matcher:
    """A matcher with this site's parameters (``KINDRED_MATCHER``)."""
    return engine.Matcher(**settings.KINDRED_MATCHER)

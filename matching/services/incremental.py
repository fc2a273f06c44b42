"""Matching one post at a time, and live similarity while someone types.

When a post is saved, the current fitted matcher (the artifact of the last successful run) places
it, finds its peers and the communities it fits, and stores them: seconds, not minutes. Before the
first run, or when the current matcher cannot be loaded by this engine, a full run is requested
instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from communities.models import Community, ContentStatus, Post, Tag
from communities.selectors import community_visibility_filter, post_list
from core.queue import enqueue, enqueue_on_commit
from matching import engine
from matching.models import MatchRun, PeerSuggestion, PostVector
from matching.services.adapter import (
    is_searchable,
    matchable_posts,
    new_matcher,
    searchable_authors,
    to_engine_post,
)
from matching.services.artifacts import (
    LoadedMatcher,
    UnloadableArtifact,
    current_run,
    loaded_current,
)
from matching.services.runs import match_run_request
from matching.services.storage import (
    PostMatches,
    found_store,
    posts_mark_matched,
    vector_forget_if_stale,
    vectors_ensure,
)
from profiles.models import Notification
from profiles.services import notify

MATCH_POST_TASK = "matching.match_post"


def current_matcher() -> LoadedMatcher | None:
    """The fitted matcher of the last successful run with every post published since in its peer
    index; None before the first run. When this engine cannot load that run's matcher (another
    format or algorithm version, after an upgrade), it is not used: a new run is requested."""
    run = current_run()
    if run is None:
        return None
    try:
        return loaded_current(run)
    except UnloadableArtifact:
        match_run_request(actor=None, trigger=MatchRun.Trigger.SCHEDULE)
        return None


def _offer_back(post: Post, limit: int) -> None:
    """A new post is also a new peer for the posts it matched, if it ranks among their best."""
    if not is_searchable(post):
        return
    for row in PeerSuggestion.objects.filter(post=post).select_related("peer__author"):
        existing = list(
            PeerSuggestion.objects.filter(post_id=row.peer_id).order_by("-score")[:limit]
        )
        if any(s.peer_id == post.pk for s in existing):
            continue
        if len(existing) < limit or row.score > existing[-1].score:
            _, created = PeerSuggestion.objects.get_or_create(
                post_id=row.peer_id,
                peer=post,
                defaults={
                    "score": row.score,
                    "reason": row.reason,
                    "shared_tags": row.shared_tags,
                    "shared_terms": row.shared_terms,
                },
            )
            if created and row.peer.author is not None:
                notify(
                    user=row.peer.author,
                    kind=Notification.Kind.NEW_PEER,
                    title=f"Someone is working on the same thing: “{post.title[:120]}”",
                    url=row.peer.get_absolute_url(),
                    actor=post.author,  # one who blocked them hears nothing of it
                )


def post_match(*, post_id: int) -> Post | None:
    """Find a post's peers and the communities it fits, and store them.

    Precondition: the post is committed. Safe to run twice: it replaces what it stored before.
    The post's sentence vector (semantic or hybrid encoder) is made here once and stored: no
    full run or other task encodes it again until it is edited. Before the first full run
    there is no fitted matcher: the post stays pending and a full run is requested, which
    matches every pending post when it applies.
    """
    post = (
        Post.objects.select_related("author__profile").prefetch_related("tags").filter(pk=post_id)
    ).first()
    if post is None:
        return None
    vector_forget_if_stale(post)
    limit = settings.KINDRED_PEERS_PER_POST
    if post.status == Post.Status.HIDDEN or post.moderation_status != ContentStatus.VISIBLE:
        with transaction.atomic():
            found_store({post.pk: PostMatches([], [])}, {})
            posts_mark_matched([post.pk])
        return post
    vector = vectors_ensure(new_matcher(), [post]).get(post.pk)
    loaded = current_matcher()
    if loaded is None:
        match_run_request(actor=None, trigger=MatchRun.Trigger.SCHEDULE)
        return post
    query, matcher = to_engine_post(post), loaded.matcher
    found = PostMatches(
        matcher.similar(query, k=limit * 3, vector=vector), matcher.place(query, vector=vector)
    )
    with transaction.atomic():
        found_store({post.pk: found}, loaded.community_map)
        _offer_back(post, limit)
        posts_mark_matched([post.pk])
    return post


def _enqueue_match(post_id: int) -> None:
    enqueue(MATCH_POST_TASK, [post_id])


def post_mark_pending(*, post: Post) -> None:
    """Ask for a post to be matched (again) once the current transaction commits; its text may
    have changed, so its sentence vector goes."""
    Post.objects.filter(pk=post.pk).update(match_state=Post.MatchState.PENDING)
    PostVector.objects.filter(post=post).delete()
    enqueue_on_commit(MATCH_POST_TASK, [post.pk])


def sentence_model_load() -> None:
    """Load the sentence model now (a worker starting), so that the first post matched does not
    wait for it; nothing with the lexical encoder. Safe to call twice (it is loaded once)."""
    new_matcher().sentence_vectors([engine.Post(id=0, title="Kindred")])


def posts_encode(*, post_ids: list[int]) -> int:
    """Make and store the sentence vectors of these posts that have no current one (imports
    spread this over the workers in chunks, ``matching.encode_posts``). Returns how many of the
    posts have a vector now; 0 with the lexical encoder. Safe to run twice."""
    posts = list(matchable_posts().filter(pk__in=post_ids))
    return len(vectors_ensure(new_matcher(), posts))


def pending_posts_requeue(*, older_than: timedelta) -> int:
    """Enqueue every post still pending after ``older_than`` (its task was lost, say, when the
    broker restarted). Returns how many. Safe to run twice: matching a post twice is harmless."""
    cutoff = timezone.now() - older_than
    ids = list(
        Post.objects.filter(match_state=Post.MatchState.PENDING, updated_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    if ids and current_run() is None:
        match_run_request(actor=None, trigger=MatchRun.Trigger.SCHEDULE)
        return len(ids)
    for post_id in ids:
        _enqueue_match(post_id)
    return len(ids)


# -- while someone types a post ------------------------------------------------------------------


@dataclass
class SimilarPost:
    post: Post
    score: float
    reason: str


@dataclass
class SimilarCommunity:
    community: Community
    confidence: float


@dataclass
class SimilarFound:
    """What a draft resembles. ``ready`` is False before the first successful match run, when
    there is no fitted matcher to ask."""

    ready: bool
    posts: list[SimilarPost]
    communities: list[SimilarCommunity]


def _similar_posts(viewer: Any, found: list[engine.Peer], k: int) -> list[SimilarPost]:
    authors = searchable_authors(int(p.id) for p in found)
    viewer_id = viewer.pk if viewer.is_authenticated else None
    kept = [p for p in found if int(p.id) in authors and authors[int(p.id)] != viewer_id][:k]
    posts = (
        post_list(viewer=viewer)
        .filter(moderation_status="visible")
        .in_bulk([int(p.id) for p in kept])
    )
    return [
        SimilarPost(post=posts[int(p.id)], score=float(p.score), reason=p.reason)
        for p in kept
        if int(p.id) in posts
    ]


def _similar_communities(viewer: Any, placed: list[tuple[int, float]]) -> list[SimilarCommunity]:
    communities = (
        Community.objects.filter(pk__in=[pk for pk, _ in placed])
        .filter(pk__in=Community.objects.filter(community_visibility_filter(viewer)).values("pk"))
        .exclude(status=Community.Status.ARCHIVED)
        .in_bulk()
    )
    return [
        SimilarCommunity(community=communities[pk], confidence=confidence)
        for pk, confidence in placed
        if pk in communities
    ]


def similar_to_text(
    *, viewer: Any, title: str, body: str = "", tags: Iterable[str] = (), k: int = 5
) -> SimilarFound:
    """Posts and communities like a draft that is still being typed; stores nothing.

    Runs in the web process on the current fitted matcher (loaded once per process), so it answers
    in milliseconds. Posts follow the rules for peers (open posts of active people who let others
    find them, never the viewer's own); communities are those the viewer may see, never archived.
    Safe to call any number of times.
    """
    loaded = current_matcher()
    if loaded is None:
        return SimilarFound(ready=False, posts=[], communities=[])
    slugs = tuple(dict.fromkeys(s for s in (Tag.normalize(t) for t in tags) if s))[:8]
    title, body = title.strip()[:200], body.strip()[:20000]
    if not (title or body or slugs):
        return SimilarFound(ready=True, posts=[], communities=[])
    k = max(1, min(k, 20))
    query, matcher = engine.Post(id="__draft__", title=title, body=body, tags=slugs), loaded.matcher
    vector = matcher.sentence_vectors([query]).get(query.id)  # encoded once for both
    placed = [
        (loaded.community_map[c], confidence)
        for c, confidence in matcher.place(query, vector=vector)
        if c in loaded.community_map
    ]
    return SimilarFound(
        ready=True,
        posts=_similar_posts(viewer, matcher.similar(query, k=k * 3, vector=vector), k),
        communities=_similar_communities(viewer, placed),
    )

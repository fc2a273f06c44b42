"""The Django side of matching: rows in, engine out, rows written back.

Two paths use the matcher engine (``matching.engine``):

- **Incremental**, one post at a time (``post_match``): when a post is saved, the current fitted
  matcher (the artifact of the last successful run) places it, finds its peers and the communities
  it fits, and stores them. Seconds, not minutes.
- **Full runs** (``match_run_*``): every open post is clustered again. A run computes on the side,
  split into Celery tasks that any number of workers share (fit, then neighbour search in chunks),
  and applies its whole result in one transaction at the end (``match_run_apply``). A failed or
  killed run leaves the previous placements as they were.

Human decisions win: pinned and hand-made placements are passed to the engine as pinned,
``MatchConstraint`` rows (a moderator's removal, a member's "not my problem", a merge) become
cannot-link and must-link constraints, and are enforced again when the result is applied.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import tempfile
import threading
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from communities.models import Community, ContentStatus, Membership, Placement, Post, Tag
from communities.services import (
    charter_revision_record,
    tags_assign,
    tags_from_names,
    unique_community_slug,
)
from matching import engine
from matching.models import (
    CommunityFit,
    MatchArtifact,
    MatchConstraint,
    MatcherSuggestion,
    MatchRun,
    PeerSuggestion,
    PostVector,
)
from profiles.models import Notification, User
from profiles.services import notify

logger = logging.getLogger(__name__)

ACTIVE_RUN_STATES = (MatchRun.Status.QUEUED, MatchRun.Status.RUNNING)


# -- rows to engine posts ----------------------------------------------------------------------


def matchable_posts() -> Any:
    """Posts the matcher clusters: every post that neither its author nor a moderator hid, oldest
    first (a stable order makes a run reproducible)."""
    return (
        Post.objects.exclude(status=Post.Status.HIDDEN)
        .filter(moderation_status=ContentStatus.VISIBLE)
        .select_related("author__profile")
        .prefetch_related("tags")
        .order_by("pk")
    )


def _is_searchable(post: Post) -> bool:
    """Whether a post may be shown to other people as a peer: its author opted in, it is open."""
    author = post.author
    if author is None or not author.is_active or post.status != Post.Status.OPEN:
        return False
    if post.moderation_status != ContentStatus.VISIBLE:
        return False
    profile = getattr(author, "profile", None)
    return bool(profile and profile.discoverable)


def to_engine_post(post: Post) -> engine.Post:
    return engine.Post(
        id=post.pk,
        title=post.title,
        body=post.body,
        tags=tuple(tag.slug for tag in post.tags.all()),
        searchable=_is_searchable(post),
    )


def new_matcher() -> engine.Matcher:
    return engine.Matcher(**settings.KINDRED_MATCHER)


# -- the current fitted matcher, shared by web processes and workers ---------------------------


def _pack(matcher: engine.Matcher) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        matcher.save(tmp)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).iterdir()):
                archive.write(path, path.name)
    return buffer.getvalue()


def _unpack(data: bytes) -> engine.Matcher:
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if "/" in name or name.startswith("."):
                    raise ValueError(f"unexpected file in a matcher artifact: {name!r}")
            archive.extractall(tmp)  # names checked above
        return engine.Matcher.load(tmp)


@dataclass
class _Loaded:
    run_id: int
    matcher: engine.Matcher
    community_map: dict[int, int]  # engine community id -> Community pk
    high_water: int  # every post with pk <= high_water is in the matcher's peer index


_cache_lock = threading.Lock()
_cache: _Loaded | None = None
_unloadable: set[int] = set()  # runs whose artifact this version of the engine cannot load


def current_run() -> MatchRun | None:
    """The last run that succeeded and left a matcher behind."""
    return (
        MatchRun.objects.filter(status=MatchRun.Status.SUCCEEDED, artifact__isnull=False)
        .order_by("-finished_at", "-pk")
        .first()
    )


def current_matcher() -> _Loaded | None:
    """The fitted matcher of the last successful run, loaded once per process, with every post
    published since that run added to its peer index. None before the first run."""
    global _cache
    run = current_run()
    if run is None:
        return None
    if run.pk in _unloadable:
        return None
    with _cache_lock:
        if _cache is None or _cache.run_id != run.pk:
            artifact = MatchArtifact.objects.get(run=run)
            try:
                matcher = _unpack(bytes(artifact.data))
            except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
                # Saved by another version of the engine (after an upgrade, say): match nothing
                # with it, and ask for a run that fits a matcher this version can load.
                logger.warning(
                    "The matcher of run #%s (%s) cannot be loaded by %s: %r. Requesting a run.",
                    run.pk,
                    artifact.config_id,
                    new_matcher().config_id(),
                    exc,
                )
                _unloadable.add(run.pk)
                match_run_request(actor=None, trigger=MatchRun.Trigger.SCHEDULE)
                return None
            _cache = _Loaded(
                run_id=run.pk,
                matcher=matcher,
                community_map={int(k): v for k, v in run.metrics.get("community_map", {}).items()},
                high_water=int(run.metrics.get("high_water", 0)),
            )
        newer = list(matchable_posts().filter(pk__gt=_cache.high_water))
        if newer:
            known = set(_cache.matcher.peer_index_.ids)
            fresh = [to_engine_post(p) for p in newer if p.pk not in known]
            if fresh:
                _cache.matcher.add_posts(fresh)
            _cache.high_water = max(p.pk for p in newer)
        return _cache


# -- incremental: one post ---------------------------------------------------------------------


@dataclass
class _Found:
    """What the engine found for one post: peers, and communities by engine id."""

    peers: list[engine.Peer]
    fits: list[tuple[int, float]]


def _searchable_authors(post_ids: Iterable[int]) -> dict[int, int]:
    """Post id -> author id for those of ``post_ids`` that may be shown to others as peers."""
    return dict(
        Post.objects.filter(
            pk__in=list(post_ids),
            status=Post.Status.OPEN,
            moderation_status=ContentStatus.VISIBLE,
            author__is_active=True,
            author__profile__discoverable=True,
        ).values_list("pk", "author_id")
    )


def _store_found(found: dict[int, _Found], community_map: dict[int, int]) -> None:
    """Replace the stored peers and community fits of every post in ``found``, in a few bulk
    queries. Peers are other people's visible posts; dismissed suggestions stay dismissed and
    are not offered again; communities a post was kept out of, or archived ones, are left out."""
    limit = settings.KINDRED_PEERS_PER_POST
    post_ids = list(found)
    authors = dict(Post.objects.filter(pk__in=post_ids).values_list("pk", "author_id"))
    visible = _searchable_authors({int(p.id) for f in found.values() for p in f.peers})
    dismissed_peers = set(
        PeerSuggestion.objects.filter(post_id__in=post_ids, dismissed=True).values_list(
            "post_id", "peer_id"
        )
    )
    dismissed_fits = set(
        CommunityFit.objects.filter(post_id__in=post_ids, dismissed=True).values_list(
            "post_id", "community_id"
        )
    )
    kept_out = set(
        MatchConstraint.objects.filter(
            kind=MatchConstraint.Kind.KEEP_OUT, post_id__in=post_ids
        ).values_list("post_id", "community_id")
    )
    open_communities = set(
        Community.objects.exclude(status=Community.Status.ARCHIVED)
        .filter(pk__in=set(community_map.values()))
        .values_list("pk", flat=True)
    )
    peer_rows: list[dict[str, Any]] = []
    fit_rows: list[dict[str, Any]] = []
    for post_id, result in found.items():
        kept = 0
        for peer in result.peers:
            if kept == limit:
                break
            peer_id = int(peer.id)
            if (
                peer_id not in visible
                or visible[peer_id] == authors.get(post_id)
                or (post_id, peer_id) in dismissed_peers
            ):
                continue
            kept += 1
            peer_rows.append(
                {
                    "post_id": post_id,
                    "peer_id": peer_id,
                    "score": max(-1.0, min(1.0, float(peer.score))),
                    "reason": peer.reason[:500],
                    "shared_tags": list(peer.shared_tags),
                    "shared_terms": list(peer.shared_terms),
                }
            )
        for engine_id, confidence in result.fits:
            community_id = community_map.get(engine_id)
            if (
                community_id in open_communities
                and (post_id, community_id) not in kept_out
                and (post_id, community_id) not in dismissed_fits
            ):
                fit_rows.append(
                    {
                        "post_id": post_id,
                        "community_id": community_id,
                        "confidence": max(0.0, min(1.0, float(confidence))),
                        "reason": f"Fits with confidence {confidence:.0%}",
                    }
                )
    for start in range(0, len(post_ids), 5000):
        batch = post_ids[start : start + 5000]
        PeerSuggestion.objects.filter(post_id__in=batch, dismissed=False).delete()
        CommunityFit.objects.filter(post_id__in=batch, dismissed=False).delete()
    _insert_many(PeerSuggestion, peer_rows)
    _insert_many(CommunityFit, fit_rows)


def _insert_many(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert many new rows (given as field values), skipping any that exist already (a post
    matched meanwhile). On PostgreSQL a full run writes a million suggestions: COPY into a
    temporary table and one INSERT ... ON CONFLICT DO NOTHING is an order of magnitude faster
    than batched INSERTs of model instances."""
    if not rows:
        return
    if connection.vendor != "postgresql" or len(rows) < 1000:
        model._default_manager.bulk_create(
            [model(**row) for row in rows], batch_size=5000, ignore_conflicts=True
        )
        return
    now = timezone.now().isoformat()
    names = [*rows[0], "dismissed", "created_at"]
    columns = [model._meta.get_field(name).column for name in names]  # type: ignore[union-attr]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(
            [json.dumps(v) if isinstance(v, list) else v for v in row.values()] + ["f", now]
        )
    buffer.seek(0)
    table = model._meta.db_table
    column_list = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TEMPORARY TABLE "tmp_{table}" ON COMMIT DROP AS '  # noqa: S608
            f'SELECT {column_list} FROM "{table}" WITH NO DATA'
        )
        cursor.copy_expert(
            f'COPY "tmp_{table}" ({column_list}) FROM STDIN WITH (FORMAT csv)', buffer
        )
        cursor.execute(
            f'INSERT INTO "{table}" ({column_list}) SELECT {column_list} '  # noqa: S608
            f'FROM "tmp_{table}" ON CONFLICT DO NOTHING'
        )
        cursor.execute(f'DROP TABLE "tmp_{table}"')


def _offer_back(post: Post, limit: int) -> None:
    """A new post is also a new peer for the posts it matched, if it ranks among their best."""
    if not _is_searchable(post):
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
                )


def post_match(*, post_id: int) -> Post | None:
    """Find a post's peers and the communities it fits, and store them.

    Precondition: the post is committed. Safe to run twice: it replaces what it stored before.
    Before the first full run there is no fitted matcher: the post stays pending and a full run is
    requested, which matches every pending post when it applies.
    """
    post = (
        Post.objects.select_related("author__profile").prefetch_related("tags").filter(pk=post_id)
    ).first()
    if post is None:
        return None
    limit = settings.KINDRED_PEERS_PER_POST
    if post.status == Post.Status.HIDDEN or post.moderation_status != ContentStatus.VISIBLE:
        with transaction.atomic():
            _store_found({post.pk: _Found([], [])}, {})
            _mark_matched([post.pk])
        return post
    loaded = current_matcher()
    if loaded is None:
        match_run_request(actor=None, trigger=MatchRun.Trigger.SCHEDULE)
        return post
    query = to_engine_post(post)
    found = _Found(loaded.matcher.similar(query, k=limit * 3), loaded.matcher.place(query))
    with transaction.atomic():
        _store_found({post.pk: found}, loaded.community_map)
        _offer_back(post, limit)
        _mark_matched([post.pk])
    return post


def _mark_matched(post_ids: Sequence[int]) -> None:
    Post.objects.filter(pk__in=post_ids).update(
        match_state=Post.MatchState.MATCHED, matched_at=timezone.now()
    )


def post_mark_pending(*, post: Post) -> None:
    """Ask for a post to be matched (again) once the current transaction commits."""
    from matching import tasks

    Post.objects.filter(pk=post.pk).update(match_state=Post.MatchState.PENDING)
    PostVector.objects.filter(post=post).delete()  # its text may have changed
    tasks.match_post.delay_on_commit(post.pk)


def pending_posts_requeue(*, older_than: timedelta) -> int:
    """Enqueue every post still pending after ``older_than`` (its task was lost, say, when the
    broker restarted). Returns how many. Safe to run twice: matching a post twice is harmless."""
    from matching import tasks

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
        tasks.match_post.delay(post_id)
    return len(ids)


# -- full runs ---------------------------------------------------------------------------------


def can_start_runs(user: User | None) -> bool:
    """Staff, and moderators or owners of any community, may start a full run."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return (
        user.is_staff
        or Membership.objects.filter(
            user=user,
            state=Membership.State.ACTIVE,
            role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
        ).exists()
    )


def match_run_request(*, actor: User | None, trigger: str = MatchRun.Trigger.MANUAL) -> MatchRun:
    """Queue a full run, or return the one already queued or running. Safe to call twice.

    ``actor`` None means the system (beat, or a post waiting for a first model)."""
    if actor is not None and not can_start_runs(actor):
        raise PermissionDenied("Only staff and community moderators can start a match run.")
    from matching import tasks

    _reap_stale_runs()
    with transaction.atomic():
        existing = (
            MatchRun.objects.select_for_update()
            .filter(status__in=ACTIVE_RUN_STATES)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing
        run = MatchRun.objects.create(
            trigger=trigger, requested_by=actor, config_id=new_matcher().config_id()
        )
        tasks.start_run.delay_on_commit(run.pk)
    return run


def _reap_stale_runs() -> None:
    """A run whose tasks have shown no sign of life for a while lost its worker: mark it failed,
    so that it no longer blocks new runs. Its result was never applied."""
    stale = timezone.now() - timedelta(seconds=settings.KINDRED_MATCH_RUN_STALE_SECONDS)
    MatchRun.objects.filter(status=MatchRun.Status.RUNNING, heartbeat_at__lt=stale).update(
        status=MatchRun.Status.FAILED,
        finished_at=timezone.now(),
        error="The run stopped reporting (its worker was lost); nothing of it was applied.",
    )
    MatchRun.objects.filter(
        status=MatchRun.Status.QUEUED,
        created_at__lt=stale - timedelta(seconds=settings.KINDRED_MATCH_RUN_STALE_SECONDS),
    ).update(
        status=MatchRun.Status.FAILED,
        error="The run was never picked up by a worker.",
    )


def _progress(run_id: int, *, stage: str | None = None, progress: int | None = None) -> None:
    changes: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if stage is not None:
        changes["stage"] = stage
    if progress is not None:
        changes["progress"] = max(0, min(100, progress))
    MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.RUNNING).update(**changes)


def match_run_claim(*, run_id: int) -> MatchRun | None:
    """Move a queued run to running. None when the run is gone, already finished, or another run
    is running (the database allows one running run: a partial unique index). A redelivered task
    of a run that is still running claims it again."""
    _reap_stale_runs()
    run = MatchRun.objects.filter(pk=run_id).first()
    if run is None or run.status in (MatchRun.Status.SUCCEEDED, MatchRun.Status.FAILED):
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            claimed = MatchRun.objects.filter(pk=run_id, status__in=ACTIVE_RUN_STATES).update(
                status=MatchRun.Status.RUNNING,
                started_at=now,
                heartbeat_at=now,
                stage="loading posts",
                progress=0,
                finished_at=None,
                error="",
            )
    except IntegrityError:
        return None
    return MatchRun.objects.get(pk=run_id) if claimed else None


def _constraints(post_ids: set[int], previous: dict[int, list[int]]) -> engine.Constraints:
    constraints = engine.Constraints()
    for placement in Placement.objects.filter(
        Q(pinned=True) | Q(placed_by__in=[Placement.PlacedBy.MEMBER, Placement.PlacedBy.MODERATOR]),
        community__status__in=[Community.Status.PROPOSED, Community.Status.ACTIVE],
        post_id__in=post_ids,
    ).order_by("pk"):
        constraints.pinned[placement.post_id] = placement.community_id
    for rule in MatchConstraint.objects.order_by("pk"):
        members = previous.get(rule.community_id, [])
        if rule.kind == MatchConstraint.Kind.KEEP_OUT and rule.post_id in post_ids:
            constraints.cannot_link.extend(
                (rule.post_id, other) for other in members[:20] if other != rule.post_id
            )
        elif rule.kind == MatchConstraint.Kind.KEEP_TOGETHER and rule.other_community_id:
            others = previous.get(rule.other_community_id, [])
            constraints.must_link.extend(zip(members[:3], others[:3], strict=False))
    pinned = constraints.pinned
    constraints.cannot_link = [
        (a, b)
        for a, b in constraints.cannot_link
        if not (a in pinned and b in pinned and pinned[a] == pinned[b])
    ]
    return constraints


def _previous_communities(post_ids: set[int]) -> dict[int, list[int]]:
    previous: dict[int, list[int]] = defaultdict(list)
    for community_id, post_id in (
        Placement.objects.filter(
            community__status__in=[Community.Status.PROPOSED, Community.Status.ACTIVE],
            post_id__in=post_ids,
        )
        .order_by("community_id", "-score", "post_id")
        .values_list("community_id", "post_id")
    ):
        previous[community_id].append(post_id)
    return dict(previous)


def match_run_fit(*, run_id: int) -> list[list[int]] | None:
    """Fit the matcher over every matchable post and store it as this run's artifact. Returns the
    post ids split into chunks for the neighbour search, or None when the run is not running.
    Safe to run twice: the artifact is replaced."""
    run = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.RUNNING).first()
    if run is None:
        return None
    rows = list(matchable_posts())
    _progress(run_id, stage="fitting", progress=5)
    post_ids = {p.pk for p in rows}
    previous = _previous_communities(post_ids)
    matcher = new_matcher()
    if rows:
        known = _stored_vectors(matcher, post_ids)
        matcher.fit(
            [to_engine_post(p) for p in rows],
            previous=previous or None,
            constraints=_constraints(post_ids, previous),
            vectors=known or None,
        )
        _store_vectors(matcher, known)
    data = _pack(matcher) if rows else b""
    with transaction.atomic():
        MatchArtifact.objects.filter(run_id=run_id).delete()
        if rows:
            MatchArtifact.objects.create(
                run_id=run_id,
                config_id=matcher.config_id(),
                data=data,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        MatchRun.objects.filter(pk=run_id).update(
            config_id=matcher.config_id() if rows else run.config_id,
            post_count=len(rows),
            metrics={
                **run.metrics,
                "high_water": max(post_ids, default=0),
                "previous": {str(k): v for k, v in previous.items()},
            },
        )
    _progress(run_id, stage="finding peers", progress=40)
    size = settings.KINDRED_MATCH_CHUNK_SIZE
    ordered = [p.pk for p in rows]
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _vector_key(matcher: engine.Matcher) -> str | None:
    """What identifies a sentence vector's model, or None for the lexical encoder (whose vectors
    depend on the whole corpus and are recomputed by every run)."""
    if matcher.encoder == "lexical":
        return None
    return "all-MiniLM-L6-v2"


def _stored_vectors(matcher: engine.Matcher, post_ids: set[int]) -> dict[engine.PostId, np.ndarray]:
    key = _vector_key(matcher)
    if key is None:
        return {}
    return {
        post_id: np.frombuffer(bytes(data), dtype="<f4")
        for post_id, data in PostVector.objects.filter(
            post_id__in=post_ids, encoder=key
        ).values_list("post_id", "vector")
    }


def _store_vectors(matcher: engine.Matcher, known: dict[engine.PostId, np.ndarray]) -> None:
    key = _vector_key(matcher)
    if key is None:
        return
    new = [
        PostVector(post_id=int(pid), encoder=key, vector=np.asarray(v, dtype="<f4").tobytes())
        for pid, v in matcher.semantic_vectors_.items()
        if int(pid) not in known
    ]
    PostVector.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)


_run_matchers: dict[int, engine.Matcher] = {}


def _run_matcher(run_id: int) -> engine.Matcher:
    """This run's fitted matcher, loaded once per worker process (chunks of one run share it)."""
    if run_id not in _run_matchers:
        _run_matchers.clear()
        artifact = MatchArtifact.objects.get(run_id=run_id)
        _run_matchers[run_id] = _unpack(bytes(artifact.data))
    return _run_matchers[run_id]


def match_run_peers_chunk(*, run_id: int, post_ids: list[int]) -> dict[str, Any]:
    """Neighbour search for one chunk of a run's posts: peers and fitting communities (engine
    ids), returned to the run's final step. Touches nothing in the database but the heartbeat.
    Safe to run twice."""
    if not MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.RUNNING).exists():
        return {"peers": {}, "fits": {}}
    matcher = _run_matcher(run_id)
    limit = settings.KINDRED_PEERS_PER_POST
    # A few more than needed: the author's own other posts are dropped when applied. The engine
    # only returns searchable posts (open, by people who let others find them).
    found = matcher.similar_indexed(post_ids, k=limit + 5)
    placed = matcher.place_indexed(post_ids)
    peers = {
        str(post_id): [
            [p.id, p.score, list(p.shared_tags), list(p.shared_terms)] for p in found_peers
        ]
        for post_id, found_peers in found.items()
    }
    fits = {str(post_id): [[c, conf] for c, conf in placed.get(post_id, [])] for post_id in found}
    _progress(run_id)
    return {"peers": peers, "fits": fits}


def match_run_fail(*, run_id: int, error: str) -> None:
    """Mark a run failed; nothing of it was applied. Safe to run twice."""
    MatchRun.objects.filter(pk=run_id, status__in=ACTIVE_RUN_STATES).update(
        status=MatchRun.Status.FAILED, finished_at=timezone.now(), error=error[:2000]
    )


@dataclass
class _Outcome:
    community_map: dict[int, int]
    proposed: list[Community]
    suggestions: int


def _purpose_draft(
    matcher: engine.Matcher, cluster: engine.Community, titles: dict[int, str]
) -> str:
    lines = [
        f"People here are working on {', '.join(cluster.key_terms[:4]) or cluster.name}.",
        "",
        "Some of the problems that brought them together:",
    ]
    lines += [f"- {titles[int(pid)]}" for pid in cluster.representative_ids if int(pid) in titles]
    return "\n".join(lines)


def _apply_communities(run: MatchRun, matcher: engine.Matcher, posts: dict[int, Post]) -> _Outcome:
    """Turn the run's clusters into communities and placements. Active communities never change
    shape silently: merges and splits the matcher sees in them become suggestions."""
    previous = {int(k): v for k, v in run.metrics.get("previous", {}).items()}
    existing = Community.objects.in_bulk(list(previous))
    labels = {int(p): int(x) for p, x in zip(matcher.post_ids_, matcher.labels_, strict=True)}
    scores = {int(p): float(x) for p, x in zip(matcher.post_ids_, matcher.scores_, strict=True)}
    members: dict[int, list[int]] = defaultdict(list)
    for pid, label in labels.items():
        if label != engine.UNASSIGNED:
            members[label].append(pid)
    placed_in_active = {
        pid: cid
        for cid, pids in previous.items()
        if cid in existing and existing[cid].status == Community.Status.ACTIVE
        for pid in pids
    }
    frozen: set[int] = set()  # active communities whose change becomes a suggestion
    suggestions = 0
    for transition in matcher.transitions_:
        active_before = [
            c
            for c in transition.previous_ids
            if c in existing and existing[c].status == Community.Status.ACTIVE
        ]
        if (
            transition.kind == "merged"
            and len(active_before) >= 1
            and len(transition.previous_ids) > 1
        ):
            first, *rest = transition.previous_ids
            for other in rest:
                if first in existing and other in existing:
                    MatcherSuggestion.objects.create(
                        run=run,
                        kind=MatcherSuggestion.Kind.MERGE,
                        community=existing[first],
                        other_community=existing[other],
                        reason=(
                            f"The matcher now sees one group in “{existing[first].name}” and "
                            f"“{existing[other].name}”."
                        ),
                    )
                    suggestions += 1
            frozen.update(transition.previous_ids)
        elif transition.kind == "split" and active_before:
            frozen.update(active_before)
    kept_out = defaultdict(set)
    for post_id, community_id in MatchConstraint.objects.filter(
        kind=MatchConstraint.Kind.KEEP_OUT
    ).values_list("post_id", "community_id"):
        kept_out[community_id].add(post_id)

    community_map: dict[int, int] = {}
    proposed: list[Community] = []
    clusters = {c.id: c for c in matcher.communities_}
    titles = {pid: p.title for pid, p in posts.items()}
    now = timezone.now()
    for cluster_id, pids in sorted(members.items()):
        cluster = clusters.get(cluster_id)
        if cluster is None:
            continue
        if cluster_id in existing:
            community = existing[cluster_id]
            if community.status == Community.Status.ARCHIVED:
                continue
            community_map[cluster_id] = community.pk
            if community.pk in frozen:
                continue
        else:
            from_active = Counter(placed_in_active[p] for p in pids if p in placed_in_active)
            if from_active:
                host, count = from_active.most_common(1)[0]
                if count * 2 >= len(pids) and host in existing:
                    MatcherSuggestion.objects.create(
                        run=run,
                        kind=MatcherSuggestion.Kind.SPLIT,
                        community=existing[host],
                        post_ids=sorted(pids),
                        reason=(
                            f"{len(pids)} posts form their own group around "
                            f"{', '.join(cluster.key_terms[:3])}."
                        ),
                    )
                    suggestions += 1
                    continue
            authors = {
                author for p in pids if p in posts and (author := posts[p].author_id) is not None
            }
            if (
                len(pids) < settings.KINDRED_PROPOSAL_MIN_POSTS
                or len(authors) < settings.KINDRED_PROPOSAL_MIN_AUTHORS
            ):
                continue
            name = cluster.name[:120] or "New community"
            community = Community.objects.create(
                name=name,
                slug=unique_community_slug(name),
                purpose=_purpose_draft(matcher, cluster, titles),
                status=Community.Status.PROPOSED,
                origin=Community.Origin.MATCHER,
                formed_reason=(
                    f"{len(authors)} people posted {len(pids)} problems about "
                    f"{', '.join(cluster.key_terms[:4])}"
                    + (f" (tags: {', '.join(cluster.tags[:4])})" if cluster.tags else "")
                    + "."
                ),
                proposal_expires_at=now + timedelta(days=settings.KINDRED_PROPOSAL_TTL_DAYS),
            )
            tags_assign(community, tags_from_names(cluster.tags[:5]))
            charter_revision_record(
                community=community, editor=None, summary="Proposed by the matcher"
            )
            Membership.objects.bulk_create(
                [
                    Membership(user_id=a, community=community, state=Membership.State.INVITED)
                    for a in sorted(authors)
                ],
                ignore_conflicts=True,
            )
            topic = ", ".join(cluster.key_terms[:3]) or name
            for invitee in User.objects.filter(pk__in=authors):
                notify(
                    user=invitee,
                    kind=Notification.Kind.INVITATION,
                    title=f"{len(authors)} people are working on {topic}: join them?",
                    url=community.get_absolute_url(),
                )
            community_map[cluster_id] = community.pk
            proposed.append(community)
        _sync_placements(community, pids, scores, cluster.member_reasons, kept_out[community.pk])
    return _Outcome(community_map=community_map, proposed=proposed, suggestions=suggestions)


def _sync_placements(
    community: Community,
    post_ids: list[int],
    scores: dict[int, float],
    reasons: dict[Any, str],
    kept_out: set[int],
) -> None:
    """The matcher's placements in a community become exactly this cluster; placements by
    members and moderators are never touched."""
    wanted = {pid for pid in post_ids if pid not in kept_out}
    current = {p.post_id: p for p in Placement.objects.filter(community=community)}
    stale = [
        p.pk
        for pid, p in current.items()
        if p.placed_by == Placement.PlacedBy.MATCHER and not p.pinned and pid not in wanted
    ]
    Placement.objects.filter(pk__in=stale).delete()
    new = [
        Placement(
            post_id=pid,
            community=community,
            placed_by=Placement.PlacedBy.MATCHER,
            score=max(0.0, min(1.0, scores.get(pid, 0.0))),
            reason=str(reasons.get(pid, ""))[:2000],
        )
        for pid in sorted(wanted - set(current))
    ]
    Placement.objects.bulk_create(new, ignore_conflicts=True)
    for pid in wanted & set(current):
        placement = current[pid]
        if placement.placed_by == Placement.PlacedBy.MATCHER:
            score = max(0.0, min(1.0, scores.get(pid, 0.0)))
            if placement.score is None or abs(placement.score - score) > 1e-4:
                Placement.objects.filter(pk=placement.pk).update(score=score)


def match_run_apply(*, run_id: int, chunks: Sequence[dict[str, Any]]) -> MatchRun | None:
    """Apply a run's whole result in one transaction: communities, placements, proposals and
    invitations, peers and fits. Safe to run twice: a finished run is left alone."""
    _progress(run_id, stage="applying", progress=90)
    with transaction.atomic():
        run = (
            MatchRun.objects.select_for_update()
            .filter(pk=run_id, status=MatchRun.Status.RUNNING)
            .first()
        )
        if run is None:
            return None
        post_ids = [int(pid) for chunk in chunks for pid in chunk.get("peers", {})]
        posts = {p.pk: p for p in matchable_posts().filter(pk__in=post_ids)}
        if run.post_count:
            matcher = _run_matcher(run_id)
            outcome = _apply_communities(run, matcher, posts)
        else:
            matcher, outcome = None, _Outcome({}, [], 0)
        found = {
            int(key): _Found(
                peers=[
                    engine.Peer(
                        id=p[0], score=p[1], shared_tags=tuple(p[2]), shared_terms=tuple(p[3])
                    )
                    for p in raw_peers
                ],
                fits=[(int(c), conf) for c, conf in chunk["fits"].get(key, [])],
            )
            for chunk in chunks
            for key, raw_peers in chunk.get("peers", {}).items()
            if int(key) in posts
        }
        _store_found(found, outcome.community_map)
        _mark_matched(list(posts))
        assigned = 0
        if matcher is not None:
            assigned = int(sum(1 for x in matcher.labels_ if int(x) != engine.UNASSIGNED))
        transitions = Counter(t.kind for t in matcher.transitions_) if matcher else Counter()
        run.status = MatchRun.Status.SUCCEEDED
        run.stage = "done"
        run.progress = 100
        run.finished_at = timezone.now()
        run.assigned_count = min(assigned, run.post_count)
        run.community_count = len(outcome.community_map)
        run.metrics = {
            **run.metrics,
            "community_map": {str(k): v for k, v in outcome.community_map.items()},
            "coverage": round(assigned / run.post_count, 4) if run.post_count else 0.0,
            "proposed": [c.pk for c in outcome.proposed],
            "suggestions": outcome.suggestions,
            "transitions": dict(transitions),
            "discovery": getattr(matcher, "discovery_", {}) if matcher else {},
        }
        run.save()
        # Only the last few artifacts are kept: the current one and its predecessors.
        keep = list(MatchArtifact.objects.order_by("-created_at").values_list("pk", flat=True)[:3])
        MatchArtifact.objects.exclude(pk__in=keep).delete()
    return run


def match_run_execute(*, run_id: int, progress: Any = None) -> MatchRun | None:
    """Run a whole match run in this process (the `run_matcher` command and tests): the same
    steps the Celery pipeline spreads over workers."""
    if match_run_claim(run_id=run_id) is None:
        return None
    try:
        chunks = match_run_fit(run_id=run_id) or []
        results = []
        for i, chunk in enumerate(chunks):
            results.append(match_run_peers_chunk(run_id=run_id, post_ids=chunk))
            _progress(run_id, progress=40 + int(50 * (i + 1) / max(1, len(chunks))))
            if progress is not None:
                progress(i + 1, len(chunks))
        return match_run_apply(run_id=run_id, chunks=results)
    except Exception as exc:
        match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


# -- proposals ---------------------------------------------------------------------------------


def proposals_expire() -> int:
    """Archive proposed communities whose time ran out before enough people joined. Safe to
    run twice. Returns how many were archived."""
    now = timezone.now()
    return Community.objects.filter(
        status=Community.Status.PROPOSED, proposal_expires_at__lt=now
    ).update(status=Community.Status.ARCHIVED, updated_at=now)


# -- people's answers to suggestions -----------------------------------------------------------


@transaction.atomic
def community_fit_dismiss(*, actor: User, fit: CommunityFit) -> CommunityFit:
    """The author says a suggested community is "not my problem": it is not suggested again, and
    later runs keep the post out of it. Safe to repeat."""
    if fit.post.author_id != actor.pk:
        raise PermissionDenied("Only the post's author can dismiss this suggestion.")
    if not fit.dismissed:
        CommunityFit.objects.filter(pk=fit.pk).update(dismissed=True)
        fit.dismissed = True
    MatchConstraint.objects.get_or_create(
        kind=MatchConstraint.Kind.KEEP_OUT,
        post_id=fit.post_id,
        community_id=fit.community_id,
        defaults={"created_by": actor, "reason": "The author said it is not their problem."},
    )
    Placement.objects.filter(
        post_id=fit.post_id, community_id=fit.community_id, placed_by=Placement.PlacedBy.MATCHER
    ).delete()
    return fit


@transaction.atomic
def peer_dismiss(*, actor: User, suggestion: PeerSuggestion) -> PeerSuggestion:
    """The author hides a suggested peer; it is not suggested again. Safe to repeat."""
    if suggestion.post.author_id != actor.pk:
        raise PermissionDenied("Only the post's author can dismiss this suggestion.")
    PeerSuggestion.objects.filter(pk=suggestion.pk).update(dismissed=True)
    suggestion.dismissed = True
    return suggestion


# -- while someone types a post ----------------------------------------------------------------


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


def similar_to_text(
    *, viewer: Any, title: str, body: str = "", tags: Iterable[str] = (), k: int = 5
) -> SimilarFound:
    """Posts and communities like a draft that is still being typed; stores nothing.

    Runs in the web process on the current fitted matcher (loaded once per process), so it answers
    in milliseconds. Posts follow the rules for peers (open posts of active people who let others
    find them, never the viewer's own); communities are those the viewer may see, never archived.
    Safe to call any number of times.
    """
    from communities.selectors import community_visibility_filter, post_list

    loaded = current_matcher()
    if loaded is None:
        return SimilarFound(ready=False, posts=[], communities=[])
    slugs = tuple(dict.fromkeys(s for s in (Tag.normalize(t) for t in tags) if s))[:8]
    title, body = title.strip()[:200], body.strip()[:20000]
    if not (title or body or slugs):
        return SimilarFound(ready=True, posts=[], communities=[])
    k = max(1, min(k, 20))
    query = engine.Post(id="__draft__", title=title, body=body, tags=slugs)
    found = loaded.matcher.similar(query, k=k * 3)
    authors = _searchable_authors(int(p.id) for p in found)
    viewer_id = viewer.pk if viewer.is_authenticated else None
    kept = [p for p in found if int(p.id) in authors and authors[int(p.id)] != viewer_id][:k]
    posts = (
        post_list(viewer=viewer)
        .filter(moderation_status="visible")
        .in_bulk([int(p.id) for p in kept])
    )
    similar_posts = [
        SimilarPost(post=posts[int(p.id)], score=float(p.score), reason=p.reason)
        for p in kept
        if int(p.id) in posts
    ]
    placed = [
        (loaded.community_map[c], confidence)
        for c, confidence in loaded.matcher.place(query)
        if c in loaded.community_map
    ]
    communities = (
        Community.objects.filter(pk__in=[pk for pk, _ in placed])
        .filter(pk__in=Community.objects.filter(community_visibility_filter(viewer)).values("pk"))
        .exclude(status=Community.Status.ARCHIVED)
        .in_bulk()
    )
    return SimilarFound(
        ready=True,
        posts=similar_posts,
        communities=[
            SimilarCommunity(community=communities[pk], confidence=confidence)
            for pk, confidence in placed
            if pk in communities
        ],
    )

"""Full runs: request, claim, fit, fan the neighbour search out, heartbeat, staleness.

A run computes on the side, split into Celery tasks that any number of workers share (fit, then
neighbour search in chunks), and applies its whole result in one transaction at the end
(``matching.services.apply``). A failed or killed run leaves the previous placements as they were.
Tasks are enqueued by name: this module imports no task.

A run either fits the matcher afresh over every post ("full") or updates the last run's fitted
matcher ("update", ``engine.Matcher.update``): only new, changed and gone posts are encoded, and
only the posts whose peers they may change are searched again. See :func:`match_run_fit`.
"""

from __future__ import annotations

import json
import threading
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from celery import chord, current_app, signature
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from communities.models import Community, Membership, Placement
from core.queue import enqueue_on_commit
from matching import engine
from matching.models import (
    MatchArtifact,
    MatchConstraint,
    MatchRun,
    MatchRunChunk,
    PeerSuggestion,
)
from matching.services.adapter import matchable_engine_posts, new_matcher
from matching.services.areas import previous_areas
from matching.services.artifacts import artifact_store, current_run, pack, run_matcher, unpack
from matching.services.storage import vectors_store, vectors_stored
from profiles.models import User

ACTIVE_RUN_STATES = (MatchRun.Status.QUEUED, MatchRun.Status.RUNNING)


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


def match_run_request(
    *, actor: User | None, trigger: str = MatchRun.Trigger.MANUAL, full: bool = False
) -> MatchRun:
    """Queue a run, or return the one already queued or running. Safe to call twice.

    ``actor`` None means the system (beat, or a post waiting for a first model). The run records
    the configuration id of the matcher it will fit. ``full`` fits afresh even when the last
    run's matcher could be updated (see :func:`match_run_fit`)."""
    if actor is not None and not can_start_runs(actor):
        raise PermissionDenied("Only staff and community moderators can start a match run.")
    match_runs_reap_stale()
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
            trigger=trigger,
            requested_by=actor,
            config_id=new_matcher().config_id(),
            metrics={"full_requested": True} if full else {},
        )
        enqueue_on_commit("matching.start_run", [run.pk])
    return run


def match_runs_reap_stale() -> None:
    """A run whose tasks have shown no sign of life for KINDRED_MATCH_RUN_STALE_SECONDS lost its
    worker: mark it failed, so that it no longer blocks new runs. Its result was never applied.
    Called on every run request and claim, and every minute by ``matching.requeue_pending``; a
    live run beats every KINDRED_MATCH_RUN_HEARTBEAT_SECONDS (match_run_heartbeat). Safe to call
    twice."""
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
    MatchRunChunk.objects.filter(run__status=MatchRun.Status.FAILED).delete()


@contextmanager
def match_run_heartbeat(run_id: int) -> Iterator[None]:
    """Beat for the run every KINDRED_MATCH_RUN_HEARTBEAT_SECONDS, from a thread of its own, while
    the body works: a long stage (fitting, a large chunk) is not taken for a lost worker, and a
    killed worker's run goes silent at once."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.KINDRED_MATCH_RUN_HEARTBEAT_SECONDS):
                match_run_progress(run_id)
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(target=beat, name=f"match-run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def match_run_progress(
    run_id: int, *, stage: str | None = None, progress: int | None = None
) -> None:
    """The run's heartbeat, with its stage and progress when given."""
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
    match_runs_reap_stale()
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


def _seen_up_to() -> int | None:
    """The highest post id the last successful run saw (post ids grow), None before any run.
    Posts above it are new to this run: only they are placed or found new communities."""
    last = (
        MatchRun.objects.filter(status=MatchRun.Status.SUCCEEDED)
        .filter(metrics__has_key="high_water")
        .order_by("-finished_at", "-pk")
        .first()
    )
    return None if last is None else int(last.metrics["high_water"])


def _update_base(run: MatchRun, post_ids: set[int], seen: int | None) -> engine.Matcher | None:
    """The last run's fitted matcher, when this run may update it instead of fitting afresh:
    incremental runs are on, no full run was asked for, the last run used this configuration,
    fewer than KINDRED_FULL_RUN_EVERY runs passed since the last full fit, and at most
    KINDRED_INCREMENTAL_MAX_NEW_SHARE of the posts are new. None otherwise."""
    if not settings.KINDRED_INCREMENTAL_RUNS or run.metrics.get("full_requested") or seen is None:
        return None
    last = current_run()
    if last is None or last.config_id != new_matcher().config_id():
        return None
    new = sum(1 for pk in post_ids if pk > seen)
    if new > settings.KINDRED_INCREMENTAL_MAX_NEW_SHARE * max(1, len(post_ids)):
        return None
    succeeded = MatchRun.objects.filter(status=MatchRun.Status.SUCCEEDED)
    full = succeeded.exclude(metrics__mode="update").order_by("-finished_at", "-pk").first()
    if full is None or full.finished_at is None:
        return None
    since = succeeded.filter(finished_at__gt=full.finished_at).count()
    if since + 1 >= settings.KINDRED_FULL_RUN_EVERY:
        return None
    try:
        return unpack(bytes(MatchArtifact.objects.get(run=last).data))
    except (MatchArtifact.DoesNotExist, KeyError, ValueError, OSError, zipfile.BadZipFile):
        return None  # IncompatibleArtifact is a ValueError: fit afresh


def _weakest_peers() -> dict[engine.PostId, float]:
    """Each post's weakest stored peer score, for posts holding as many peers as are kept: a new
    post closer than that enters its list (others take any peer above the noise floor)."""
    return dict(
        PeerSuggestion.objects.filter(declined=False)
        .values("post_id")
        .annotate(n=Count("pk"), low=Min("score"))
        .filter(n__gte=settings.KINDRED_PEERS_PER_POST)
        .values_list("post_id", "low")
    )


def _to_search_again(matcher: engine.Matcher) -> list[int]:
    """After an update: the posts whose peers may have changed. New and changed posts; posts a
    new, changed or shown post is closer to than their weakest peer (``Matcher.reached_by``);
    posts that listed a post now gone, changed or hidden."""
    index = matcher.peer_index_
    shown = {pid for pid in matcher.flipped_ if index.searchable[index.row_of(pid)]}
    entering = list(matcher.added_) + sorted(shown)
    leaving = list(matcher.retired_) + [p for p in matcher.flipped_ if p not in shown]
    again = set(matcher.added_) | matcher.reached_by(entering, _weakest_peers())
    again.update(
        PeerSuggestion.objects.filter(peer_id__in=leaving).values_list("post_id", flat=True)
    )
    live = set(matcher.post_ids_)
    return sorted(int(pid) for pid in again if pid in live)


def _fit(
    run: MatchRun,
    posts: list[engine.Post],
    previous: dict[int, list[int]],
    areas: dict[int, int | None],
) -> tuple[engine.Matcher, list[int] | None]:
    """The run's fitted matcher, and the posts whose peers to search: None for every post (a
    full fit), or those an update may have changed."""
    post_ids = {int(p.id) for p in posts}
    seen = _seen_up_to()
    new = None if seen is None else [pk for pk in post_ids if pk > seen]
    constraints = _constraints(post_ids, previous)
    base = _update_base(run, post_ids, seen) if previous else None
    if base is not None:
        unknown = {pk for pk in post_ids if pk not in base.peer_index_}
        known = vectors_stored(base, unknown)
        try:
            base.update(
                posts,
                previous=previous,
                constraints=constraints,
                vectors=known or None,
                new=new,
                previous_areas=areas or None,
            )
        except engine.NotUpdatable:
            base = None
        else:
            vectors_store(base, known)
            return base, _to_search_again(base)
    matcher = new_matcher()
    known = vectors_stored(matcher, post_ids)
    matcher.fit(
        posts,
        previous=previous or None,
        previous_areas=areas or None,
        constraints=constraints,
        vectors=known or None,
        new=new,
    )
    vectors_store(matcher, known)
    return matcher, None


def match_run_fit(*, run_id: int) -> list[list[int]] | None:
    """Fit the matcher over every matchable post, or update the last run's (``_update_base``),
    and store it as this run's artifact, with its configuration id on the run. Returns the posts
    to search peers for (every post after a full fit, those whose peers may have changed after
    an update) in chunks, or None when the run is not running. Safe to run twice: the artifact
    is replaced."""
    run = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.RUNNING).first()
    if run is None:
        return None
    rows = matchable_engine_posts()
    match_run_progress(run_id, stage="fitting", progress=5)
    post_ids = {int(p.id) for p in rows}
    previous = _previous_communities(post_ids)
    areas = previous_areas(previous)
    matcher, again, graph_size = new_matcher(), None, 0
    if rows:
        matcher, again = _fit(run, rows, previous, areas)
        graph_size = _peer_graph_configure(matcher)
    data = pack(matcher) if rows else None
    size = settings.KINDRED_MATCH_CHUNK_SIZE
    ordered = [int(p.id) for p in rows] if again is None else again
    chunks = [ordered[i : i + size] for i in range(0, len(ordered), size)]
    with transaction.atomic():
        artifact_store(run_id=run_id, config_id=matcher.config_id(), data=data)
        MatchRun.objects.filter(pk=run_id).update(
            config_id=matcher.config_id() if rows else run.config_id,
            post_count=len(rows),
            metrics={
                **run.metrics,
                "mode": "full" if again is None else "update",
                # Posts searched again after an update (every post after a full fit).
                "searched": len(rows) if again is None else len(again),
                "high_water": max(post_ids, default=0),
                "chunks": len(chunks),
                # Posts whose sentence vector this run had to make (0 when all were stored).
                "encoded": getattr(matcher, "n_encoded_", 0),
                "previous": {str(k): v for k, v in previous.items()},
                # Posts in the peer index's HNSW graph (0: every search is exact).
                "peer_graph": graph_size,
                # The areas the engine was told the previous communities are in (pks).
                "previous_areas": {str(k): v for k, v in areas.items()},
            },
        )
    match_run_progress(run_id, stage="finding peers", progress=40)
    return chunks


def _peer_graph_configure(matcher: engine.Matcher) -> int:
    """Search peers in a graph from ``KINDRED_PEER_GRAPH_MIN_POSTS`` searchable posts (the
    graph is built again when the setting differs from the engine's default). Returns how many
    posts the graph holds, 0 when every search is exact."""
    index = matcher.peer_index_
    if index.ann.min_posts != settings.KINDRED_PEER_GRAPH_MIN_POSTS:
        index.use_ann(replace(index.ann, min_posts=settings.KINDRED_PEER_GRAPH_MIN_POSTS))
    return len(index.graph) if index.graph is not None else 0


def match_run_fan_out(*, run_id: int, chunks: list[list[int]]) -> None:
    """Spread the neighbour search over every worker (one ``matching.peers_chunk`` task per
    chunk), then apply the whole result (``matching.apply_run``), or fail the run when a part
    fails (``matching.fail_run``)."""
    header = [
        signature("matching.peers_chunk", args=(run_id, chunk, number))
        for number, chunk in enumerate(chunks)
    ]
    if not header:
        current_app.send_task("matching.apply_run", args=[[], run_id])
        return
    callback = signature("matching.apply_run", args=(run_id,)).on_error(
        signature("matching.fail_run", args=(run_id,), immutable=True)
    )
    chord(header)(callback)


def match_run_peers_chunk(*, run_id: int, post_ids: list[int], number: int = 0) -> dict[str, int]:
    """Neighbour search for chunk ``number`` of a run's posts: their peers and fitting
    communities (engine ids), stored for the run's final step (``MatchRunChunk``). Touches
    nothing else in the database but the heartbeat. Returns the chunk's number and how many posts
    it holds. Safe to run twice: the chunk is replaced."""
    if not MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.RUNNING).exists():
        return {"chunk": number, "posts": 0}
    matcher = run_matcher(run_id)
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
    data = zlib.compress(json.dumps({"peers": peers, "fits": fits}).encode(), 1)
    MatchRunChunk.objects.update_or_create(run_id=run_id, number=number, defaults={"data": data})
    match_run_progress(run_id)
    return {"chunk": number, "posts": len(found)}


def match_run_chunks(run_id: int) -> Iterator[dict[str, Any]]:
    """The stored chunks of a run, one at a time, in order."""
    rows = MatchRunChunk.objects.filter(run_id=run_id).order_by("number")
    for data in rows.values_list("data", flat=True).iterator(chunk_size=1):
        yield json.loads(zlib.decompress(bytes(data)))


def match_run_fail(*, run_id: int, error: str) -> None:
    """Mark a run failed; nothing of it was applied, and its stored chunks go. Safe to run
    twice."""
    MatchRun.objects.filter(pk=run_id, status__in=ACTIVE_RUN_STATES).update(
        status=MatchRun.Status.FAILED, finished_at=timezone.now(), error=error[:2000]
    )
    MatchRunChunk.objects.filter(run_id=run_id).delete()

"""Applying a run's results in one transaction: communities, placements, proposed communities and
invitations, suggestions to moderators, peers and fits.

Human decisions win: pinned and hand-made placements were passed to the engine as pinned,
``MatchConstraint`` rows (a moderator's removal, a member's "not my problem", a merge) became
cannot-link and must-link constraints, and they are enforced again here. Active communities never
change shape silently: merges and splits the matcher sees in them become suggestions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from communities.models import Community, Placement, Post
from communities.services import (
    charter_revision_record,
    tags_assign,
    tags_from_names,
    unique_community_slug,
)
from matching import engine
from matching.engine.explain import purpose_draft
from matching.models import MatchConstraint, MatcherSuggestion, MatchRun, MatchRunChunk
from matching.services.adapter import matchable_posts, searchable_authors
from matching.services.areas import areas_apply
from matching.services.artifacts import artifacts_prune, run_matcher
from matching.services.invitations import invitations_send
from matching.services.runs import (
    match_run_chunks,
    match_run_claim,
    match_run_fail,
    match_run_fit,
    match_run_peers_chunk,
    match_run_progress,
)
from matching.services.storage import MatchRowCounts, PostMatches, found_store, posts_mark_matched
from matching.services.upsert import SCORE_TOLERANCE, RowCounts

LIVE = (Community.Status.PROPOSED, Community.Status.ACTIVE)


@dataclass
class _RunChanges:
    """What applying a run changed: the communities its clusters became (engine id -> pk), those
    it proposed with their authors and invitations, placements, areas, peers and fits."""

    community_map: dict[int, int] = field(default_factory=dict)  # engine id -> Community pk
    proposed: list[Community] = field(default_factory=list)
    # proposed community pk -> {author: how many of their posts it holds}
    authors: dict[int, Counter[int]] = field(default_factory=dict)
    invitations: int = 0
    areas: dict[str, int] = field(default_factory=dict)  # counts, for the run's metrics
    placements: RowCounts = field(default_factory=RowCounts)
    stored: MatchRowCounts | None = None
    marked: int = 0


@dataclass
class _ClusterContext:
    """What applying one run's clusters needs to know."""

    run: MatchRun
    matcher: engine.Matcher
    posts: dict[int, Post]
    # By engine id: the previous run's communities (engine id = pk), then this run's new proposed
    # communities.
    existing: dict[int, Community]
    placed_in_active: dict[int, int]  # post -> the active community it was in
    scores: dict[int, float]
    kept_out: dict[int, set[int]]  # community -> posts kept out of it
    now: datetime

    def is_active(self, community_id: int) -> bool:
        community = self.existing.get(community_id)
        return community is not None and community.status == Community.Status.ACTIVE

    def is_live(self, community_id: int) -> bool:
        """Proposed or active: a community whose shape people (or staff) decide."""
        community = self.existing.get(community_id)
        return community is not None and community.status in LIVE


def _cluster_context(
    run: MatchRun, matcher: engine.Matcher, posts: dict[int, Post]
) -> _ClusterContext:
    previous = {int(k): v for k, v in run.metrics.get("previous", {}).items()}
    existing = Community.objects.in_bulk(list(previous))
    kept_out: dict[int, set[int]] = defaultdict(set)
    for post_id, community_id in MatchConstraint.objects.filter(
        kind=MatchConstraint.Kind.KEEP_OUT
    ).values_list("post_id", "community_id"):
        kept_out[community_id].add(post_id)
    return _ClusterContext(
        run=run,
        matcher=matcher,
        posts=posts,
        existing=existing,
        placed_in_active={
            pid: cid
            for cid, pids in previous.items()
            if cid in existing and existing[cid].status == Community.Status.ACTIVE
            for pid in pids
        },
        scores={int(p): float(x) for p, x in zip(matcher.post_ids_, matcher.scores_, strict=True)},
        kept_out=kept_out,
        now=timezone.now(),
    )


def _already_suggested(kind: str, community: Community, other: Community | None = None) -> bool:
    """An open suggestion says it already, or moderators declined it: a run does not repeat
    itself every hour."""
    return MatcherSuggestion.objects.filter(
        kind=kind,
        community=community,
        other_community=other,
        state__in=[MatcherSuggestion.State.OPEN, MatcherSuggestion.State.DECLINED],
    ).exists()


def _suggest_merge(ctx: _ClusterContext, first: int, other: int) -> bool:
    """A merge suggestion for two previous communities, both proposed or active. Returns whether a
    new one was made."""
    existing = ctx.existing
    if not (ctx.is_live(first) and ctx.is_live(other)):
        return False
    if not ctx.is_active(first):
        first, other = other, first
    a, b = existing[first], existing[other]
    if _already_suggested(MatcherSuggestion.Kind.MERGE, a, b) or _already_suggested(
        MatcherSuggestion.Kind.MERGE, b, a
    ):
        return False
    MatcherSuggestion.objects.create(
        run=ctx.run,
        kind=MatcherSuggestion.Kind.MERGE,
        community=a,
        other_community=b,
        reason=f"The matcher now sees one group in “{a.name}” and “{b.name}”.",
    )
    return True


def _suggest_split_off(
    ctx: _ClusterContext, host: int, pids: list[int], terms: Sequence[str]
) -> bool:
    """A split suggestion: ``pids`` form their own group inside community ``host``."""
    if not ctx.is_live(host):
        return False
    if _already_suggested(MatcherSuggestion.Kind.SPLIT, ctx.existing[host]):
        return True  # said already: the group still does not become a community of its own
    MatcherSuggestion.objects.create(
        run=ctx.run,
        kind=MatcherSuggestion.Kind.SPLIT,
        community=ctx.existing[host],
        post_ids=sorted(pids),
        reason=f"{len(pids)} posts form their own group around {', '.join(terms[:3])}.",
    )
    return True


def _engine_suggestions(ctx: _ClusterContext) -> None:
    """The merges and splits the matcher saw and left to moderators (and staff, for proposed
    communities); never a split of what moderators merged."""
    merged_by_moderators = set(
        MatchConstraint.objects.filter(kind=MatchConstraint.Kind.KEEP_TOGETHER).values_list(
            "community_id", flat=True
        )
    )
    for suggestion in ctx.matcher.suggestions_:
        if suggestion.kind == "merge":
            first, *rest = suggestion.community_ids
            for other in rest:
                _suggest_merge(ctx, int(first), int(other))
        elif suggestion.kind == "split":
            host = int(suggestion.community_ids[0])
            if host not in merged_by_moderators:
                pids = [int(p) for p in suggestion.post_ids]
                _suggest_split_off(ctx, host, pids, _split_terms(ctx, host))


def _split_terms(ctx: _ClusterContext, host: int) -> list[str]:
    cluster = next((c for c in ctx.matcher.communities_ if c.id == host), None)
    return list(cluster.key_terms) if cluster is not None else []


def _frozen_communities(ctx: _ClusterContext) -> set[int]:
    """Active communities the matcher would merge or split (when told how many communities to
    find, it clusters afresh): they keep their shape and a merge becomes a suggestion to their
    moderators."""
    frozen: set[int] = set()
    for transition in ctx.matcher.transitions_:
        active_before = [c for c in transition.previous_ids if ctx.is_active(c)]
        if transition.kind == "merged" and active_before and len(transition.previous_ids) > 1:
            first, *rest = transition.previous_ids
            for other in rest:
                _suggest_merge(ctx, first, other)
            frozen.update(transition.previous_ids)
        elif transition.kind == "split" and active_before:
            frozen.update(active_before)
    return frozen


def _suggest_split(ctx: _ClusterContext, cluster: engine.Community, pids: list[int]) -> bool:
    """A new cluster mostly taken from one active community becomes a split suggestion to its
    moderators rather than a community of its own. Returns whether it did."""
    from_active = Counter(ctx.placed_in_active[p] for p in pids if p in ctx.placed_in_active)
    if not from_active:
        return False
    host, count = from_active.most_common(1)[0]
    if count * 2 < len(pids) or host not in ctx.existing:
        return False
    return _suggest_split_off(ctx, host, pids, cluster.key_terms)


def _purpose_draft(cluster: engine.Community, titles: dict[int, str]) -> str:
    return purpose_draft(cluster, titles)


def _propose(ctx: _ClusterContext, cluster: engine.Community, pids: list[int]) -> Community | None:
    """A proposed community for a new cluster with enough posts and authors (invited later, by
    ``invitations_send``); None when the cluster is too small."""
    posts = ctx.posts
    authors = {author for p in pids if p in posts and (author := posts[p].author_id) is not None}
    if (
        len(pids) < settings.KINDRED_PROPOSED_COMMUNITY_MIN_POSTS
        or len(authors) < settings.KINDRED_PROPOSED_COMMUNITY_MIN_AUTHORS
    ):
        return None
    name = cluster.name[:120] or "New community"
    community = Community.objects.create(
        name=name,
        slug=unique_community_slug(name),
        purpose=_purpose_draft(cluster, {pid: p.title for pid, p in posts.items()}),
        status=Community.Status.PROPOSED,
        origin=Community.Origin.MATCHER,
        formed_reason=(
            f"{len(authors)} people posted {len(pids)} problems about "
            f"{', '.join(cluster.key_terms[:4])}"
            + (f" (tags: {', '.join(cluster.tags[:4])})" if cluster.tags else "")
            + "."
        ),
        proposed_until=ctx.now + timedelta(days=settings.KINDRED_PROPOSED_COMMUNITY_TTL_DAYS),
    )
    tags_assign(community, tags_from_names(cluster.tags[:5]))
    charter_revision_record(community=community, editor=None, summary="Proposed by the matcher")
    return community


def _apply_communities(
    run: MatchRun, matcher: engine.Matcher, posts: dict[int, Post]
) -> _RunChanges:
    """Turn the run's clusters into communities and placements."""
    ctx = _cluster_context(run, matcher, posts)
    outcome = _RunChanges()
    frozen = _frozen_communities(ctx)
    members: dict[int, list[int]] = defaultdict(list)
    for pid, label in zip(matcher.post_ids_, matcher.labels_, strict=True):
        if int(label) != engine.UNASSIGNED:
            members[int(label)].append(int(pid))
    clusters = {c.id: c for c in matcher.communities_}
    for cluster_id, pids in sorted(members.items()):
        cluster = clusters.get(cluster_id)
        if cluster is None:
            continue
        community: Community | None
        if cluster_id in ctx.existing:
            community = ctx.existing[cluster_id]
            if community.status == Community.Status.ARCHIVED:
                continue
            outcome.community_map[cluster_id] = community.pk
            if community.pk in frozen:
                continue
        elif _suggest_split(ctx, cluster, pids):
            continue
        else:
            community = _propose(ctx, cluster, pids)
            if community is None:
                continue
            outcome.community_map[cluster_id] = community.pk
            outcome.proposed.append(community)
            ctx.existing[cluster_id] = community
            outcome.authors[community.pk] = Counter(
                a for p in pids if p in posts and (a := posts[p].author_id) is not None
            )
        outcome.placements.add(
            _sync_placements(community, pids, ctx.scores, cluster.member_reasons, ctx.kept_out)
        )
    _engine_suggestions(ctx)  # after proposing: a new proposal can be suggested a merge at once
    outcome.invitations = invitations_send(
        proposed=outcome.proposed, authors=outcome.authors, now=ctx.now
    )
    return outcome


def _sync_placements(
    community: Community,
    post_ids: list[int],
    scores: dict[int, float],
    reasons: dict[Any, str],
    kept_out: dict[int, set[int]],
) -> RowCounts:
    """The matcher's placements in a community become exactly this cluster, by difference:
    placements that stay and whose score moved less than SCORE_TOLERANCE are not written;
    placements by members and moderators are never touched."""
    wanted = {pid for pid in post_ids if pid not in kept_out[community.pk]}
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
    Placement.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    moved, now = [], timezone.now()
    for pid in sorted(wanted & set(current)):
        placement = current[pid]
        if placement.placed_by == Placement.PlacedBy.MATCHER:
            score = max(0.0, min(1.0, scores.get(pid, 0.0)))
            if placement.score is None or abs(placement.score - score) > SCORE_TOLERANCE:
                placement.score, placement.updated_at = score, now
                moved.append(placement)
    Placement.objects.bulk_update(moved, ["score", "updated_at"], batch_size=2000)
    return RowCounts(written=len(new) + len(moved), deleted=len(stale))


def _found_in(chunks: Sequence[dict[str, Any]], posts: Collection[int]) -> dict[int, PostMatches]:
    return {
        int(key): PostMatches(
            peers=[
                engine.Peer(id=p[0], score=p[1], shared_tags=tuple(p[2]), shared_terms=tuple(p[3]))
                for p in raw_peers
            ],
            fits=[(int(c), conf) for c, conf in chunk["fits"].get(key, [])],
        )
        for chunk in chunks
        for key, raw_peers in chunk.get("peers", {}).items()
        if int(key) in posts
    }


def _writes(outcome: _RunChanges) -> dict[str, int]:
    """What applying the run wrote (inserted or updated) and deleted: rows already as wanted are
    not written, so a run over the same posts writes (almost) nothing."""
    stored = outcome.stored or MatchRowCounts(peers=RowCounts(), fits=RowCounts())
    return {
        "peers_written": stored.peers.written,
        "peers_deleted": stored.peers.deleted,
        "fits_written": stored.fits.written,
        "fits_deleted": stored.fits.deleted,
        "placements_written": outcome.placements.written,
        "placements_deleted": outcome.placements.deleted,
        "posts_marked_matched": outcome.marked,
    }


def _finish(run: MatchRun, matcher: engine.Matcher | None, outcome: _RunChanges) -> None:
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
        "suggestions": MatcherSuggestion.objects.filter(run=run).count(),
        "invitations": outcome.invitations,
        "transitions": dict(transitions),
        "discovery": getattr(matcher, "discovery_", {}) if matcher else {},
        **outcome.areas,  # areas found, area rows made, communities put in an area
        **_writes(outcome),
    }
    run.save()


def _in_new_communities(run: MatchRun, matcher: engine.Matcher) -> set[int]:
    """Posts the run placed in communities the previous run did not have."""
    previous = set(run.metrics.get("previous", {}))
    return {
        int(pid)
        for pid, label in zip(matcher.post_ids_, matcher.labels_, strict=True)
        if int(label) != engine.UNASSIGNED and str(int(label)) not in previous
    }


def _store_found(run: MatchRun, outcome: _RunChanges) -> None:
    """Store the peers and fits of the run's chunks, one chunk at a time, and mark their posts
    matched."""
    outcome.stored = MatchRowCounts(peers=RowCounts(), fits=RowCounts())
    count, visible = 0, searchable_authors()
    for chunk in match_run_chunks(run.pk):
        count += 1
        ids = [int(pid) for pid in chunk.get("peers", {})]
        live = set(matchable_posts().filter(pk__in=ids).values_list("pk", flat=True))
        stored = found_store(_found_in([chunk], live), outcome.community_map, visible)
        outcome.stored.peers.add(stored.peers)
        outcome.stored.fits.add(stored.fits)
        outcome.marked += posts_mark_matched([pk for pk in ids if pk in live])
    if count != run.metrics.get("chunks", count):
        raise RuntimeError(f"{run.metrics['chunks'] - count} chunks of the run are missing")


def match_run_apply(*, run_id: int) -> MatchRun | None:
    """Apply a run's whole result in one transaction: communities, placements, proposed
    communities and invitations, then the peers and fits its chunks stored (``MatchRunChunk``).
    Safe to run twice: a finished run is left alone."""
    match_run_progress(run_id, stage="applying", progress=90)
    with transaction.atomic():
        run = (
            MatchRun.objects.select_for_update()
            .filter(pk=run_id, status=MatchRun.Status.RUNNING)
            .first()
        )
        if run is None:
            return None
        matcher = run_matcher(run_id) if run.post_count else None
        outcome = _RunChanges()
        if matcher is not None:
            # New communities need their posts (authors, titles); the rest is read by chunk.
            needed = _in_new_communities(run, matcher)
            posts = {p.pk: p for p in matchable_posts().filter(pk__in=needed)}
            outcome = _apply_communities(run, matcher, posts)
            known = {int(k): v for k, v in run.metrics.get("previous_areas", {}).items()}
            outcome.areas = areas_apply(
                matcher=matcher, community_map=outcome.community_map, known=known
            )
        _store_found(run, outcome)
        MatchRunChunk.objects.filter(run=run).delete()
        _finish(run, matcher, outcome)
        artifacts_prune()
    return run


def match_run_execute(
    *, run_id: int, progress: Callable[[int, int], Any] | None = None
) -> MatchRun | None:
    """Run a whole match run in this process (the `run_matcher` command and tests): the same
    steps the Celery pipeline spreads over workers."""
    if match_run_claim(run_id=run_id) is None:
        return None
    try:
        chunks = match_run_fit(run_id=run_id) or []
        for i, chunk in enumerate(chunks):
            match_run_peers_chunk(run_id=run_id, post_ids=chunk, number=i)
            match_run_progress(run_id, progress=40 + int(50 * (i + 1) / max(1, len(chunks))))
            if progress is not None:
                progress(i + 1, len(chunks))
        return match_run_apply(run_id=run_id)
    except Exception as exc:
        match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


def proposed_communities_expire() -> int:
    """Archive communities the matcher proposed whose time ran out before enough people joined.
    Safe to run twice. Returns how many were archived."""
    now = timezone.now()
    return Community.objects.filter(
        status=Community.Status.PROPOSED, proposed_until__lt=now
    ).update(status=Community.Status.ARCHIVED, updated_at=now)

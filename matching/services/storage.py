"""Bulk writes of what the matcher found: peers, community fits, sentence vectors.

A full run finds a million suggestions; only those that changed since the last run are written
(``matching.services.upsert``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import models
from django.utils import timezone

from communities.models import Community, Post
from matching import engine
from matching.models import CommunityFit, MatchConstraint, PeerSuggestion, PostVector
from matching.services.adapter import searchable_authors, to_engine_post
from matching.services.upsert import RowCounts, RowShape, rows_sync

SEMANTIC_MODEL = "all-MiniLM-L6-v2"


@dataclass
class PostMatches:
    """What the engine found for one post: peers, and communities by engine id."""

    peers: list[engine.Peer]
    fits: list[tuple[int, float]]


@dataclass
class _Exclusions:
    """What must not be stored for the posts being written."""

    authors: dict[int, int]  # post -> its author
    visible: dict[int, int]  # peer post -> its author, for peers that may be shown
    declined_peers: set[tuple[int, int]]
    declined_fits: set[tuple[int, int]]
    kept_out: set[tuple[int, int]]
    open_communities: set[int]


def _exclusions(
    found: dict[int, PostMatches], community_map: dict[int, int], visible: dict[int, int] | None
) -> _Exclusions:
    post_ids = list(found)
    if visible is None:
        visible = searchable_authors({int(p.id) for f in found.values() for p in f.peers})
    return _Exclusions(
        authors=dict(Post.objects.filter(pk__in=post_ids).values_list("pk", "author_id")),
        visible=visible,
        declined_peers=set(
            PeerSuggestion.objects.filter(post_id__in=post_ids, declined=True).values_list(
                "post_id", "peer_id"
            )
        ),
        declined_fits=set(
            CommunityFit.objects.filter(post_id__in=post_ids, declined=True).values_list(
                "post_id", "community_id"
            )
        ),
        kept_out=set(
            MatchConstraint.objects.filter(
                kind=MatchConstraint.Kind.KEEP_OUT, post_id__in=post_ids
            ).values_list("post_id", "community_id")
        ),
        open_communities=set(
            Community.objects.exclude(status=Community.Status.ARCHIVED)
            .filter(pk__in=set(community_map.values()))
            .values_list("pk", flat=True)
        ),
    )


def _peer_rows(post_id: int, peers: list[engine.Peer], ex: _Exclusions) -> list[dict[str, Any]]:
    limit = settings.KINDRED_PEERS_PER_POST
    rows: list[dict[str, Any]] = []
    for peer in peers:
        if len(rows) == limit:
            break
        peer_id = int(peer.id)
        if (
            peer_id not in ex.visible
            or ex.visible[peer_id] == ex.authors.get(post_id)
            or (post_id, peer_id) in ex.declined_peers
        ):
            continue
        rows.append(
            {
                "post_id": post_id,
                "peer_id": peer_id,
                "score": max(-1.0, min(1.0, float(peer.score))),
                "reason": peer.reason[:500],
                "shared_tags": list(peer.shared_tags),
                "shared_terms": list(peer.shared_terms),
            }
        )
    return rows


def fit_reason(confidence: float) -> str:
    """What a fit's confidence means (see ``engine.placement``): it is twice the share of the
    community's members the post is as close and as distinct as, capped at 1."""
    closer = "Closer to this community than to any other"
    if confidence >= 1:
        return f"{closer}, and as close to it as its typical member"
    return f"{closer}; closer to its centre than {confidence / 2:.0%} of its members are"


def _fit_rows(
    post_id: int, fits: list[tuple[int, float]], community_map: dict[int, int], ex: _Exclusions
) -> list[dict[str, Any]]:
    rows = []
    for engine_id, confidence in fits:
        community_id = community_map.get(engine_id)
        if (
            community_id in ex.open_communities
            and (post_id, community_id) not in ex.kept_out
            and (post_id, community_id) not in ex.declined_fits
        ):
            rows.append(
                {
                    "post_id": post_id,
                    "community_id": community_id,
                    "confidence": max(0.0, min(1.0, float(confidence))),
                    "reason": fit_reason(confidence),
                }
            )
    return rows


PEER_ROWS = RowShape(
    model=PeerSuggestion,
    owner="post_id",
    other="peer_id",
    fields=("score", "reason", "shared_tags", "shared_terms"),
    score_field="score",
)
FIT_ROWS = RowShape(
    model=CommunityFit,
    owner="post_id",
    other="community_id",
    fields=("confidence", "reason"),
    score_field="confidence",
)


@dataclass
class MatchRowCounts:
    """What :func:`found_store` wrote: peer suggestions and community fits."""

    peers: RowCounts
    fits: RowCounts


def found_store(
    found: dict[int, PostMatches],
    community_map: dict[int, int],
    visible: dict[int, int] | None = None,
) -> MatchRowCounts:
    """Make the stored peers and community fits of every post in ``found`` what was found, by
    difference (``upsert.rows_sync``): unchanged rows are not touched, so storing the same
    result twice writes nothing. Peers are other people's visible posts; declined suggestions
    stay declined and are not offered again; communities a post was kept out of, or archived
    ones, are left out. ``visible``: ``searchable_authors()`` when already read (a run's apply
    reads it once for every chunk)."""
    ex = _exclusions(found, community_map, visible)
    peer_rows: list[dict[str, Any]] = []
    fit_rows: list[dict[str, Any]] = []
    for post_id, result in found.items():
        peer_rows += _peer_rows(post_id, result.peers, ex)
        fit_rows += _fit_rows(post_id, result.fits, community_map, ex)
    post_ids = list(found)
    return MatchRowCounts(
        peers=rows_sync(PEER_ROWS, post_ids, peer_rows),
        fits=rows_sync(FIT_ROWS, post_ids, fit_rows),
    )


def posts_mark_matched(post_ids: Sequence[int]) -> int:
    """Mark these posts matched; those already matched are not written again. Returns how many
    were marked."""
    return (
        Post.objects.filter(pk__in=post_ids)
        .exclude(match_state=Post.MatchState.MATCHED)
        .update(match_state=Post.MatchState.MATCHED, matched_at=timezone.now())
    )


# -- sentence vectors ------------------------------------------------------------------------------


def vector_key(matcher: engine.Matcher) -> str | None:
    """What identifies a sentence vector's model, or None for the lexical encoder (whose vectors
    depend on the whole corpus and are recomputed by every run)."""
    if matcher.encoder == "lexical":
        return None
    return SEMANTIC_MODEL


def vectors_stored(matcher: engine.Matcher, post_ids: set[int]) -> dict[engine.PostId, np.ndarray]:
    """The sentence vectors kept for these posts, leaving out any older than its post's last
    edit (the post is encoded again)."""
    key = vector_key(matcher)
    if key is None:
        return {}
    rows = PostVector.objects.filter(
        post_id__in=post_ids, encoder=key, created_at__gte=models.F("post__updated_at")
    ).values_list("post_id", "vector")
    return {post_id: np.frombuffer(bytes(data), dtype="<f4") for post_id, data in rows}


def vectors_store(matcher: engine.Matcher, known: dict[engine.PostId, np.ndarray]) -> None:
    """Keep the sentence vectors a fit computed that were not ``known`` before; a stale vector
    of an edited post is replaced."""
    key = vector_key(matcher)
    if key is not None:
        made = {p: v for p, v in matcher.semantic_vectors_.items() if int(p) not in known}
        _vectors_save(key, made)


def _vectors_save(key: str, vectors: dict[engine.PostId, np.ndarray]) -> None:
    new = [
        PostVector(post_id=int(pid), encoder=key, vector=np.asarray(v, dtype="<f4").tobytes())
        for pid, v in vectors.items()
    ]
    for start in range(0, len(new), 5000):
        stale = [v.post_id for v in new[start : start + 5000]]
        PostVector.objects.filter(post_id__in=stale).delete()
    PostVector.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)


def vectors_ensure(matcher: engine.Matcher, posts: Sequence[Post]) -> dict[int, np.ndarray]:
    """Each post's sentence vector for ``matcher``'s encoder: the stored one when it is newer
    than the post's last edit, otherwise encoded now and stored, so that no later run or task
    encodes the post again. Empty for the lexical encoder. Safe to run twice."""
    key = vector_key(matcher)
    if key is None or not posts:
        return {}
    known = {int(k): v for k, v in vectors_stored(matcher, {p.pk for p in posts}).items()}
    missing = [p for p in posts if p.pk not in known]
    if missing:
        made = matcher.sentence_vectors([to_engine_post(p) for p in missing])
        _vectors_save(key, made)
        known.update({int(k): v for k, v in made.items()})
    return known


def vector_forget_if_stale(post: Post) -> bool:
    """Drop a post's sentence vector when the post was edited after it was made, so that the
    next run encodes its new text. Returns whether one was dropped. Safe to run twice."""
    deleted, _ = PostVector.objects.filter(post=post, created_at__lt=post.updated_at).delete()
    return bool(deleted)

"""Bulk writes of what the matcher found: peers, community fits, sentence vectors.

A full run writes a million suggestions; on PostgreSQL they go through COPY into a temporary
table (:func:`insert_many`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from communities.models import Community, Post
from matching import engine
from matching.models import CommunityFit, MatchConstraint, PeerSuggestion, PostVector
from matching.services.adapter import searchable_authors, to_engine_post

SEMANTIC_MODEL = "all-MiniLM-L6-v2"


@dataclass
class Found:
    """What the engine found for one post: peers, and communities by engine id."""

    peers: list[engine.Peer]
    fits: list[tuple[int, float]]


@dataclass
class _Exclusions:
    """What must not be stored for the posts being written."""

    authors: dict[int, int]  # post -> its author
    visible: dict[int, int]  # peer post -> its author, for peers that may be shown
    dismissed_peers: set[tuple[int, int]]
    dismissed_fits: set[tuple[int, int]]
    kept_out: set[tuple[int, int]]
    open_communities: set[int]


def _exclusions(found: dict[int, Found], community_map: dict[int, int]) -> _Exclusions:
    post_ids = list(found)
    return _Exclusions(
        authors=dict(Post.objects.filter(pk__in=post_ids).values_list("pk", "author_id")),
        visible=searchable_authors({int(p.id) for f in found.values() for p in f.peers}),
        dismissed_peers=set(
            PeerSuggestion.objects.filter(post_id__in=post_ids, dismissed=True).values_list(
                "post_id", "peer_id"
            )
        ),
        dismissed_fits=set(
            CommunityFit.objects.filter(post_id__in=post_ids, dismissed=True).values_list(
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
            or (post_id, peer_id) in ex.dismissed_peers
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
            and (post_id, community_id) not in ex.dismissed_fits
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


def found_store(found: dict[int, Found], community_map: dict[int, int]) -> None:
    """Replace the stored peers and community fits of every post in ``found``, in a few bulk
    queries. Peers are other people's visible posts; dismissed suggestions stay dismissed and
    are not offered again; communities a post was kept out of, or archived ones, are left out."""
    ex = _exclusions(found, community_map)
    peer_rows: list[dict[str, Any]] = []
    fit_rows: list[dict[str, Any]] = []
    for post_id, result in found.items():
        peer_rows += _peer_rows(post_id, result.peers, ex)
        fit_rows += _fit_rows(post_id, result.fits, community_map, ex)
    post_ids = list(found)
    for start in range(0, len(post_ids), 5000):
        batch = post_ids[start : start + 5000]
        PeerSuggestion.objects.filter(post_id__in=batch, dismissed=False).delete()
        CommunityFit.objects.filter(post_id__in=batch, dismissed=False).delete()
    insert_many(PeerSuggestion, peer_rows)
    insert_many(CommunityFit, fit_rows)


def posts_mark_matched(post_ids: Sequence[int]) -> None:
    Post.objects.filter(pk__in=post_ids).update(
        match_state=Post.MatchState.MATCHED, matched_at=timezone.now()
    )


def insert_many(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
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

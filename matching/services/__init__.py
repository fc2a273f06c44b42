"""The Django side of matching: rows in, engine out, rows written back. Matching's public
interface: other apps, tasks and commands import these names from ``matching.services``.

Two paths use the matcher engine (``matching.engine``):

- **Incremental**, one post at a time (``post_match``, in ``incremental``): when a post is saved,
  the current fitted matcher (the artifact of the last successful run, ``artifacts``) places it,
  finds its peers and the communities it fits, and stores them (``storage``). Seconds, not
  minutes. ``similar_to_text`` asks the same matcher about a draft being typed.
- **Full runs** (``match_run_*``, in ``runs``): every open post is clustered again. A run computes
  on the side, split into Celery tasks that any number of workers share (fit, then neighbour
  search in chunks), and applies its whole result in one transaction at the end
  (``match_run_apply``, in ``apply``). A failed or killed run leaves the previous placements as
  they were.

A post author declining a suggested community or peer is in ``declines``. Tasks are enqueued by
name: no module of this package imports ``matching.tasks``.
"""

from matching.services.adapter import matchable_posts, new_matcher, to_engine_post
from matching.services.apply import match_run_apply, match_run_execute, proposed_communities_expire
from matching.services.artifacts import UnloadableArtifact, current_run
from matching.services.declines import community_fit_decline, peer_suggestion_decline
from matching.services.incremental import (
    SimilarCommunity,
    SimilarFound,
    SimilarPost,
    current_matcher,
    pending_posts_requeue,
    post_mark_pending,
    post_match,
    posts_encode,
    sentence_model_load,
    similar_to_text,
)
from matching.services.runs import (
    ACTIVE_RUN_STATES,
    can_start_runs,
    match_run_claim,
    match_run_fail,
    match_run_fan_out,
    match_run_fit,
    match_run_heartbeat,
    match_run_peers_chunk,
    match_run_progress,
    match_run_request,
    match_runs_reap_stale,
)

__all__ = [
    "ACTIVE_RUN_STATES",
    "SimilarCommunity",
    "SimilarFound",
    "SimilarPost",
    "UnloadableArtifact",
    "can_start_runs",
    "community_fit_decline",
    "current_matcher",
    "current_run",
    "match_run_apply",
    "match_run_claim",
    "match_run_execute",
    "match_run_fail",
    "match_run_fan_out",
    "match_run_fit",
    "match_run_heartbeat",
    "match_run_peers_chunk",
    "match_run_progress",
    "match_run_request",
    "match_runs_reap_stale",
    "matchable_posts",
    "new_matcher",
    "peer_suggestion_decline",
    "pending_posts_requeue",
    "post_mark_pending",
    "post_match",
    "posts_encode",
    "proposed_communities_expire",
    "sentence_model_load",
    "similar_to_text",
    "to_engine_post",
]

"""Who belongs, and how well a new post fits: misfits, calibration and placement.

A post is a misfit of its community when its similarity to the centre is more than ``misfit_z``
robust standard deviations (1.4826 x the median absolute deviation) below the community's median,
within a budget that keeps coverage at ``min_coverage``. Each community keeps the percentiles of
its members' similarities; a new post fits it when it is at least as close to the centre as the
least typical ``fit_percentile`` of its members, and its confidence is twice the share of members
it is closer than, capped at 1 (1 means "at least as close as the median member").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from matching.engine.types import CommunityId


def misfits(
    labels: np.ndarray, scores: np.ndarray, k: int, *, misfit_z: float, min_coverage: float
) -> np.ndarray:
    """A boolean mask of posts to leave unassigned, worst first within the coverage budget."""
    z = np.zeros(len(labels))
    for c in range(k):
        m = labels == c
        if m.sum() < 3:
            continue
        med = np.median(scores[m])
        spread = 1.4826 * np.median(np.abs(scores[m] - med)) + 1e-6
        z[m] = (scores[m] - med) / spread
    misfit = (z < -misfit_z) & (labels >= 0)
    budget = math.floor((1 - min_coverage) * len(labels))
    already = int((labels < 0).sum())
    allowed = max(0, budget - already)
    if misfit.sum() > allowed:
        worst = np.flatnonzero(misfit)[np.argsort(z[misfit], kind="stable")][:allowed]
        misfit = np.zeros_like(misfit)
        misfit[worst] = True
    return misfit


def score_quantiles(
    labels: np.ndarray, scores: np.ndarray, community_ids: Sequence[CommunityId]
) -> np.ndarray:
    """Per community: percentiles 0..100 of its members' similarity to the centre."""
    out = np.ones((len(community_ids), 101), np.float32)
    for j, c in enumerate(community_ids):
        s = scores[labels == c]
        if len(s):
            out[j] = np.percentile(s, np.arange(101))
    return out


def place_vector(
    z: np.ndarray,
    *,
    centroids: np.ndarray,
    quantiles: np.ndarray,
    community_ids: Sequence[CommunityId],
    fit_percentile: float,
    limit: int,
) -> list[tuple[CommunityId, float]]:
    """Communities vector ``z`` fits, best first, with a confidence in (0, 1]."""
    if not community_ids or not np.any(z):
        return []
    sims = centroids @ z
    grid = np.linspace(0.0, 1.0, 101)
    share = np.array(
        [np.interp(s, q, grid, left=0.0, right=1.0) for s, q in zip(sims, quantiles, strict=True)]
    )
    order = np.argsort(-sims, kind="stable")
    return [
        (int(community_ids[j]), round(float(min(1.0, 2 * share[j])), 4))
        for j in order[:limit]
        if share[j] >= fit_percentile
    ]

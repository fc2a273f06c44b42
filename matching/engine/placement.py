"""Who belongs, and how well a new post fits: misfits, fit profiles and placement.

**Misfits.** A post is a misfit of its community when its similarity to the centre is more than
``misfit_z`` robust standard deviations below the community's median, within a budget that keeps
coverage at ``min_coverage``. The robust deviation (1.4826 x the median absolute deviation) of a
small community says little (three near-identical posts have a deviation near zero, and the least
typical of them would look like a misfit), so it never falls below the deviation pooled over every
community.

**Fit profiles.** A new post is compared with what members look like, measured the way a newcomer
would be: each member's similarity to the centre of the *other* members (leave-one-out, so a small
community's members do not look closer than a newcomer could be just because they made the
centre), and its *margin*, that similarity minus its similarity to the nearest competing centre
(another community, or the centre of the posts no community holds). A profile keeps the
percentiles 0..100 of both.

**Placement.** A post fits a community when its similarity and its margin are each at least those
of the least typical ``fit_percentile`` of the members, and its margin is positive (it is closer
to this community than to any other). Its confidence is twice the smaller of the two shares of
members it beats, capped at 1: 1 means "as close and as distinct as the median member". A post
close to nothing fits nothing; when there is a single community, the posts outside it are the
competitor, so an unrelated post is not a confident fit by default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.preprocessing import normalize

from matching.engine.types import CommunityId

_GRID = np.linspace(0.0, 1.0, 101)


def misfits(
    labels: np.ndarray, scores: np.ndarray, k: int, *, misfit_z: float, min_coverage: float
) -> np.ndarray:
    """A boolean mask of posts to leave unassigned, worst first within the coverage budget."""
    medians = np.zeros(k)
    spreads = np.zeros(k)
    deviations = []
    for c in range(k):
        m = labels == c
        if m.sum() == 0:
            continue
        medians[c] = np.median(scores[m])
        dev = np.abs(scores[m] - medians[c])
        spreads[c] = 1.4826 * np.median(dev)
        deviations.append(dev)
    pooled = 1.4826 * float(np.median(np.concatenate(deviations))) if deviations else 0.0
    z = np.zeros(len(labels))
    for c in range(k):
        m = labels == c
        if m.sum() < 3:
            continue
        z[m] = (scores[m] - medians[c]) / (max(spreads[c], pooled) + 1e-6)
    misfit = (z < -misfit_z) & (labels >= 0)
    budget = math.floor((1 - min_coverage) * len(labels))
    already = int((labels < 0).sum())
    allowed = max(0, budget - already)
    if misfit.sum() > allowed:
        worst = np.flatnonzero(misfit)[np.argsort(z[misfit], kind="stable")][:allowed]
        misfit = np.zeros_like(misfit)
        misfit[worst] = True
    return misfit


def competitors(Z: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """The centres a post is weighed against: every community's, then the centre of the posts no
    community holds (when there are any with a vector)."""
    loose = (labels < 0) & (np.linalg.norm(Z, axis=1) > 0)
    if not loose.any():
        return centroids.astype(np.float32)
    background = normalize(Z[loose].sum(axis=0, keepdims=True)).astype(np.float32)
    return np.vstack([centroids, background]).astype(np.float32)


def fit_profiles(
    Z: np.ndarray,
    labels: np.ndarray,
    centres: np.ndarray,
    community_ids: Sequence[CommunityId],
) -> np.ndarray:
    """Per community (rows of ``centres`` first, then any background centre): percentiles 0..100
    of its members' leave-one-out similarity (``[:, 0]``) and margin (``[:, 1]``). A community
    with a single member keeps that member's own similarity (only near-duplicates fit it)."""
    k = len(community_ids)
    out = np.ones((k, 2, 101), np.float32)
    sims_all = Z @ centres.T
    for j, c in enumerate(community_ids):
        rows = np.flatnonzero(labels == c)
        if not len(rows):
            continue
        members = Z[rows]
        total = members.sum(axis=0)
        if len(rows) > 1:
            dots = members @ total
            self_sq = np.einsum("ij,ij->i", members, members)
            rest = np.sqrt(np.maximum(float(total @ total) - 2 * dots + self_sq, 1e-12))
            loo = (dots - self_sq) / rest
        else:
            loo = sims_all[rows, j]
        others = np.delete(sims_all[rows], j, axis=1)
        nearest = others.max(axis=1) if others.shape[1] else np.zeros(len(rows))
        out[j, 0] = np.percentile(loo, np.arange(101))
        out[j, 1] = np.percentile(loo - nearest, np.arange(101))
    return out


def _share(value: float, percentiles: np.ndarray) -> float:
    """The share of members ``value`` is at least as high as (0..1), from their percentiles."""
    return float(np.interp(value, percentiles, _GRID, left=0.0, right=1.0))


def place_vector(
    z: np.ndarray,
    *,
    centres: np.ndarray,
    profiles: np.ndarray,
    community_ids: Sequence[CommunityId],
    fit_percentile: float,
    limit: int,
) -> list[tuple[CommunityId, float]]:
    """Communities vector ``z`` fits, best first, with a confidence in (0, 1]; [] when none.
    ``centres`` are the communities' centres followed by any competitors (see
    :func:`competitors`)."""
    k = len(community_ids)
    if not k or not np.any(z):
        return []
    sims = centres @ z
    fitting = []
    for j in np.argsort(-sims[:k], kind="stable").tolist():
        others = np.delete(sims, j)
        margin = float(sims[j] - (others.max() if len(others) else 0.0))
        if margin <= 0:
            continue
        share = min(_share(float(sims[j]), profiles[j, 0]), _share(margin, profiles[j, 1]))
        if share >= fit_percentile and share > 0:
            fitting.append((int(community_ids[j]), round(min(1.0, 2 * share), 4)))
    return fitting[:limit]


def centre_scores(
    Z: np.ndarray, labels: np.ndarray, centroids: np.ndarray, community_ids: list[int]
) -> np.ndarray:
    """Each post's similarity to its community's centre (to the nearest one if unassigned)."""
    if not community_ids:
        return np.zeros(len(Z), np.float32)
    sims = Z @ centroids.T
    column = np.searchsorted(np.array(community_ids), labels)
    best = sims.max(axis=1)
    own = sims[np.arange(len(Z)), np.minimum(column, len(community_ids) - 1)]
    return np.where(labels >= 0, own, best).astype(np.float32)


def final_centres(
    Z: np.ndarray,
    labels: np.ndarray,
    community_ids: list[CommunityId],
    before: Mapping[CommunityId, np.ndarray],
    extra: Mapping[CommunityId, np.ndarray],
) -> np.ndarray:
    """Each community's centre on its final members; a community left without members keeps its
    centre from ``before`` (or the pinned vector of ``extra``)."""
    out = np.zeros((len(community_ids), Z.shape[1]), np.float32)
    for j, c in enumerate(community_ids):
        rows = np.flatnonzero(labels == c)
        if len(rows):
            out[j] = normalize(Z[rows].sum(axis=0, keepdims=True))[0]
        elif c in before:
            out[j] = before[c]
        elif c in extra:
            out[j] = normalize(np.asarray(extra[c])[None, :])[0]
    return out

"""Areas: broader groups of communities, so that a directory of thousands stays browsable.

* **Found** (:func:`group`) when no community has an area yet (a first run, or the first run after
  an upgrade): each post's nearest neighbours that lie in *other* communities link those
  communities, and communities are merged greedily by the modularity of these links alone, up to
  its peak. Sites that each hold many topics come out as areas (stackexchange3: three areas, one per
  site); an area needs at least two communities, and a community that no other community's posts
  reach stays without area rather than being forced into one.
* **Kept** (:func:`carry_over`) in every later run: previous communities keep their area as given,
  moderators' moves included. A new community joins the nearest area only when it is about as close
  to that area's centre as the area's own communities are; otherwise it stays without area until a
  moderator places it.

Area ids follow community ids' rules: previous ids are kept, new ones are numbered by size.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from matching.engine import cluster
from matching.engine.types import AreaId, CommunityId


def carry_over(
    Z: np.ndarray,
    labels: np.ndarray,
    community_ids: list[CommunityId],
    centroids: np.ndarray,
    previous_areas: Mapping[CommunityId, AreaId],
) -> dict[CommunityId, AreaId]:
    """Previous communities keep their area; a new community joins the nearest area when it is at
    least as close to its centre as the least typical of the area's communities is to the centre
    of the others (leave-one-out, so that a community does not count towards its own closeness)."""
    current = set(community_ids)
    kept = {c: a for c, a in previous_areas.items() if c in current}
    rows = np.flatnonzero(np.isin(labels, list(kept)))
    col = {c: j for j, c in enumerate(kept)}
    onehot = sp.csr_matrix(
        (np.ones(len(rows)), ([col[int(c)] for c in labels[rows]], rows)),
        shape=(len(kept), len(labels)),
    )
    summed = np.asarray(onehot @ Z)
    sums = {c: summed[col[c]] for c in kept}
    area_sums: dict[AreaId, np.ndarray] = {}
    for c, a in kept.items():
        area_sums[a] = area_sums.get(a, 0) + sums[c]
    row = {c: j for j, c in enumerate(community_ids)}
    floor = {a: np.inf for a in area_sums}
    for c, a in kept.items():
        others = area_sums[a] - sums[c]
        if np.any(others):
            floor[a] = min(floor[a], float(centroids[row[c]] @ _unit(others)))
    if not area_sums:
        return kept
    area_ids = list(area_sums)
    C = np.vstack([_unit(area_sums[a]) for a in area_ids])
    out = dict(kept)
    for c in community_ids:
        if c in kept or not np.any(centroids[row[c]]):
            continue
        sims = C @ centroids[row[c]]
        best = int(np.argmax(sims))
        if sims[best] >= floor[area_ids[best]]:
            out[c] = area_ids[best]
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def group(
    Z: np.ndarray,
    labels: np.ndarray,
    community_ids: list[CommunityId],
    *,
    min_communities: int = 2,
    sample: int = 5000,
    max_neighbours: int = 500,
    random_state: int | None = 0,
) -> dict[CommunityId, AreaId]:
    """Areas found over communities: each post's nearest neighbours (about twice a typical
    community's size, at most ``max_neighbours``) that lie in other communities link them, and
    the communities are merged greedily by the modularity of these links alone (edges inside a
    community are left out) up to its peak. Communities that no other community's posts reach
    stay without area."""
    rows = np.flatnonzero(labels >= 0)
    if len(community_ids) < 2 * min_communities or len(rows) < 4:
        return {}
    col = {c: j for j, c in enumerate(community_ids)}
    micro = np.array([col[int(c)] for c in labels[rows]])
    Zr = Z[rows]
    rng = np.random.RandomState(random_state)
    sampled = np.sort(rng.choice(len(rows), min(len(rows), sample), replace=False))
    # Each post looks past its own community: about twice a typical community's size.
    reach = max(np.sqrt(len(rows)), 2 * np.median(np.bincount(micro)))
    W = cluster.knn_rows(Zr, sampled, int(np.clip(round(reach), 5, max_neighbours)))
    path = cluster.modularity_merge(W, micro, sampled, between_only=True)
    peak = max(path.modularity.values())
    if peak <= 0:
        return {}
    k = min(k for k, q in path.modularity.items() if q >= peak)
    area_of = path.partitions[k]
    sizes = np.bincount(area_of, minlength=k)
    reached = _linked(W, micro, sampled, len(community_ids))
    kept = [a for a in np.argsort(-sizes, kind="stable") if sizes[a] >= min_communities]
    ids = {int(a): rank for rank, a in enumerate(kept)}
    return {
        c: ids[int(area_of[j])]
        for j, c in enumerate(community_ids)
        if int(area_of[j]) in ids and reached[j]
    }


def _linked(W: sp.csr_matrix, micro: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Whether any neighbour edge joins each community to another one."""
    sources, targets = W.nonzero()
    src, dst = micro[rows][sources], micro[targets]
    out = np.zeros(k, bool)
    between = src != dst
    out[src[between]] = True
    out[dst[between]] = True
    return out

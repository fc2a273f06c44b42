"""Which community each post of a fit belongs to: communities discovered (``cluster``), or the
previous run's carried over with new posts placed and new communities founded around new posts
that fit none (``identity``); misfits left out and communities below the minimum size dissolved
(``placement``); constraints applied last (``constraints``).

:class:`Membership` is a part of :class:`~matching.engine.matcher.Matcher` (a mixin): it reads the
matcher's parameters and sets ``discovery_``, ``suggestions_``, ``community_ids_``,
``centroids_`` and ``scores_``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from matching.engine import cluster, identity, placement
from matching.engine.constraints import apply_constraints
from matching.engine.types import UNASSIGNED, CommunityId, Constraints, PostId, Suggestion


class Membership:
    """Finding the posts' communities (see the module docstring)."""

    n_communities: int | None
    max_landmarks: int
    n_micro: int
    stability_runs: int
    modularity_tolerance: float
    resolution: float
    min_community_size: int
    misfit_z: float
    fit_percentile: float
    min_coverage: float
    random_state: int | None
    discovery_: dict[str, Any]
    suggestions_: list[Suggestion]
    community_ids_: list[CommunityId]
    centroids_: np.ndarray
    scores_: np.ndarray

    def _cluster(
        self,
        Z: np.ndarray,
        ids: list[PostId],
        previous: Mapping[CommunityId, Sequence[PostId]] | None,
        constraints: Constraints,
        new: Iterable[PostId] | None = None,
        discover: bool = True,
    ) -> np.ndarray:
        """Each post's community id (or UNASSIGNED); sets ``discovery_``, ``community_ids_``,
        ``centroids_``, ``scores_`` and ``suggestions_`` (none without ``discover``, which
        needs ``previous``)."""
        found = self._discover(Z) if discover or not previous else None
        id_row = {pid: i for i, pid in enumerate(ids)}
        self.suggestions_: list[Suggestion] = []
        if previous and self.n_communities is None:
            out, centroids, community_ids = self._carry_over(Z, ids, previous, id_row, new)
            if found is not None:
                self.suggestions_ = identity.suggest(
                    Z, out, found.centroids, ids, min_size=max(self.min_community_size, 5)
                )
        else:
            assert found is not None
            centroids = cluster.spherical_kmeans(Z, found.centroids, n_iter=10)
            labels, _, centroids = self._assign(Z, centroids)
            clusters = [set() for _ in range(len(centroids))]  # type: list[set[PostId]]
            for i, lab in enumerate(labels):
                if lab >= 0:
                    clusters[lab].add(ids[i])
            community_ids = (
                identity.assign_ids(previous, clusters)
                if previous
                else identity.ids_by_size(clusters)
            )
            out = np.array([community_ids[lab] if lab >= 0 else UNASSIGNED for lab in labels])
        out, extra = apply_constraints(Z, out, centroids, community_ids, constraints, id_row)
        # Final centres and scores on the constrained membership.
        self.community_ids_ = sorted({int(c) for c in out if c >= 0} | set(extra))
        self.centroids_ = placement.final_centres(
            Z, out, self.community_ids_, dict(zip(community_ids, centroids, strict=True)), extra
        )
        self.scores_ = placement.centre_scores(Z, out, self.centroids_, self.community_ids_)
        return out

    def _discover(self, Z: np.ndarray) -> cluster.Discovery:
        found = cluster.discover(
            Z,
            n_communities=self.n_communities,
            max_landmarks=self.max_landmarks,
            n_micro=self.n_micro,
            stability_runs=self.stability_runs,
            modularity_tolerance=self.modularity_tolerance,
            resolution=self.resolution,
            random_state=self.random_state,
        )
        self.discovery_ = {
            "chosen": found.chosen_k,
            "modularity_peak": found.modularity_k,
            "landmarks": found.landmark_count,
        }
        return found

    def _carry_over(
        self,
        Z: np.ndarray,
        ids: list[PostId],
        previous: Mapping[CommunityId, Sequence[PostId]],
        id_row: Mapping[PostId, int],
        new: Iterable[PostId] | None,
    ) -> tuple[np.ndarray, np.ndarray, list[CommunityId]]:
        """Previous communities kept, new posts placed, new communities founded around new posts
        that fit none (``identity.carry_over`` and ``identity.found_new``)."""
        fresh = identity.new_rows(ids, id_row, previous, new)
        kept = identity.carry_over(
            Z,
            previous,
            id_row,
            new=fresh,
            min_size=self.min_community_size,
            fit_percentile=self.fit_percentile,
        )
        labels = identity.found_new(
            Z, kept, fresh, first_id=max(map(int, previous)) + 1, find=self._find_in
        )
        community_ids = sorted(int(c) for c in np.unique(labels[labels >= 0]))
        centres = identity.centres_of(Z, labels)
        centroids = np.zeros((len(community_ids), Z.shape[1]), np.float32)
        for j, c in enumerate(community_ids):
            centroids[j] = centres.get(c, 0)
        return labels, centroids, community_ids

    def _find_in(self, sub: np.ndarray) -> np.ndarray:
        """Communities among some posts (label per row, UNASSIGNED for none), leaving
        ``discovery_`` to say how the whole set's were chosen."""
        if len(sub) < 2 * self.min_community_size:
            return np.full(len(sub), UNASSIGNED, np.int64)
        overall = self.discovery_
        start = cluster.spherical_kmeans(sub, self._discover(sub).centroids, n_iter=10)
        self.discovery_ = {**overall, "new_posts": len(sub)}
        return self._assign(sub, start)[0]

    def _assign(
        self, Z: np.ndarray, centroids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest centre, misfits left out, communities below the minimum size dissolved."""
        live = np.linalg.norm(Z, axis=1) > 0
        while True:
            sims = Z @ centroids.T
            labels = np.argmax(sims, axis=1)
            scores = sims[np.arange(len(Z)), labels]
            labels = np.where(live, labels, UNASSIGNED)
            misfit = placement.misfits(
                labels,
                scores,
                len(centroids),
                misfit_z=self.misfit_z,
                min_coverage=self.min_coverage,
            )
            labels = np.where(misfit, UNASSIGNED, labels)
            sizes = np.bincount(labels[labels >= 0], minlength=len(centroids))
            small = sizes < min(self.min_community_size, max(1, int(live.sum()) // 2))
            if not small.any() or small.all():
                return labels, scores, centroids
            centroids = centroids[~small]

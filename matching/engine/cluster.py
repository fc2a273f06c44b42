"""Finding communities in L2-normalised post vectors without being told how many there are.

The method, and its few parameters:

1. **Landmarks.** Structure is learnt on at most ``max_landmarks`` posts drawn at random (all posts
   when there are fewer); every post is assigned afterwards. This bounds time and memory at any
   size.
2. **Over-cluster.** Spherical k-means cuts the landmarks into ``n_micro`` small, pure
   micro-clusters (far more than any plausible number of communities).
3. **Merge by modularity.** A k-nearest-neighbour graph of the landmarks (k = sqrt(landmarks), so
   the neighbourhood grows with the data; edges are computed from a random ``graph_sample`` of 5000
   landmarks to all landmarks) is collapsed onto the micro-clusters, which are merged
   greedily by the largest modularity gain (Newman 2004; ``resolution`` is Reichardt and
   Bornholdt's gamma, 1 by default). The merge path gives one partition per number of
   communities K, and communities are taken at its peak (the fewest within
   ``modularity_tolerance`` of it): the finest grouping the posts' links support, niche topics
   rather than whole sites. This is repeated ``stability_runs`` times from different
   micro-clusterings; the median peak is kept, and the partition comes from the run that agrees
   best with the others (adjusted Rand index).
4. **Refine.** The chosen partition's centroids are polished with spherical k-means iterations over
   all posts. A run with previous communities keeps them instead (``identity.carry_over``) and uses
   discovery only among new posts that fit none, and to suggest merges and splits.

Broader groupings (sites that each hold many topics) are found above the communities, as areas
(``areas``). Silhouette is not used: on text it keeps rising with K.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import normalize


def top_k_similar(
    queries: np.ndarray, base: np.ndarray, k: int, *, exclude_self: bool = False, chunk: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosine similarities of the k most similar rows of ``base`` for each query row."""
    n = queries.shape[0]
    k = max(1, min(k, base.shape[0] - (1 if exclude_self else 0)))
    idx = np.empty((n, k), np.int64)
    sims = np.empty((n, k), np.float32)
    for start in range(0, n, chunk):
        block = queries[start : start + chunk] @ base.T
        if exclude_self:
            rows = np.arange(block.shape[0])
            block[rows, start + rows] = -np.inf
        part = np.argpartition(-block, k - 1, axis=1)[:, :k]
        idx[start : start + chunk] = part
        sims[start : start + chunk] = np.take_along_axis(block, part, axis=1)
    return idx, sims


def knn_rows(Z: np.ndarray, rows: np.ndarray, k: int, chunk: int = 512) -> sp.csr_matrix:
    """Directed k-nearest-neighbour edges (cosine, clipped at 0) from ``rows`` to all of ``Z``:
    a ``len(rows) x len(Z)`` sparse matrix. Sampling rows keeps the graph affordable at any size
    while its aggregate over micro-clusters stays an unbiased estimate of the full graph's."""
    queries = Z[rows]
    sims_all: list[np.ndarray] = []
    idx_all: list[np.ndarray] = []
    k = max(1, min(k, len(Z) - 1))
    for start in range(0, len(rows), chunk):
        block = queries[start : start + chunk] @ Z.T
        local = np.arange(block.shape[0])
        block[local, rows[start : start + chunk]] = -np.inf
        np.negative(block, out=block)
        # A copy: the slice of argpartition's result would keep the whole (chunk x posts) array
        # alive for every chunk (40 KB a post; found by measuring a million-post fit).
        part = np.argpartition(block, k - 1, axis=1)[:, :k].copy()
        np.negative(block, out=block)
        idx_all.append(part)
        sims_all.append(np.take_along_axis(block, part, axis=1))
    idx = np.vstack(idx_all)
    sims = np.vstack(sims_all)
    return sp.csr_matrix(
        (np.maximum(sims.ravel(), 0.0), (np.repeat(np.arange(len(rows)), k), idx.ravel())),
        shape=(len(rows), len(Z)),
    )


@dataclass
class MergePath:
    """Greedy modularity merges of micro-clusters: ``partitions[K]`` maps micro-cluster ->
    community."""

    micro_labels: np.ndarray
    partitions: dict[int, np.ndarray] = field(default_factory=dict)
    modularity: dict[int, float] = field(default_factory=dict)

    def labels(self, n_communities: int) -> np.ndarray:
        return self.partitions[n_communities][self.micro_labels]


def modularity_merge(
    W: sp.csr_matrix,
    micro_labels: np.ndarray,
    rows: np.ndarray | None = None,
    *,
    between_only: bool = False,
    resolution: float = 1.0,
) -> MergePath:
    """Merge micro-clusters greedily by modularity gain. ``W`` holds the edges of the posts
    ``rows`` (all posts when None) to all posts; it is aggregated onto micro-clusters and
    symmetrised. ``between_only`` drops the edges inside each micro-cluster, so that only how
    the groups link to each other counts (to group communities into areas)."""
    n_micro = int(micro_labels.max()) + 1
    n = W.shape[1]
    P = sp.csr_matrix((np.ones(n), (np.arange(n), micro_labels)), shape=(n, n_micro))
    row_labels = micro_labels if rows is None else micro_labels[rows]
    m = len(row_labels)
    R = sp.csr_matrix((np.ones(m), (np.arange(m), row_labels)), shape=(m, n_micro))
    E = np.asarray((R.T @ W @ P).todense(), dtype=np.float64)
    E = (E + E.T) / 2
    if between_only:
        np.fill_diagonal(E, 0.0)
    total = E.sum()
    E = E / total if total > 0 else np.eye(n_micro) / n_micro
    a = E.sum(axis=1)
    group = np.arange(n_micro)
    alive = np.ones(n_micro, dtype=bool)
    q = float(np.trace(E) - resolution * (a**2).sum())
    path = MergePath(micro_labels=micro_labels)

    def record() -> None:
        _, compact = np.unique(group, return_inverse=True)
        path.partitions[int(alive.sum())] = compact
        path.modularity[int(alive.sum())] = q

    record()
    while alive.sum() > 1:
        gain = 2 * (E - resolution * np.outer(a, a))
        np.fill_diagonal(gain, -np.inf)
        gain[~alive, :] = -np.inf
        gain[:, ~alive] = -np.inf
        i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
        q += float(gain[i, j])
        E[i, :] += E[j, :]
        E[:, i] += E[:, j]
        E[j, :] = 0
        E[:, j] = 0
        a[i] += a[j]
        a[j] = 0
        alive[j] = False
        group[group == j] = i
        record()
    return path


@dataclass
class Discovery:
    centroids: np.ndarray
    chosen_k: int
    modularity_k: int
    landmark_count: int


def spherical_kmeans(
    Z: np.ndarray, centroids: np.ndarray, n_iter: int = 10, fixed: np.ndarray | None = None
) -> np.ndarray:
    """Lloyd iterations on the unit sphere from given centroids. Rows of ``Z`` that are all zero
    (posts with no known word) do not move centroids. ``fixed`` centroids are never moved."""
    C = centroids.astype(np.float32).copy()
    live = np.linalg.norm(Z, axis=1) > 0
    Zl = Z[live]
    for _ in range(n_iter):
        labels = np.argmax(Zl @ C.T, axis=1)
        sums = np.zeros_like(C)
        np.add.at(sums, labels, Zl)
        empty = np.linalg.norm(sums, axis=1) == 0
        new = normalize(sums)
        new[empty] = C[empty]
        if fixed is not None:
            new[fixed] = C[fixed]
        if np.allclose(new, C, atol=1e-5):
            C = new
            break
        C = new
    return C


def discover(
    Z: np.ndarray,
    *,
    n_communities: int | None = None,
    max_landmarks: int = 20_000,
    n_micro: int = 100,
    stability_runs: int = 5,
    modularity_tolerance: float = 0.0,
    resolution: float = 1.0,
    graph_sample: int = 5000,
    random_state: int | None = 0,
) -> Discovery:
    """Choose communities for normalised vectors ``Z`` (see the module docstring)."""
    rng = np.random.RandomState(random_state)
    live = np.flatnonzero(np.linalg.norm(Z, axis=1) > 0)
    if len(live) == 0:
        raise ValueError("no post has a usable vector (no known words or tags)")
    if len(live) > max_landmarks:
        landmarks = np.sort(rng.choice(live, max_landmarks, replace=False))
    else:
        landmarks = live
    L = Z[landmarks]
    n = len(landmarks)
    if n < 4:
        return Discovery(normalize(L.mean(axis=0, keepdims=True)), 1, 1, n)
    micro = int(min(n_micro, max(2, n // 5)))
    if n_communities is not None:
        micro = int(min(n, max(micro, 2 * n_communities)))
    graph_rows = np.sort(rng.choice(n, min(n, graph_sample), replace=False))
    W = knn_rows(L, graph_rows, int(np.clip(round(np.sqrt(n)), 5, 150)))

    paths = []
    for _ in range(max(1, stability_runs)):
        seed = rng.randint(2**31 - 1)
        # Micro-clusters only need to be small and pure, not converged: few iterations suffice.
        kmeans = KMeans(micro, init="random", n_init=1, max_iter=30, random_state=seed)
        paths.append(modularity_merge(W, kmeans.fit(L).labels_, graph_rows, resolution=resolution))
    modularity_k, largest = _candidates(paths, modularity_tolerance)
    chosen = int(min(max(1, n_communities or modularity_k), largest))
    # The run that agrees best with the others at the chosen K gives the partition.
    candidates = [p.labels(chosen) for p in paths]
    agreement = [
        np.mean([adjusted_rand_score(a, b) for b in candidates]) if len(candidates) > 1 else 1.0
        for a in candidates
    ]
    labels = paths[int(np.argmax(agreement))].labels(chosen)
    onehot = sp.csr_matrix((np.ones(n), (np.arange(n), labels)), shape=(n, chosen))
    centroids = normalize(np.asarray(onehot.T @ L))
    return Discovery(centroids.astype(np.float32), chosen, modularity_k, n)


def _candidates(paths: list[MergePath], tolerance: float) -> tuple[int, int]:
    """The number of communities at the modularity peak (the fewest within ``tolerance`` of it,
    median over runs) and the largest number every run reached."""
    enough = [
        min(k for k, q in p.modularity.items() if q >= (1 - tolerance) * max(p.modularity.values()))
        for p in paths
    ]
    return int(np.median(enough)), min(max(p.partitions) for p in paths)

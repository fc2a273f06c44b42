"""Finding communities in L2-normalised post vectors without being told how many there are.

The method, and its few parameters:

1. **Landmarks.** Structure is learnt on at most ``max_landmarks`` posts drawn at random (all posts
   when there are fewer); every post is assigned afterwards. This bounds time and memory at any
   size.
2. **Over-cluster.** Spherical k-means cuts the landmarks into ``n_micro`` small, pure
   micro-clusters (far more than any plausible number of communities).
3. **Merge by modularity.** A k-nearest-neighbour graph of the landmarks (k = sqrt(landmarks), i.e.
   each post sees a neighbourhood that grows with the data) is collapsed onto the micro-clusters,
   which are merged greedily by the largest modularity gain (Newman 2004). The merge path gives one
   partition per number of communities; modularity peaks where communities are densest inside
   relative to chance. That peak is an upper bound for the answer (modularity over-splits large,
   loose topics).
4. **Stability.** The over-cluster-and-merge step is repeated ``stability_runs`` times with
   different seeds. For each number of communities K the partitions are compared (mean pairwise
   adjusted Rand index). The chosen K is the largest K, up to the modularity peak, whose stability
   is within ``stability_tolerance`` of the most stable K: as fine as the data reliably supports, no
   finer.
5. **Refine.** The chosen partition's centroids are polished with a few spherical k-means iterations
   over all posts (warm-startable from a previous run's centroids).

Silhouette is not used: on text it keeps rising with K.
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


def knn_graph(Z: np.ndarray, k: int) -> sp.csr_matrix:
    """Symmetric k-nearest-neighbour graph weighted by (non-negative) cosine similarity."""
    n = Z.shape[0]
    idx, sims = top_k_similar(Z, Z, k, exclude_self=True)
    k = idx.shape[1]
    W = sp.csr_matrix(
        (np.maximum(sims.ravel(), 0.0), (np.repeat(np.arange(n), k), idx.ravel())), shape=(n, n)
    )
    return W.maximum(W.T).tocsr()


@dataclass
class MergePath:
    """Greedy modularity merges of micro-clusters: ``partitions[K]`` maps micro-cluster ->
    community."""

    micro_labels: np.ndarray
    partitions: dict[int, np.ndarray] = field(default_factory=dict)
    modularity: dict[int, float] = field(default_factory=dict)

    def labels(self, n_communities: int) -> np.ndarray:
        return self.partitions[n_communities][self.micro_labels]


def modularity_merge(W: sp.csr_matrix, micro_labels: np.ndarray) -> MergePath:
    n_micro = int(micro_labels.max()) + 1
    n = W.shape[0]
    P = sp.csr_matrix((np.ones(n), (np.arange(n), micro_labels)), shape=(n, n_micro))
    E = np.asarray((P.T @ W @ P).todense(), dtype=np.float64)
    total = E.sum()
    E = E / total if total > 0 else np.eye(n_micro) / n_micro
    a = E.sum(axis=1)
    group = np.arange(n_micro)
    alive = np.ones(n_micro, dtype=bool)
    q = float(np.trace(E) - (a**2).sum())
    path = MergePath(micro_labels=micro_labels)

    def record() -> None:
        _, compact = np.unique(group, return_inverse=True)
        path.partitions[int(alive.sum())] = compact
        path.modularity[int(alive.sum())] = q

    record()
    while alive.sum() > 1:
        gain = 2 * (E - np.outer(a, a))
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
    stability: dict[int, float]
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
    stability_runs: int = 3,
    stability_tolerance: float = 0.1,
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
        return Discovery(normalize(L.mean(axis=0, keepdims=True)), 1, 1, {1: 1.0}, n)
    micro = int(min(n_micro, max(2, n // 5)))
    if n_communities is not None:
        micro = int(min(n, max(micro, 2 * n_communities)))
    W = knn_graph(L, int(np.clip(round(np.sqrt(n)), 5, 150)))

    paths = []
    for _ in range(max(1, stability_runs)):
        seed = rng.randint(2**31 - 1)
        labels = KMeans(micro, n_init=1, random_state=seed).fit(L).labels_
        paths.append(modularity_merge(W, labels))
    first = paths[0]
    modularity_k = max(first.modularity, key=lambda k: (first.modularity[k], -k))
    common = set.intersection(*(set(p.partitions) for p in paths))
    stability: dict[int, float] = {}
    for k in sorted(common):
        if k < 2 or k > modularity_k:
            continue
        scores = [
            adjusted_rand_score(paths[i].labels(k), paths[j].labels(k))
            for i in range(len(paths))
            for j in range(i + 1, len(paths))
        ]
        stability[k] = float(np.mean(scores)) if scores else 1.0

    if n_communities is not None:
        chosen = int(min(max(1, n_communities), max(first.partitions)))
    elif stability:
        best = max(stability.values())
        chosen = max(k for k, s in stability.items() if s >= best - stability_tolerance)
    else:
        chosen = modularity_k
    labels = first.labels(chosen)
    onehot = sp.csr_matrix((np.ones(n), (np.arange(n), labels)), shape=(n, chosen))
    centroids = normalize(np.asarray(onehot.T @ L))
    return Discovery(centroids.astype(np.float32), chosen, modularity_k, stability, n)

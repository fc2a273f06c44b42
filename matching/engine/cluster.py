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
   greedily by the largest modularity gain (Newman 2004). The merge path gives one partition per
   number of communities K. Modularity is flat near its peak, so the candidate is the fewest
   communities whose modularity is within ``modularity_tolerance`` (1%) of the peak: the
   one-standard-error rule of model selection. This is repeated ``stability_runs`` times from
   different micro-clusterings and the median candidate is kept.
4. **Stability.** For every K up to that candidate, the runs' partitions are compared by PAC, the
   proportion of ambiguously clustered pairs (Senbabaoglu et al. 2014). A clear dip in PAC (at least
   ``dip``, 10%, below both neighbours) at a smaller K means the data has a crisper, coarser
   structure there (e.g. three sites that each contain many sub-topics); the first such dip wins.
   The partition is taken from the run that agrees best with the others.
5. **Refine.** The chosen partition's centroids are polished with spherical k-means iterations over
   all posts. A run with previous communities keeps them instead (``identity.carry_over``) and uses
   discovery only among new posts that fit none, and to suggest merges and splits.

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
        part = np.argpartition(block, k - 1, axis=1)[:, :k]
        np.negative(block, out=block)
        idx_all.append(part)
        sims_all.append(np.take_along_axis(block, part, axis=1))
    idx = np.vstack(idx_all)
    sims = np.vstack(sims_all)
    return sp.csr_matrix(
        (np.maximum(sims.ravel(), 0.0), (np.repeat(np.arange(len(rows)), k), idx.ravel())),
        shape=(len(rows), len(Z)),
    )


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


def modularity_merge(
    W: sp.csr_matrix,
    micro_labels: np.ndarray,
    rows: np.ndarray | None = None,
    *,
    between_only: bool = False,
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
    ambiguity: dict[int, float]
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


def proportion_ambiguous(
    partitions: list[np.ndarray], low: float = 0.1, high: float = 0.9
) -> float:
    """PAC (Senbabaoglu et al. 2014): the share of pairs of posts that the runs put together
    sometimes but not consistently (co-clustered in more than ``low`` and less than ``high`` of the
    runs). Low PAC means the runs agree on a crisp partition."""
    m = len(partitions[0])
    together = np.zeros((m, m), np.float32)
    for labels in partitions:
        together += labels[:, None] == labels[None, :]
    together /= len(partitions)
    upper = together[np.triu_indices(m, 1)]
    return float(np.mean((upper > low) & (upper < high)))


def discover(
    Z: np.ndarray,
    *,
    n_communities: int | None = None,
    max_landmarks: int = 20_000,
    n_micro: int = 100,
    stability_runs: int = 5,
    dip: float = 0.1,
    modularity_tolerance: float = 0.0,
    pac_sample: int = 1500,
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
        return Discovery(normalize(L.mean(axis=0, keepdims=True)), 1, 1, {}, n)
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
        paths.append(modularity_merge(W, kmeans.fit(L).labels_, graph_rows))
    modularity_k, largest, ambiguity = _candidates(paths, rng, n, pac_sample, modularity_tolerance)
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
    return Discovery(centroids.astype(np.float32), chosen, modularity_k, ambiguity, n)


def _candidates(
    paths: list[MergePath], rng: np.random.RandomState, n: int, pac_sample: int, tolerance: float
) -> tuple[int, int, dict[int, float]]:
    """The modularity candidate K (median over runs), the largest K every run reached, and the
    ambiguity (PAC) of each K up to the candidate."""
    # Modularity is flat near its peak: take the fewest communities within ``tolerance`` of it
    # (the one-standard-error rule of model selection), median over runs.
    enough = [
        min(k for k, q in p.modularity.items() if q >= (1 - tolerance) * max(p.modularity.values()))
        for p in paths
    ]
    modularity_k = int(np.median(enough))
    largest = min(max(p.partitions) for p in paths)
    sample = rng.choice(n, min(n, pac_sample), replace=False)
    ambiguity = {
        k: proportion_ambiguous([p.labels(k)[sample] for p in paths])
        for k in range(2, min(modularity_k + 1, largest) + 1)
    }
    return modularity_k, largest, ambiguity


def _first_dip(ambiguity: dict[int, float], chosen: int, dip: float) -> int:
    """The first K whose ambiguity dips clearly below both neighbours', else ``chosen``."""
    for k in range(2, chosen):
        before = ambiguity.get(k - 1, np.inf)
        after = ambiguity.get(k + 1, np.inf)
        if k in ambiguity and ambiguity[k] < (1 - dip) * min(before, after):
            return k
    return chosen

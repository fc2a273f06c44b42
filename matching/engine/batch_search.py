"""The peers of many posts of the index at once, with their reasons: a run's neighbour search.

A block of query rows is compared with every searchable row in one matrix product (or, when the
index keeps an HNSW graph, with the graph's candidates), and the words and tags each pair shares
are found for the whole block in one sparse product. The answer is the same as
:meth:`~matching.engine.peers.PeerIndex.search` for each post, at a fraction of its cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from matching.engine.types import Peer, PostId


class _Indexed(Protocol):
    """What a batch search reads of the peer index it is part of (``PeerIndex``)."""

    ids: list[PostId]
    vectors: np.ndarray
    searchable: np.ndarray
    min_similarity: float
    graph: Any
    terms: list[str]
    idf: np.ndarray
    tag_vocab: list[str]
    term_rows: sp.csr_matrix
    tag_rows: sp.csr_matrix
    _row_of: dict[PostId, int]
    _term_order: tuple[np.ndarray, np.ndarray] | None
    _tag_order: tuple[np.ndarray, np.ndarray] | None

    def _candidates(self, Q: np.ndarray, k: int) -> np.ndarray: ...

    def _best(self, z: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...

    def _graph_block(self, chunk: np.ndarray, k: int) -> dict[PostId, list[Peer]]: ...

    def _search_block(
        self, chunk: np.ndarray, searchable: np.ndarray, k: int
    ) -> dict[PostId, list[Peer]]: ...

    def _peers_of(
        self, found: list[tuple[int, np.ndarray, np.ndarray]]
    ) -> dict[PostId, list[Peer]]: ...


class BatchSearch:
    """The batch search of :class:`~matching.engine.peers.PeerIndex` (a mixin: its methods read
    the index's rows, see ``_Indexed``)."""

    # Terms and tags in the order reasons name them, and each one's place (``_peers_of``).
    _term_order: tuple[np.ndarray, np.ndarray] | None
    _tag_order: tuple[np.ndarray, np.ndarray] | None

    def search_indexed(
        self: _Indexed, ids: Sequence[PostId], *, k: int, block: int = 256
    ) -> dict[PostId, list[Peer]]:
        """Peers of posts already in the index, many at once, a block of rows at a time (one
        matrix product per block): the same answer as ``search`` for each. Ids not in the index
        are left out."""
        rows = [self._row_of[i] for i in ids if i in self._row_of]
        out: dict[PostId, list[Peer]] = {}
        searchable = np.flatnonzero(self.searchable)
        if len(searchable) == 0:
            return {self.ids[r]: [] for r in rows}
        for start in range(0, len(rows), block):
            chunk = np.asarray(rows[start : start + block])
            if self.graph is not None:
                out.update(self._graph_block(chunk, k))
            else:
                out.update(self._search_block(chunk, searchable, k))
        return out

    def _graph_block(self: _Indexed, chunk: np.ndarray, k: int) -> dict[PostId, list[Peer]]:
        """``_search_block`` with the graph's candidates (one batch query per block)."""
        candidates = self._candidates(self.vectors[chunk], k)
        found: list[tuple[int, np.ndarray, np.ndarray]] = []
        for row, rows in zip(chunk.tolist(), candidates, strict=True):
            z = self.vectors[row]
            if np.any(z):
                found.append((row, *self._best(z, rows[rows != row], k)))
            else:
                found.append((row, rows[:0], np.zeros(0, np.float32)))
        return self._peers_of(found)

    def _peers_of(
        self: _Indexed, found: list[tuple[int, np.ndarray, np.ndarray]]
    ) -> dict[PostId, list[Peer]]:
        """Peers with their reasons from (query row, peer rows, similarities): what ``_peer``
        gives each, the shared words and tags of every pair found in one sparse product."""
        a = np.concatenate([np.full(len(rows), row, np.int64) for row, rows, _ in found])
        b = np.concatenate([rows for _, rows, _ in found]).astype(np.int64)
        if self._term_order is None:
            # Shared words rarest first, as ``_peer`` orders them; tags by name.
            by_idf = np.lexsort((np.arange(len(self.terms)), -np.asarray(self.idf)))
            self._term_order = _in_order(self.terms, by_idf)
        if self._tag_order is None or len(self._tag_order[1]) != len(self.tag_vocab):
            self._tag_order = _in_order(self.tag_vocab, np.argsort(self.tag_vocab))
        (term_names, term_rank), (tag_names, tag_rank) = self._term_order, self._tag_order
        terms = _shared(self.term_rows, a, b, term_rank)
        tags = _shared(self.tag_rows, a, b, tag_rank)
        t_ptr, t_idx, g_ptr, g_idx = terms.indptr, terms.indices, tags.indptr, tags.indices
        out: dict[PostId, list[Peer]] = {}
        pair = 0
        for row, rows, sims in found:
            peers = []
            for r, score in zip(rows.tolist(), sims.tolist(), strict=True):
                t0, t1, g0, g1 = t_ptr[pair], t_ptr[pair + 1], g_ptr[pair], g_ptr[pair + 1]
                peers.append(
                    Peer(
                        id=self.ids[r],
                        score=round(score, 4),
                        shared_tags=tuple(tag_names[g_idx[g0:g1]].tolist()),
                        shared_terms=tuple(term_names[t_idx[t0 : min(t0 + 5, t1)]].tolist()),
                    )
                )
                pair += 1
            out[self.ids[row]] = peers
        return out

    def _search_block(
        self: _Indexed, chunk: np.ndarray, searchable: np.ndarray, k: int
    ) -> dict[PostId, list[Peer]]:
        m = len(searchable)
        sims = self.vectors[chunk] @ self.vectors[searchable].T
        # A post is never its own peer.
        own = np.minimum(np.searchsorted(searchable, chunk), m - 1)
        is_own = searchable[own] == chunk
        sims[np.flatnonzero(is_own), own[is_own]] = -np.inf
        kk = min(k, m - 1 if is_own.any() else m)
        if kk <= 0:
            return {self.ids[int(row)]: [] for row in chunk}
        # Exact top kk without partitioning whole rows: the kk-th largest similarity in a sample
        # of columns is a lower bound of the row's kk-th largest, so only the few columns at or
        # above it can be among the best.
        sample = sims[:, :: max(1, m // 2048)]
        if sample.shape[1] >= kk:
            bound = np.partition(sample, sample.shape[1] - kk, axis=1)[:, -kk]
        else:
            bound = np.full(len(chunk), -np.inf, dtype=sims.dtype)
        above = sims >= bound[:, None]
        found: list[tuple[int, np.ndarray, np.ndarray]] = []
        for i, row in enumerate(chunk.tolist()):
            if not np.any(self.vectors[row]):
                found.append((row, searchable[:0], sims[i, :0]))
                continue
            row_sims = sims[i]
            top = np.flatnonzero(above[i])
            if len(top) > kk:
                top = top[np.argpartition(row_sims[top], len(top) - kk)[-kk:]]
            top = top[row_sims[top] > max(self.min_similarity, 0.0)]
            top = top[np.lexsort((searchable[top], -row_sims[top]))]
            found.append((row, searchable[top], row_sims[top]))
        return self._peers_of(found)


def _in_order(names: Sequence[str], order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The names in this order, and each name's place in it (by its index in ``names``)."""
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return np.array(names, dtype=object)[order] if len(order) else np.zeros(0, object), rank


def _shared(matrix: sp.csr_matrix, a: np.ndarray, b: np.ndarray, rank: np.ndarray) -> sp.csr_matrix:
    """Row i: the columns rows ``a[i]`` and ``b[i]`` of a binary matrix share, as places in
    ``rank`` order, ascending."""
    left, right = matrix[a], matrix[b]
    for side in (left, right):
        side.indices = rank[side.indices].astype(side.indices.dtype)
        side.has_sorted_indices = False
    both = left.multiply(right).tocsr()
    both.sort_indices()
    return both

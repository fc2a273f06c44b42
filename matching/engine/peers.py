"""The peer index: every post findable as a peer, its vector, words and tags.

A fitted :class:`~matching.engine.matcher.Matcher` holds one (``peer_index_``); posts published
after the fit are appended without refitting. A search returns :class:`Peer` objects with the tags
and the rarest words the query shares with each peer, which make its reason.

A peer must be closer than chance: ``min_similarity`` is the noise floor of the posts' own
similarities, :func:`noise_floor` (the similarity of random pairs of posts: their median plus
three standard deviations of chance, estimated robustly and from the lower half), and at least a
tenth of a typical post's similarity to its nearest neighbour. Fewer than ``k`` peers, or
none, are returned rather than posts that are no closer to the query than chance.

Exact search compares a query with every searchable post: its cost grows with the square of the
posts when every post's peers are found. From ``AnnParams.min_posts`` searchable posts on, the
index also keeps an HNSW graph of them (Voyager, see docs/decisions/0001-dependencies.md): a
query takes its ``2k + 1`` nearest candidates from the graph, and they are scored and ordered
exactly, as the exact search does. Below that size the exact search is cheaper than building a
graph. The graph is built with one thread and a fixed seed, so the same posts give the same
graph; it is saved with the index, and posts appended later are added to it.

A fitted index can be brought up to date instead of built again (:meth:`PeerIndex.refresh`, used
by ``Matcher.update``): each row keeps a fingerprint of its post's text and tags, so a post that
changed, or is gone, is retired (its row stays, unsearchable and out of the graph, until the next
full fit builds the index afresh), and posts whose author hid or showed them are taken out of
searches or put back.

The peers of many indexed posts at once (a run's neighbour search) are found by
:class:`~matching.engine.batch_search.BatchSearch`, which the index inherits.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from voyager import Index as Graph
from voyager import Space, StorageDataType

from matching.engine.batch_search import BatchSearch
from matching.engine.text import normalize_tag
from matching.engine.types import Peer, Post, PostId


def noise_floor(Z: np.ndarray, random_state: int | None, pairs: int = 20_000) -> float:
    """The similarity random pairs of these posts reach by chance: the median of a sample of
    pairs plus three standard deviations of chance (the larger of 1.4826 x the median absolute
    deviation and the spread of the lower half about the median), and never below 0. Related
    pairs are a small share of random ones, so they barely move it."""
    rows = np.flatnonzero(np.linalg.norm(Z, axis=1) > 0)
    if len(rows) < 3:
        return 0.0
    rng = np.random.default_rng(random_state)
    if len(rows) * (len(rows) - 1) // 2 <= pairs:
        a, b = np.triu_indices(len(rows), k=1)
    else:
        a = rng.integers(0, len(rows), pairs)
        b = (a + rng.integers(1, len(rows), pairs)) % len(rows)
    sims = np.einsum("ij,ij->i", Z[rows[a]], Z[rows[b]])
    median = float(np.median(sims))
    spread = 1.4826 * float(np.median(np.abs(sims - median)))
    # The lower half is chance alone (related pairs only lengthen the upper tail): its spread
    # is the noise's, even when a small corpus makes the median absolute deviation collapse.
    lower = sims[sims <= median] - median
    spread = max(spread, float(np.sqrt(np.mean(lower**2))) if len(lower) else 0.0)
    chance = median + 3 * spread
    # Where most pairs share nothing at all (a few posts, exact word vectors), chance is exactly
    # zero and a single common word would pass it: a peer must also be a tenth as close as a
    # typical post is to its nearest neighbour.
    sample = rows if len(rows) <= 500 else rng.choice(rows, 500, replace=False)
    sims_to_all = Z[sample] @ Z[rows].T
    sims_to_all[sims_to_all > 0.9999] = -np.inf  # the post itself, and exact duplicates
    nearest = float(np.median(sims_to_all.max(axis=1)))
    return round(max(0.0, chance, 0.1 * nearest), 4)


def fingerprint(post: Post) -> int:
    """64 bits that change when a post's title, body or tags change."""
    text = "\x1f".join([post.title, post.body or "", "\x1e".join(sorted(post.tags))])
    digest = hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


# Where each row stands with the graph (``PeerIndex.graph_state``).
OUT_OF_GRAPH, IN_GRAPH, DELETED_FROM_GRAPH = 0, 1, 2


@dataclass(frozen=True)
class AnnParams:
    """When and how the index keeps an HNSW graph (see the module docstring).

    min_posts: searchable posts from which a graph is kept (exact search below).
    m, ef_construction: the graph's links per node and its build-time search depth.
    ef: the search depth of a query (at least the number of candidates asked for).
    random_state: the seed of the graph's levels."""

    min_posts: int = 20_000
    m: int = 16
    ef_construction: int = 100
    ef: int = 64
    random_state: int = 0


class PeerIndex(BatchSearch):
    """Posts findable as peers, one row each.

    ``terms`` and ``idf`` are the lexical encoder's vocabulary and weights: they name the words a
    query shares with a peer, rarest first. ``dimension`` is the length of the posts' vectors.
    Peers are strictly closer than ``min_similarity`` (and than 0). ``ann``: when to search an
    HNSW graph instead of every post (``AnnParams``)."""

    def __init__(
        self,
        *,
        terms: Sequence[str],
        idf: np.ndarray,
        dimension: int,
        min_similarity: float = 0.0,
        ann: AnnParams | None = None,
    ) -> None:
        self.min_similarity = min_similarity
        self.ann = ann or AnnParams()
        self.graph: Graph | None = None
        self._term_order = None
        self._tag_order = None
        self.terms = list(terms)
        self.idf = idf
        self.ids: list[PostId] = []
        self.vectors = np.zeros((0, dimension), np.float32)
        self.searchable = np.zeros(0, bool)
        # None for an index saved before rows had fingerprints: it cannot be refreshed.
        self.fingerprints: np.ndarray | None = np.zeros(0, np.int64)
        self.graph_state = np.zeros(0, np.int8)
        self._graph_live = 0  # rows the graph can return
        self.term_rows = sp.csr_matrix((0, len(self.terms)), dtype=np.int8)
        self.tag_vocab: list[str] = []
        self.tag_rows = sp.csr_matrix((0, 0), dtype=np.int8)
        self._tag_lookup: dict[str, int] = {}
        self._row_of: dict[PostId, int] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, post_id: object) -> bool:
        return post_id in self._row_of

    def row_of(self, post_id: PostId) -> int | None:
        return self._row_of.get(post_id)

    # -- building ------------------------------------------------------------------------------
    def append(self, posts: Sequence[Post], Z: np.ndarray, counts: sp.csr_matrix) -> None:
        """Add posts with their vectors ``Z`` and term counts; a post already in raises."""
        for p in posts:
            for t in p.tags:
                t = normalize_tag(t)
                if t and t not in self._tag_lookup:
                    self._tag_lookup[t] = len(self.tag_vocab)
                    self.tag_vocab.append(t)
        rows, cols = [], []
        for i, p in enumerate(posts):
            for t in {normalize_tag(t) for t in p.tags if t.strip()}:
                rows.append(i)
                cols.append(self._tag_lookup[t])
        tags = sp.csr_matrix(
            (np.ones(len(rows), np.int8), (rows, cols)), shape=(len(posts), len(self.tag_vocab))
        )
        old_tags = self.tag_rows
        old_tags.resize((old_tags.shape[0], len(self.tag_vocab)))
        self.tag_rows = sp.vstack([old_tags, tags], format="csr")
        present = (counts > 0).astype(np.int8)
        self.term_rows = sp.vstack([self.term_rows, present], format="csr")
        self.vectors = np.vstack([self.vectors, Z.astype(np.float32)])
        self.searchable = np.concatenate(
            [self.searchable, np.array([p.searchable for p in posts], bool)]
        )
        if self.fingerprints is not None:
            added = np.array([fingerprint(p) for p in posts], np.int64)
            self.fingerprints = np.concatenate([self.fingerprints, added])
        self.graph_state = np.concatenate([self.graph_state, np.zeros(len(posts), np.int8)])
        start = len(self.ids)
        for p in posts:
            if p.id in self._row_of:
                raise ValueError(f"post {p.id!r} is already in the peer index")
            self._row_of[p.id] = len(self.ids)
            self.ids.append(p.id)
        self._grow_graph(start)

    @property
    def updatable(self) -> bool:
        """Whether :meth:`refresh` can bring this index up to date (rows have fingerprints)."""
        return self.fingerprints is not None

    def refresh(self, posts: Sequence[Post]) -> tuple[list[Post], list[PostId], list[PostId]]:
        """Bring the index up to ``posts``, every post there is now: rows of posts that are gone
        or whose text or tags changed are retired, and searchability follows each post's.
        Returns the posts to append (new or changed), the ids retired, and the ids whose
        searchability changed. Raises ValueError when the index has no fingerprints."""
        if self.fingerprints is None:
            raise ValueError("this peer index was saved without fingerprints: fit it again")
        given = {p.id for p in posts}
        fresh: list[Post] = []
        retired = [row for pid, row in self._row_of.items() if pid not in given]
        flipped: list[int] = []
        for p in posts:
            row = self._row_of.get(p.id)
            if row is None:
                fresh.append(p)
            elif int(self.fingerprints[row]) != fingerprint(p):
                retired.append(row)
                fresh.append(p)
            elif bool(self.searchable[row]) != p.searchable:
                flipped.append(row)
        retired_ids = [self.ids[row] for row in retired]
        self._retire(retired)
        for row in flipped:
            self._set_searchable(row, not self.searchable[row])
        return fresh, retired_ids, [self.ids[row] for row in flipped]

    def _retire(self, rows: Iterable[int]) -> None:
        for row in rows:
            self._set_searchable(row, False)
            del self._row_of[self.ids[row]]

    def _set_searchable(self, row: int, searchable: bool) -> None:
        self.searchable[row] = searchable
        if self.graph is None:
            return
        state = self.graph_state[row]
        if not searchable and state == IN_GRAPH:
            self.graph.mark_deleted(row)
            self.graph_state[row], self._graph_live = DELETED_FROM_GRAPH, self._graph_live - 1
        elif searchable and state == DELETED_FROM_GRAPH:
            self.graph.unmark_deleted(row)
            self.graph_state[row], self._graph_live = IN_GRAPH, self._graph_live + 1
        elif searchable and state == OUT_OF_GRAPH and np.any(self.vectors[row]):
            self.graph.add_items(self.vectors[[row]], [row], num_threads=1)
            self.graph_state[row], self._graph_live = IN_GRAPH, self._graph_live + 1

    # -- the HNSW graph --------------------------------------------------------------------------
    def _graph_rows(self, start: int) -> np.ndarray:
        """Rows from ``start`` on that belong in the graph: searchable, with a vector."""
        live = np.any(self.vectors[start:] != 0, axis=1) & self.searchable[start:]
        return start + np.flatnonzero(live)

    def use_ann(self, params: AnnParams) -> None:
        """Search with these graph parameters from now on: the graph is built again (or dropped,
        below ``params.min_posts``)."""
        self.ann = params
        self.graph = None
        self.graph_state[:] = OUT_OF_GRAPH
        self._graph_live = 0
        self._grow_graph(0)

    def _grow_graph(self, start: int) -> None:
        """Add rows from ``start`` on to the graph; build it once there are enough posts."""
        if self.graph is None:
            rows = self._graph_rows(0)
            if len(rows) < max(1, self.ann.min_posts):
                return
            self.graph = Graph(
                Space.InnerProduct,
                self.vectors.shape[1],
                M=self.ann.m,
                ef_construction=self.ann.ef_construction,
                random_seed=self.ann.random_state,
                max_elements=len(rows),
                # One byte a dimension (fixed point in [-1, 1], where normalised vectors lie):
                # the graph only proposes candidates, which are then scored on the exact vectors.
                storage_data_type=StorageDataType.Float8,
            )
        else:
            rows = self._graph_rows(start)
        if len(rows):
            # One thread: the graph then depends only on the posts, their order and the seed.
            self.graph.add_items(self.vectors[rows], rows.tolist(), num_threads=1)
            self.graph_state[rows] = IN_GRAPH
            self._graph_live += len(rows)

    def _candidates(self, Q: np.ndarray, k: int) -> np.ndarray:
        """Rows of the graph's ``2k + 1`` nearest posts to each row of ``Q`` (one query each)."""
        assert self.graph is not None
        n = min(2 * k + 1, self._graph_live)
        if n <= 0:
            return np.zeros((len(Q), 0), np.int64)
        rows, _ = self.graph.query(
            np.ascontiguousarray(Q, dtype=np.float32),
            k=n,
            num_threads=1,
            query_ef=max(self.ann.ef, n),
        )
        return rows.astype(np.int64)

    def _best(self, z: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best of candidate ``rows`` for vector ``z`` above the floor, scored exactly,
        best first (ties: lower row first), with their similarities."""
        sims = self.vectors[rows] @ z.astype(self.vectors.dtype)
        keep = sims > max(self.min_similarity, 0.0)
        rows, sims = rows[keep], sims[keep]
        order = np.lexsort((rows, -sims))[:k]
        return rows[order], sims[order]

    # -- reading -------------------------------------------------------------------------------
    def tags_of(self, row: int) -> set[str]:
        t = self.tag_rows
        return {self.tag_vocab[j] for j in t.indices[t.indptr[row] : t.indptr[row + 1]]}

    def terms_of(self, row: int) -> set[int]:
        t = self.term_rows
        return set(t.indices[t.indptr[row] : t.indptr[row + 1]].tolist())

    def _peer(self, row: int, score: float, q_terms: set[int], q_tags: set[str]) -> Peer:
        shared = q_terms.intersection(self.terms_of(row))
        idf = self.idf
        return Peer(
            id=self.ids[row],
            score=round(score, 4),
            shared_tags=tuple(sorted(q_tags & self.tags_of(row))),
            shared_terms=tuple(
                self.terms[j] for j in sorted(shared, key=lambda j: (-idf[j], j))[:5]
            ),
        )

    def search(
        self,
        z: np.ndarray,
        *,
        term_ids: np.ndarray,
        tags: Iterable[str],
        k: int,
        exclude: PostId | None = None,
        searchable_ids: Iterable[PostId] | None = None,
    ) -> list[Peer]:
        """The k searchable posts nearest to vector ``z`` (never ``exclude``), best first. With
        ``searchable_ids`` only those are compared (exactly); otherwise the graph, when kept,
        gives the candidates."""
        q_terms = set(term_ids.tolist())
        q_tags = {normalize_tag(t) for t in tags}
        own = self._row_of.get(exclude) if exclude is not None else None
        if self.graph is not None and searchable_ids is None:
            rows = self._candidates(z[None, :], k)[0]
            top, sims = self._best(z, rows[rows != own] if own is not None else rows, k)
            return [
                self._peer(int(r), float(s), q_terms, q_tags)
                for r, s in zip(top, sims, strict=True)
            ]
        # einsum: one single-threaded pass; a BLAS matrix-vector product wakes a thread pool and
        # is several times slower per query on a busy two-core machine.
        sims = np.einsum("ij,j->i", self.vectors, z.astype(self.vectors.dtype))
        allowed = self.searchable
        if searchable_ids is not None:
            allowed = np.zeros_like(allowed)
            rows = [self._row_of[i] for i in searchable_ids if i in self._row_of]
            allowed[rows] = self.searchable[rows]
        sims[~allowed] = -np.inf
        if own is not None:
            sims[own] = -np.inf
        k = min(k, int(allowed.sum()) - (1 if own is not None and allowed[own] else 0))
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[sims[top] > max(self.min_similarity, 0.0)]
        top = top[np.lexsort((top, -sims[top]))]
        return [self._peer(row, float(sims[row]), q_terms, q_tags) for row in top.tolist()]

    # -- persistence ---------------------------------------------------------------------------
    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata and arrays that :meth:`from_state` restores (no pickle)."""
        live = set(self._row_of.values())
        meta = {
            "ids": self.ids,
            "retired": [row for row in range(len(self.ids)) if row not in live],
            "tag_vocab": self.tag_vocab,
            "min_similarity": self.min_similarity,
            "ann": asdict(self.ann),
        }
        arrays = {
            "vectors": self.vectors,
            "searchable": self.searchable,
            "terms_indptr": self.term_rows.indptr,
            "terms_indices": self.term_rows.indices,
            "tags_indptr": self.tag_rows.indptr,
            "tags_indices": self.tag_rows.indices,
            "graph_state": self.graph_state,
        }
        if self.fingerprints is not None:
            arrays["fingerprints"] = self.fingerprints
        if self.graph is not None:
            arrays["graph"] = np.frombuffer(self.graph.as_bytes(), dtype=np.uint8)
        return meta, arrays

    @classmethod
    def from_state(
        cls,
        meta: dict[str, Any],
        arrays: dict[str, np.ndarray],
        *,
        terms: Sequence[str],
        idf: np.ndarray,
    ) -> PeerIndex:
        index = cls(
            terms=terms,
            idf=idf,
            dimension=arrays["vectors"].shape[1],
            min_similarity=float(meta["min_similarity"]),
            ann=AnnParams(**meta["ann"]) if "ann" in meta else None,
        )
        index.ids = list(meta["ids"])
        index.searchable = arrays["searchable"]
        index.fingerprints = arrays.get("fingerprints")
        retired = meta.get("retired", [])
        gone = set(retired)
        index._row_of = {pid: i for i, pid in enumerate(index.ids) if i not in gone}
        index.tag_vocab = list(meta["tag_vocab"])
        index._tag_lookup = {t: i for i, t in enumerate(index.tag_vocab)}
        index.vectors = arrays["vectors"]
        n = len(index.ids)
        index.term_rows = _binary_rows(
            arrays["terms_indptr"], arrays["terms_indices"], n, len(terms)
        )
        index.tag_rows = _binary_rows(
            arrays["tags_indptr"], arrays["tags_indices"], n, len(index.tag_vocab)
        )
        if "graph" in arrays:
            index.graph = Graph.load(io.BytesIO(arrays["graph"].tobytes()))
            if "graph_state" in arrays:
                index.graph_state = arrays["graph_state"].astype(np.int8)
            else:  # saved before the state was kept: every row in the graph is live
                index.graph_state = np.zeros(n, np.int8)
                index.graph_state[np.asarray(index.graph.ids, np.int64)] = IN_GRAPH
            index._graph_live = int(np.sum(index.graph_state == IN_GRAPH))
        else:
            index.graph_state = np.zeros(n, np.int8)
            index._grow_graph(0)  # saved before graphs were kept, or below the size then
        return index


def _binary_rows(indptr: np.ndarray, indices: np.ndarray, n: int, width: int) -> sp.csr_matrix:
    return sp.csr_matrix((np.ones(len(indices), np.int8), indices, indptr), shape=(n, width))

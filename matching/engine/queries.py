"""What a fitted matcher answers without refitting: a new post's communities (``place``,
``predict``, ``place_indexed``), its peers (``similar``, ``similar_indexed``), the posts whose
peers new posts may join (``reached_by``), and new posts made findable as peers (``add_posts``).

:class:`Queries` is a part of :class:`~matching.engine.matcher.Matcher` (a mixin) and reads its
learned attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Self

import numpy as np

from matching.engine import placement
from matching.engine.encoding import Encoding
from matching.engine.peers import PeerIndex
from matching.engine.types import UNASSIGNED, CommunityId, Peer, Post, PostId


class Queries(Encoding):
    """Using a fitted matcher (see the module docstring)."""

    fit_percentile: float
    peer_index_: PeerIndex
    post_ids_: list[PostId]
    post_rows_: np.ndarray
    labels_: np.ndarray
    centroids_: np.ndarray
    community_ids_: list[CommunityId]
    fit_profiles_: np.ndarray
    # Set by fit, or on first use after load (``_competitors``).
    _fit_centres: np.ndarray

    def add_posts(
        self, posts: Sequence[Post], vectors: Mapping[PostId, np.ndarray] | None = None
    ) -> Self:
        """Make new posts findable as peers without refitting (their communities: ``place``)."""
        self._check_fitted()
        posts = list(posts)
        if posts:
            Z, counts, _ = self._encode(posts, vectors)
            self.peer_index_.append(posts, Z, counts)
        return self

    def place(
        self,
        post: Post | str,
        *,
        tags: Iterable[str] = (),
        limit: int = 3,
        vector: np.ndarray | None = None,
    ) -> list[tuple[CommunityId, float]]:
        """Communities a new post fits, best first, with a confidence in (0, 1]; [] when none.

        A post fits a community when it is about as close to it as its members are to each other
        and clearly closer to it than to any other (see ``placement``): at most one community.
        ``vector``: the post's sentence vector, when known (``sentence_vectors``)."""
        self._check_fitted()
        z, _ = self._encode_query(self._query(post, tags), vector)
        return self._place_vector(z, limit)

    def _competitors(self) -> np.ndarray:
        """The communities' centres and the centre of the posts none holds (see ``placement``);
        recomputed from the peer index after ``load``."""
        if getattr(self, "_fit_centres", None) is None:
            own = self.peer_index_.vectors[self.post_rows_]
            self._fit_centres = placement.competitors(own, self.labels_, self.centroids_)
        return self._fit_centres

    def _place_vector(self, z: np.ndarray, limit: int) -> list[tuple[CommunityId, float]]:
        return placement.place_vector(
            z,
            centres=self._competitors(),
            profiles=self.fit_profiles_,
            community_ids=self.community_ids_,
            fit_percentile=self.fit_percentile,
            limit=limit,
        )

    def predict(self, posts: Sequence[Post]) -> np.ndarray:
        """Best community id per post, -1 when it fits none."""
        self._check_fitted()
        Z = self._encode(list(posts), None)[0]
        out = np.full(len(Z), UNASSIGNED, np.int64)
        for i, z in enumerate(Z):
            placed = self._place_vector(z, 1)
            if placed:
                out[i] = placed[0][0]
        return out

    def similar(
        self,
        query: Post | str,
        *,
        tags: Iterable[str] = (),
        k: int = 10,
        searchable_ids: Iterable[PostId] | None = None,
        vector: np.ndarray | None = None,
    ) -> list[Peer]:
        """The k most similar searchable posts to a post or to text being typed, with reasons.

        Only posts marked searchable (``Post.searchable``) are returned and, when ``searchable_ids``
        is given, only those among them. A query post never returns itself. ``vector``: the
        query's sentence vector, when known (``sentence_vectors``)."""
        self._check_fitted()
        q = self._query(query, tags)
        z, term_ids = self._encode_query(q, vector)
        if not np.any(z):
            return []
        return self.peer_index_.search(
            z, term_ids=term_ids, tags=q.tags, k=k, exclude=q.id, searchable_ids=searchable_ids
        )

    def similar_indexed(
        self, ids: Sequence[PostId], *, k: int = 10, block: int = 256
    ) -> dict[PostId, list[Peer]]:
        """Peers of posts already in the peer index, many at once: the same answer as
        ``similar(post)`` for each, without encoding the posts again. Ids not in the index are
        left out."""
        self._check_fitted()
        return self.peer_index_.search_indexed(ids, k=k, block=block)

    def reached_by(
        self, ids: Sequence[PostId], floors: Mapping[PostId, float], *, block: int = 4096
    ) -> set[PostId]:
        """Posts (of ``post_ids_``) whose peers may now include one of ``ids``: those that one
        of them is at least as close to as the post's ``floors`` value (its weakest peer; a
        post not listed takes the noise floor). Only searchable posts of the index can be
        peers. Exact: one matrix product per block of posts, so the cost grows with all posts
        times ``ids``."""
        self._check_fitted()
        index = self.peer_index_
        sources = [r for i in ids if (r := index.row_of(i)) is not None and index.searchable[r]]
        if not sources:
            return set()
        queries = index.vectors[sources]
        floor = np.full(len(self.post_ids_), max(index.min_similarity, 0.0), np.float32)
        position = {pid: i for i, pid in enumerate(self.post_ids_)}
        for pid, value in floors.items():
            if pid in position:
                floor[position[pid]] = value
        floor -= 1e-4  # scores are stored rounded: reach a little below
        reached: list[int] = []
        for start in range(0, len(self.post_ids_), block):
            best = (index.vectors[self.post_rows_[start : start + block]] @ queries.T).max(axis=1)
            reached.extend((start + np.flatnonzero(best >= floor[start : start + block])).tolist())
        return {self.post_ids_[i] for i in reached}

    def place_indexed(
        self, ids: Sequence[PostId], *, limit: int = 3
    ) -> dict[PostId, list[tuple[CommunityId, float]]]:
        """``place`` for posts already in the peer index, without encoding them again."""
        self._check_fitted()
        index = self.peer_index_
        return {
            i: self._place_vector(index.vectors[row], limit)
            for i in ids
            if (row := index.row_of(i)) is not None
        }

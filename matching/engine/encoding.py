"""How a matcher turns posts into the vectors it compares: the lexical encoder's vectors, the
sentence vectors of the semantic encoder (reused by post id when given), or both combined
(``lexical``, ``semantic``), for many posts at once or for one query on the fast path.

:class:`Encoding` is a part of :class:`~matching.engine.matcher.Matcher` (a mixin): it reads the
matcher's ``encoder``, ``semantic_weight`` and fitted ``lexical_``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from matching.engine.lexical import LexicalEncoder
from matching.engine.semantic import SemanticEncoder, combine, reuse_or_encode, tag_vectors
from matching.engine.types import Post, PostId

Encoder = Literal["lexical", "semantic", "hybrid"]


class Encoding:
    """Posts to vectors (see the module docstring)."""

    encoder: Encoder
    semantic_weight: float
    lexical_: LexicalEncoder
    n_encoded_: int
    _semantic_encoder: SemanticEncoder  # loaded on first use (``_semantic``)

    def _semantic(self) -> SemanticEncoder:
        if getattr(self, "_semantic_encoder", None) is None:
            self._semantic_encoder = SemanticEncoder()
        return self._semantic_encoder

    def _semantic_vectors(
        self, posts: Sequence[Post], vectors: Mapping[PostId, np.ndarray] | None
    ) -> np.ndarray:
        """Sentence vectors, reusing those given by post id; only missing posts are encoded."""
        out, encoded = reuse_or_encode(self._semantic, posts, vectors)
        self.n_encoded_ = getattr(self, "n_encoded_", 0) + encoded
        return out

    def sentence_vectors(self, posts: Sequence[Post]) -> dict[PostId, np.ndarray]:
        """The posts' sentence vectors, to keep and pass back to ``fit``, ``add_posts``,
        ``place`` or ``similar`` (``vectors``/``vector``) instead of encoding them again; empty
        with the lexical encoder."""
        if self.encoder == "lexical" or not posts:
            return {}
        return dict(zip([p.id for p in posts], self._semantic_vectors(posts, None), strict=True))

    def _combine(self, lexical: np.ndarray, semantic: np.ndarray | None) -> np.ndarray:
        return combine(lexical, semantic, self.semantic_weight)

    def _encode(
        self,
        posts: Sequence[Post],
        vectors: Mapping[PostId, np.ndarray] | None,
        lexical_terms: tuple[np.ndarray, sp.csr_matrix] | None = None,
    ) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray | None]:
        lexical, counts = lexical_terms or self.lexical_.transform_with_terms(posts)
        semantic = None
        if self.encoder != "lexical":
            semantic = self._semantic_vectors(posts, vectors)
            if self.encoder == "semantic":
                # Only the tag block of the lexical encoder joins the sentence embedding.
                lexical = self._tag_vectors(posts)
        return self._combine(lexical, semantic), counts, semantic

    def _tag_vectors(self, posts: Sequence[Post]) -> np.ndarray:
        return tag_vectors(self.lexical_, posts)

    def transform(
        self, posts: Sequence[Post], vectors: Mapping[PostId, np.ndarray] | None = None
    ) -> np.ndarray:
        """The normalised vectors the matcher compares (one row per post)."""
        self._check_fitted()
        return self._encode(posts, vectors)[0]

    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise RuntimeError("this Matcher is not fitted yet: call fit() or Matcher.load()")

    def _query(self, query: Post | str, tags: Iterable[str] = ()) -> Post:
        if isinstance(query, Post):
            return query
        return Post(id="__query__", title=query, tags=tuple(tags))

    def _encode_query(
        self, q: Post, vector: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One post's vector and term ids, on the fast path of the lexical encoder; ``vector``
        is its sentence vector when already known."""
        lexical, term_ids = self.lexical_.transform_one(q)
        if self.encoder == "lexical":
            return lexical, term_ids
        if vector is None:
            semantic = self._semantic().encode([q])
        else:
            semantic = np.asarray(vector, dtype=np.float32)[None, :]
        if self.encoder == "semantic":
            lexical = self._tag_vectors([q])[0]
        return self._combine(lexical[None, :], normalize(semantic))[0], term_ids

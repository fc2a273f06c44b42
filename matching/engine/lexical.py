"""The lexical encoder (the default, scikit-learn only): one sparse vector per post from three
fields, reduced to a dense one.

* words of the title and of the body share one vocabulary, but each field is L2-normalised on its
  own before they are added (``title_weight`` and ``body_weight``), so a long body cannot drown its
  title;
* tags form a separate block that takes a fixed share ``tag_weight`` of the squared norm when a post
  has tags, because a shared tag is deliberate, strong evidence;
* the sparse vector is reduced with truncated SVD (latent semantic analysis) and L2-normalised, so a
  dot product is a cosine similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from matching.engine.text import (
    STOP_WORDS,
    TOKEN_PATTERN,
    matchable_text,
    normalize_tag,
    normalize_word,
)
from matching.engine.types import Post


class LexicalEncoder:
    """Weighted TF-IDF of title, body and tags reduced with truncated SVD (see module docstring)."""

    def __init__(
        self,
        *,
        n_components: int = 100,
        title_weight: float = 1.0,
        body_weight: float = 0.5,
        tag_weight: float = 0.5,
        min_df: int = 2,
        max_df: float = 0.5,
        svd_sample: int = 20_000,
        random_state: int | None = 0,
    ) -> None:
        self.n_components = n_components
        self.title_weight = title_weight
        self.body_weight = body_weight
        self.tag_weight = tag_weight
        self.min_df = min_df
        self.max_df = max_df
        self.svd_sample = svd_sample
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, posts: Sequence[Post]) -> LexicalEncoder:
        self._fit(posts)
        return self

    def fit_transform_with_terms(self, posts: Sequence[Post]) -> tuple[np.ndarray, sp.csr_matrix]:
        """``fit`` then ``transform_with_terms`` on the same posts, tokenising them once."""
        X, counts = self._fit(posts)
        return self._reduce(X @ self.components_.T), counts

    def _fit(self, posts: Sequence[Post]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        n = len(posts)
        if n == 0:
            raise ValueError("LexicalEncoder needs at least one post")
        docs = [p.title for p in posts] + [p.body or "" for p in posts]
        raw = CountVectorizer(
            token_pattern=TOKEN_PATTERN,
            preprocessor=matchable_text,
            stop_words=sorted(STOP_WORDS),
            min_df=min(self.min_df, n),
            dtype=np.float32,
        )
        try:
            counts = raw.fit_transform(docs)
        except ValueError:  # no word survives (e.g. posts made only of stop words)
            counts = sp.csr_matrix((2 * n, 0), dtype=np.float32)
            raw.vocabulary_ = {}
        raw_terms = sorted(raw.vocabulary_, key=raw.vocabulary_.__getitem__)
        terms, raw_to_term = self._conflate(raw_terms)
        merge = self._merge_matrix(raw_to_term, len(terms))
        counts = (counts @ merge).tocsr()
        titles, bodies = counts[:n], counts[n:]
        # Document frequency per post (title or body), so max_df drops words most posts use.
        df = np.asarray(((titles + bodies) > 0).sum(axis=0)).ravel()
        keep = df <= max(1.0, self.max_df * n) if n >= 20 else np.ones(len(terms), dtype=bool)
        if not keep.any():  # posts that all share every word still need their words
            keep = np.ones(len(terms), dtype=bool)
        self.raw_terms_ = raw_terms
        kept_index = np.cumsum(keep) - 1
        known = (raw_to_term >= 0) & keep[np.maximum(raw_to_term, 0)]
        self.raw_to_term_ = np.where(known, kept_index[raw_to_term], -1).astype(np.int64)
        self.terms_ = [t for t, k in zip(terms, keep, strict=True) if k]
        self.idf_ = (np.log((1 + n) / (1 + df[keep])) + 1).astype(np.float32)

        tag_lists = [[normalize_tag(t) for t in p.tags if t.strip()] for p in posts]
        tag_df: dict[str, int] = {}
        for tags in tag_lists:
            for t in set(tags):
                tag_df[t] = tag_df.get(t, 0) + 1
        self.tags_ = sorted(t for t, c in tag_df.items() if c >= min(self.min_df, n))
        self.tag_idf_ = np.array(
            [np.log((1 + n) / (1 + tag_df[t])) + 1 for t in self.tags_], dtype=np.float32
        )
        if not self.terms_ and not self.tags_:
            raise ValueError("no post has a word or tag to match on (only stop words)")
        self._build_lookup()

        # Counts of the fitted vocabulary from the same tokenisation: no second pass over the text.
        merged = counts[:, keep] if len(terms) else counts
        X, fit_terms = self._sparse_with_terms(posts, (merged[:n].tocsr(), merged[n:].tocsr()))
        rng = np.random.RandomState(self.random_state)
        sample = np.arange(n) if n <= self.svd_sample else rng.choice(n, self.svd_sample, False)
        n_words = len(self.terms_)
        words = self._block_svd(X[sample, :n_words], self.n_components, rng)
        tag_part = self._block_svd(X[sample, n_words:], max(1, self.n_components // 2), rng)
        self.word_components_ = words.shape[0]
        self.components_ = np.zeros(
            (words.shape[0] + tag_part.shape[0], X.shape[1]), dtype=np.float32
        )
        self.components_[: words.shape[0], :n_words] = words
        self.components_[words.shape[0] :, n_words:] = tag_part
        return X, fit_terms

    @staticmethod
    def _block_svd(X: sp.csr_matrix, n_components: int, rng: np.random.RandomState) -> np.ndarray:
        """Latent semantic components of one block (words, or tags), as rows; the block itself
        when it is too small to reduce, and none when it is empty."""
        n, width = X.shape
        if width == 0:
            return np.zeros((0, 0), np.float32)
        if width <= n_components:  # nothing to reduce: keep every direction
            return np.eye(width, dtype=np.float32)
        n_comp = min(n_components, n - 1)
        if n_comp < 1 or X.nnz == 0:
            return np.eye(width, dtype=np.float32)[:n_components]
        svd = TruncatedSVD(n_comp, algorithm="randomized", n_iter=5, random_state=rng)
        svd.fit(X)
        return svd.components_.astype(np.float32)

    def _reduce(self, raw: np.ndarray) -> np.ndarray:
        """Projected words and tags, each block normalised on its own and weighted again, so
        the tags keep their share ``tag_weight`` of a post's vector after the reduction (a
        truncated SVD keeps the few strong tag directions and loses a post's own words, so
        without this posts sharing only their tags would look near-identical)."""
        k = self.word_components_
        raw = np.asarray(raw, dtype=np.float32)
        if k == 0 or k == raw.shape[1]:  # a single block: nothing to balance
            return normalize(raw).astype(np.float32)
        words, tags = normalize(raw[:, :k]), normalize(raw[:, k:])
        has_tags = np.linalg.norm(raw[:, k:], axis=1) > 0
        word_share = np.where(has_tags, np.sqrt(1 - self.tag_weight), 1.0)[:, None]
        Z = np.hstack([word_share * words, np.sqrt(self.tag_weight) * tags])
        return normalize(Z).astype(np.float32)

    @staticmethod
    def _conflate(raw_terms: list[str]) -> tuple[list[str], np.ndarray]:
        index: dict[str, int] = {}
        mapping = np.empty(len(raw_terms), dtype=np.int64)
        for i, t in enumerate(raw_terms):
            word = normalize_word(t)
            mapping[i] = -1 if word in STOP_WORDS else index.setdefault(word, len(index))
        return list(index), mapping

    @staticmethod
    def _merge_matrix(raw_to_term: np.ndarray, n_terms: int) -> sp.csr_matrix:
        rows = np.flatnonzero(raw_to_term >= 0)
        return sp.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, raw_to_term[rows])),
            shape=(len(raw_to_term), n_terms),
        )

    def _build_lookup(self) -> None:
        self._vectorizer = CountVectorizer(
            token_pattern=TOKEN_PATTERN,
            preprocessor=matchable_text,
            stop_words=sorted(STOP_WORDS),
            vocabulary={t: i for i, t in enumerate(self.raw_terms_)},
            dtype=np.float32,
        )
        self._merge = self._merge_matrix(self.raw_to_term_, len(self.terms_))
        self._tag_index = {t: i for i, t in enumerate(self.tags_)}
        self._raw_index = {t: i for i, t in enumerate(self.raw_terms_)}
        self._analyzer = self._vectorizer.build_analyzer()

    # -- transforming ------------------------------------------------------------------------
    def term_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Counts of the encoder's (conflated) terms in each text."""
        if not self.raw_terms_:
            return sp.csr_matrix((len(texts), len(self.terms_)), dtype=np.float32)
        return (self._vectorizer.transform(texts) @ self._merge).tocsr()

    def tag_matrix(self, posts: Sequence[Post]) -> sp.csr_matrix:
        rows, cols = [], []
        for i, p in enumerate(posts):
            for t in {normalize_tag(t) for t in p.tags}:
                j = self._tag_index.get(t)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        return sp.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(posts), len(self.tags_))
        )

    def _sparse(self, posts: Sequence[Post]) -> sp.csr_matrix:
        return self._sparse_with_terms(posts)[0]

    def _sparse_with_terms(
        self,
        posts: Sequence[Post],
        counts: tuple[sp.csr_matrix, sp.csr_matrix] | None = None,
    ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        idf = sp.diags(self.idf_)
        if counts is not None:  # title and body counts already made while fitting
            titles, bodies = counts
        else:
            titles = self.term_counts([p.title for p in posts])
            bodies = self.term_counts([p.body or "" for p in posts])
        both = (titles + bodies).tocsr()
        titles.data = 1 + np.log(titles.data)
        bodies.data = 1 + np.log(bodies.data)
        words = (
            normalize(
                self.title_weight * normalize(titles @ idf)
                + self.body_weight * normalize(bodies @ idf)
            )
            if titles.shape[1]
            else sp.csr_matrix(titles.shape, dtype=np.float32)
        )
        if not self.tags_:
            return words.tocsr(), both
        tags = normalize(self.tag_matrix(posts) @ sp.diags(self.tag_idf_))
        has_tags = np.asarray(tags.sum(axis=1)).ravel() > 0
        word_share = np.where(has_tags, np.sqrt(1 - self.tag_weight), 1.0)
        tag_share = np.where(has_tags, np.sqrt(self.tag_weight), 0.0)
        X = sp.hstack([sp.diags(word_share) @ words, sp.diags(tag_share) @ tags], format="csr")
        return X.astype(np.float32), both

    def transform(self, posts: Sequence[Post]) -> np.ndarray:
        """Dense, L2-normalised vectors (float32); a post with no known word or tag is all zeros."""
        return self.transform_with_terms(posts)[0]

    def transform_with_terms(self, posts: Sequence[Post]) -> tuple[np.ndarray, sp.csr_matrix]:
        """Vectors and the term counts (title + body) they were built from, in one pass."""
        X, counts = self._sparse_with_terms(posts)
        return self._reduce(X @ self.components_.T), counts

    def _field_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        raw = [self._raw_index.get(tok, -1) for tok in self._analyzer(text)] if text else []
        mapped = self.raw_to_term_[np.array([r for r in raw if r >= 0], dtype=np.int64)]
        terms, counts = np.unique(mapped[mapped >= 0], return_counts=True)
        values = (1 + np.log(counts)) * self.idf_[terms]
        norm = np.linalg.norm(values)
        return terms, (values / norm if norm > 0 else values)

    def transform_one(self, post: Post) -> tuple[np.ndarray, np.ndarray]:
        """The vector of one post (same as ``transform([post])[0]``) and its term ids, without
        the sparse-matrix machinery: this is the hot path of placing and peer search."""
        t_terms, t_values = self._field_one(post.title)
        b_terms, b_values = self._field_one(post.body or "")
        cols = np.concatenate([t_terms, b_terms])
        vals = np.concatenate([self.title_weight * t_values, self.body_weight * b_values])
        cols, inverse = np.unique(cols, return_inverse=True)
        summed = np.zeros(len(cols))
        np.add.at(summed, inverse, vals)
        norm = np.linalg.norm(summed)
        words = summed / norm if norm > 0 else summed
        tag_ids = sorted(
            {self._tag_index[t] for t in map(normalize_tag, post.tags) if t in self._tag_index}
        )
        if tag_ids:
            tag_values = self.tag_idf_[tag_ids].astype(np.float64)
            tag_values /= np.linalg.norm(tag_values)
            cols = np.concatenate([cols, len(self.terms_) + np.array(tag_ids)])
            vals = np.concatenate(
                [np.sqrt(1 - self.tag_weight) * words, np.sqrt(self.tag_weight) * tag_values]
            )
        else:
            vals = words
        z = self.components_[:, cols] @ vals.astype(np.float32) if len(cols) else None
        if z is None or not np.any(z):
            return np.zeros(self.components_.shape[0], np.float32), t_terms
        return self._reduce(z[None, :])[0], np.union1d(t_terms, b_terms)

    # -- persistence -------------------------------------------------------------------------
    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {
            "params": self.get_params(),
            "word_components": self.word_components_,
            "raw_terms": self.raw_terms_,
            "terms": self.terms_,
            "tags": self.tags_,
        }
        arrays: dict[str, np.ndarray] = {
            "raw_to_term": self.raw_to_term_,
            "idf": self.idf_,
            "tag_idf": self.tag_idf_,
            "components": self.components_,
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> LexicalEncoder:
        enc = cls(**meta["params"])
        enc.raw_terms_ = list(meta["raw_terms"])
        enc.terms_ = list(meta["terms"])
        enc.tags_ = list(meta["tags"])
        enc.raw_to_term_ = arrays["raw_to_term"]
        enc.idf_ = arrays["idf"]
        enc.tag_idf_ = arrays["tag_idf"]
        enc.components_ = arrays["components"]
        enc.word_components_ = int(meta["word_components"])
        enc._build_lookup()
        return enc

    def get_params(self) -> dict[str, Any]:
        return {
            "n_components": self.n_components,
            "title_weight": self.title_weight,
            "body_weight": self.body_weight,
            "tag_weight": self.tag_weight,
            "min_df": self.min_df,
            "max_df": self.max_df,
            "svd_sample": self.svd_sample,
            "random_state": self.random_state,
        }

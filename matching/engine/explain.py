"""Naming and explaining communities.

Key terms are class-based TF-IDF (c-TF-IDF, as in BERTopic): a community's posts are treated as one
document, term frequency is normalised per community and weighted by ``log(1 + A / f_t)`` where
``A`` is the average number of words per community and ``f_t`` the term's frequency over all
communities, so words every community uses sink. Tags are ranked by lift, P(tag | community) /
P(tag), among tags used by at least ``min_support`` members. The name is the top tags and terms,
which a moderator can overwrite later.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matching.engine.peers import PeerIndex
from matching.engine.types import Community, CommunityId, PostId


def ctfidf(term_counts: sp.csr_matrix, labels: np.ndarray, n_communities: int) -> np.ndarray:
    """Dense (communities x terms) c-TF-IDF weights; ``labels`` < 0 are ignored."""
    assigned = labels >= 0
    rows = labels[assigned]
    onehot = sp.csr_matrix(
        (np.ones(len(rows)), (rows, np.flatnonzero(assigned))),
        shape=(n_communities, term_counts.shape[0]),
    )
    per_class = np.asarray((onehot @ term_counts).todense(), dtype=np.float64)
    totals = per_class.sum(axis=1, keepdims=True)
    tf = per_class / np.maximum(totals, 1)
    avg_words = max(float(totals.mean()), 1.0)
    freq = per_class.sum(axis=0)
    idf = np.log(1 + avg_words / np.maximum(freq, 1))
    return tf * idf


def top_terms(weights: np.ndarray, terms: list[str], n_terms: int) -> list[list[str]]:
    out = []
    for row in weights:
        order = np.argsort(-row, kind="stable")[:n_terms]
        out.append([terms[i] for i in order if row[i] > 0])
    return out


def tag_lift(
    tag_matrix: sp.csr_matrix,
    labels: np.ndarray,
    n_communities: int,
    tags: list[str],
    n_tags: int,
    min_support: int = 2,
) -> list[list[str]]:
    """Tags of each community ranked by lift, then by support."""
    n = tag_matrix.shape[0]
    if tag_matrix.shape[1] == 0:
        return [[] for _ in range(n_communities)]
    assigned = labels >= 0
    rows = labels[assigned]
    onehot = sp.csr_matrix(
        (np.ones(len(rows)), (rows, np.flatnonzero(assigned))), shape=(n_communities, n)
    )
    present = (tag_matrix > 0).astype(np.float64)
    support = np.asarray((onehot @ present).todense())
    sizes = np.maximum(np.bincount(rows, minlength=n_communities), 1)[:, None]
    base = np.asarray(present.sum(axis=0)).ravel() / max(n, 1)
    lift = (support / sizes) / np.maximum(base, 1e-12)
    out = []
    for c in range(n_communities):
        ok = np.flatnonzero(support[c] >= min_support)
        ranked = sorted(ok, key=lambda j: (-lift[c, j] * np.log1p(support[c, j]), tags[j]))
        out.append([tags[j] for j in ranked[:n_tags]])
    return out


def community_name(tags: list[str], terms: list[str], parts: int = 3) -> str:
    words: list[str] = []
    for w in [*tags, *terms]:
        if w not in words and not any(w in x or x in w for x in words):
            words.append(w)
        if len(words) == parts:
            break
    return " · ".join(words) if words else "unnamed"


def member_reason(
    post_terms: set[str],
    post_tags: set[str],
    community_terms: list[str],
    community_tags: list[str],
    score: float,
    limit: int = 3,
) -> str:
    """Why a post belongs: the community's tags and key terms it uses, and how close it is."""
    tags = [t for t in community_tags if t in post_tags][:limit]
    terms = [t for t in community_terms if t in post_terms][:limit]
    parts = []
    if tags:
        parts.append("tagged " + ", ".join(tags))
    if terms:
        parts.append("mentions " + ", ".join(terms))
    parts.append(f"similarity {score:.2f} to the community's centre")
    return "; ".join(parts)


def describe_communities(
    *,
    post_ids: Sequence[PostId],
    community_ids: Sequence[CommunityId],
    labels: np.ndarray,
    scores: np.ndarray,
    counts: sp.csr_matrix,
    index: PeerIndex,
    n_key_terms: int,
    n_representatives: int,
) -> list[Community]:
    """Name, key terms, tags, representatives and a reason per member for each community.

    ``labels`` and ``scores`` follow ``post_ids``, whose posts are the first rows of ``index``;
    ``counts`` are their term counts."""
    k = len(community_ids)
    col = {c: j for j, c in enumerate(community_ids)}
    compact = np.array([col[c] if c >= 0 else -1 for c in labels])
    terms = index.terms
    weights = ctfidf(counts, compact, k) if k else np.zeros((0, len(terms)))
    key_terms = top_terms(weights, terms, max(n_key_terms, 20))
    tag_lists = tag_lift(index.tag_rows[: len(post_ids)], compact, k, index.tag_vocab, n_key_terms)
    communities = []
    for j, c in enumerate(community_ids):
        rows = np.flatnonzero(compact == j)
        order = rows[np.argsort(-scores[rows], kind="stable")]
        top = key_terms[j][:20]
        reasons: dict[PostId, str] = {
            post_ids[r]: member_reason(
                {terms[t] for t in index.terms_of(r)},
                index.tags_of(r),
                top,
                tag_lists[j],
                float(scores[r]),
            )
            for r in rows.tolist()
        }
        communities.append(
            Community(
                id=c,
                name=community_name(tag_lists[j], key_terms[j]),
                key_terms=key_terms[j][:n_key_terms],
                tags=tag_lists[j],
                size=len(rows),
                representative_ids=[post_ids[r] for r in order[:n_representatives]],
                member_reasons=reasons,
            )
        )
    return communities

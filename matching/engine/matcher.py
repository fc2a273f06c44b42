"""The matcher: communities, reasons, peers and placement for a set of posts.

Typical use::

    from matching.engine import Matcher, Post

    matcher = Matcher(random_state=0).fit(posts, previous={7: [1, 2, 3]}, constraints=None)
    matcher.labels_          # community id per post (matcher.post_ids_ order), -1 = unassigned
    matcher.communities_     # Community(id, name, key_terms, tags, size, representative_ids, ...)
    matcher.transitions_     # survived / grew / shrank / merged / split / emerged / dissolved
    matcher.config_id_       # store it with the run: it names the algorithm version and parameters
    matcher.place(post)      # [(community_id, confidence)], [] when the post fits none
    matcher.similar("text being typed", tags=["baking"], k=10, searchable_ids=ids)
    matcher.add_posts(new_posts)  # make them findable as peers without refitting
    matcher.save(directory); Matcher.load(directory)

``fit`` follows the scikit-learn contract: ``__init__`` only stores parameters, ``fit`` validates
its input and returns ``self``, learned attributes end in ``_`` and randomness only comes from
``random_state`` (the same posts and parameters give the same result).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.preprocessing import normalize

from matching.engine import cluster, explain, identity
from matching.engine.text import LexicalEncoder, SemanticEncoder, normalize_tag
from matching.engine.types import (
    Community,
    CommunityId,
    Constraints,
    Peer,
    Post,
    PostId,
    Transition,
)

# Bump on every change that can change a result for the same input and parameters.
ALGORITHM_VERSION = 1
Encoder = Literal["lexical", "semantic", "hybrid"]
ENCODERS: tuple[str, ...] = ("lexical", "semantic", "hybrid")
UNASSIGNED = -1


class Matcher:
    """Finds communities of purpose, explains them, and finds peers (see the module docstring).

    Parameters
    ----------
    encoder: "lexical" (TF-IDF + SVD, scikit-learn only), "semantic" (sentence embeddings of title,
        body and tags, combined with the lexical tag block) or "hybrid" (sentence embeddings
        combined with the full lexical vector). The last two need the ``semantic`` extra.
    n_communities: force this many communities; ``None`` (default) lets the data decide.
    title_weight, body_weight, tag_weight, n_components: lexical representation (see ``text``).
    semantic_weight: share of the squared norm given to the sentence embedding in "hybrid".
    max_landmarks, n_micro, stability_runs, ambiguity_dip, modularity_tolerance: community
        discovery (see ``cluster``).
    min_community_size: smaller communities are dissolved and their posts re-placed.
    misfit_z: a post is left unassigned when its similarity to its community's centre is more than
        ``misfit_z`` robust standard deviations below the community's median.
    min_coverage: never leave more than ``1 - min_coverage`` of the posts unassigned.
    fit_percentile: ``place`` says a new post fits a community when it is at least as close to
        the centre as this share of the community's least typical members.
    """

    def __init__(
        self,
        *,
        encoder: Encoder = "lexical",
        n_communities: int | None = None,
        n_components: int = 100,
        title_weight: float = 1.0,
        body_weight: float = 0.5,
        tag_weight: float = 0.5,
        semantic_weight: float = 0.6,
        max_landmarks: int = 20_000,
        n_micro: int = 100,
        stability_runs: int = 5,
        ambiguity_dip: float = 0.1,
        modularity_tolerance: float = 0.01,
        min_community_size: int = 3,
        misfit_z: float = 3.0,
        fit_percentile: float = 0.05,
        min_coverage: float = 0.85,
        n_key_terms: int = 8,
        n_representatives: int = 3,
        random_state: int | None = 0,
    ) -> None:
        self.encoder = encoder
        self.n_communities = n_communities
        self.n_components = n_components
        self.title_weight = title_weight
        self.body_weight = body_weight
        self.tag_weight = tag_weight
        self.semantic_weight = semantic_weight
        self.max_landmarks = max_landmarks
        self.n_micro = n_micro
        self.stability_runs = stability_runs
        self.ambiguity_dip = ambiguity_dip
        self.modularity_tolerance = modularity_tolerance
        self.min_community_size = min_community_size
        self.misfit_z = misfit_z
        self.fit_percentile = fit_percentile
        self.min_coverage = min_coverage
        self.n_key_terms = n_key_terms
        self.n_representatives = n_representatives
        self.random_state = random_state

    # -- parameters --------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in (
                "encoder",
                "n_communities",
                "n_components",
                "title_weight",
                "body_weight",
                "tag_weight",
                "semantic_weight",
                "max_landmarks",
                "n_micro",
                "stability_runs",
                "ambiguity_dip",
                "modularity_tolerance",
                "min_community_size",
                "misfit_z",
                "fit_percentile",
                "min_coverage",
                "n_key_terms",
                "n_representatives",
                "random_state",
            )
        }

    def set_params(self, **params: Any) -> Matcher:
        for key, value in params.items():
            if key not in self.get_params():
                raise ValueError(f"unknown parameter {key!r}")
            setattr(self, key, value)
        return self

    def config_id(self) -> str:
        """``matcher-v<algorithm version>-<encoder>-<hash of every parameter>``."""
        params = json.dumps(self.get_params(), sort_keys=True)
        digest = hashlib.sha256(params.encode()).hexdigest()[:10]
        return f"matcher-v{ALGORITHM_VERSION}-{self.encoder}-{digest}"

    def _validate_params(self) -> None:
        if self.encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, not {self.encoder!r}")
        if self.n_communities is not None and self.n_communities < 1:
            raise ValueError("n_communities must be at least 1")
        if not 0 <= self.tag_weight < 1 or not 0 <= self.semantic_weight <= 1:
            raise ValueError("tag_weight must be in [0, 1) and semantic_weight in [0, 1]")
        if not 0 < self.min_coverage <= 1:
            raise ValueError("min_coverage must be in (0, 1]")

    # -- encoding ----------------------------------------------------------------------------
    def _semantic(self) -> SemanticEncoder:
        if getattr(self, "_semantic_encoder", None) is None:
            self._semantic_encoder = SemanticEncoder()
        return self._semantic_encoder

    def _semantic_vectors(
        self, posts: Sequence[Post], vectors: Mapping[PostId, np.ndarray] | None
    ) -> np.ndarray:
        """Sentence vectors, reusing those given by post id; only missing posts are encoded."""
        out = np.zeros((len(posts), SemanticEncoder.dimension), np.float32)
        missing = []
        for i, p in enumerate(posts):
            v = None if vectors is None else vectors.get(p.id)
            if v is None:
                missing.append(i)
            else:
                out[i] = np.asarray(v, dtype=np.float32)
        if missing:
            out[missing] = self._semantic().encode([posts[i] for i in missing])
        self.n_encoded_ = getattr(self, "n_encoded_", 0) + len(missing)
        return normalize(out).astype(np.float32)

    def _combine(self, lexical: np.ndarray, semantic: np.ndarray | None) -> np.ndarray:
        if semantic is None:
            return lexical
        w = self.semantic_weight
        return normalize(np.hstack([math.sqrt(1 - w) * lexical, math.sqrt(w) * semantic])).astype(
            np.float32
        )

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
        """Tags alone, projected with the tag part of the SVD (zero for posts without tags)."""
        enc = self.lexical_
        comp = enc.components_[:, len(enc.terms_) :]
        if not enc.tags_ or comp.shape[1] != len(enc.tags_):
            return np.zeros((len(posts), enc.components_.shape[0]), np.float32)
        tags = normalize(enc.tag_matrix(posts) @ sp.diags(enc.tag_idf_))
        return normalize(np.asarray(tags @ comp.T, dtype=np.float32)).astype(np.float32)

    def transform(
        self, posts: Sequence[Post], vectors: Mapping[PostId, np.ndarray] | None = None
    ) -> np.ndarray:
        """The normalised vectors the matcher compares (one row per post)."""
        self._check_fitted()
        return self._encode(posts, vectors)[0]

    # -- fitting -----------------------------------------------------------------------------
    def fit(
        self,
        posts: Sequence[Post],
        previous: Mapping[CommunityId, Sequence[PostId]] | None = None,
        constraints: Constraints | None = None,
        vectors: Mapping[PostId, np.ndarray] | None = None,
    ) -> Matcher:
        """Find communities among ``posts``.

        previous: the last run's communities (id -> member post ids); ids carry over and
            ``transitions_`` says what happened to each.
        constraints: must-link, cannot-link and pinned placements that the output respects.
        vectors: sentence vectors already computed, by post id (semantic/hybrid only); only posts
            missing from it are encoded. ``semantic_vectors_`` holds every post's vector afterwards.
        """
        self._validate_params()
        posts = list(posts)
        if not posts:
            raise ValueError("fit needs at least one post")
        ids = [p.id for p in posts]
        if len(set(ids)) != len(ids):
            raise ValueError("post ids must be unique")
        constraints = constraints or Constraints()
        self._check_constraints(constraints, set(ids))
        self.n_encoded_ = 0

        self.lexical_ = LexicalEncoder(
            n_components=self.n_components,
            title_weight=self.title_weight,
            body_weight=self.body_weight,
            tag_weight=self.tag_weight,
            random_state=self.random_state,
        )
        lexical_terms = self.lexical_.fit_transform_with_terms(posts)
        Z, counts, semantic = self._encode(posts, vectors, lexical_terms)
        self.semantic_vectors_: dict[PostId, np.ndarray] = (
            {} if semantic is None else {pid: semantic[i] for i, pid in enumerate(ids)}
        )
        found = cluster.discover(
            Z,
            n_communities=self.n_communities,
            max_landmarks=self.max_landmarks,
            n_micro=self.n_micro,
            stability_runs=self.stability_runs,
            dip=self.ambiguity_dip,
            modularity_tolerance=self.modularity_tolerance,
            random_state=self.random_state,
        )
        self.discovery_ = {
            "chosen": found.chosen_k,
            "modularity_peak": found.modularity_k,
            "ambiguity": {str(k): round(v, 4) for k, v in found.ambiguity.items()},
            "landmarks": found.landmark_count,
        }
        id_row = {pid: i for i, pid in enumerate(ids)}
        centroids = found.centroids
        if previous and self.n_communities is None:
            centroids = self._warm_start(Z, centroids, previous, id_row)
        centroids = cluster.spherical_kmeans(Z, centroids, n_iter=10)
        labels, _, centroids = self._assign(Z, centroids)

        clusters = [set() for _ in range(len(centroids))]  # type: list[set[PostId]]
        for i, lab in enumerate(labels):
            if lab >= 0:
                clusters[lab].add(ids[i])
        community_ids = (
            identity.assign_ids(previous, clusters) if previous else self._ids_by_size(clusters)
        )
        out = np.array([community_ids[lab] if lab >= 0 else UNASSIGNED for lab in labels])
        out, extra_centroids = self._apply_constraints(
            Z, out, centroids, community_ids, constraints, id_row
        )
        # Final centres, thresholds and scores on the constrained membership.
        final_ids = sorted({int(c) for c in out if c >= 0} | set(extra_centroids))
        self.community_ids_ = final_ids
        self.centroids_ = self._centres(
            Z, out, final_ids, centroids, community_ids, extra_centroids
        )
        if final_ids:
            sims = Z @ self.centroids_.T
            column = np.searchsorted(np.array(final_ids), out)
            best = sims.max(axis=1)
            own = sims[np.arange(len(ids)), np.minimum(column, len(final_ids) - 1)]
            self.scores_ = np.where(out >= 0, own, best).astype(np.float32)
        else:
            self.scores_ = np.zeros(len(ids), np.float32)
        self.labels_ = out.astype(np.int64)
        self.post_ids_ = ids
        self._set_thresholds()
        self.config_id_ = self.config_id()
        self.transitions_: list[Transition] = (
            identity.describe_transitions(
                previous, {c: {ids[i] for i in np.flatnonzero(out == c)} for c in final_ids}
            )
            if previous
            else []
        )
        self._build_index(posts, Z, counts)
        self._describe(counts)
        return self

    def _check_constraints(self, constraints: Constraints, known: set[PostId]) -> None:
        for a, b in [*constraints.must_link, *constraints.cannot_link]:
            if a not in known or b not in known:
                raise ValueError(f"constraint on unknown post: ({a!r}, {b!r})")
        for pid in constraints.pinned:
            if pid not in known:
                raise ValueError(f"pinned post {pid!r} is not among the posts")

    def _warm_start(
        self,
        Z: np.ndarray,
        discovered: np.ndarray,
        previous: Mapping[CommunityId, Sequence[PostId]],
        id_row: Mapping[PostId, int],
    ) -> np.ndarray:
        """Start from the previous centres (recomputed on today's vectors) so communities survive
        small changes, and let today's discovery add only what they cannot explain.

        A centre's radius is the median similarity of its members to it. Two previous centres
        closer to each other than their radius are indistinguishable today: the smaller one is
        dropped (a merge). Discovered centres are matched to previous ones (Hungarian on cosine,
        within the radius); an unmatched discovered centre is added when it lies outside every
        previous radius (a new community) or when its nearest previous community is also matched
        to another discovered centre farther than that radius from this one (a split)."""
        prev, radius, sizes = [], [], []
        for members in previous.values():
            rows = [id_row[m] for m in members if m in id_row]
            if len(rows) >= self.min_community_size:
                centre = normalize(Z[rows].mean(axis=0, keepdims=True))[0]
                prev.append(centre)
                radius.append(float(np.median(Z[rows] @ centre)))
                sizes.append(len(rows))
        if not prev:
            return discovered
        P = np.vstack(prev).astype(np.float32)
        r = np.array(radius)
        keep = np.ones(len(P), bool)
        between = P @ P.T
        for i in np.argsort(sizes, kind="stable"):  # smallest first
            others = np.flatnonzero(keep)
            others = others[others != i]
            if len(others) and np.any(between[i, others] >= np.maximum(r[i], r[others])):
                keep[i] = False
        P, r = P[keep], r[keep]
        cos = discovered @ P.T
        rows, cols = linear_sum_assignment(-cos)
        match = {int(c): int(d) for d, c in zip(rows, cols, strict=True) if cos[d, c] >= r[c]}
        matched = set(match.values())
        starts = list(P)
        for j in range(len(discovered)):
            if j in matched:
                continue
            i = int(np.argmax(cos[j]))
            outside = cos[j, i] < r[i]
            split = i in match and float(discovered[j] @ discovered[match[i]]) < r[i]
            if outside or split:
                starts.append(discovered[j])
        return np.vstack(starts).astype(np.float32)

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
            misfit = self._misfits(labels, scores, len(centroids))
            labels = np.where(misfit, UNASSIGNED, labels)
            sizes = np.bincount(labels[labels >= 0], minlength=len(centroids))
            small = sizes < min(self.min_community_size, max(1, int(live.sum()) // 2))
            if not small.any() or small.all():
                return labels, scores, centroids
            centroids = centroids[~small]

    def _misfits(self, labels: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
        z = np.zeros(len(labels))
        for c in range(k):
            m = labels == c
            if m.sum() < 3:
                continue
            med = np.median(scores[m])
            spread = 1.4826 * np.median(np.abs(scores[m] - med)) + 1e-6
            z[m] = (scores[m] - med) / spread
        misfit = (z < -self.misfit_z) & (labels >= 0)
        budget = math.floor((1 - self.min_coverage) * len(labels))
        already = int((labels < 0).sum())
        allowed = max(0, budget - already)
        if misfit.sum() > allowed:
            worst = np.flatnonzero(misfit)[np.argsort(z[misfit], kind="stable")][:allowed]
            misfit = np.zeros_like(misfit)
            misfit[worst] = True
        return misfit

    @staticmethod
    def _ids_by_size(clusters: list[set[PostId]]) -> list[CommunityId]:
        order = sorted(range(len(clusters)), key=lambda j: (-len(clusters[j]), j))
        ids = [0] * len(clusters)
        for rank, j in enumerate(order):
            ids[j] = rank
        return ids

    def _apply_constraints(
        self,
        Z: np.ndarray,
        labels: np.ndarray,
        centroids: np.ndarray,
        community_ids: list[CommunityId],
        constraints: Constraints,
        id_row: Mapping[PostId, int],
    ) -> tuple[np.ndarray, dict[CommunityId, np.ndarray]]:
        """Pinned first, then must-link groups move together, then cannot-link pairs are separated
        by moving the less certain side to its next best community (or leaving it unassigned)."""
        labels = labels.copy()
        extra: dict[CommunityId, np.ndarray] = {}
        if not (constraints.must_link or constraints.cannot_link or constraints.pinned):
            return labels, extra
        centre = {c: centroids[j] for j, c in enumerate(community_ids)}
        for pid, cid in constraints.pinned.items():
            if cid not in centre:
                extra.setdefault(cid, np.zeros(Z.shape[1], np.float32))
                extra[cid] = extra[cid] + Z[id_row[pid]]
        for cid, v in extra.items():
            centre[cid] = normalize(v[None, :])[0]
        cids = list(centre)
        C = np.vstack([centre[c] for c in cids]) if cids else np.zeros((0, Z.shape[1]))

        parent = {pid: pid for pid in id_row}

        def find(x: PostId) -> PostId:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in constraints.must_link:
            parent[find(a)] = find(b)
        groups: dict[PostId, list[PostId]] = {}
        for pid in {p for pair in constraints.must_link for p in pair} | set(constraints.pinned):
            groups.setdefault(find(pid), []).append(pid)
        group_of = {pid: root for root, members in groups.items() for pid in members}
        for a, b in constraints.cannot_link:
            if find(a) == find(b):
                raise ValueError(f"posts {a!r} and {b!r} are both must-linked and cannot-linked")
        pinned_group: dict[PostId, CommunityId] = {}
        for pid, cid in constraints.pinned.items():
            root = find(pid)
            if pinned_group.get(root, cid) != cid:
                raise ValueError(f"must-linked posts are pinned to different communities ({pid!r})")
            pinned_group[root] = cid

        def members_of(pid: PostId) -> list[PostId]:
            return groups.get(group_of.get(pid, pid), [pid]) if pid in group_of else [pid]

        def ranked(rows: list[int]) -> list[CommunityId]:
            votes = Z[rows].sum(axis=0) @ C.T
            return [cids[j] for j in np.argsort(-votes, kind="stable")]

        for root, members in groups.items():
            rows = [id_row[m] for m in members]
            if root in pinned_group:
                target: CommunityId = pinned_group[root]
            elif all(labels[r] < 0 for r in rows):
                continue
            else:
                target = ranked(rows)[0]
            labels[rows] = target

        enemies: dict[PostId, set[PostId]] = {}
        for a, b in constraints.cannot_link:
            enemies.setdefault(a, set()).add(b)
            enemies.setdefault(b, set()).add(a)
        for _ in range(len(constraints.cannot_link) + 1):
            moved = False
            for a, b in constraints.cannot_link:
                ra, rb = id_row[a], id_row[b]
                if labels[ra] < 0 or labels[ra] != labels[rb]:
                    continue
                # Move the side that is not pinned and fits its community less well.
                side = []
                for pid in (a, b):
                    mem = members_of(pid)
                    rows = [id_row[m] for m in mem]
                    pinned = find(pid) in pinned_group
                    fit = float(np.mean(Z[rows] @ centre[int(labels[ra])]))
                    side.append((pinned, fit, pid, rows, mem))
                side.sort(key=lambda s: (s[0], s[1]))
                pinned, _, pid, rows, mem = side[0]
                if pinned:
                    raise ValueError(f"pinned posts {a!r} and {b!r} cannot share a community")
                banned = {
                    int(labels[id_row[e]]) for m in mem for e in enemies.get(m, ()) if e in id_row
                }
                options = [c for c in ranked(rows) if c not in banned]
                labels[rows] = options[0] if options else UNASSIGNED
                moved = True
            if not moved:
                break
        return labels, extra

    def _centres(
        self,
        Z: np.ndarray,
        labels: np.ndarray,
        final_ids: list[CommunityId],
        centroids: np.ndarray,
        community_ids: list[CommunityId],
        extra: Mapping[CommunityId, np.ndarray],
    ) -> np.ndarray:
        out = np.zeros((len(final_ids), Z.shape[1]), np.float32)
        before = dict(zip(community_ids, centroids, strict=True))
        for j, c in enumerate(final_ids):
            rows = np.flatnonzero(labels == c)
            if len(rows):
                out[j] = normalize(Z[rows].sum(axis=0, keepdims=True))[0]
            elif c in before:
                out[j] = before[c]
            elif c in extra:
                out[j] = normalize(np.asarray(extra[c])[None, :])[0]
        return out

    def _set_thresholds(self) -> None:
        """Per community: percentiles 0..100 of its members' similarity to the centre, which
        calibrate ``place``."""
        k = len(self.community_ids_)
        self.score_quantiles_ = np.ones((k, 101), np.float32)
        for j, c in enumerate(self.community_ids_):
            s = self.scores_[self.labels_ == c]
            if len(s):
                self.score_quantiles_[j] = np.percentile(s, np.arange(101))

    # -- explaining --------------------------------------------------------------------------
    def _describe(self, counts: sp.csr_matrix) -> None:
        ids = self.post_ids_
        k = len(self.community_ids_)
        col = {c: j for j, c in enumerate(self.community_ids_)}
        compact = np.array([col[c] if c >= 0 else -1 for c in self.labels_])
        terms = self.lexical_.terms_
        weights = explain.ctfidf(counts, compact, k) if k else np.zeros((0, len(terms)))
        key_terms = explain.top_terms(weights, terms, max(self.n_key_terms, 20))
        tag_lists = explain.tag_lift(
            self.index_tags_[: len(ids)], compact, k, self.tag_vocab_, self.n_key_terms
        )
        term_rows = self.index_terms_
        communities = []
        for j, c in enumerate(self.community_ids_):
            rows = np.flatnonzero(compact == j)
            order = rows[np.argsort(-self.scores_[rows], kind="stable")]
            reasons: dict[PostId, str] = {}
            top_terms = key_terms[j][:20]
            for r in rows:
                post_terms = {
                    terms[t]
                    for t in term_rows.indices[term_rows.indptr[r] : term_rows.indptr[r + 1]]
                }
                post_tags = self._tags_of(int(r))
                reasons[ids[r]] = explain.member_reason(
                    post_terms, post_tags, top_terms, tag_lists[j], float(self.scores_[r])
                )
            communities.append(
                Community(
                    id=c,
                    name=explain.community_name(tag_lists[j], key_terms[j]),
                    key_terms=key_terms[j][: self.n_key_terms],
                    tags=tag_lists[j],
                    size=len(rows),
                    representative_ids=[ids[r] for r in order[: self.n_representatives]],
                    member_reasons=reasons,
                )
            )
        self.communities_ = communities

    # -- peer index --------------------------------------------------------------------------
    def _build_index(self, posts: Sequence[Post], Z: np.ndarray, counts: sp.csr_matrix) -> None:
        self.index_ids_: list[PostId] = []
        self.index_vectors_ = np.zeros((0, Z.shape[1]), np.float32)
        self.index_searchable_ = np.zeros(0, bool)
        self.index_terms_ = sp.csr_matrix((0, len(self.lexical_.terms_)), dtype=np.int8)
        self.tag_vocab_: list[str] = []
        self._tag_lookup: dict[str, int] = {}
        self.index_tags_ = sp.csr_matrix((0, 0), dtype=np.int8)
        self._row_of: dict[PostId, int] = {}
        self._append(posts, Z, counts)

    def _append(self, posts: Sequence[Post], Z: np.ndarray, counts: sp.csr_matrix) -> None:
        for p in posts:
            for t in p.tags:
                t = normalize_tag(t)
                if t and t not in self._tag_lookup:
                    self._tag_lookup[t] = len(self.tag_vocab_)
                    self.tag_vocab_.append(t)
        rows, cols = [], []
        for i, p in enumerate(posts):
            for t in {normalize_tag(t) for t in p.tags if t.strip()}:
                rows.append(i)
                cols.append(self._tag_lookup[t])
        tags = sp.csr_matrix(
            (np.ones(len(rows), np.int8), (rows, cols)), shape=(len(posts), len(self.tag_vocab_))
        )
        old_tags = self.index_tags_
        old_tags.resize((old_tags.shape[0], len(self.tag_vocab_)))
        self.index_tags_ = sp.vstack([old_tags, tags], format="csr")
        present = (counts > 0).astype(np.int8)
        self.index_terms_ = sp.vstack([self.index_terms_, present], format="csr")
        self.index_vectors_ = np.vstack([self.index_vectors_, Z.astype(np.float32)])
        self.index_searchable_ = np.concatenate(
            [self.index_searchable_, np.array([p.searchable for p in posts], bool)]
        )
        for p in posts:
            if p.id in self._row_of:
                raise ValueError(f"post {p.id!r} is already in the peer index")
            self._row_of[p.id] = len(self.index_ids_)
            self.index_ids_.append(p.id)

    def _tags_of(self, row: int) -> set[str]:
        t = self.index_tags_
        return {self.tag_vocab_[j] for j in t.indices[t.indptr[row] : t.indptr[row + 1]]}

    def add_posts(
        self, posts: Sequence[Post], vectors: Mapping[PostId, np.ndarray] | None = None
    ) -> Matcher:
        """Make new posts findable as peers without refitting (their communities: ``place``)."""
        self._check_fitted()
        posts = list(posts)
        if posts:
            Z, counts, _ = self._encode(posts, vectors)
            self._append(posts, Z, counts)
        return self

    # -- using a fitted matcher --------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise RuntimeError("this Matcher is not fitted yet: call fit() or Matcher.load()")

    def _query(self, query: Post | str, tags: Iterable[str] = ()) -> Post:
        if isinstance(query, Post):
            return query
        return Post(id="__query__", title=query, tags=tuple(tags))

    def _encode_query(self, q: Post) -> tuple[np.ndarray, np.ndarray]:
        """One post's vector and term ids, on the fast path of the lexical encoder."""
        lexical, term_ids = self.lexical_.transform_one(q)
        if self.encoder == "lexical":
            return lexical, term_ids
        semantic = self._semantic().encode([q])
        if self.encoder == "semantic":
            lexical = self._tag_vectors([q])[0]
        return self._combine(lexical[None, :], normalize(semantic))[0], term_ids

    def place(
        self, post: Post | str, *, tags: Iterable[str] = (), limit: int = 3
    ) -> list[tuple[CommunityId, float]]:
        """Communities a new post fits, best first, with a confidence in (0, 1]; [] when none.

        A post fits a community when it is at least as close to the centre as the least typical
        ``fit_percentile`` (5%) of its members; confidence is twice the share of members it is
        closer than, capped at 1 (1 means "at least as close as the median member")."""
        self._check_fitted()
        z, _ = self._encode_query(self._query(post, tags))
        return self._place_vector(z, limit)

    def _place_vector(self, z: np.ndarray, limit: int) -> list[tuple[CommunityId, float]]:
        if not self.community_ids_ or not np.any(z):
            return []
        sims = self.centroids_ @ z
        grid = np.linspace(0.0, 1.0, 101)
        share = np.array(
            [
                np.interp(s, q, grid, left=0.0, right=1.0)
                for s, q in zip(sims, self.score_quantiles_, strict=True)
            ]
        )
        order = np.argsort(-sims, kind="stable")
        return [
            (int(self.community_ids_[j]), round(float(min(1.0, 2 * share[j])), 4))
            for j in order[:limit]
            if share[j] >= self.fit_percentile
        ]

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
    ) -> list[Peer]:
        """The k most similar searchable posts to a post or to text being typed, with reasons.

        Only posts marked searchable (``Post.searchable``) are returned and, when ``searchable_ids``
        is given, only those among them. A query post never returns itself."""
        self._check_fitted()
        q = self._query(query, tags)
        z, term_ids = self._encode_query(q)
        if not np.any(z):
            return []
        # einsum: one single-threaded pass; a BLAS matrix-vector product wakes a thread pool and
        # is several times slower per query on a busy two-core machine.
        sims = np.einsum("ij,j->i", self.index_vectors_, z.astype(self.index_vectors_.dtype))
        allowed = self.index_searchable_
        if searchable_ids is not None:
            allowed = np.zeros_like(allowed)
            rows = [self._row_of[i] for i in searchable_ids if i in self._row_of]
            allowed[rows] = self.index_searchable_[rows]
        sims[~allowed] = -np.inf
        own = self._row_of.get(q.id)
        if own is not None:
            sims[own] = -np.inf
        k = min(k, int(allowed.sum()) - (1 if own is not None and allowed[own] else 0))
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.lexsort((top, -sims[top]))]
        q_terms = set(term_ids.tolist())
        q_tags = {normalize_tag(t) for t in q.tags}
        idf = self.lexical_.idf_
        terms = self.lexical_.terms_
        ti = self.index_terms_
        peers = []
        for row in top.tolist():
            shared = q_terms.intersection(ti.indices[ti.indptr[row] : ti.indptr[row + 1]].tolist())
            shared_terms = tuple(terms[j] for j in sorted(shared, key=lambda j: (-idf[j], j))[:5])
            shared_tags = tuple(sorted(q_tags & self._tags_of(row)))
            peers.append(
                Peer(
                    id=self.index_ids_[row],
                    score=round(float(sims[row]), 4),
                    shared_tags=shared_tags,
                    shared_terms=shared_terms,
                )
            )
        return peers

    def similar_indexed(
        self, ids: Sequence[PostId], *, k: int = 10, block: int = 256
    ) -> dict[PostId, list[Peer]]:
        """Peers of posts already in the peer index, many at once: the same answer as
        ``similar(post)`` for each, without encoding the posts again, a block of rows at a time
        (one matrix product per block). Ids not in the index are left out."""
        self._check_fitted()
        rows = [self._row_of[i] for i in ids if i in self._row_of]
        out: dict[PostId, list[Peer]] = {}
        searchable = np.flatnonzero(self.index_searchable_)
        if len(searchable) == 0:
            return {self.index_ids_[r]: [] for r in rows}
        candidates_vectors = self.index_vectors_[searchable]
        idf = self.lexical_.idf_
        terms = self.lexical_.terms_
        ti = self.index_terms_
        m = len(searchable)
        for start in range(0, len(rows), block):
            chunk = np.asarray(rows[start : start + block])
            sims = self.index_vectors_[chunk] @ candidates_vectors.T
            # A post is never its own peer.
            own = np.minimum(np.searchsorted(searchable, chunk), m - 1)
            is_own = searchable[own] == chunk
            sims[np.flatnonzero(is_own), own[is_own]] = -np.inf
            kk = min(k, m - 1 if is_own.any() else m)
            if kk <= 0:
                for row in chunk:
                    out[self.index_ids_[int(row)]] = []
                continue
            # Exact top kk without partitioning whole rows: the kk-th largest similarity in a
            # sample of columns is a lower bound of the row's kk-th largest, so only the few
            # columns at or above it can be among the best.
            sample = sims[:, :: max(1, m // 2048)]
            if sample.shape[1] >= kk:
                bound = np.partition(sample, sample.shape[1] - kk, axis=1)[:, -kk]
            else:
                bound = np.full(len(chunk), -np.inf, dtype=sims.dtype)
            above = sims >= bound[:, None]
            for i, row in enumerate(chunk.tolist()):
                if not np.any(self.index_vectors_[row]):
                    out[self.index_ids_[row]] = []
                    continue
                row_sims = sims[i]
                candidates = np.flatnonzero(above[i])
                if len(candidates) > kk:
                    candidates = candidates[
                        np.argpartition(row_sims[candidates], len(candidates) - kk)[-kk:]
                    ]
                top = candidates
                top = top[np.isfinite(row_sims[top])]
                top = top[np.lexsort((searchable[top], -row_sims[top]))]
                q_terms = set(ti.indices[ti.indptr[row] : ti.indptr[row + 1]].tolist())
                q_tags = self._tags_of(row)
                peers = []
                for t in top:
                    other = int(searchable[t])
                    shared = q_terms.intersection(
                        ti.indices[ti.indptr[other] : ti.indptr[other + 1]].tolist()
                    )
                    shared_terms = tuple(
                        terms[j] for j in sorted(shared, key=lambda j: (-idf[j], j))[:5]
                    )
                    peers.append(
                        Peer(
                            id=self.index_ids_[other],
                            score=round(float(row_sims[t]), 4),
                            shared_tags=tuple(sorted(q_tags & self._tags_of(other))),
                            shared_terms=shared_terms,
                        )
                    )
                out[self.index_ids_[row]] = peers
        return out

    def place_indexed(
        self, ids: Sequence[PostId], *, limit: int = 3
    ) -> dict[PostId, list[tuple[CommunityId, float]]]:
        """``place`` for posts already in the peer index, without encoding them again."""
        self._check_fitted()
        return {
            i: self._place_vector(self.index_vectors_[self._row_of[i]], limit)
            for i in ids
            if i in self._row_of
        }

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted matcher to directory ``path`` as ``arrays.npz`` + ``matcher.json``
        (no pickle), so web processes and workers load the same versioned artifact."""
        self._check_fitted()
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        lex_meta, lex_arrays = self.lexical_.get_state()
        arrays: dict[str, np.ndarray] = {f"lexical_{k}": v for k, v in lex_arrays.items()}
        arrays.update(
            centroids=self.centroids_,
            score_quantiles=self.score_quantiles_,
            labels=self.labels_,
            scores=self.scores_,
            index_vectors=self.index_vectors_,
            index_searchable=self.index_searchable_,
            index_terms_indptr=self.index_terms_.indptr,
            index_terms_indices=self.index_terms_.indices,
            index_tags_indptr=self.index_tags_.indptr,
            index_tags_indices=self.index_tags_.indices,
        )
        meta = {
            "format": 1,
            "config_id": self.config_id_,
            "params": self.get_params(),
            "lexical": lex_meta,
            "post_ids": self.post_ids_,
            "index_ids": self.index_ids_,
            "tag_vocab": self.tag_vocab_,
            "community_ids": self.community_ids_,
            "discovery": self.discovery_,
            "communities": [
                {
                    "id": c.id,
                    "name": c.name,
                    "key_terms": c.key_terms,
                    "tags": c.tags,
                    "size": c.size,
                    "representative_ids": c.representative_ids,
                    "member_reasons": [[pid, r] for pid, r in c.member_reasons.items()],
                }
                for c in self.communities_
            ],
            "transitions": [
                {"kind": t.kind, "previous": list(t.previous_ids), "current": list(t.current_ids)}
                for t in self.transitions_
            ],
        }
        tmp = directory / "arrays.tmp.npz"
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
        tmp.replace(directory / "arrays.npz")
        (directory / "matcher.json.tmp").write_text(json.dumps(meta))
        (directory / "matcher.json.tmp").replace(directory / "matcher.json")
        return directory

    @classmethod
    def load(cls, path: str | Path) -> Matcher:
        directory = Path(path)
        meta = json.loads((directory / "matcher.json").read_text())
        with np.load(directory / "arrays.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        matcher = cls(**meta["params"])
        lex = {k[len("lexical_") :]: v for k, v in arrays.items() if k.startswith("lexical_")}
        matcher.lexical_ = LexicalEncoder.from_state(meta["lexical"], lex)
        matcher.config_id_ = meta["config_id"]
        matcher.centroids_ = arrays["centroids"]
        matcher.score_quantiles_ = arrays["score_quantiles"]
        matcher.labels_ = arrays["labels"]
        matcher.scores_ = arrays["scores"]
        matcher.post_ids_ = list(meta["post_ids"])
        matcher.community_ids_ = [int(c) for c in meta["community_ids"]]
        matcher.discovery_ = meta["discovery"]
        matcher.semantic_vectors_ = {}
        matcher.index_ids_ = list(meta["index_ids"])
        matcher._row_of = {pid: i for i, pid in enumerate(matcher.index_ids_)}
        matcher.tag_vocab_ = list(meta["tag_vocab"])
        matcher._tag_lookup = {t: i for i, t in enumerate(matcher.tag_vocab_)}
        n = len(matcher.index_ids_)
        matcher.index_vectors_ = arrays["index_vectors"]
        matcher.index_searchable_ = arrays["index_searchable"]
        matcher.index_terms_ = sp.csr_matrix(
            (
                np.ones(len(arrays["index_terms_indices"]), np.int8),
                arrays["index_terms_indices"],
                arrays["index_terms_indptr"],
            ),
            shape=(n, len(matcher.lexical_.terms_)),
        )
        matcher.index_tags_ = sp.csr_matrix(
            (
                np.ones(len(arrays["index_tags_indices"]), np.int8),
                arrays["index_tags_indices"],
                arrays["index_tags_indptr"],
            ),
            shape=(n, len(matcher.tag_vocab_)),
        )
        matcher.communities_ = [
            Community(
                id=c["id"],
                name=c["name"],
                key_terms=c["key_terms"],
                tags=c["tags"],
                size=c["size"],
                representative_ids=c["representative_ids"],
                member_reasons={pid: r for pid, r in c["member_reasons"]},
            )
            for c in meta["communities"]
        ]
        matcher.transitions_ = [
            Transition(t["kind"], tuple(t["previous"]), tuple(t["current"]))
            for t in meta["transitions"]
        ]
        return matcher

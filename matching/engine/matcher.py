"""The matcher: communities, reasons, peers and placement for a set of posts.

Typical use::

    from matching.engine import Matcher, Post

    matcher = Matcher(random_state=0).fit(posts, previous={7: [1, 2, 3]}, constraints=None)
    matcher.labels_          # community id per post (matcher.post_ids_ order), -1 = unassigned
    matcher.communities_     # Community(id, name, key_terms, tags, size, representative_ids, ...)
    matcher.areas_           # Area(id, name, community_ids, ...): broader groups of communities
    matcher.transitions_     # survived / grew / shrank / merged / split / emerged / dissolved
    matcher.config_id_       # store it with the run: it names the algorithm version and parameters
    matcher.place(post)      # [(community_id, confidence)], [] when the post fits none
    matcher.similar("text being typed", tags=["baking"], k=10, searchable_ids=ids)
    matcher.add_posts(new_posts)  # make them findable as peers without refitting
    matcher.update(posts, previous={7: [1, 2, 3]})  # fit again, keeping the encoder and index
    matcher.save(directory); Matcher.load(directory)  # refuses another format or version

The parts live beside it: the peer index (``peers.PeerIndex``), constraints (``constraints``),
misfits and placement (``placement``), names and reasons (``explain``), identity across runs
(``identity``), community discovery (``cluster``), areas (``areas``), the saved artifact
(``artifact``) and the configuration id (``version``).

``fit`` follows the scikit-learn contract: ``__init__`` only stores parameters, ``fit`` validates
its input and returns ``self``, learned attributes end in ``_`` and randomness only comes from
``random_state`` (the same posts and parameters give the same result).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from matching.engine import areas, artifact, cluster, explain, identity, placement
from matching.engine.constraints import apply_constraints, check_constraints
from matching.engine.lexical import LexicalEncoder
from matching.engine.peers import PeerIndex, noise_floor
from matching.engine.semantic import SemanticEncoder, combine, reuse_or_encode, tag_vectors
from matching.engine.types import (
    UNASSIGNED,
    AreaId,
    CommunityId,
    Constraints,
    Peer,
    Post,
    PostId,
    Suggestion,
    Transition,
)
from matching.engine.version import make_config_id

Encoder = Literal["lexical", "semantic", "hybrid"]

# Members of a community whose words name it: the most typical first, then evenly spaced down its
# members by similarity to the centre (a bounded cost, whatever the community's size).
NAME_SAMPLE = 400


class NotUpdatable(ValueError):
    """``Matcher.update`` cannot bring this matcher up to date: fit a new one instead."""


ENCODERS: tuple[str, ...] = ("lexical", "semantic", "hybrid")


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
    max_landmarks, n_micro, stability_runs, modularity_tolerance, resolution:
        community discovery (see ``cluster``; areas are found from the communities, see
        ``areas``).
    min_community_size: smaller communities are dissolved and their posts re-placed.
    misfit_z: a post is left unassigned when its similarity to its community's centre is more than
        ``misfit_z`` robust standard deviations below the community's median.
    min_coverage: never leave more than ``1 - min_coverage`` of the posts unassigned.
    fit_percentile: ``place`` says a new post fits a community when its similarity to the centre,
        and its margin over any other community, are at least those of this share of the
        community's least typical members (measured leave-one-out, see ``placement``).
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
        modularity_tolerance: float = 0.0,
        resolution: float = 1.0,
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
        self.modularity_tolerance = modularity_tolerance
        self.resolution = resolution
        self.min_community_size = min_community_size
        self.misfit_z = misfit_z
        self.fit_percentile = fit_percentile
        self.min_coverage = min_coverage
        self.n_key_terms = n_key_terms
        self.n_representatives = n_representatives
        self.random_state = random_state

    # -- parameters --------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        names = list(inspect.signature(Matcher.__init__).parameters)[1:]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> Matcher:
        for key, value in params.items():
            if key not in self.get_params():
                raise ValueError(f"unknown parameter {key!r}")
            setattr(self, key, value)
        return self

    def config_id(self) -> str:
        """``matcher-v<algorithm version>-<encoder>-<hash of every parameter>`` (see ``version``):
        what identifies this matcher's results."""
        return make_config_id(self.get_params())

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

    # -- fitting -----------------------------------------------------------------------------
    def fit(
        self,
        posts: Sequence[Post],
        previous: Mapping[CommunityId, Sequence[PostId]] | None = None,
        constraints: Constraints | None = None,
        vectors: Mapping[PostId, np.ndarray] | None = None,
        new: Iterable[PostId] | None = None,
        previous_areas: Mapping[CommunityId, AreaId | None] | None = None,
    ) -> Matcher:
        """Find communities among ``posts``.

        previous: the last run's communities (id -> member post ids); ids carry over and
            ``transitions_`` says what happened to each. Their members stay in them (merges and
            splits the matcher sees become ``suggestions_``), and only ``new`` posts are placed.
        new: the posts the previous run did not see (None: every post outside ``previous``). New
            communities are founded only around new posts, so a run over the same posts changes
            nothing.
        constraints: must-link, cannot-link and pinned placements that the output respects.
        vectors: sentence vectors already computed, by post id (semantic/hybrid only); only posts
            missing from it are encoded. ``semantic_vectors_`` holds every post's vector afterwards.
        previous_areas: each previous community's area as it stands (None: no area), kept as
            given; only communities not listed are given one (see ``areas``).
        """
        posts, constraints = list(posts), constraints or Constraints()
        ids = self._check_input(posts, constraints)
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
        labels = self._cluster(Z, ids, previous, constraints, new)
        self.peer_index_ = PeerIndex(
            terms=self.lexical_.terms_,
            idf=self.lexical_.idf_,
            dimension=Z.shape[1],
            min_similarity=noise_floor(Z, self.random_state),
        )
        self.peer_index_.append(posts, Z, counts)
        self.added_: list[PostId] = ids
        self.retired_: list[PostId] = []
        self.flipped_: list[PostId] = []
        return self._settle(posts, Z, labels, np.arange(len(ids)), previous, previous_areas)

    def update(
        self,
        posts: Sequence[Post],
        previous: Mapping[CommunityId, Sequence[PostId]],
        constraints: Constraints | None = None,
        vectors: Mapping[PostId, np.ndarray] | None = None,
        new: Iterable[PostId] | None = None,
        previous_areas: Mapping[CommunityId, AreaId | None] | None = None,
    ) -> Matcher:
        """``fit`` again over ``posts`` (every post there is now), keeping what this fitted
        matcher learnt: its encoder, its noise floor and its peer index with the graph. Posts
        already indexed with the same text and tags keep their vectors; new and changed posts are
        encoded and added (``added_``), posts that are gone or changed leave the index
        (``retired_``), and ``flipped_`` lists the posts whose author hid or showed them.

        Communities follow ``previous`` exactly as in ``fit`` (members stay, only ``new`` posts
        are placed, new communities are founded around new posts), but merges and splits are not
        looked for (``suggestions_`` is empty): that takes the full discovery of ``fit``. Its cost
        grows with the new posts, not with all of them, but vectors drift from a fit over the
        posts there are now: fit afresh now and then. Raises :class:`NotUpdatable` when the
        matcher was saved without fingerprints, forces a number of communities, or there are no
        previous communities to keep."""
        self._check_fitted()
        posts, constraints = list(posts), constraints or Constraints()
        ids = self._check_input(posts, constraints)
        index = self.peer_index_
        if not index.updatable or not previous or self.n_communities is not None:
            raise NotUpdatable("update needs previous communities and a fingerprinted index")
        self.n_encoded_ = 0
        fresh, self.retired_, self.flipped_ = index.refresh(posts)
        self.added_ = [p.id for p in fresh]
        self.semantic_vectors_ = {}
        if fresh:
            Z_new, counts, semantic = self._encode(fresh, vectors)
            index.append(fresh, Z_new, counts)
            if semantic is not None:
                self.semantic_vectors_ = {p.id: semantic[i] for i, p in enumerate(fresh)}
        rows = np.array([index.row_of(pid) for pid in ids], np.int64)
        Z = index.vectors[rows]
        labels = self._cluster(Z, ids, previous, constraints, new, discover=False)
        return self._settle(posts, Z, labels, rows, previous, previous_areas)

    def _settle(
        self,
        posts: list[Post],
        Z: np.ndarray,
        labels: np.ndarray,
        rows: np.ndarray,
        previous: Mapping[CommunityId, Sequence[PostId]] | None,
        previous_areas: Mapping[CommunityId, AreaId | None] | None,
    ) -> Matcher:
        """What ``fit`` and ``update`` learn once the posts' communities are known: areas, fit
        profiles, transitions, names and reasons. ``rows``: each post's row in the peer index."""
        ids = [p.id for p in posts]
        self.community_areas_ = self._areas(Z, labels, previous_areas)
        self.labels_ = labels.astype(np.int64)
        self.post_ids_ = ids
        self.post_rows_ = rows
        self._fit_centres = placement.competitors(Z, self.labels_, self.centroids_)
        # The members' fit profiles (see ``placement``), kept under the artifact's old name.
        self.score_quantiles_ = placement.fit_profiles(
            Z, self.labels_, self._fit_centres, self.community_ids_
        )
        self.config_id_ = self.config_id()
        self.transitions_: list[Transition] = (
            identity.describe_transitions(
                previous,
                {c: {ids[i] for i in np.flatnonzero(labels == c)} for c in self.community_ids_},
            )
            if previous
            else []
        )
        self._describe(posts)
        return self

    def _areas(
        self,
        Z: np.ndarray,
        labels: np.ndarray,
        previous_areas: Mapping[CommunityId, AreaId | None] | None,
    ) -> dict[CommunityId, AreaId]:
        """Each community's area (see ``areas``): kept as given (None: kept out of areas), or
        found afresh when no previous community has one."""
        listed = dict(previous_areas or {})
        given = {c: a for c, a in listed.items() if a is not None}
        if given:
            found = areas.carry_over(Z, labels, self.community_ids_, self.centroids_, given)
        else:
            found = areas.group(Z, labels, self.community_ids_)
        return {c: a for c, a in found.items() if c in given or c not in listed}

    def _check_input(self, posts: list[Post], constraints: Constraints) -> list[PostId]:
        """The posts' ids, once parameters, posts and constraints are known to be valid."""
        self._validate_params()
        if not posts:
            raise ValueError("fit needs at least one post")
        ids = [p.id for p in posts]
        if len(set(ids)) != len(ids):
            raise ValueError("post ids must be unique")
        check_constraints(constraints, set(ids))
        return ids

    def _named(self) -> np.ndarray:
        """Positions (in ``post_ids_``) of the posts whose words name communities and areas:
        at most NAME_SAMPLE members of each community (see NAME_SAMPLE), in order."""
        picked = []
        for c in self.community_ids_:
            members = np.flatnonzero(self.labels_ == c)
            members = members[np.argsort(-self.scores_[members], kind="stable")]
            if len(members) > NAME_SAMPLE:
                members = members[np.linspace(0, len(members) - 1, NAME_SAMPLE).astype(np.int64)]
            picked.append(members)
        return np.sort(np.concatenate(picked)) if picked else np.zeros(0, np.int64)

    def _describe(self, posts: list[Post]) -> None:
        named = self._named()
        sample = [posts[int(i)] for i in named]
        # Name phrases and written forms, made once for communities and areas.
        table, forms = explain.phrase_table(sample), explain.surface_forms(sample)
        self.communities_ = explain.describe_communities(
            post_ids=self.post_ids_,
            rows=self.post_rows_,
            community_ids=self.community_ids_,
            labels=self.labels_,
            scores=self.scores_,
            index=self.peer_index_,
            n_key_terms=self.n_key_terms,
            n_representatives=self.n_representatives,
            table=table,
            named=named,
            forms=forms,
        )
        self.areas_ = explain.describe_areas(
            labels=self.labels_,
            rows=self.post_rows_,
            community_areas=self.community_areas_,
            index=self.peer_index_,
            n_key_terms=self.n_key_terms,
            table=table,
            named=named,
            forms=forms,
        )

    def _cluster(
        self,
        Z: np.ndarray,
        ids: list[PostId],
        previous: Mapping[CommunityId, Sequence[PostId]] | None,
        constraints: Constraints,
        new: Iterable[PostId] | None = None,
        discover: bool = True,
    ) -> np.ndarray:
        """Each post's community id (or UNASSIGNED); sets ``discovery_``, ``community_ids_``,
        ``centroids_``, ``scores_`` and ``suggestions_`` (none without ``discover``, which
        needs ``previous``)."""
        found = self._discover(Z) if discover or not previous else None
        id_row = {pid: i for i, pid in enumerate(ids)}
        self.suggestions_: list[Suggestion] = []
        if previous and self.n_communities is None:
            out, centroids, community_ids = self._carry_over(Z, ids, previous, id_row, new)
            if found is not None:
                self.suggestions_ = identity.suggest(
                    Z, out, found.centroids, ids, min_size=max(self.min_community_size, 5)
                )
        else:
            assert found is not None
            centroids = cluster.spherical_kmeans(Z, found.centroids, n_iter=10)
            labels, _, centroids = self._assign(Z, centroids)
            clusters = [set() for _ in range(len(centroids))]  # type: list[set[PostId]]
            for i, lab in enumerate(labels):
                if lab >= 0:
                    clusters[lab].add(ids[i])
            community_ids = (
                identity.assign_ids(previous, clusters)
                if previous
                else identity.ids_by_size(clusters)
            )
            out = np.array([community_ids[lab] if lab >= 0 else UNASSIGNED for lab in labels])
        out, extra = apply_constraints(Z, out, centroids, community_ids, constraints, id_row)
        # Final centres and scores on the constrained membership.
        self.community_ids_ = sorted({int(c) for c in out if c >= 0} | set(extra))
        self.centroids_ = placement.final_centres(
            Z, out, self.community_ids_, dict(zip(community_ids, centroids, strict=True)), extra
        )
        self.scores_ = placement.centre_scores(Z, out, self.centroids_, self.community_ids_)
        return out

    def _discover(self, Z: np.ndarray) -> cluster.Discovery:
        found = cluster.discover(
            Z,
            n_communities=self.n_communities,
            max_landmarks=self.max_landmarks,
            n_micro=self.n_micro,
            stability_runs=self.stability_runs,
            modularity_tolerance=self.modularity_tolerance,
            resolution=self.resolution,
            random_state=self.random_state,
        )
        self.discovery_ = {
            "chosen": found.chosen_k,
            "modularity_peak": found.modularity_k,
            "landmarks": found.landmark_count,
        }
        return found

    def _carry_over(
        self,
        Z: np.ndarray,
        ids: list[PostId],
        previous: Mapping[CommunityId, Sequence[PostId]],
        id_row: Mapping[PostId, int],
        new: Iterable[PostId] | None,
    ) -> tuple[np.ndarray, np.ndarray, list[CommunityId]]:
        """Previous communities kept, new posts placed, new communities founded around new posts
        that fit none (``identity.carry_over`` and ``identity.found_new``)."""
        fresh = identity.new_rows(ids, id_row, previous, new)
        kept = identity.carry_over(
            Z,
            previous,
            id_row,
            new=fresh,
            min_size=self.min_community_size,
            fit_percentile=self.fit_percentile,
        )
        labels = identity.found_new(
            Z, kept, fresh, first_id=max(map(int, previous)) + 1, find=self._find_in
        )
        community_ids = sorted(int(c) for c in np.unique(labels[labels >= 0]))
        centres = identity.centres_of(Z, labels)
        centroids = np.zeros((len(community_ids), Z.shape[1]), np.float32)
        for j, c in enumerate(community_ids):
            centroids[j] = centres.get(c, 0)
        return labels, centroids, community_ids

    def _find_in(self, sub: np.ndarray) -> np.ndarray:
        """Communities among some posts (label per row, UNASSIGNED for none), leaving
        ``discovery_`` to say how the whole set's were chosen."""
        if len(sub) < 2 * self.min_community_size:
            return np.full(len(sub), UNASSIGNED, np.int64)
        overall = self.discovery_
        start = cluster.spherical_kmeans(sub, self._discover(sub).centroids, n_iter=10)
        self.discovery_ = {**overall, "new_posts": len(sub)}
        return self._assign(sub, start)[0]

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
            misfit = placement.misfits(
                labels,
                scores,
                len(centroids),
                misfit_z=self.misfit_z,
                min_coverage=self.min_coverage,
            )
            labels = np.where(misfit, UNASSIGNED, labels)
            sizes = np.bincount(labels[labels >= 0], minlength=len(centroids))
            small = sizes < min(self.min_community_size, max(1, int(live.sum()) // 2))
            if not small.any() or small.all():
                return labels, scores, centroids
            centroids = centroids[~small]

    # -- the peer index ----------------------------------------------------------------------
    def add_posts(
        self, posts: Sequence[Post], vectors: Mapping[PostId, np.ndarray] | None = None
    ) -> Matcher:
        """Make new posts findable as peers without refitting (their communities: ``place``)."""
        self._check_fitted()
        posts = list(posts)
        if posts:
            Z, counts, _ = self._encode(posts, vectors)
            self.peer_index_.append(posts, Z, counts)
        return self

    # -- using a fitted matcher --------------------------------------------------------------
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
            profiles=self.score_quantiles_,
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

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted matcher to directory ``path`` as ``arrays.npz`` + ``matcher.json``
        (no pickle), with its artifact format, algorithm version and configuration id, so web
        processes and workers load the same versioned artifact."""
        self._check_fitted()
        return artifact.write(self, path)

    @classmethod
    def load(cls, path: str | Path) -> Matcher:
        """A matcher saved by ``save``. Raises ``IncompatibleArtifact`` when it was saved in
        another artifact format or by another algorithm version: fit a new one instead."""
        meta, arrays = artifact.read(path)
        matcher = cls(**meta["params"])
        artifact.restore(matcher, meta, arrays)
        return matcher

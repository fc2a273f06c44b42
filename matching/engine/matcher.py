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

The matcher is made of three parts, each in its own module: how it encodes posts
(``encoding.Encoding``), how it finds each post's community (``membership.Membership``) and what a
fitted matcher answers (``queries.Queries``). The rest lives beside it: the peer index
(``peers.PeerIndex``), constraints (``constraints``), misfits and placement (``placement``), names
and reasons (``explain``), identity across runs (``identity``), community discovery
(``cluster``), areas (``areas``), the saved artifact (``artifact``) and the configuration id
(``version``).

``fit`` follows the scikit-learn contract: ``__init__`` only stores parameters, ``fit`` validates
its input and returns ``self``, learned attributes end in ``_`` and randomness only comes from
``random_state`` (the same posts and parameters give the same result).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.engine import areas, artifact, explain, identity, placement
from matching.engine.constraints import check_constraints
from matching.engine.encoding import Encoder
from matching.engine.lexical import LexicalEncoder
from matching.engine.membership import Membership
from matching.engine.peers import PeerIndex, noise_floor
from matching.engine.queries import Queries
from matching.engine.types import (
    AreaId,
    CommunityId,
    Constraints,
    Post,
    PostId,
    Transition,
)
from matching.engine.version import make_config_id

# Members of a community whose words name it: the most typical first, then evenly spaced down its
# members by similarity to the centre (a bounded cost, whatever the community's size).
NAME_SAMPLE = 400


class NotUpdatable(ValueError):
    """``Matcher.update`` cannot bring this matcher up to date: fit a new one instead."""


ENCODERS: tuple[str, ...] = ("lexical", "semantic", "hybrid")


class Matcher(Membership, Queries):
    """Finds communities of purpose, explains them, and finds peers (see the module docstring).

    Parameters
    ----------
    encoder: "lexical" (TF-IDF + SVD, scikit-learn only), "semantic" (sentence embeddings of title,
        body and tags, combined with the lexical tag block) or "hybrid" (sentence embeddings
        combined with the full lexical vector). The last two need the ``semantic`` extra.
    n_communities: force this many communities; ``None`` (default) lets the data decide.
    title_weight, body_weight, tag_weight, n_components: lexical representation (see ``lexical``).
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
        # The members' fit profiles (see ``placement``).
        self.fit_profiles_ = placement.fit_profiles(
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

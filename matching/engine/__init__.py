"""Kindred's matcher engine: from posts to communities of purpose, peers and reasons.

Pure Python on numpy, scipy and scikit-learn; it imports no Django (the ``matching.services``
package adapts database rows to :class:`Post` and writes results back). sentence-transformers is
optional (``pip install -e '.[semantic]'``) and only loaded for the "semantic" and "hybrid"
encoders.

Public API
----------
``Post(id, title, body="", tags=(), searchable=True)``
    The input: plain and immutable. Ids are ints or strings, unique within a fit.
``Matcher(**params).fit(posts, previous=None, constraints=None, vectors=None, new=None,
previous_areas=None)``
    ``previous``: {community_id: [post ids]} of the last run (kept; only ``new`` posts, those the
    last run did not see, are placed or found new communities); ``previous_areas``:
    {community_id: area_id} as the areas stand now (kept); ``constraints``:
    :class:`Constraints`;
    ``vectors``: {post_id: sentence vector} computed before. Learned attributes: ``post_ids_``,
    ``labels_`` (community id per post, -1 unassigned), ``scores_`` (similarity to the centre),
    ``communities_`` (:class:`Community` list), ``areas_`` (:class:`Area` list: broader groups of
    communities) with ``community_areas_`` ({community_id: area_id}; a community with no area is
    absent), ``transitions_`` (:class:`Transition` list),
    ``suggestions_`` (:class:`Suggestion` list: merges and splits left to moderators),
    ``config_id_``, ``discovery_`` (how the number of communities was chosen) and
    ``semantic_vectors_`` (persist them and pass them back as ``vectors``).
``Matcher.place(post_or_text, tags=(), limit=3) -> list[tuple[community_id, confidence]]``
    A new post's communities without refitting; ``[]`` when it fits none. ``predict(posts)`` gives
    the best id per post (-1 for none), ``transform(posts)`` the vectors.
``Matcher.similar(post_or_text, tags=(), k=10, searchable_ids=None) -> list[Peer]``
    Peers with ``score``, ``shared_tags``, ``shared_terms`` and a readable ``reason``; only
    searchable posts are returned.
``Matcher.add_posts(posts, vectors=None) -> Matcher``
    Adds posts to the peer index without refitting.
``Matcher.save(directory)`` / ``Matcher.load(directory)``
    ``arrays.npz`` + ``matcher.json``, no pickle. ``load`` raises :class:`IncompatibleArtifact`
    for an artifact of another format or algorithm version: fit a new matcher instead.
``ALGORITHM_VERSION``, ``Matcher.config_id()``
    What identifies the results (:mod:`matching.engine.version`): stored with every run.

How communities are found is documented in :mod:`matching.engine.cluster`, the words read in a post
in :mod:`matching.engine.text`, the encoders in :mod:`matching.engine.lexical` and
:mod:`matching.engine.semantic`, names and reasons in :mod:`matching.engine.explain`, identity
across runs in :mod:`matching.engine.identity`, areas in :mod:`matching.engine.areas`, the peer
index in :mod:`matching.engine.peers` (with :mod:`matching.engine.batch_search`), constraints in
:mod:`matching.engine.constraints`, misfits and placement in :mod:`matching.engine.placement` and
the saved artifact in :mod:`matching.engine.artifact`. The matcher's own parts: encoding posts
(:mod:`matching.engine.encoding`), each post's community (:mod:`matching.engine.membership`) and
what a fitted matcher answers (:mod:`matching.engine.queries`).
The benchmarks live outside the apps, in bench/ (`python -m bench.engine`).
"""

from matching.engine.matcher import Matcher, NotUpdatable
from matching.engine.peers import PeerIndex
from matching.engine.types import (
    UNASSIGNED,
    Area,
    AreaId,
    Community,
    Constraints,
    Peer,
    Post,
    PostId,
    Suggestion,
    Transition,
)
from matching.engine.version import ALGORITHM_VERSION, IncompatibleArtifact

__all__ = [
    "ALGORITHM_VERSION",
    "UNASSIGNED",
    "Area",
    "AreaId",
    "Community",
    "Constraints",
    "IncompatibleArtifact",
    "Matcher",
    "NotUpdatable",
    "Peer",
    "PeerIndex",
    "Post",
    "PostId",
    "Suggestion",
    "Transition",
]

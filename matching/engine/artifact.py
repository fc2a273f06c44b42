"""A fitted matcher on disk: ``arrays.npz`` + ``matcher.json`` in one directory, no pickle.

The JSON records the artifact format, the algorithm version and the configuration id;
:func:`read` refuses (:class:`~matching.engine.version.IncompatibleArtifact`) an artifact of
another format or version before reading its arrays.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from matching.engine.lexical import LexicalEncoder
from matching.engine.peers import PeerIndex
from matching.engine.types import Area, AreaId, Community, CommunityId, Suggestion, Transition
from matching.engine.version import ALGORITHM_VERSION, ARTIFACT_FORMAT, check_artifact


class Fitted(Protocol):
    """What an artifact saves and restores of a fitted matcher: its parameters and its learned
    attributes. The matcher satisfies it; this module needs no import of the matcher."""

    lexical_: LexicalEncoder
    peer_index_: PeerIndex
    semantic_vectors_: dict[Any, np.ndarray]
    centroids_: np.ndarray
    fit_profiles_: np.ndarray
    labels_: np.ndarray
    scores_: np.ndarray
    config_id_: str
    post_ids_: list[Any]
    post_rows_: np.ndarray
    community_ids_: list[int]
    discovery_: dict[str, Any]
    communities_: list[Community]
    areas_: list[Area]
    community_areas_: dict[CommunityId, AreaId]
    transitions_: list[Transition]
    suggestions_: list[Suggestion]

    def get_params(self) -> dict[str, Any]: ...


def _communities_state(communities: list[Community]) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "key_terms": c.key_terms,
            "tags": c.tags,
            "size": c.size,
            "representative_ids": c.representative_ids,
            "member_reasons": [[pid, r] for pid, r in c.member_reasons.items()],
        }
        for c in communities
    ]


def write(matcher: Fitted, path: str | Path) -> Path:
    """Write a fitted matcher to directory ``path``; each file is replaced atomically."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    lex_meta, lex_arrays = matcher.lexical_.get_state()
    index_meta, index_arrays = matcher.peer_index_.get_state()
    arrays: dict[str, np.ndarray] = {f"lexical_{k}": v for k, v in lex_arrays.items()}
    arrays.update({f"index_{k}": v for k, v in index_arrays.items()})
    arrays.update(
        centroids=matcher.centroids_,
        # The members' fit profiles, stored under their first name: saved artifacts keep it.
        score_quantiles=matcher.fit_profiles_,
        labels=matcher.labels_,
        scores=matcher.scores_,
        post_rows=matcher.post_rows_,
    )
    meta = {
        "format": ARTIFACT_FORMAT,
        "algorithm_version": ALGORITHM_VERSION,
        "config_id": matcher.config_id_,
        "params": matcher.get_params(),
        "lexical": lex_meta,
        "index": index_meta,
        "post_ids": matcher.post_ids_,
        "community_ids": matcher.community_ids_,
        "discovery": matcher.discovery_,
        "communities": _communities_state(matcher.communities_),
        "areas": [asdict(a) for a in matcher.areas_],
        "community_areas": [[c, a] for c, a in matcher.community_areas_.items()],
        "transitions": [
            {"kind": t.kind, "previous": list(t.previous_ids), "current": list(t.current_ids)}
            for t in matcher.transitions_
        ],
        "suggestions": [
            {"kind": x.kind, "communities": list(x.community_ids), "posts": list(x.post_ids)}
            for x in matcher.suggestions_
        ],
    }
    tmp = directory / "arrays.tmp.npz"
    np.savez(tmp, **arrays)  # type: ignore[arg-type]
    tmp.replace(directory / "arrays.npz")
    (directory / "matcher.json.tmp").write_text(json.dumps(meta))
    (directory / "matcher.json.tmp").replace(directory / "matcher.json")
    return directory


def read(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and arrays of a saved matcher, once its format and version are checked."""
    directory = Path(path)
    meta = json.loads((directory / "matcher.json").read_text())
    if not isinstance(meta, dict):
        raise ValueError("matcher.json does not hold an object")
    check_artifact(meta)
    with np.load(directory / "arrays.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return meta, arrays


def restore(matcher: Fitted, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Set a new matcher's learned attributes from what :func:`read` returned."""
    lex = {k[len("lexical_") :]: v for k, v in arrays.items() if k.startswith("lexical_")}
    matcher.lexical_ = LexicalEncoder.from_state(meta["lexical"], lex)
    matcher.config_id_ = meta["config_id"]
    matcher.centroids_ = arrays["centroids"]
    matcher.fit_profiles_ = arrays["score_quantiles"]
    matcher.labels_ = arrays["labels"]
    matcher.scores_ = arrays["scores"]
    matcher.post_ids_ = list(meta["post_ids"])
    # Each post's row in the peer index; the first rows, in order, before updates existed.
    matcher.post_rows_ = arrays.get("post_rows", np.arange(len(matcher.post_ids_), dtype=np.int64))
    matcher.community_ids_ = [int(c) for c in meta["community_ids"]]
    matcher.discovery_ = meta["discovery"]
    matcher.semantic_vectors_ = {}
    index = {k[len("index_") :]: v for k, v in arrays.items() if k.startswith("index_")}
    matcher.peer_index_ = PeerIndex.from_state(
        meta["index"], index, terms=matcher.lexical_.terms_, idf=matcher.lexical_.idf_
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
    matcher.areas_ = [Area(**a) for a in meta["areas"]]
    matcher.community_areas_ = {int(c): int(a) for c, a in meta["community_areas"]}
    matcher.transitions_ = [
        Transition(t["kind"], tuple(t["previous"]), tuple(t["current"]))
        for t in meta["transitions"]
    ]
    matcher.suggestions_ = [
        Suggestion(x["kind"], tuple(x["communities"]), tuple(x["posts"]))
        for x in meta.get("suggestions", [])
    ]

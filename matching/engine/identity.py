"""Keeping community identity across runs.

A run with previous communities keeps them (:func:`carry_over`): their members stay, only posts
the previous run did not see are placed, and new communities are founded only around new posts
that fit none (:func:`found_new`). A run over the same posts therefore changes nothing, and a few
new posts cannot move the others. Merges and splits the matcher sees are not made but returned as
suggestions (:func:`suggest`) for moderators to decide.

When the number of communities is forced, clusters are found afresh and matched to the previous
ones by member overlap (:func:`assign_ids`): the Hungarian algorithm maximises total Jaccard
similarity, and a pair only counts when its Jaccard is at least ``min_jaccard``. Matched clusters
keep the previous id; the rest get fresh ids. Transitions are read off the overlap:

* ``merged``: two or more previous communities each sent at least half of their surviving members
  into one current community;
* ``split``: a previous community sent at least ``split_share`` of its surviving members into each
  of two or more current communities;
* otherwise a matched pair ``survived`` (size within ``size_tolerance``), ``grew`` or ``shrank``;
* an unmatched current community ``emerged``; an unmatched previous one ``dissolved``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.preprocessing import normalize

from matching.engine.types import (
    UNASSIGNED,
    CommunityId,
    PostId,
    Suggestion,
    Transition,
    TransitionKind,
)


def assign_ids(
    previous: Mapping[CommunityId, Sequence[PostId]],
    current: Sequence[set[PostId]],
    *,
    min_jaccard: float = 0.2,
) -> list[CommunityId]:
    """Previous ids for current clusters matched by Jaccard (Hungarian), fresh ids for the rest."""
    prev_ids = list(previous)
    known: set[PostId] = set().union(*current) if current else set()
    prev_live = [set(previous[p]) & known for p in prev_ids]
    jac = np.zeros((len(prev_ids), len(current)))
    for i, ps in enumerate(prev_live):
        for j, cs in enumerate(current):
            common = len(ps & cs)
            if common:
                jac[i, j] = common / len(ps | cs)
    assigned: dict[int, CommunityId] = {}
    if prev_ids and current:
        rows, cols = linear_sum_assignment(-jac)
        for i, j in zip(rows, cols, strict=True):
            if jac[i, j] >= min_jaccard:
                assigned[int(j)] = prev_ids[int(i)]
    next_id = max([int(p) for p in prev_ids], default=-1) + 1
    ids: list[CommunityId] = []
    for j in range(len(current)):
        if j in assigned:
            ids.append(assigned[j])
        else:
            ids.append(next_id)
            next_id += 1
    return ids


def describe_transitions(
    previous: Mapping[CommunityId, Sequence[PostId]],
    current: Mapping[CommunityId, set[PostId]],
    *,
    size_tolerance: float = 0.1,
    split_share: float = 0.25,
) -> list[Transition]:
    """Transitions from ``previous`` to ``current``; a community id present in both is a match."""
    prev_ids = list(previous)
    cur_ids = list(current)
    known: set[PostId] = set().union(*current.values()) if current else set()
    prev_sets = [set(previous[p]) for p in prev_ids]
    prev_live = [s & known for s in prev_sets]
    share = np.zeros((len(prev_ids), len(cur_ids)))
    for i, ps in enumerate(prev_live):
        for j, c in enumerate(cur_ids):
            if ps:
                share[i, j] = len(ps & current[c]) / len(ps)
    transitions: list[Transition] = []
    explained_prev: set[int] = set()
    explained_cur: set[int] = set()
    for j, c in enumerate(cur_ids):
        sources = [i for i in range(len(prev_ids)) if share[i, j] >= 0.5]
        if len(sources) >= 2:
            transitions.append(Transition("merged", tuple(prev_ids[i] for i in sources), (c,)))
            explained_prev.update(sources)
            explained_cur.add(j)
    for i, p in enumerate(prev_ids):
        targets = [j for j in range(len(cur_ids)) if share[i, j] >= split_share]
        if len(targets) >= 2 and i not in explained_prev:
            transitions.append(Transition("split", (p,), tuple(cur_ids[j] for j in targets)))
            explained_prev.add(i)
            explained_cur.update(targets)
    prev_index = {p: i for i, p in enumerate(prev_ids)}
    for j, c in enumerate(cur_ids):
        i_match = prev_index.get(c)
        if j in explained_cur and (i_match is None or i_match in explained_prev):
            continue
        if i_match is None:
            transitions.append(Transition("emerged", (), (c,)))
            continue
        explained_prev.add(i_match)
        before, after = len(prev_sets[i_match]), len(current[c])
        kind: TransitionKind
        if abs(after - before) <= size_tolerance * before:
            kind = "survived"
        elif after > before:
            kind = "grew"
        else:
            kind = "shrank"
        transitions.append(Transition(kind, (c,), (c,)))
    for i, p in enumerate(prev_ids):
        if i not in explained_prev:
            transitions.append(Transition("dissolved", (p,), ()))
    return transitions


@dataclass
class CarriedOver:
    """The previous communities carried into this run.

    ``labels``: each post's community id (``UNASSIGNED`` for posts in none); ``centres``: each
    carried community's centre on today's vectors; ``residual``: rows of posts that fit no carried
    community and may found a new one."""

    labels: np.ndarray
    centres: dict[CommunityId, np.ndarray]
    residual: np.ndarray


def carry_over(
    Z: np.ndarray,
    previous: Mapping[CommunityId, Sequence[PostId]],
    id_row: Mapping[PostId, int],
    *,
    new: np.ndarray,
    min_size: int,
    fit_percentile: float,
) -> CarriedOver:
    """Keep every previous community and its members; place only what is new.

    A post that was in a previous community stays there: a run never moves people's posts on its
    own (merges and splits become suggestions, see :func:`suggest`). Posts the previous run saw
    and left unassigned stay unassigned. A new post (``new`` marks its row), or a member of a
    community that fell below ``min_size``, joins the nearest carried community when it is at
    least as close to its centre as the least typical ``fit_percentile`` of its members;
    otherwise it is residual. Nothing new means nothing changes."""
    labels = np.full(len(Z), UNASSIGNED, np.int64)
    loose: list[int] = []
    for cid, members in previous.items():
        rows = [id_row[m] for m in members if m in id_row]
        if len(rows) >= min_size:
            labels[rows] = cid
        else:
            loose.extend(rows)
    centres = centres_of(Z, labels)
    live = np.linalg.norm(Z, axis=1) > 0
    candidates = np.union1d(np.flatnonzero(new & (labels == UNASSIGNED)), loose).astype(np.int64)
    candidates = candidates[live[candidates]]
    residual = candidates
    if centres and len(candidates):
        cids = np.array(list(centres))
        C = np.vstack([centres[c] for c in cids])
        floor = np.array([np.quantile(Z[labels == c] @ centres[c], fit_percentile) for c in cids])
        sims = Z[candidates] @ C.T
        best = np.argmax(sims, axis=1)
        fits = sims[np.arange(len(candidates)), best] >= floor[best]
        labels[candidates[fits]] = cids[best[fits]]
        residual = candidates[~fits]
    return CarriedOver(labels=labels, centres=centres_of(Z, labels), residual=residual)


def centres_of(Z: np.ndarray, labels: np.ndarray) -> dict[CommunityId, np.ndarray]:
    """Each community's normalised mean vector, by id."""
    out: dict[CommunityId, np.ndarray] = {}
    for cid in np.unique(labels[labels >= 0]):
        total = Z[labels == cid].sum(axis=0)
        norm = float(np.linalg.norm(total))
        if norm > 0:
            out[int(cid)] = (total / norm).astype(np.float32)
    return out


def _merge_indistinguishable(Z: np.ndarray, groups: list[np.ndarray]) -> list[np.ndarray]:
    """Groups joined while two have centres closer to each other than both their radii (the
    median similarity of members to their centre): discovery among a few posts, with nothing to
    contrast them with, cuts one topic into pieces that people would not tell apart."""
    groups = list(groups)
    while len(groups) > 1:
        centres = [normalize(Z[g].sum(axis=0, keepdims=True))[0] for g in groups]
        radius = [float(np.median(Z[g] @ c)) for g, c in zip(groups, centres, strict=True)]
        C = np.vstack(centres)
        between = C @ C.T
        np.fill_diagonal(between, -np.inf)
        a, b = np.unravel_index(int(np.argmax(between)), between.shape)
        if between[a, b] < max(radius[a], radius[b]):
            break
        groups[a] = np.union1d(groups[a], groups[b])
        del groups[b]
    return groups


def suggest(
    Z: np.ndarray,
    labels: np.ndarray,
    discovered: np.ndarray,
    post_ids: Sequence[PostId],
    *,
    min_size: int,
    split_share: float = 0.25,
) -> list[Suggestion]:
    """Merges and splits the matcher sees but does not make (people's communities only change
    when a moderator agrees).

    A community's radius is the median similarity of its members to its centre. Two communities
    whose centres are closer to each other than both radii are one group today: a merge. A
    community whose members fall nearest to two or more of today's discovered centres, each taking
    at least ``split_share`` of them (and ``min_size`` posts), with those centres farther apart
    than its radius, holds separate groups: a split of the smaller groups."""
    centres = centres_of(Z, labels)
    cids = sorted(centres)
    if not cids:
        return []
    radius = {c: float(np.median(Z[labels == c] @ centres[c])) for c in cids}
    out: list[Suggestion] = []
    C = np.vstack([centres[c] for c in cids])
    between = C @ C.T
    for a in range(len(cids)):
        for b in range(a + 1, len(cids)):
            if between[a, b] >= max(radius[cids[a]], radius[cids[b]]):
                out.append(Suggestion("merge", (cids[a], cids[b]), ()))
    if len(discovered) < 2:
        return out
    nearest = np.argmax(Z @ discovered.T, axis=1)
    for c in cids:
        rows = np.flatnonzero(labels == c)
        counts = np.bincount(nearest[rows], minlength=len(discovered))
        groups = [
            int(g)
            for g in np.argsort(-counts, kind="stable")
            if counts[g] >= max(min_size, split_share * len(rows))
        ]
        if len(groups) < 2:
            continue
        apart = [g for g in groups[1:] if float(discovered[g] @ discovered[groups[0]]) < radius[c]]
        for g in apart:
            split_off = tuple(post_ids[r] for r in rows[nearest[rows] == g])
            out.append(Suggestion("split", (c,), split_off))
    return out


def new_rows(
    ids: Sequence[PostId],
    id_row: Mapping[PostId, int],
    previous: Mapping[CommunityId, Sequence[PostId]],
    new: Iterable[PostId] | None,
) -> np.ndarray:
    """Rows of the posts the previous run did not see: ``new``, or when it is not known, every
    post outside the previous communities."""
    fresh = np.zeros(len(ids), bool)
    if new is None:
        fresh[:] = True
        fresh[[id_row[m] for ms in previous.values() for m in ms if m in id_row]] = False
    else:
        fresh[[id_row[p] for p in new if p in id_row]] = True
    return fresh


def found_new(
    Z: np.ndarray,
    kept: CarriedOver,
    fresh: np.ndarray,
    *,
    first_id: CommunityId,
    find: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """``kept.labels`` with new communities (ids from ``first_id``, largest first) among the
    residual posts and the posts the last run left unassigned. ``find`` labels the rows it is
    given. A group becomes a community only around at least one new post: the rest was already
    looked at, and looking again at a slightly different pool must not make it a community."""
    labels = kept.labels.copy()
    pool = kept.residual
    if not len(pool):
        return labels
    seen = np.flatnonzero((labels == UNASSIGNED) & ~fresh)
    pool = np.union1d(pool, seen[np.linalg.norm(Z[seen], axis=1) > 0]).astype(np.int64)
    local = find(Z[pool])
    groups = _merge_indistinguishable(Z, [pool[local == g] for g in np.unique(local[local >= 0])])
    next_id = int(first_id)
    for rows in sorted(groups, key=lambda r: (-len(r), int(r[0]))):
        if fresh[rows].any():
            labels[rows] = next_id
            next_id += 1
    return labels


def ids_by_size(clusters: list[set[PostId]]) -> list[CommunityId]:
    """Ids for communities found with no previous ones: 0 for the largest, then by size."""
    order = sorted(range(len(clusters)), key=lambda j: (-len(clusters[j]), j))
    ids = [0] * len(clusters)
    for rank, j in enumerate(order):
        ids[j] = rank
    return ids

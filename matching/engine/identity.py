"""Keeping community identity across runs.

New clusters are matched to the previous run's communities by member overlap: the Hungarian
algorithm maximises total Jaccard similarity, and a pair only counts when its Jaccard is at least
``min_jaccard``. Matched clusters keep the previous id; the rest get fresh ids. Transitions are read
off the overlap:

* ``merged``: two or more previous communities each sent at least half of their surviving members
  into one current community;
* ``split``: a previous community sent at least ``split_share`` of its surviving members into each
  of two or more current communities;
* otherwise a matched pair ``survived`` (size within ``size_tolerance``), ``grew`` or ``shrank``;
* an unmatched current community ``emerged``; an unmatched previous one ``dissolved``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from matching.engine.types import CommunityId, PostId, Transition, TransitionKind


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

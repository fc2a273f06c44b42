"""Human decisions applied to a clustering: pinned posts, must-link groups, cannot-link pairs.

Pinned posts go first (a pinned community that does not exist yet is created around them), then
must-link groups move together to the community they fit best, then cannot-link pairs are
separated by moving the less certain side to its next best community (or leaving it unassigned).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.preprocessing import normalize

from matching.engine.types import UNASSIGNED, CommunityId, Constraints, PostId


def check_constraints(constraints: Constraints, known: set[PostId]) -> None:
    """ValueError when a constraint names a post that is not among ``known``."""
    for a, b in [*constraints.must_link, *constraints.cannot_link]:
        if a not in known or b not in known:
            raise ValueError(f"constraint on unknown post: ({a!r}, {b!r})")
    for pid in constraints.pinned:
        if pid not in known:
            raise ValueError(f"pinned post {pid!r} is not among the posts")


class _Groups:
    """Must-link groups (union-find over post ids) and the community each pinned group takes."""

    def __init__(self, constraints: Constraints, ids: Mapping[PostId, int]) -> None:
        self.parent = {pid: pid for pid in ids}
        for a, b in constraints.must_link:
            self.parent[self.find(a)] = self.find(b)
        self.members: dict[PostId, list[PostId]] = {}
        for pid in {p for pair in constraints.must_link for p in pair} | set(constraints.pinned):
            self.members.setdefault(self.find(pid), []).append(pid)
        self.group_of = {pid: root for root, members in self.members.items() for pid in members}
        for a, b in constraints.cannot_link:
            if self.find(a) == self.find(b):
                raise ValueError(f"posts {a!r} and {b!r} are both must-linked and cannot-linked")
        self.pinned: dict[PostId, CommunityId] = {}
        for pid, cid in constraints.pinned.items():
            root = self.find(pid)
            if self.pinned.get(root, cid) != cid:
                raise ValueError(f"must-linked posts are pinned to different communities ({pid!r})")
            self.pinned[root] = cid

    def find(self, x: PostId) -> PostId:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def members_of(self, pid: PostId) -> list[PostId]:
        if pid not in self.group_of:
            return [pid]
        return self.members.get(self.group_of.get(pid, pid), [pid])


class _Placement:
    """Labels being constrained, with the community centres they are compared to."""

    def __init__(
        self,
        Z: np.ndarray,
        labels: np.ndarray,
        centre: dict[CommunityId, np.ndarray],
        id_row: Mapping[PostId, int],
    ) -> None:
        self.Z = Z
        self.labels = labels
        self.centre = centre
        self.id_row = id_row
        self.cids = list(centre)
        self.C = (
            np.vstack([centre[c] for c in self.cids]) if self.cids else np.zeros((0, Z.shape[1]))
        )

    def ranked(self, rows: list[int]) -> list[CommunityId]:
        """Communities, best first, for posts moving together."""
        votes = self.Z[rows].sum(axis=0) @ self.C.T
        return [self.cids[j] for j in np.argsort(-votes, kind="stable")]

    def move_groups(self, groups: _Groups) -> None:
        for root, members in groups.members.items():
            rows = [self.id_row[m] for m in members]
            if root in groups.pinned:
                target: CommunityId = groups.pinned[root]
            elif all(self.labels[r] < 0 for r in rows):
                continue
            else:
                target = self.ranked(rows)[0]
            self.labels[rows] = target

    def separate(self, groups: _Groups, cannot_link: list[tuple[PostId, PostId]]) -> None:
        enemies: dict[PostId, set[PostId]] = {}
        for a, b in cannot_link:
            enemies.setdefault(a, set()).add(b)
            enemies.setdefault(b, set()).add(a)
        for _ in range(len(cannot_link) + 1):
            moved = False
            for a, b in cannot_link:
                ra, rb = self.id_row[a], self.id_row[b]
                if self.labels[ra] < 0 or self.labels[ra] != self.labels[rb]:
                    continue
                self._move_weaker_side(groups, a, b, enemies)
                moved = True
            if not moved:
                break

    def _move_weaker_side(
        self, groups: _Groups, a: PostId, b: PostId, enemies: dict[PostId, set[PostId]]
    ) -> None:
        """Move the side that is not pinned and fits its community less well."""
        labels, id_row = self.labels, self.id_row
        side = []
        for pid in (a, b):
            mem = groups.members_of(pid)
            rows = [id_row[m] for m in mem]
            pinned = groups.find(pid) in groups.pinned
            fit = float(np.mean(self.Z[rows] @ self.centre[int(labels[id_row[a]])]))
            side.append((pinned, fit, pid, rows, mem))
        side.sort(key=lambda s: (s[0], s[1]))
        pinned, _, _pid, rows, mem = side[0]
        if pinned:
            raise ValueError(f"pinned posts {a!r} and {b!r} cannot share a community")
        banned = {int(labels[id_row[e]]) for m in mem for e in enemies.get(m, ()) if e in id_row}
        options = [c for c in self.ranked(rows) if c not in banned]
        labels[rows] = options[0] if options else UNASSIGNED


def apply_constraints(
    Z: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
    community_ids: list[CommunityId],
    constraints: Constraints,
    id_row: Mapping[PostId, int],
) -> tuple[np.ndarray, dict[CommunityId, np.ndarray]]:
    """The labels with ``constraints`` applied, and the unnormalised centres of communities that
    exist only because posts were pinned to them."""
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
    groups = _Groups(constraints, id_row)
    placing = _Placement(Z, labels, centre, id_row)
    placing.move_groups(groups)
    placing.separate(groups, constraints.cannot_link)
    return placing.labels, extra

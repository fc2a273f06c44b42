"""Plain data the engine takes and gives back. No behaviour lives here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PostId = int | str
CommunityId = int
AreaId = int
UNASSIGNED = -1  # the label of a post that belongs to no community

TransitionKind = Literal["survived", "grew", "shrank", "merged", "split", "emerged", "dissolved"]


@dataclass(frozen=True)
class Post:
    """One problem or interest as people wrote it. ``searchable=False`` keeps it out of peer results
    (e.g. a private post) while it still counts for communities."""

    id: PostId
    title: str
    body: str = ""
    tags: tuple[str, ...] = ()
    searchable: bool = True

    def __post_init__(self) -> None:
        # Accept a list for tags but store a tuple so a Post stays hashable and immutable.
        if not isinstance(self.tags, tuple):
            object.__setattr__(self, "tags", tuple(self.tags))


@dataclass
class Community:
    """A community of purpose found by a run."""

    id: CommunityId
    name: str
    key_terms: list[str]
    tags: list[str]
    size: int
    representative_ids: list[PostId]
    member_reasons: dict[PostId, str] = field(default_factory=dict)


@dataclass
class Area:
    """A broader group of communities (see ``areas``); ``size`` counts their posts."""

    id: AreaId
    name: str
    community_ids: list[CommunityId]
    key_terms: list[str]
    tags: list[str]
    size: int


@dataclass(frozen=True)
class Peer:
    """A post similar to the query, with why."""

    id: PostId
    score: float
    shared_tags: tuple[str, ...]
    shared_terms: tuple[str, ...]

    @property
    def reason(self) -> str:
        parts = []
        if self.shared_tags:
            parts.append("shared tags: " + ", ".join(self.shared_tags))
        if self.shared_terms:
            parts.append("shared terms: " + ", ".join(self.shared_terms))
        return "; ".join(parts) if parts else "same subject in other words"


@dataclass(frozen=True)
class Transition:
    """How a community changed between the previous run and this one.

    ``previous_ids`` are community ids of the previous run, ``current_ids`` of this run."""

    kind: TransitionKind
    previous_ids: tuple[CommunityId, ...]
    current_ids: tuple[CommunityId, ...]


SuggestionKind = Literal["merge", "split"]


@dataclass(frozen=True)
class Suggestion:
    """A change of shape the matcher sees but leaves to moderators: ``merge`` the communities
    ``community_ids``, or ``split`` the posts ``post_ids`` off community ``community_ids[0]``."""

    kind: SuggestionKind
    community_ids: tuple[CommunityId, ...]
    post_ids: tuple[PostId, ...]


@dataclass
class Constraints:
    """Human decisions the output must respect.

    ``must_link`` pairs end up in the same community (or both unassigned), ``cannot_link`` pairs
    never share one, and ``pinned`` places a post in a community id of this run's output (ids carry
    over from
    ``previous``; a pinned id that does not exist yet is created)."""

    must_link: list[tuple[PostId, PostId]] = field(default_factory=list)
    cannot_link: list[tuple[PostId, PostId]] = field(default_factory=list)
    pinned: dict[PostId, CommunityId] = field(default_factory=dict)

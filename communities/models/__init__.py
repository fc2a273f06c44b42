"""The models of communities, by subject: tags and posts, communities (with areas, memberships
and placements), discussions, and proposals (with votes and the charter's revisions). Callers
import them from here (``from communities.models import Post``)."""

from communities.models.communities import (
    JOIN_MESSAGE_MAX_LENGTH,
    Area,
    Community,
    CommunityJoinPolicy,
    CommunityOrigin,
    CommunityStatus,
    CommunityVisibility,
    Membership,
    MembershipRole,
    MembershipState,
    Placement,
    PlacementPlacedBy,
)
from communities.models.discussions import Reply, Thread
from communities.models.posts import (
    ContentStatus,
    Post,
    PostKind,
    PostMatchState,
    PostStatus,
    Tag,
)
from communities.models.proposals import (
    CharterRevision,
    Proposal,
    ProposalKind,
    ProposalState,
    Vote,
)

__all__ = [
    "JOIN_MESSAGE_MAX_LENGTH",
    "Area",
    "CharterRevision",
    "Community",
    "CommunityJoinPolicy",
    "CommunityOrigin",
    "CommunityStatus",
    "CommunityVisibility",
    "ContentStatus",
    "Membership",
    "MembershipRole",
    "MembershipState",
    "Placement",
    "PlacementPlacedBy",
    "Post",
    "PostKind",
    "PostMatchState",
    "PostStatus",
    "Proposal",
    "ProposalKind",
    "ProposalState",
    "Reply",
    "Tag",
    "Thread",
    "Vote",
]

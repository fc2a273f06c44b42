"""Every write to tags, posts, communities, memberships, discussions and proposals, by subject.

Each service takes keyword-only arguments, checks permission first, runs in one transaction and
returns the object it wrote. Services that can be repeated say so and return early. Callers
import them from here (``from communities.services import post_create``).
"""

from communities.services.account import account_delete
from communities.services.areas import (
    AREA_NAME_MAX_LENGTH,
    area_create,
    area_for_name,
    clean_area_name,
    unique_area_slug,
)
from communities.services.communities import (
    active_members,
    charter_revision_record,
    community_found,
    community_join,
    community_leave,
    refuse_when_closed,
    unique_community_slug,
)
from communities.services.discussions import thread_reply, thread_start
from communities.services.editing import reply_delete, reply_edit, thread_delete, thread_edit
from communities.services.people import profile_update_with_interests
from communities.services.posts import (
    post_create,
    post_delete,
    post_mark_pending,
    post_reply,
    post_update,
)
from communities.services.proposals import (
    proposal_decide,
    proposal_open,
    proposal_url,
    proposal_vote,
    proposal_withdraw,
    proposals_decide,
)
from communities.services.tags import MAX_TAGS, tags_assign, tags_from_names
from communities.services.text import clean_input, clean_typed_text

__all__ = [
    "AREA_NAME_MAX_LENGTH",
    "MAX_TAGS",
    "account_delete",
    "active_members",
    "area_create",
    "area_for_name",
    "charter_revision_record",
    "clean_area_name",
    "clean_input",
    "clean_typed_text",
    "community_found",
    "community_join",
    "community_leave",
    "post_create",
    "post_delete",
    "post_mark_pending",
    "post_reply",
    "post_update",
    "profile_update_with_interests",
    "proposal_decide",
    "proposal_open",
    "proposal_url",
    "proposal_vote",
    "proposal_withdraw",
    "proposals_decide",
    "refuse_when_closed",
    "reply_delete",
    "reply_edit",
    "tags_assign",
    "tags_from_names",
    "thread_delete",
    "thread_edit",
    "thread_reply",
    "thread_start",
    "unique_area_slug",
    "unique_community_slug",
]

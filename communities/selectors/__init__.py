"""Every read of tags, posts, communities, discussions and proposals, by subject, with visibility
applied in one place (visibility.py).

Each selector takes keyword-only arguments, the viewer first, and returns a QuerySet with what
the viewer may see, its related rows already fetched. Callers import them from here
(``from communities import selectors``, then ``selectors.post_list(viewer=...)``).
"""

from communities.selectors.account import account_export
from communities.selectors.communities import (
    area_list,
    communities_counted,
    community_directory,
    community_invitations,
    community_list,
    community_list_of_member,
    community_membership,
    community_people,
    community_pick,
    community_picker_labels,
    community_placements,
    directory_tag_choices,
)
from communities.selectors.discussions import (
    reply_list,
    reply_list_everywhere,
    thread_list,
    thread_list_recent,
    thread_reply_list,
)
from communities.selectors.history import content_history
from communities.selectors.posts import (
    placement_list_for_post,
    placement_list_recent,
    post_list,
    post_reply_list,
    tag_list,
)
from communities.selectors.proposals import (
    charter_changes,
    charter_history,
    charter_revision_list,
    proposal_list,
)
from communities.selectors.search import (
    SEARCH_KIND_NAMES,
    SEARCH_KINDS,
    SEARCH_QUERY_MAX_LENGTH,
    SearchHit,
    clean_search_query,
    community_filter_choices,
    community_for_filter,
    search_hits,
    search_results,
    tag_filter_choices,
)
from communities.selectors.visibility import (
    PRIVATE_COMMUNITY,
    Viewer,
    community_name_for,
    community_visibility_filter,
    post_visibility_filter,
)

__all__ = [
    "PRIVATE_COMMUNITY",
    "SEARCH_KINDS",
    "SEARCH_KIND_NAMES",
    "SEARCH_QUERY_MAX_LENGTH",
    "SearchHit",
    "Viewer",
    "account_export",
    "area_list",
    "charter_changes",
    "charter_history",
    "charter_revision_list",
    "clean_search_query",
    "communities_counted",
    "community_directory",
    "community_filter_choices",
    "community_for_filter",
    "community_invitations",
    "community_list",
    "community_list_of_member",
    "community_membership",
    "community_name_for",
    "community_people",
    "community_pick",
    "community_picker_labels",
    "community_placements",
    "community_visibility_filter",
    "content_history",
    "directory_tag_choices",
    "placement_list_for_post",
    "placement_list_recent",
    "post_list",
    "post_reply_list",
    "post_visibility_filter",
    "proposal_list",
    "reply_list",
    "reply_list_everywhere",
    "search_hits",
    "search_results",
    "tag_filter_choices",
    "tag_list",
    "thread_list",
    "thread_list_recent",
    "thread_reply_list",
]

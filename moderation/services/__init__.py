"""Every write moderators make, by subject: log (the shared log writer), members (join
requests, bans, moderators), posts (posts and their placements), discussions (threads and
replies), communities (charter, join policy, archive, proposed communities), merges, splits,
areas (moving a community between areas, renaming one), reports, matcher (the matcher's
suggestions, match runs) and people (site-wide bans).

Each service takes keyword-only arguments, checks permission once, first (a private community
answers 404 to outsiders, 403 to people who see it but may not act), runs in one transaction,
writes its entry to the append-only moderation log with its reason, tells the person affected,
and is safe to repeat. Callers import the services from here.
"""

from moderation.services.areas import area_rename, community_area_move
from moderation.services.communities import (
    community_archive,
    community_charter_edit,
    community_join_policy_set,
    proposed_community_approve,
    proposed_community_reject,
)
from moderation.services.discussions import (
    reply_remove,
    reply_restore,
    thread_lock,
    thread_pin,
    thread_remove,
    thread_restore,
)
from moderation.services.log import ModerationConflict
from moderation.services.matcher import (
    match_run_start,
    matcher_suggestion_accept,
    matcher_suggestion_decline,
)
from moderation.services.members import (
    membership_ban,
    membership_request_approve,
    membership_request_reject,
    membership_unban,
    moderator_appoint,
    moderator_remove,
)
from moderation.services.merges import community_merge
from moderation.services.people import site_ban, site_unban
from moderation.services.posts import (
    placement_pin,
    placement_remove,
    post_move,
    post_remove,
    post_restore,
)
from moderation.services.reports import (
    report_create,
    report_decide,
    report_scope,
    report_target,
    report_target_visible,
    reporter_weights,
)
from moderation.services.splits import community_split

__all__ = [
    "ModerationConflict",
    "area_rename",
    "community_archive",
    "community_area_move",
    "community_charter_edit",
    "community_join_policy_set",
    "community_merge",
    "community_split",
    "match_run_start",
    "matcher_suggestion_accept",
    "matcher_suggestion_decline",
    "membership_ban",
    "membership_request_approve",
    "membership_request_reject",
    "membership_unban",
    "moderator_appoint",
    "moderator_remove",
    "placement_pin",
    "placement_remove",
    "post_move",
    "post_remove",
    "post_restore",
    "proposed_community_approve",
    "proposed_community_reject",
    "reply_remove",
    "reply_restore",
    "report_create",
    "report_decide",
    "report_scope",
    "report_target",
    "report_target_visible",
    "reporter_weights",
    "site_ban",
    "site_unban",
    "thread_lock",
    "thread_pin",
    "thread_remove",
    "thread_restore",
]

"""Who may do what, as `rules` predicates; services call the check_* functions first."""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404

from communities.models import Community, Membership, Post, Reply, Thread
from profiles.permissions import is_signed_in, neutral_refusal
from profiles.selectors import block_exists


@rules.predicate
def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def surviving_community(community: Community | None) -> Community | None:
    """A merged community is run by the community it was merged into (its members moved)."""
    seen = 0
    while community is not None and community.merged_into_id is not None and seen < 5:
        community, seen = community.merged_into, seen + 1
    return community


@rules.predicate
def is_community_moderator(user, community: Community | None) -> bool:
    community = surviving_community(community)
    if community is None or not (user and user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(
        user=user,
        community=community,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
    ).exists()


can_moderate = is_staff | is_community_moderator
rules.add_perm("communities.moderate_community", can_moderate)


def check_moderate_community(user, community: Community) -> None:
    """404 when the user may not even see the community (a private one, to outsiders); 403 when
    they see it but do not moderate it."""
    check_view_community(user, community)
    if not user.has_perm("communities.moderate_community", community):
        raise PermissionDenied("Only this community's moderators can do that.")


@rules.predicate
def is_post_author(user, post) -> bool:
    return bool(user and user.is_authenticated and post.author_id == user.pk)


@rules.predicate
def post_author_reachable(user, post) -> bool:
    """The post's author lets others reach them through their posts."""
    author = post.author
    if author is None or not author.is_active:
        return False
    profile = getattr(author, "profile", None)
    return bool(profile and profile.discoverable)


@rules.predicate
def post_is_visible(user, post) -> bool:
    """Neither hidden by its author nor by moderators."""
    return post.status != "hidden" and post.moderation_status == "visible"


can_reply_to_post = is_post_author | (post_is_visible & post_author_reachable)
rules.add_perm("communities.reply_to_post", can_reply_to_post)


def reply_refusal(user, post: Post) -> str | None:
    """Why ``user`` may not reply to ``post``, in words for them; None when they may. Someone the
    author blocked is refused in the neutral words of profiles.permissions (the privacy rule)."""
    if not (user and user.is_authenticated and user.is_active):
        return "Log in to reply."
    if not user.has_perm("communities.reply_to_post", post):
        return "The author of this post does not take replies from others."
    if post.author is not None and block_exists(blocker=post.author, blocked=user):
        return neutral_refusal(post.author, "replies")
    return None


def check_reply_to_post(user, post) -> None:
    refusal = reply_refusal(user, post)
    if refusal is not None:
        raise PermissionDenied(refusal)


@rules.predicate
def is_active_member(user, community: Community | None) -> bool:
    if community is None or not (user and user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(
        user=user, community=community, state=Membership.State.ACTIVE
    ).exists()


rules.add_perm("communities.take_part", is_active_member)


def check_take_part(user, community: Community) -> None:
    """Discussions, proposals and votes belong to a community's active members."""
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied("Log in and join this community to take part.")
    if not user.has_perm("communities.take_part", community):
        raise PermissionDenied("Only this community's members can do that. Join it first.")


def thread_reply_refusal(user, thread: Thread) -> str | None:
    """Why a member may not reply in ``thread`` because of its author: someone the author blocked
    is refused in neutral words (the privacy rule in profiles.permissions). Membership, locks and
    closed communities are checked by thread_reply itself."""
    author = thread.author
    signed_in = bool(user and user.is_authenticated)
    if author is not None and signed_in and block_exists(blocker=author, blocked=user):
        return neutral_refusal(author, "replies")
    return None


def check_reply_in_thread(user, thread: Thread) -> None:
    """A member replies in a thread unless its author blocked them."""
    check_take_part(user, thread.community)
    refusal = thread_reply_refusal(user, thread)
    if refusal is not None:
        raise PermissionDenied(refusal)


# -- seeing a community ------------------------------------------------------------------------
# A private community does not exist for outsiders: every check answers 404 to them, not 403.
# The moderators' own rules (owners, bans, site staff) live in moderation/permissions.py.


@rules.predicate
def is_public_community(user, community: Community | None) -> bool:
    return community is not None and community.visibility == Community.Visibility.PUBLIC


@rules.predicate
def is_listed_in(user, community: Community | None) -> bool:
    """A member, or invited: the people a private community shows itself to."""
    community = surviving_community(community)
    if community is None or not is_signed_in(user):
        return False
    return Membership.objects.filter(
        user=user,
        community=community,
        state__in=[Membership.State.ACTIVE, Membership.State.INVITED],
    ).exists()


can_view_community = is_staff | is_public_community | is_listed_in
rules.add_perm("communities.view_community", can_view_community)


def check_view_community(user, community: Community) -> None:
    if not user.has_perm("communities.view_community", community):
        raise Http404("No such community.")


# -- one's own words: editing, deleting, and seeing the edit history ----------------------------
# Posts, threads and replies are their authors' to edit and delete (site staff may also edit a
# post, as before). Moderators take content down with moderation's "remove", which is logged; they
# do not change people's words. The edit history is for the author and the moderators who answer
# for the content: a thread's or a thread reply's community moderators, the moderators of the
# communities a post is placed in, and site staff.


def content_community(obj) -> Community | None:
    """The community of a thread or of a reply in a thread; None for posts and their replies."""
    if isinstance(obj, Thread):
        return obj.community
    if isinstance(obj, Reply) and obj.thread is not None:
        return obj.thread.community
    return None


@rules.predicate
def is_content_author(user, obj) -> bool:
    return bool(is_signed_in(user) and obj is not None and obj.author_id == user.pk)


@rules.predicate
def moderates_content(user, obj) -> bool:
    if obj is None or not is_signed_in(user):
        return False
    community = content_community(obj)
    if community is not None:
        return is_community_moderator(user, community)
    post = obj if isinstance(obj, Post) else getattr(obj, "post", None)
    if post is None:
        return False
    return Membership.objects.filter(
        user=user,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
        community__placements__post=post,
    ).exists()


rules.add_perm("communities.edit_post", is_content_author | is_staff)
rules.add_perm("communities.edit_content", is_content_author)
rules.add_perm("communities.delete_content", is_content_author)
rules.add_perm("communities.view_history", is_content_author | is_staff | moderates_content)


def _check_seen(user, obj) -> None:
    """Content in a private community does not exist for outsiders (404)."""
    community = content_community(obj)
    if community is not None:
        check_view_community(user, community)


def check_edit_content(user, obj) -> None:
    """Edit a post (its author, or site staff), a thread or a reply (its author)."""
    _check_seen(user, obj)
    if not is_signed_in(user):
        raise PermissionDenied("Log in to edit what you wrote.")
    perm = "communities.edit_post" if isinstance(obj, Post) else "communities.edit_content"
    if not user.has_perm(perm, obj):
        raise PermissionDenied("Only its author can edit this.")


def check_delete_content(user, obj) -> None:
    _check_seen(user, obj)
    if not is_signed_in(user):
        raise PermissionDenied("Log in to delete what you wrote.")
    if not user.has_perm("communities.delete_content", obj):
        raise PermissionDenied("Only its author can delete this; moderators remove content.")


def check_view_history(user, obj) -> None:
    _check_seen(user, obj)
    if not user.has_perm("communities.view_history", obj):
        raise PermissionDenied("Only its author and its moderators can see the edit history.")

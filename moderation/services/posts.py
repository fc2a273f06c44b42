"""Moderators' writes about posts: in a community or everywhere, and their placements.

Each service checks permission first (a private community answers 404 to outsiders, 403 to people
who see it but may not act), runs in one transaction, writes its moderation log entries through
the shared writer, tells the author, and is safe to repeat: when the work is already done it
returns what it returned the first time without logging or notifying again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from communities.models import Community, ContentStatus, Placement, Post
from matching.models import MatchConstraint
from moderation.models import ModerationAction
from moderation.permissions import check_moderate_community, check_moderate_content
from moderation.services.log import (
    Verb,
    clean_reason,
    log_last,
    log_write,
    named_for,
    require_open,
    tell,
    with_reason,
)
from profiles.models import User


def _keep_out(post: Post, community: Community) -> QuerySet[MatchConstraint]:
    return MatchConstraint.objects.filter(
        kind=MatchConstraint.Kind.KEEP_OUT, post=post, community=community
    )


@transaction.atomic
def placement_remove(*, actor: User, placement: Placement, reason: str) -> ModerationAction:
    """A moderator takes a post out of a community, with a reason. The matcher learns from it:
    later runs keep the post out. Safe to repeat (the constraint is recorded once)."""
    check_moderate_community(actor, placement.community)
    return _placement_take_out(actor=actor, placement=placement, reason=clean_reason(reason))


def _placement_take_out(*, actor: User, placement: Placement, reason: str) -> ModerationAction:
    community, post = placement.community, placement.post
    if placement.pk is not None:
        Placement.objects.filter(pk=placement.pk).delete()
    MatchConstraint.objects.get_or_create(
        kind=MatchConstraint.Kind.KEEP_OUT,
        post=post,
        community=community,
        defaults={"created_by": actor, "reason": reason[:500]},
    )
    return log_write(
        community=community,
        actor=actor,
        verb=Verb.REMOVE,
        target=post,
        target_repr=post.title,
        reason=reason,
        details={"from_community": community.slug},
    )


@transaction.atomic
def post_remove(
    *, actor: User, post: Post, reason: str, community: Community | None = None
) -> ModerationAction:
    """Take a post out of a community (its moderators), or hide it everywhere (staff, with no
    community). The reason goes to the author; the matcher keeps the post out of the community
    from now on. Safe to repeat."""
    check_moderate_content(actor, community)
    reason = clean_reason(reason)
    if community is None:
        return _post_remove_everywhere(actor=actor, post=post, reason=reason)
    return _post_take_out(actor=actor, post=post, community=community, reason=reason)


def _post_remove_everywhere(*, actor: User, post: Post, reason: str) -> ModerationAction:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.moderation_status == ContentStatus.DELETED:
        raise ValidationError("Its author deleted this post.", code="deleted")
    if post.moderation_status == ContentStatus.REMOVED:
        done = log_last(community=None, verb=Verb.REMOVE, target=post)
        if done is not None:
            return done
    post.moderation_status = ContentStatus.REMOVED
    post.save(update_fields=["moderation_status", "updated_at"])
    action = log_write(
        community=None,
        actor=actor,
        verb=Verb.REMOVE,
        target=post,
        target_repr=post.title,
        reason=reason,
        details={"scope": "site"},
    )
    tell(
        post.author,
        title=with_reason(f"A moderator removed your post “{post.title[:80]}”", reason),
        url=post.get_absolute_url(),
        actor=actor,
    )
    return action


def _post_take_out(
    *, actor: User, post: Post, community: Community, reason: str
) -> ModerationAction:
    placement = Placement.objects.select_for_update().filter(post=post, community=community).first()
    if placement is None:
        done = log_last(community=community, verb=Verb.REMOVE, target=post)
        if done is not None and _keep_out(post, community).exists():
            return done
        raise Http404("This post is not in this community.")
    action = _placement_take_out(actor=actor, placement=placement, reason=reason)
    if post.author is not None:
        name, _ = named_for(post.author, community)
        tell(
            post.author,
            title=with_reason(
                f"A moderator took your post “{post.title[:80]}” out of {name}", reason
            ),
            url=post.get_absolute_url(),
            actor=actor,
        )
    return action


@transaction.atomic
def post_restore(
    *, actor: User, post: Post, reason: str = "", community: Community | None = None
) -> ModerationAction | None:
    """Undo a removal: put the post back in the community (and let the matcher place it there
    again), or show it everywhere again (staff, with no community). Safe to repeat: returns None
    when there was nothing to restore."""
    check_moderate_content(actor, community)
    reason = clean_reason(reason, required=False)
    if community is None:
        action = _post_show_everywhere(actor=actor, post=post, reason=reason)
    else:
        action = _post_put_back(actor=actor, post=post, community=community, reason=reason)
    if action is not None:
        tell(
            post.author,
            title=f"A moderator restored your post “{post.title[:80]}”.",
            url=post.get_absolute_url(),
            actor=actor,
        )
    return action


def _post_show_everywhere(*, actor: User, post: Post, reason: str) -> ModerationAction | None:
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.moderation_status in (ContentStatus.VISIBLE, ContentStatus.DELETED):
        return None  # nothing to restore, or its author's deletion stands
    post.moderation_status = ContentStatus.VISIBLE
    post.save(update_fields=["moderation_status", "updated_at"])
    return log_write(
        community=None,
        actor=actor,
        verb=Verb.RESTORE,
        target=post,
        target_repr=post.title,
        reason=reason,
        details={"scope": "site"},
    )


def _post_put_back(
    *, actor: User, post: Post, community: Community, reason: str
) -> ModerationAction | None:
    require_open(community)
    if Placement.objects.filter(post=post, community=community).exists():
        return None
    if not _keep_out(post, community).exists():
        raise Http404("This post was never removed from this community.")
    _keep_out(post, community).delete()
    Placement.objects.create(
        post=post,
        community=community,
        placed_by=Placement.PlacedBy.MODERATOR,
        placed_by_user=actor,
        reason=reason,
    )
    return log_write(
        community=community,
        actor=actor,
        verb=Verb.RESTORE,
        target=post,
        target_repr=post.title,
        reason=reason,
    )


@transaction.atomic
def post_move(
    *, actor: User, post: Post, source: Community, destination: Community, reason: str
) -> Placement:
    """Move a post from one community to another; the actor moderates both. The matcher keeps the
    post out of the first and in the second. Safe to repeat."""
    check_moderate_community(actor, source)
    check_moderate_community(actor, destination)
    reason = clean_reason(reason)
    if source.pk == destination.pk:
        raise ValidationError({"destination": "Choose another community."})
    require_open(destination)
    placement = Placement.objects.select_for_update().filter(post=post, community=source).first()
    moved = Placement.objects.filter(post=post, community=destination).first()
    if placement is None:
        if moved is not None:
            return moved
        raise Http404("This post is not in this community.")
    if moved is None:
        moved = Placement.objects.create(
            post=post,
            community=destination,
            placed_by=Placement.PlacedBy.MODERATOR,
            placed_by_user=actor,
            reason=reason,
            pinned=placement.pinned,
        )
    placement.delete()
    MatchConstraint.objects.get_or_create(
        kind=MatchConstraint.Kind.KEEP_OUT,
        post=post,
        community=source,
        defaults={"created_by": actor, "reason": reason[:500]},
    )
    for community in (source, destination):
        log_write(
            community=community,
            actor=actor,
            verb=Verb.MOVE,
            target=post,
            target_repr=post.title,
            reason=reason,
            details={"from": source.slug, "to": destination.slug},
        )
    if post.author is not None:
        name, url = named_for(post.author, destination)
        tell(
            post.author,
            title=with_reason(f"A moderator moved your post “{post.title[:60]}” to {name}", reason),
            url=url or post.get_absolute_url(),
            actor=actor,
        )
    return moved


@transaction.atomic
def placement_pin(
    *, actor: User, community: Community, post: Post, pinned: bool = True, reason: str = ""
) -> Placement:
    """Pin a post to the top of a community (or unpin it). Safe to repeat."""
    check_moderate_community(actor, community)
    reason = clean_reason(reason, required=False)
    placement = Placement.objects.select_for_update().filter(post=post, community=community).first()
    if placement is None:
        raise Http404("This post is not in this community.")
    if placement.pinned == pinned:
        return placement
    placement.pinned = pinned
    placement.save(update_fields=["pinned", "updated_at"])
    log_write(
        community=community,
        actor=actor,
        verb=Verb.PIN if pinned else Verb.UNPIN,
        target=post,
        target_repr=post.title,
        reason=reason,
    )
    return placement


def post_remove_upheld(*, actor: User, post: Post, scope: Community | None, reason: str) -> None:
    """Remove a reported post once a report on it is upheld: it leaves the community the report
    was made in (elsewhere it shows again), or goes everywhere on a site-wide report. The caller
    (report_decide) has checked that ``actor`` decides reports in ``scope`` and cleaned the
    reason."""
    if scope is None:
        _post_remove_everywhere(actor=actor, post=post, reason=reason)
        return
    Post.objects.filter(pk=post.pk, moderation_status=ContentStatus.HIDDEN).update(
        moderation_status=ContentStatus.VISIBLE
    )
    if Placement.objects.filter(post=post, community=scope).exists():
        _post_take_out(actor=actor, post=post, community=scope, reason=reason)

"""Leaving Kindred: deleting one's account, with what one wrote kept anonymised or removed.

It lives in communities, above profiles, because it decides what happens to posts, threads,
replies and the communities a person runs. The data model does the rest when the account row
goes: memberships, votes, notifications, reports and API tokens go with it (CASCADE); posts,
threads and replies that are kept lose their author (SET_NULL, shown as "a former member"), and
so do the moderation log entries the person made (the log's trigger allows exactly that).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from communities.models import Community, Membership, Post, Reply, Thread
from communities.services.tags import tags_assign
from profiles.models import Notification, User
from profiles.services import notify, password_confirm

KEEP_ANONYMISED = "anonymise"
REMOVE_EVERYTHING = "remove"
CONTENT_CHOICES = (KEEP_ANONYMISED, REMOVE_EVERYTHING)


def _hand_over(user: User) -> None:
    """No community is left without an owner: where the person is the last active owner, the
    longest-serving moderator becomes owner, or else the longest-standing member."""
    owned = Membership.objects.filter(
        user=user, role=Membership.Role.OWNER, state=Membership.State.ACTIVE
    ).values("community")
    for community in Community.objects.filter(pk__in=owned).select_for_update():
        people = Membership.objects.filter(community=community, state=Membership.State.ACTIVE)
        others = people.exclude(user=user)
        if others.filter(role=Membership.Role.OWNER).exists():
            continue
        heir = (
            others.filter(role=Membership.Role.MODERATOR).order_by("created_at", "pk").first()
            or others.order_by("created_at", "pk").first()
        )
        if heir is not None:
            heir.role = Membership.Role.OWNER
            heir.save(update_fields=["role", "updated_at"])
            notify(
                user=heir.user,
                kind=Notification.Kind.COMMUNITY,
                title=f"You are now an owner of {community.name}: its owner left Kindred.",
                url=community.get_absolute_url(),
            )


def _forget_authorship(user: User) -> None:
    """Kept content loses its author in its edit history too (the history's author column has
    no database constraint, so the cascade does not reach it)."""
    for model in (Post, Thread, Reply):
        model.history.filter(author_id=user.pk).update(author=None)


def _remove_writing(user: User) -> None:
    """Everything the person wrote goes, with its history. Replies other people wrote under the
    person's posts and in their threads go too: they answered words that are gone."""
    posts = Post.objects.filter(author=user)
    for post in posts.prefetch_related("tags"):
        tags_assign(post, [])  # keep each tag's usage count true
    threads = Thread.objects.filter(author=user)
    reply_ids = list(
        Reply.objects.filter(
            Q(author=user) | Q(post__in=posts.values("pk")) | Q(thread__in=threads.values("pk"))
        ).values_list("pk", flat=True)
    )
    thread_ids = list(threads.values_list("pk", flat=True))
    post_ids = list(posts.values_list("pk", flat=True))
    Reply.objects.filter(pk__in=reply_ids).delete()
    Thread.objects.filter(pk__in=thread_ids).delete()
    Post.objects.filter(pk__in=post_ids).delete()
    # Deleting writes a last version of each; the history goes after the rows.
    Reply.history.filter(id__in=reply_ids).delete()
    Thread.history.filter(id__in=thread_ids).delete()
    Post.history.filter(id__in=post_ids).delete()


@transaction.atomic
def account_delete(*, user: User, password: str, content: str, client: str) -> None:
    """Delete the account for good, after the person confirmed with their password. ``content``
    is "anonymise" (posts, threads and replies stay, by "a former member"; the profile, name,
    email, memberships, votes, notifications and tokens go) or "remove" (what they wrote goes
    too). Communities they were the last owner of pass to a moderator or a member. Not
    repeatable: the account is gone afterwards.

    The password is checked through the account's log-in lockout, counted for ``client`` (the
    request's ``core.client.client_key``): wrong ones here and failed log-ins from there share
    one set of counters, and once they are used up it raises ``profiles.services.LoginLocked``,
    whatever the password, until the window ends."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("Log in to delete your account.")
    if content not in CONTENT_CHOICES:
        raise ValidationError({"content": "Choose what happens to what you wrote."})
    if not password_confirm(user=user, password=password, client=client):
        raise ValidationError({"password": "That is not your password."}, code="password")
    _hand_over(user)
    if content == REMOVE_EVERYTHING:
        _remove_writing(user)
    else:
        _forget_authorship(user)
    user.delete()

"""Every write to tags, posts, communities and memberships.

Each service takes keyword-only arguments, checks permission first, runs in one transaction and
returns the object it wrote. Services that can be repeated say so and return early.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from communities.models import (
    Community,
    Membership,
    ModerationAction,
    Placement,
    Post,
    Reply,
    Tag,
)
from communities.permissions import check_moderate_community, check_reply_to_post
from profiles.models import User

MAX_TAGS = 8


def tags_from_names(names: Iterable[str]) -> list[Tag]:
    """The tags for raw names, created when new. Names normalize to slugs ("Clay Soil" ->
    "clay-soil"); duplicates and names that normalize to nothing are dropped. Safe to repeat."""
    by_slug: dict[str, str] = {}
    for raw in names:
        slug = Tag.normalize(raw)
        if slug and slug not in by_slug:
            by_slug[slug] = " ".join(raw.split())[:50] or slug
    if len(by_slug) > MAX_TAGS:
        raise ValidationError(f"Use at most {MAX_TAGS} tags.", code="too_many_tags")
    existing = {tag.slug: tag for tag in Tag.objects.filter(slug__in=by_slug)}
    missing = [Tag(slug=slug, name=name) for slug, name in by_slug.items() if slug not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.slug: tag for tag in Tag.objects.filter(slug__in=by_slug)}
    return [existing[slug] for slug in by_slug]


def tags_assign(obj: Post | Community, tags: list[Tag]) -> None:
    """Replace obj's tags and keep each tag's usage count equal to what carries it."""
    before = set(obj.tags.values_list("pk", flat=True))
    after = {tag.pk for tag in tags}
    if removed := before - after:
        Tag.objects.filter(pk__in=removed, usage_count__gt=0).update(
            usage_count=F("usage_count") - 1
        )
    if added := after - before:
        Tag.objects.filter(pk__in=added).update(usage_count=F("usage_count") + 1)
    obj.tags.set(tags)


def post_mark_pending(*, post: Post) -> None:
    # matching builds on communities; import it when needed to keep the import graph one-way.
    from matching.services import post_mark_pending as mark

    mark(post=post)


def _clean_text(value: str, *, field: str, max_length: int, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationError({field: "This field is required."}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            {field: f"Keep this under {max_length} characters (it has {len(value)})."},
            code="max_length",
        )
    return value


@transaction.atomic
def post_create(
    *,
    author: User,
    title: str,
    body: str = "",
    tags: Iterable[str] = (),
    kind: str = Post.Kind.PROBLEM,
) -> Post:
    """Publish a post. Preconditions: an active account. Not idempotent: each call adds a post."""
    if not author.is_active:
        raise PermissionDenied("This account is not active.")
    if kind not in Post.Kind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(Post.Kind.values)}."})
    post = Post.objects.create(
        author=author,
        kind=kind,
        title=_clean_text(title, field="title", max_length=200, required=True),
        body=_clean_text(body, field="body", max_length=20000, required=False),
    )
    tags_assign(post, tags_from_names(tags))
    post_mark_pending(post=post)
    return post


@transaction.atomic
def post_update(
    *,
    actor: User,
    post: Post,
    title: str | None = None,
    body: str | None = None,
    tags: Iterable[str] | None = None,
    status: str | None = None,
) -> Post:
    """Edit one's own post (staff may edit any). Safe to repeat."""
    if not (actor.is_staff or post.author_id == actor.pk):
        raise PermissionDenied("Only the author can edit this post.")
    if title is not None:
        post.title = _clean_text(title, field="title", max_length=200, required=True)
    if body is not None:
        post.body = _clean_text(body, field="body", max_length=20000, required=False)
    if status is not None:
        if status not in Post.Status.values:
            raise ValidationError({"status": f"Choose one of: {', '.join(Post.Status.values)}."})
        post.status = status
    post.save()
    if tags is not None:
        tags_assign(post, tags_from_names(tags))
    post_mark_pending(post=post)
    return post


def unique_community_slug(name: str) -> str:
    base = slugify(name, allow_unicode=True)[:120].strip("-") or "community"
    slug, n = base, 2
    while Community.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def community_create(
    *,
    founder: User,
    name: str,
    purpose: str = "",
    tags: Iterable[str] = (),
    visibility: str = Community.Visibility.PUBLIC,
    join_policy: str = Community.JoinPolicy.OPEN,
) -> Community:
    """Found a community by hand; the founder becomes its owner and it is active at once."""
    if not founder.is_active:
        raise PermissionDenied("This account is not active.")
    name = _clean_text(name, field="name", max_length=120, required=True)
    now = timezone.now()
    community = Community.objects.create(
        name=name,
        slug=unique_community_slug(name),
        purpose=_clean_text(purpose, field="purpose", max_length=10000, required=False),
        visibility=visibility,
        join_policy=join_policy,
        origin=Community.Origin.MEMBER,
        status=Community.Status.ACTIVE,
        activated_at=now,
        created_by=founder,
    )
    tags_assign(community, tags_from_names(tags))
    Membership.objects.create(
        user=founder, community=community, role=Membership.Role.OWNER, state=Membership.State.ACTIVE
    )
    return community


@transaction.atomic
def community_join(*, user: User, community: Community) -> Membership:
    """Join, or ask to join, by the community's policy. Safe to repeat: an active member stays
    one, a pending request stays pending. Banned people and archived communities are refused."""
    if not user.is_active:
        raise PermissionDenied("This account is not active.")
    if community.status == Community.Status.ARCHIVED:
        raise ValidationError("This community is archived and takes no new members.")
    try:
        membership, _ = Membership.objects.select_for_update().get_or_create(
            user=user, community=community, defaults={"state": Membership.State.LEFT}
        )
    except IntegrityError:  # a concurrent join created the row first
        membership = Membership.objects.select_for_update().get(user=user, community=community)
    if membership.state == Membership.State.BANNED:
        raise PermissionDenied("You are banned from this community.")
    if membership.state in (Membership.State.ACTIVE, Membership.State.REQUESTED):
        return membership
    invited = membership.state == Membership.State.INVITED
    if community.join_policy == Community.JoinPolicy.OPEN or invited:
        membership.state = Membership.State.ACTIVE
    elif community.join_policy == Community.JoinPolicy.APPROVAL:
        membership.state = Membership.State.REQUESTED
    else:
        raise PermissionDenied("This community takes members by invitation only.")
    membership.save(update_fields=["state", "updated_at"])
    _activate_when_committed(community)
    return membership


def _activate_when_committed(community: Community) -> None:
    """A proposed community becomes active once enough people have joined it (commitment, as in
    Area 51)."""
    if community.status != Community.Status.PROPOSED:
        return
    members = Membership.objects.filter(community=community, state=Membership.State.ACTIVE)
    if members.count() >= settings.KINDRED_PROPOSAL_MIN_MEMBERS:
        now = timezone.now()
        Community.objects.filter(pk=community.pk, status=Community.Status.PROPOSED).update(
            status=Community.Status.ACTIVE, activated_at=now, last_activity_at=now
        )
        community.refresh_from_db()


@transaction.atomic
def community_leave(*, user: User, community: Community) -> Membership | None:
    """Leave a community (or withdraw a request). Safe to repeat. The last owner must hand the
    community over first, so that no community is left without someone to run it."""
    membership = (
        Membership.objects.select_for_update().filter(user=user, community=community).first()
    )
    if membership is None or membership.state in (Membership.State.LEFT, Membership.State.BANNED):
        return membership
    if membership.role == Membership.Role.OWNER:
        other_owners = Membership.objects.filter(
            community=community, role=Membership.Role.OWNER, state=Membership.State.ACTIVE
        ).exclude(pk=membership.pk)
        if not other_owners.exists():
            raise ValidationError("Appoint another owner before you leave.", code="last_owner")
    membership.role = Membership.Role.MEMBER
    membership.state = Membership.State.LEFT
    membership.save(update_fields=["role", "state", "updated_at"])
    return membership


@transaction.atomic
def placement_remove(*, actor: User, placement: Placement, reason: str) -> ModerationAction:
    """A moderator takes a post out of a community, with a reason. The matcher learns from it:
    later runs keep the post out. Safe to repeat (the constraint is recorded once)."""
    from matching.models import MatchConstraint

    community = placement.community
    check_moderate_community(actor, community)
    reason = _clean_text(reason, field="reason", max_length=2000, required=True)
    post = placement.post
    if placement.pk is not None:
        Placement.objects.filter(pk=placement.pk).delete()
    MatchConstraint.objects.get_or_create(
        kind=MatchConstraint.Kind.KEEP_OUT,
        post=post,
        community=community,
        defaults={"created_by": actor, "reason": reason},
    )
    from django.contrib.contenttypes.models import ContentType

    return ModerationAction.objects.create(
        community=community,
        actor=actor,
        verb=ModerationAction.Verb.REMOVE,
        target_type=ContentType.objects.get_for_model(Post),
        target_id=str(post.pk),
        target_repr=post.title[:200],
        reason=reason,
        details={"from_community": community.slug},
    )


@transaction.atomic
def post_reply(*, author: User, post: Post, body: str) -> Reply:
    """Answer a post; its author is notified (by their preferences). Anyone may reply to a visible
    post whose author lets others find them by their posts (Profile.discoverable); the author may
    always answer on their own post. Not idempotent: each call adds a reply."""
    from profiles.models import Notification
    from profiles.services import notify

    check_reply_to_post(author, post)
    reply = Reply.objects.create(
        post=post,
        author=author,
        body=_clean_text(body, field="body", max_length=10000, required=True),
    )
    if post.author is not None:
        notify(
            user=post.author,
            kind=Notification.Kind.REPLY,
            title=f"{author.public_name} replied to “{post.title[:120]}”",
            url=f"{post.get_absolute_url()}#reply-{reply.pk}",
            actor=author,
        )
    return reply

"""Every write to tags, posts, communities and memberships.

Each service takes keyword-only arguments, checks permission first, runs in one transaction and
returns the object it wrote. Services that can be repeated say so and return early.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from communities.models import (
    CharterRevision,
    Community,
    ContentStatus,
    Membership,
    Post,
    Proposal,
    Reply,
    Tag,
    Thread,
    Vote,
)
from communities.permissions import (
    check_reply_to_post,
    check_take_part,
)
from core.ratelimit import rate_limit
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
    rate_limit(action="post", user=author)
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
    charter_revision_record(community=community, editor=founder, summary="Founded")
    return community


@transaction.atomic
def community_join(*, user: User, community: Community) -> Membership:
    """Join, or ask to join, by the community's policy. Safe to repeat: an active member stays
    one, a pending request stays pending. Banned people and archived communities are refused."""
    if not user.is_active:
        raise PermissionDenied("This account is not active.")
    rate_limit(action="join", user=user)
    if community.status == Community.Status.ARCHIVED:
        raise ValidationError("This community is archived and takes no new members.")
    try:
        membership, _ = Membership.objects.select_for_update().get_or_create(
            user=user, community=community, defaults={"state": Membership.State.LEFT}
        )
    except IntegrityError:  # a concurrent join created the row first
        membership = Membership.objects.select_for_update().get(user=user, community=community)
    if membership.state == Membership.State.BANNED:
        if membership.banned_until is None or membership.banned_until > timezone.now():
            raise PermissionDenied("You are banned from this community.")
        membership.state, membership.banned_until = Membership.State.LEFT, None  # it ran out
    if membership.state in (Membership.State.ACTIVE, Membership.State.REQUESTED):
        return membership
    invited = membership.state == Membership.State.INVITED
    if community.join_policy == Community.JoinPolicy.OPEN or invited:
        membership.state = Membership.State.ACTIVE
    elif community.join_policy == Community.JoinPolicy.APPROVAL:
        membership.state = Membership.State.REQUESTED
    else:
        raise PermissionDenied("This community takes members by invitation only.")
    membership.save(update_fields=["state", "banned_until", "updated_at"])
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
def post_reply(*, author: User, post: Post, body: str) -> Reply:
    """Answer a post; its author is notified (by their preferences). Anyone may reply to a visible
    post whose author lets others find them by their posts (Profile.discoverable); the author may
    always answer on their own post. Not idempotent: each call adds a reply."""
    from profiles.models import Notification
    from profiles.services import notify

    check_reply_to_post(author, post)
    rate_limit(action="reply", user=author)
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


# Discussions, proposals and the charter ----------------------------------------------------


def _clean_input(
    value: object, *, field: str, max_length: int, required: bool, what: str = "text"
) -> str:
    """Like _clean_text, for values that may come straight from JSON: refuses non-text, and
    characters PostgreSQL cannot store (NUL, lone surrogates) with a clear message."""
    if not isinstance(value, str):
        raise ValidationError({field: f"Give {what} as text."}, code="invalid")
    if "\x00" in value or _SURROGATE.search(value):
        raise ValidationError(
            {field: "This text holds characters that cannot be stored."}, code="invalid"
        )
    return _clean_text(value, field=field, max_length=max_length, required=required)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_when_archived(community: Community) -> None:
    if community.status == Community.Status.ARCHIVED or community.merged_into_id is not None:
        raise ValidationError("This community is closed; it takes nothing new.", code="closed")


def _active_members(community: Community) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        memberships__community=community,
        memberships__state=Membership.State.ACTIVE,
    )


def proposal_url(proposal: Proposal) -> str:
    return reverse(
        "communities:proposal-detail",
        kwargs={"slug": proposal.community.slug, "pk": proposal.pk},
    )


def charter_revision_record(
    *,
    community: Community,
    editor: User | None,
    summary: str,
    proposal: Proposal | None = None,
) -> CharterRevision:
    """Write down the community's charter (name, purpose, rules, tags) as it stands now. Call it
    after every change to the charter, and once when a community is created. Not idempotent."""
    return CharterRevision.objects.create(
        community=community,
        editor=editor,
        proposal=proposal,
        name=community.name,
        purpose=community.purpose,
        rules=community.rules,
        tags=list(community.tags.order_by("slug").values_list("name", flat=True)),
        summary=summary[:200],
    )


@transaction.atomic
def thread_start(*, author: User, community: Community, title: str, body: str) -> Thread:
    """Start a discussion in a community; the body is its first message. Preconditions: the
    author is an active member and the community is open. Not idempotent: each call adds one."""
    check_take_part(author, community)
    rate_limit(action="post", user=author)
    _refuse_when_archived(community)
    title = _clean_input(title, field="title", max_length=200, required=True)
    body = _clean_input(body, field="body", max_length=10000, required=True)
    thread = Thread.objects.create(community=community, author=author, title=title)
    Reply.objects.create(thread=thread, author=author, body=body)
    Community.objects.filter(pk=community.pk).update(last_activity_at=thread.last_reply_at)
    return thread


@transaction.atomic
def thread_reply(*, author: User, thread: Thread, body: str) -> Reply:
    """Reply in a thread and tell the people who took part in it (by their preferences).
    Preconditions: the author is an active member; the thread is visible and not locked.
    Not idempotent: each call adds a reply."""
    from profiles.models import Notification
    from profiles.services import notify

    community = thread.community
    check_take_part(author, community)
    rate_limit(action="reply", user=author)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.locked:
        raise PermissionDenied("This thread is locked: it takes no more replies.")
    if thread.status != ContentStatus.VISIBLE:
        raise PermissionDenied("This thread was taken down; it takes no replies.")
    _refuse_when_archived(community)
    body = _clean_input(body, field="body", max_length=10000, required=True)
    reply = Reply.objects.create(thread=thread, author=author, body=body)
    Thread.objects.filter(pk=thread.pk).update(last_reply_at=reply.created_at)
    Community.objects.filter(pk=community.pk).update(last_activity_at=reply.created_at)
    participants = (
        _active_members(community)
        .filter(Q(pk=thread.author_id) | Q(replies__thread=thread))
        .exclude(pk=author.pk)
        .distinct()
    )
    url = f"{thread.get_absolute_url()}#reply-{reply.pk}"
    for person in participants:
        notify(
            user=person,
            kind=Notification.Kind.REPLY,
            title=f"{author.public_name} replied in “{thread.title[:120]}”",
            url=url,
            actor=author,
        )
    return reply


def _proposal_value(
    *, community: Community, kind: str, value: object
) -> str | list[str] | dict[str, str]:
    """The proposed value, cleaned: text for name, purpose and rules; tag names for tags."""
    if kind == Proposal.Kind.MERGE:
        return {}
    if kind == Proposal.Kind.TAGS:
        raw = value.split(",") if isinstance(value, str) else value
        if not isinstance(raw, list) or not raw:
            raise ValidationError(
                {"value": "Give the tags as a list, or as names separated by commas."},
                code="invalid",
            )
        names: dict[str, str] = {}
        for item in raw:
            name = _clean_input(item, field="value", max_length=50, required=False, what="tags")
            if (slug := Tag.normalize(name)) and slug not in names:
                names[slug] = " ".join(name.split())
        if not names:
            raise ValidationError({"value": "Name at least one tag."}, code="required")
        if len(names) > MAX_TAGS:
            raise ValidationError({"value": f"Use at most {MAX_TAGS} tags."}, code="too_many_tags")
        if set(names) == set(community.tags.values_list("slug", flat=True)):
            raise ValidationError({"value": "These are already its tags."}, code="unchanged")
        return list(names.values())
    limits = {Proposal.Kind.NAME: 120, Proposal.Kind.PURPOSE: 10000, Proposal.Kind.RULES: 10000}
    text = _clean_input(
        value,
        field="value",
        max_length=limits[Proposal.Kind(kind)],
        required=kind != Proposal.Kind.RULES,
    )
    if text == getattr(community, kind).strip():
        raise ValidationError(
            {"value": f"That is already its {kind}: propose something different."},
            code="unchanged",
        )
    return text


@transaction.atomic
def proposal_open(
    *,
    author: User,
    community: Community,
    kind: str,
    value: object,
    rationale: str = "",
    target: Community | None = None,
) -> Proposal:
    """Propose a change to a community's name, purpose, tags or rules, or a merge with another
    community; it stays open for KINDRED_PROPOSAL_OPEN_DAYS and the members are told.
    Preconditions: the author is an active member and the community is open. Safe to repeat:
    the same author proposing the same open change gets the proposal already open."""
    from profiles.models import Notification
    from profiles.services import notify

    check_take_part(author, community)
    _refuse_when_archived(community)
    if kind not in Proposal.Kind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(Proposal.Kind.values)}."})
    if kind == Proposal.Kind.MERGE:
        if target is None:
            raise ValidationError({"target": "Choose the community to merge with."})
        if target.pk == community.pk:
            raise ValidationError({"target": "A community cannot merge with itself."})
        if target.status == Community.Status.ARCHIVED or target.merged_into_id is not None:
            raise ValidationError({"target": "That community is closed."})
    else:
        target = None
    cleaned = _proposal_value(community=community, kind=kind, value=value)
    rationale = _clean_input(rationale, field="rationale", max_length=5000, required=False)
    same = Proposal.objects.filter(
        community=community, kind=kind, state=Proposal.State.OPEN, value=cleaned, target=target
    ).first()
    if same is not None:
        if same.author_id == author.pk:
            return same
        raise ValidationError(
            "The same change is already proposed: vote on that proposal instead.", code="duplicate"
        )
    now = timezone.now()
    proposal = Proposal.objects.create(
        community=community,
        author=author,
        kind=kind,
        value=cleaned,
        target=target,
        rationale=rationale,
        closes_at=now + timedelta(days=settings.KINDRED_PROPOSAL_OPEN_DAYS),
    )
    Community.objects.filter(pk=community.pk).update(last_activity_at=now)
    url = proposal_url(proposal)
    for person in _active_members(community).exclude(pk=author.pk):
        notify(
            user=person,
            kind=Notification.Kind.PROPOSAL,
            title=f"New proposal in {community.name}: {proposal.get_kind_display().lower()}",
            url=url,
            actor=author,
        )
    return proposal


@transaction.atomic
def proposal_vote(*, voter: User, proposal: Proposal, approve: bool) -> Vote:
    """Vote for or against an open proposal. One vote per member; voting again changes it.
    Preconditions: the voter is an active member; the proposal is open. Safe to repeat."""
    check_take_part(voter, proposal.community)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != Proposal.State.OPEN or proposal.closes_at <= timezone.now():
        raise ValidationError("Voting on this proposal has closed.", code="closed")
    vote, _ = Vote.objects.update_or_create(
        proposal=proposal, user=voter, defaults={"approve": bool(approve)}
    )
    return vote


@transaction.atomic
def proposal_withdraw(*, actor: User, proposal: Proposal) -> Proposal:
    """Withdraw an open proposal: its author may, and so may the community's moderators.
    Safe to repeat; a decided proposal stays decided."""
    if not (
        actor.is_authenticated
        and actor.is_active
        and (
            proposal.author_id == actor.pk
            or actor.has_perm("communities.moderate_community", proposal.community)
        )
    ):
        raise PermissionDenied("Only the person who proposed this can withdraw it.")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state == Proposal.State.WITHDRAWN:
        return proposal
    if proposal.state != Proposal.State.OPEN:
        raise ValidationError("This proposal was decided already.", code="decided")
    proposal.state = Proposal.State.WITHDRAWN
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["state", "decided_at"])
    return proposal


def _proposal_apply(proposal: Proposal, community: Community, summary: str) -> None:
    """Apply a passed change to the charter and write the revision."""
    if not community.charter_revisions.exists():
        # Communities created before revisions were kept: record what the change replaces.
        charter_revision_record(
            community=community, editor=None, summary="The charter before its first recorded change"
        )
    value = proposal.value
    if proposal.kind == Proposal.Kind.TAGS:
        tags_assign(community, tags_from_names(value if isinstance(value, list) else []))
    else:
        setattr(community, proposal.kind, str(value))
        community.save(update_fields=[proposal.kind, "updated_at"])
    charter_revision_record(
        community=community, editor=proposal.author, proposal=proposal, summary=summary
    )


@transaction.atomic
def proposal_decide(*, proposal_id: int, now: datetime | None = None) -> Proposal | None:
    """Close one proposal whose voting period is over. It passes with at least the quorum of
    votes (from people still members) and a yes share above the majority, both per community or
    the site defaults. A passed change is applied and recorded in the charter history; a passed
    merge goes to the community's moderators, who merge. The members are told either way.
    Safe to run twice and concurrently: returns None when there is nothing (left) to decide."""
    from profiles.models import Notification
    from profiles.services import notify

    now = now or timezone.now()
    proposal = (
        Proposal.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("community", "target", "author")
        .filter(pk=proposal_id, state=Proposal.State.OPEN, closes_at__lte=now)
        .first()
    )
    if proposal is None:
        return None
    community = Community.objects.select_for_update().get(pk=proposal.community_id)
    proposal.community = community
    tally = Vote.objects.filter(
        proposal=proposal,
        user__memberships__community=community,
        user__memberships__state=Membership.State.ACTIVE,
    ).aggregate(total=Count("pk"), yes=Count("pk", filter=Q(approve=True)))
    total, yes = tally["total"], tally["yes"]
    quorum = community.proposal_quorum or settings.KINDRED_PROPOSAL_QUORUM
    majority = community.proposal_majority or settings.KINDRED_PROPOSAL_MAJORITY
    passed = total > 0 and total >= quorum and yes / total > majority
    proposal.state = Proposal.State.PASSED if passed else Proposal.State.REJECTED
    proposal.decided_at = now
    proposal.save(update_fields=["state", "decided_at"])
    what = proposal.get_kind_display().lower()
    url = proposal_url(proposal)
    if passed and proposal.kind == Proposal.Kind.MERGE:
        moderators = _active_members(community).filter(
            memberships__role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER]
        )
        target_name = proposal.target.name if proposal.target else "another community"
        for person in moderators.distinct():
            notify(
                user=person,
                kind=Notification.Kind.MODERATION,
                title=f"The members of {community.name} voted to merge with {target_name}",
                url=url,
            )
    elif passed:
        _proposal_apply(proposal, community, f"{proposal.get_kind_display()}: {yes} of {total} for")
    Community.objects.filter(pk=community.pk).update(last_activity_at=now)
    outcome = "passed" if passed else "did not pass"
    for person in _active_members(community):
        notify(
            user=person,
            kind=Notification.Kind.PROPOSAL,
            title=f"In {community.name}, the proposal to {what} {outcome}",
            url=url,
        )
    return proposal


def proposals_decide(*, now: datetime | None = None) -> int:
    """Decide every open proposal whose voting period is over (periodic task). Each proposal is
    decided in its own transaction. Safe to run twice and concurrently. Returns how many."""
    now = now or timezone.now()
    due = Proposal.objects.filter(state=Proposal.State.OPEN, closes_at__lte=now).order_by(
        "closes_at", "pk"
    )
    decided = 0
    for proposal_id in list(due.values_list("pk", flat=True)):
        if proposal_decide(proposal_id=proposal_id, now=now) is not None:
            decided += 1
    return decided

"""Invitations to the communities the matcher proposes: their posts' authors are asked to join,
within a weekly limit per person."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings

from communities.models import Community, Membership
from profiles.models import Notification, User
from profiles.services import notify_many


def invitations_send(
    *, proposed: Sequence[Community], authors: dict[int, Counter[int]], now: datetime
) -> int:
    """Invite the authors of newly proposed communities, each person to at most
    ``KINDRED_INVITATIONS_PER_WEEK`` proposed communities in any seven days (those holding most
    of their posts first) and never twice to the same community (one membership per person and
    community, and only people not in it yet are told). Returns how many were invited. Safe to
    run twice: the second call invites nobody."""
    by_pk = {c.pk: c for c in proposed}
    people = sorted({a for counts in authors.values() for a in counts})
    week = now - timedelta(days=7)
    # Invitations this week: the memberships they made (kept when turned off in preferences) and
    # the notifications sent (kept when a merge folds two memberships into one).
    memberships = Counter(
        Membership.objects.filter(
            user_id__in=people, community__origin=Community.Origin.MATCHER, created_at__gte=week
        ).values_list("user_id", flat=True)
    )
    told = Counter(
        Notification.objects.filter(
            user_id__in=people, kind=Notification.Kind.INVITATION, created_at__gte=week
        ).values_list("user_id", flat=True)
    )
    recent = {p: max(memberships[p], told[p]) for p in people}
    already = set(
        Membership.objects.filter(community_id__in=list(by_pk), user_id__in=people).values_list(
            "user_id", "community_id"
        )
    )
    invites: dict[int, list[int]] = defaultdict(list)  # community -> people
    for person in people:
        room = settings.KINDRED_INVITATIONS_PER_WEEK - recent[person]
        theirs = [pk for pk, counts in authors.items() if counts[person]]
        wanted = sorted(
            (pk for pk in theirs if (person, pk) not in already),
            key=lambda pk: (-authors[pk][person], pk),
        )
        for pk in wanted[: max(0, room)]:
            invites[pk].append(person)
    for pk, invitees in invites.items():
        _invite(by_pk[pk], invitees, len(authors[pk]))
    return sum(len(v) for v in invites.values())


def _invite(community: Community, invitees: list[int], n_authors: int) -> None:
    Membership.objects.bulk_create(
        [
            Membership(user_id=a, community=community, state=Membership.State.INVITED)
            for a in sorted(invitees)
        ],
        ignore_conflicts=True,
    )
    notify_many(
        users=list(User.objects.filter(pk__in=invitees).order_by("pk")),
        kind=Notification.Kind.INVITATION,
        title=f"{n_authors} people are working on {community.name}: join them?",
        url=community.get_absolute_url(),
    )

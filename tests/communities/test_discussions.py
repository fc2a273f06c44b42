"""Discussions: who may start threads and reply, what a reply updates, and who is told."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from communities import services
from communities.models import Community, ContentStatus, Membership, Reply, Thread
from profiles.models import Notification
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(name="Clay soil", slug="clay-soil")


def member_of(community, **kwargs):
    return MembershipFactory(community=community, state=Membership.State.ACTIVE, **kwargs).user


def test_a_member_starts_a_thread_whose_body_is_its_first_message(community):
    author = member_of(community)
    before = Community.objects.get(pk=community.pk).last_activity_at
    thread = services.thread_start(
        author=author, community=community, title="  Raised beds?  ", body="Worth it?"
    )
    assert thread.title == "Raised beds?"
    assert [(r.author, r.body) for r in thread.replies.all()] == [(author, "Worth it?")]
    assert Community.objects.get(pk=community.pk).last_activity_at > before


@pytest.mark.parametrize(
    "state", [None, Membership.State.INVITED, Membership.State.REQUESTED, Membership.State.LEFT]
)
def test_only_active_members_start_threads(community, state):
    person = UserFactory()
    if state:
        MembershipFactory(user=person, community=community, state=state)
    with pytest.raises(PermissionDenied):
        services.thread_start(author=person, community=community, title="Hi", body="Hello")
    assert not Thread.objects.exists()


def test_thread_start_explains_what_is_missing(community):
    author = member_of(community)
    with pytest.raises(ValidationError) as error:
        services.thread_start(author=author, community=community, title=" ", body="x")
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.thread_start(author=author, community=community, title="t", body="a\x00b")
    assert "body" in error.value.message_dict


def test_a_reply_moves_the_thread_and_community_up_and_tells_participants(community):
    starter, earlier, replier, bystander = (member_of(community) for _ in range(4))
    thread = services.thread_start(author=starter, community=community, title="Beds", body="?")
    services.thread_reply(author=earlier, thread=thread, body="Yes.")
    Notification.objects.all().delete()
    started = Thread.objects.get(pk=thread.pk).last_reply_at

    reply = services.thread_reply(author=replier, thread=thread, body="Mine **work**.")

    thread.refresh_from_db()
    community.refresh_from_db()
    assert thread.last_reply_at == reply.created_at and thread.last_reply_at >= started
    assert community.last_activity_at == reply.created_at
    told = Notification.objects.filter(kind=Notification.Kind.REPLY)
    assert sorted(n.user.username for n in told) == sorted([starter.username, earlier.username])
    assert all(n.url.endswith(f"#reply-{reply.pk}") for n in told)
    assert not Notification.objects.filter(user__in=[replier, bystander]).exists()


def test_participants_who_left_are_not_told(community):
    starter, replier = member_of(community), member_of(community)
    thread = services.thread_start(author=starter, community=community, title="Beds", body="?")
    services.community_leave(user=starter, community=community)
    services.thread_reply(author=replier, thread=thread, body="Yes.")
    assert not Notification.objects.filter(user=starter).exists()


def test_locked_and_removed_threads_refuse_replies(community):
    author = member_of(community)
    thread = services.thread_start(author=author, community=community, title="Beds", body="?")
    Thread.objects.filter(pk=thread.pk).update(locked=True)
    with pytest.raises(PermissionDenied, match="locked"):
        services.thread_reply(author=author, thread=thread, body="More")
    Thread.objects.filter(pk=thread.pk).update(locked=False, status=ContentStatus.REMOVED)
    with pytest.raises(PermissionDenied):
        services.thread_reply(author=author, thread=thread, body="More")
    assert Reply.objects.filter(thread=thread).count() == 1


def test_non_members_cannot_reply(community):
    thread = services.thread_start(
        author=member_of(community), community=community, title="Beds", body="?"
    )
    with pytest.raises(PermissionDenied):
        services.thread_reply(author=UserFactory(), thread=thread, body="Hi")


def test_archived_communities_take_no_new_threads(community):
    author = member_of(community)
    Community.objects.filter(pk=community.pk).update(status=Community.Status.ARCHIVED)
    community.refresh_from_db()
    with pytest.raises(ValidationError):
        services.thread_start(author=author, community=community, title="t", body="b")

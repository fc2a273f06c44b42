"""Moderation services: what each action changes, that it is logged with its reason, that the
person affected hears of it, that the matcher learns, and that repeating it changes nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from communities import services
from communities.models import (
    CharterRevision,
    Community,
    ContentStatus,
    Membership,
    Placement,
    Post,
    Reply,
    Thread,
)
from matching.models import MatchConstraint, MatcherSuggestion, MatchRun
from moderation import services as moderation
from moderation.models import ModerationAction, Report
from moderation.selectors import moderation_log
from profiles.models import Notification
from tests.communities.factories import (
    CommunityFactory,
    MembershipFactory,
    PlacementFactory,
    PostFactory,
)
from tests.profiles.factories import UserFactory, person_in_standing

Verb = ModerationAction.Verb


def _moderated(**kwargs):
    community = CommunityFactory(**kwargs)
    moderator = MembershipFactory(community=community, role=Membership.Role.MODERATOR).user
    return community, moderator


def _log(community, verb):
    return ModerationAction.objects.filter(community=community, verb=verb)


def _inbox(user):
    return list(
        Notification.objects.filter(user=user, kind=Notification.Kind.MODERATION).values_list(
            "title", flat=True
        )
    )


@pytest.mark.django_db
class TestJoinRequests:
    def test_approve_lets_in_logs_and_tells_once(self):
        community, moderator = _moderated(join_policy=Community.JoinPolicy.APPROVAL)
        asker = UserFactory()
        assert services.community_join(user=asker, community=community).state == "requested"
        for _ in range(2):
            membership = moderation.membership_request_approve(
                actor=moderator, community=community, user=asker
            )
        assert membership.state == Membership.State.ACTIVE
        assert _log(community, Verb.APPROVE_JOIN).count() == 1
        assert len(_inbox(asker)) == 1

    def test_reject_needs_a_reason_and_sends_it(self):
        community, moderator = _moderated(join_policy=Community.JoinPolicy.APPROVAL)
        asker = UserFactory()
        services.community_join(user=asker, community=community)
        with pytest.raises(ValidationError):
            moderation.membership_request_reject(
                actor=moderator, community=community, user=asker, reason="  "
            )
        moderation.membership_request_reject(
            actor=moderator, community=community, user=asker, reason="We are full for now"
        )
        moderation.membership_request_reject(
            actor=moderator, community=community, user=asker, reason="We are full for now"
        )
        assert Membership.objects.get(user=asker, community=community).state == "left"
        assert _log(community, Verb.REJECT_JOIN).get().reason == "We are full for now"
        assert "We are full for now" in _inbox(asker)[0]


@pytest.mark.django_db
class TestPosts:
    def test_remove_keeps_the_post_out_and_tells_the_author_why(self):
        community, moderator = _moderated()
        post = PlacementFactory(community=community).post
        for _ in range(2):
            moderation.post_remove(
                actor=moderator, community=community, post=post, reason="Off topic here"
            )
        assert not Placement.objects.filter(post=post, community=community).exists()
        assert MatchConstraint.objects.filter(
            kind="keep_out", post=post, community=community
        ).exists()
        assert _log(community, Verb.REMOVE).count() == 1
        assert "Off topic here" in _inbox(post.author)[0]

    def test_restore_puts_it_back_and_lifts_the_constraint(self):
        community, moderator = _moderated()
        post = PlacementFactory(community=community).post
        moderation.post_remove(actor=moderator, community=community, post=post, reason="Oops")
        assert moderation.post_restore(actor=moderator, community=community, post=post)
        assert moderation.post_restore(actor=moderator, community=community, post=post) is None
        assert Placement.objects.get(post=post, community=community).placed_by == "moderator"
        assert not MatchConstraint.objects.filter(post=post, community=community).exists()

    def test_staff_remove_a_post_everywhere_and_others_no_longer_see_it(self):
        from communities.selectors import post_list

        staff = UserFactory(is_staff=True)
        post = PostFactory()
        moderation.post_remove(actor=staff, post=post, reason="Spam")
        post.refresh_from_db()
        assert post.moderation_status == ContentStatus.REMOVED
        assert not post_list(viewer=UserFactory()).filter(pk=post.pk).exists()
        with pytest.raises(PermissionDenied):
            moderation.post_remove(actor=UserFactory(), post=post, reason="Spam")
        # Its author cannot undo a moderator's removal by editing the post.
        services.post_update(actor=post.author, post=post, status=Post.Status.OPEN)
        post.refresh_from_db()
        assert post.moderation_status == ContentStatus.REMOVED

    def test_move_between_communities_the_moderator_moderates(self):
        community, moderator = _moderated()
        other = CommunityFactory()
        post = PlacementFactory(community=community).post
        with pytest.raises(PermissionDenied):
            moderation.post_move(
                actor=moderator, post=post, source=community, destination=other, reason="Fits"
            )
        MembershipFactory(community=other, user=moderator, role=Membership.Role.MODERATOR)
        for _ in range(2):
            placement = moderation.post_move(
                actor=moderator, post=post, source=community, destination=other, reason="Fits"
            )
        assert placement.community == other
        assert not Placement.objects.filter(post=post, community=community).exists()
        assert MatchConstraint.objects.filter(post=post, community=community).exists()
        assert _log(community, Verb.MOVE).count() == 1

    def test_pin_and_unpin(self):
        community, moderator = _moderated()
        post = PlacementFactory(community=community).post
        moderation.placement_pin(actor=moderator, community=community, post=post)
        moderation.placement_pin(actor=moderator, community=community, post=post)
        assert Placement.objects.get(post=post).pinned
        moderation.placement_pin(actor=moderator, community=community, post=post, pinned=False)
        assert list(
            ModerationAction.objects.filter(community=community).values_list("verb", flat=True)
        ) == [Verb.UNPIN, Verb.PIN]


@pytest.mark.django_db
class TestThreads:
    def test_lock_pin_remove_restore(self):
        community, moderator = _moderated()
        author = MembershipFactory(community=community).user
        thread = Thread.objects.create(community=community, author=author, title="Mulch")
        reply = Reply.objects.create(thread=thread, author=author, body="Bark")
        moderation.thread_lock(actor=moderator, thread=thread, reason="Heated")
        moderation.thread_lock(actor=moderator, thread=thread, reason="Heated")
        moderation.thread_pin(actor=moderator, thread=thread)
        moderation.reply_remove(actor=moderator, reply=reply, reason="Rude")
        assert moderation.reply_remove(actor=moderator, reply=reply, reason="Rude") is None
        moderation.thread_remove(actor=moderator, thread=thread, reason="Spam")
        thread.refresh_from_db()
        reply.refresh_from_db()
        assert (thread.locked, thread.pinned, thread.status) == (True, True, "removed")
        assert reply.status == "removed"
        moderation.thread_restore(actor=moderator, thread=thread)
        thread.refresh_from_db()
        assert thread.status == "visible"
        assert _log(community, Verb.LOCK).count() == 1
        assert any("Rude" in title for title in _inbox(author))

    def test_a_reply_to_a_post_is_for_staff(self):
        reply = Reply.objects.create(post=PostFactory(), author=UserFactory(), body="Spam")
        _, moderator = _moderated()
        with pytest.raises(PermissionDenied):
            moderation.reply_remove(actor=moderator, reply=reply, reason="Spam")
        moderation.reply_remove(actor=UserFactory(is_staff=True), reply=reply, reason="Spam")


@pytest.mark.django_db
class TestCommunity:
    def test_charter_edit_records_a_revision_only_when_something_changes(self):
        community, moderator = _moderated(name="Clay")
        for _ in range(2):
            moderation.community_charter_edit(
                actor=moderator,
                community=community,
                name="Clay soil gardeners",
                purpose="Helping beds drain",
                tags=["clay", "drainage"],
                reason="Clearer",
            )
        community.refresh_from_db()
        assert community.name == "Clay soil gardeners"
        assert sorted(community.tags.values_list("slug", flat=True)) == ["clay", "drainage"]
        revision = CharterRevision.objects.get(community=community)
        assert revision.editor == moderator and revision.tags == ["clay", "drainage"]
        entry = _log(community, Verb.EDIT).get()
        assert entry.details["before"]["name"] == "Clay"

    def test_archive(self):
        community, moderator = _moderated()
        member = MembershipFactory(community=community).user
        moderation.community_archive(actor=moderator, community=community, reason="Quiet")
        moderation.community_archive(actor=moderator, community=community, reason="Quiet")
        community.refresh_from_db()
        assert community.status == Community.Status.ARCHIVED
        assert _log(community, Verb.ARCHIVE).count() == 1
        assert len(_inbox(member)) == 1
        with pytest.raises(ValidationError):
            services.community_join(user=UserFactory(), community=community)

    def test_merge_moves_people_posts_and_threads_and_teaches_the_matcher(self):
        source, moderator = _moderated(name="Clay")
        target = CommunityFactory(name="Soil")
        MembershipFactory(community=target, user=moderator, role=Membership.Role.OWNER)
        member = MembershipFactory(community=source).user
        both = MembershipFactory(community=source, role=Membership.Role.MODERATOR).user
        MembershipFactory(community=target, user=both)
        banned = MembershipFactory(community=source, state=Membership.State.BANNED).user
        shared = PostFactory()
        PlacementFactory(community=source, post=shared)
        PlacementFactory(community=target, post=shared)
        own = PlacementFactory(community=source).post
        thread = Thread.objects.create(community=source, title="Hello")
        done = moderation.community_merge(
            actor=moderator, source=source, target=target, reason="Same people"
        )
        assert (
            moderation.community_merge(
                actor=moderator, source=source, target=target, reason="Same people"
            )
            == done
        )  # safe to repeat for the same moderator
        source.refresh_from_db()
        assert source.merged_into == target and source.status == Community.Status.ARCHIVED
        assert not Membership.objects.filter(community=source).exists()
        roles = dict(
            Membership.objects.filter(community=target).values_list("user__username", "role")
        )
        assert roles[member.username] == "member"
        assert roles[both.username] == "moderator"  # the stronger standing
        assert Membership.objects.get(community=target, user=banned).state == "banned"
        assert set(Placement.objects.filter(community=target).values_list("post", flat=True)) == {
            shared.pk,
            own.pk,
        }
        thread.refresh_from_db()
        assert thread.community == target
        assert MatchConstraint.objects.filter(
            kind="keep_together", community=target, other_community=source
        ).exists()
        assert _log(target, Verb.MERGE).count() == 1
        # The target's log carries the merged community's history too.
        assert moderation_log(community=target).filter(verb=Verb.MERGE).count() == 1
        assert "Same people" in _inbox(member)[0]

    def test_merging_again_elsewhere_is_a_conflict(self):
        source, moderator = _moderated()
        target, third = CommunityFactory(), CommunityFactory()
        for community in (target, third):
            MembershipFactory(community=community, user=moderator, role="moderator")
        moderation.community_merge(actor=moderator, source=source, target=target, reason="x")
        with pytest.raises(moderation.ModerationConflict):
            moderation.community_merge(actor=moderator, source=source, target=third, reason="x")
        with pytest.raises(moderation.ModerationConflict):
            moderation.community_merge(actor=moderator, source=third, target=source, reason="x")

    def test_split_makes_a_new_community_of_chosen_posts(self):
        community, moderator = _moderated(name="Garden")
        author = MembershipFactory(community=community).user
        moved = PlacementFactory(community=community, post=PostFactory(author=author)).post
        stays = PlacementFactory(community=community).post
        new = moderation.community_split(
            actor=moderator,
            community=community,
            post_ids=[moved.pk],
            name="Drainage",
            reason="Own group",
        )
        again = moderation.community_split(
            actor=moderator,
            community=community,
            post_ids=[moved.pk],
            name="Drainage",
            reason="Own group",
        )
        assert again == new
        assert list(Placement.objects.filter(community=new).values_list("post", flat=True)) == [
            moved.pk
        ]
        assert Placement.objects.filter(community=community, post=stays).exists()
        assert Membership.objects.get(community=new, user=moderator).role == "owner"
        assert Membership.objects.get(community=new, user=author).state == "active"
        with pytest.raises(ValidationError):
            moderation.community_split(
                actor=moderator, community=community, post_ids=[moved.pk], name="X", reason="y"
            )


@pytest.mark.django_db(transaction=True)
def test_two_moderators_racing_to_merge_get_one_success_and_one_conflict():
    source = CommunityFactory(name="Clay")
    target = CommunityFactory(name="Soil")
    first, second = UserFactory(), UserFactory()
    for moderator in (first, second):
        for community in (source, target):
            MembershipFactory(community=community, user=moderator, role="moderator")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def merge(moderator):
        try:
            barrier.wait(timeout=10)
            moderation.community_merge(
                actor=moderator, source=source, target=target, reason="Duplicate"
            )
            outcomes[moderator.username] = "merged"
        except moderation.ModerationConflict:
            outcomes[moderator.username] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=merge, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "merged"]
    assert ModerationAction.objects.filter(verb=Verb.MERGE, community=target).count() == 1


@pytest.mark.django_db
class TestBans:
    def test_a_ban_stops_every_service_in_that_community(self):
        from communities.permissions import check_take_part

        community, moderator = _moderated()
        person = MembershipFactory(community=community).user
        post = PlacementFactory(community=community).post
        moderation.membership_ban(
            actor=moderator, community=community, user=person, reason="Spamming"
        )
        moderation.membership_ban(
            actor=moderator, community=community, user=person, reason="Spamming"
        )
        assert _log(community, Verb.BAN).count() == 1
        with pytest.raises(PermissionDenied):
            services.community_join(user=person, community=community)
        with pytest.raises(PermissionDenied):
            check_take_part(person, community)
        with pytest.raises(PermissionDenied):
            moderation.report_create(
                reporter=person, target=post, community=community, reason="Meh"
            )
        assert "Spamming" in _inbox(person)[0]

    def test_a_temporary_ban_ends_by_itself(self):
        from moderation.permissions import is_banned_from

        community, moderator = _moderated()
        person = MembershipFactory(community=community).user
        moderation.membership_ban(
            actor=moderator,
            community=community,
            user=person,
            reason="Cool off",
            until=timezone.now() + timedelta(days=1),
        )
        assert is_banned_from(person, community)
        Membership.objects.filter(user=person).update(
            banned_until=timezone.now() - timedelta(minutes=1)
        )
        assert not is_banned_from(person, community)
        assert services.community_join(user=person, community=community).state == "active"

    def test_unban_and_who_may_ban_whom(self):
        community, moderator = _moderated()
        owner = MembershipFactory(community=community, role="owner").user
        other_moderator = MembershipFactory(community=community, role="moderator").user
        with pytest.raises(PermissionDenied):
            moderation.membership_ban(
                actor=moderator, community=community, user=other_moderator, reason="x"
            )
        with pytest.raises(PermissionDenied):
            moderation.membership_ban(actor=moderator, community=community, user=owner, reason="x")
        moderation.membership_ban(
            actor=owner, community=community, user=other_moderator, reason="Abuse"
        )
        moderation.membership_unban(actor=owner, community=community, user=other_moderator)
        moderation.membership_unban(actor=owner, community=community, user=other_moderator)
        membership = Membership.objects.get(user=other_moderator, community=community)
        assert (membership.state, membership.role) == ("left", "member")
        assert _log(community, Verb.UNBAN).count() == 1


@pytest.mark.django_db
def test_owners_appoint_and_remove_moderators():
    community, moderator = _moderated()
    owner = MembershipFactory(community=community, role="owner").user
    member = MembershipFactory(community=community).user
    with pytest.raises(PermissionDenied):
        moderation.moderator_appoint(actor=moderator, community=community, user=member)
    moderation.moderator_appoint(actor=owner, community=community, user=member)
    moderation.moderator_appoint(actor=owner, community=community, user=member)
    assert Membership.objects.get(user=member, community=community).role == "moderator"
    moderation.moderator_remove(actor=owner, community=community, user=member, reason="Thanks")
    assert Membership.objects.get(user=member, community=community).role == "member"
    assert _log(community, Verb.APPOINT).count() == 1
    assert _log(community, Verb.REMOVE_MODERATOR).count() == 1
    with pytest.raises(ValidationError):
        moderation.moderator_appoint(actor=owner, community=community, user=UserFactory())


@pytest.mark.django_db
class TestMatcher:
    def test_proposed_communities_are_approved_renamed_or_rejected(self):
        staff = UserFactory(is_staff=True)
        proposed = CommunityFactory(status=Community.Status.PROPOSED, activated_at=None)
        invitee = MembershipFactory(community=proposed, state="invited").user
        moderation.proposed_community_approve(actor=staff, community=proposed, name="Clay club")
        moderation.proposed_community_approve(actor=staff, community=proposed)
        proposed.refresh_from_db()
        assert (proposed.status, proposed.name) == ("active", "Clay club")
        assert _log(proposed, Verb.APPROVE).count() == 1
        assert _inbox(invitee)
        other = CommunityFactory(status=Community.Status.PROPOSED, activated_at=None)
        moderation.proposed_community_reject(actor=staff, community=other, reason="Too vague")
        other.refresh_from_db()
        assert other.status == Community.Status.ARCHIVED
        with pytest.raises(PermissionDenied):
            moderation.proposed_community_reject(
                actor=UserFactory(), community=CommunityFactory(status="proposed"), reason="x"
            )

    def test_accept_a_merge_suggestion(self):
        community, moderator = _moderated()
        other = CommunityFactory()
        MembershipFactory(community=other, user=moderator, role="moderator")
        suggestion = MatcherSuggestion.objects.create(
            run=MatchRun.objects.create(status="succeeded"),
            kind="merge",
            community=community,
            other_community=other,
            reason="One group",
        )
        assert (
            moderation.matcher_suggestion_accept(actor=moderator, suggestion=suggestion)
            == community
        )
        assert moderation.matcher_suggestion_accept(actor=moderator, suggestion=suggestion)
        other.refresh_from_db()
        assert other.merged_into == community
        assert _log(community, Verb.ACCEPT_SUGGESTION).count() == 1

    def test_accept_a_split_and_decline_another_once(self):
        community, moderator = _moderated()
        post = PlacementFactory(community=community).post
        run = MatchRun.objects.create(status="succeeded")
        split = MatcherSuggestion.objects.create(
            run=run, kind="split", community=community, post_ids=[post.pk], reason="Group"
        )
        new = moderation.matcher_suggestion_accept(
            actor=moderator, suggestion=split, name="Drainage"
        )
        assert new.name == "Drainage" and Placement.objects.get(post=post).community == new
        declined = MatcherSuggestion.objects.create(
            run=run, kind="split", community=community, post_ids=[], reason="Other"
        )
        moderation.matcher_suggestion_decline(actor=moderator, suggestion=declined)
        moderation.matcher_suggestion_decline(actor=moderator, suggestion=declined)
        assert _log(community, Verb.DECLINE_SUGGESTION).count() == 1
        with pytest.raises(moderation.ModerationConflict):
            moderation.matcher_suggestion_accept(actor=moderator, suggestion=declined)

    def test_start_a_match_run_once(self, django_capture_on_commit_callbacks):
        community, moderator = _moderated()
        with django_capture_on_commit_callbacks() as callbacks:
            run = moderation.match_run_start(actor=moderator, community=community)
            again = moderation.match_run_start(actor=moderator, community=community)
        assert run == again and len(callbacks) == 1
        assert _log(community, Verb.START_RUN).count() == 1


@pytest.mark.django_db
class TestReports:
    @override_settings(KINDRED_REPORTS_TO_HIDE=2)
    def test_reports_from_enough_people_hide_until_a_moderator_decides(self):
        community, moderator = _moderated()
        author = MembershipFactory(community=community).user
        thread = Thread.objects.create(community=community, author=author, title="Buy now")
        first, second = person_in_standing(), person_in_standing()
        report = moderation.report_create(reporter=first, target=thread, reason="Spam")
        assert moderation.report_create(reporter=first, target=thread, reason="Again") == report
        thread.refresh_from_db()
        assert thread.status == "visible"  # one person, however often, is not enough
        moderation.report_create(reporter=second, target=thread, reason="Advert")
        thread.refresh_from_db()
        assert thread.status == "hidden"
        assert _log(community, Verb.HIDE).get().actor is None
        moderation.report_decide(actor=moderator, report=report, uphold=False, reason="")
        thread.refresh_from_db()
        assert thread.status == "visible"
        assert set(Report.objects.values_list("decision", flat=True)) == {"dismissed"}
        assert moderation.report_decide(
            actor=moderator, report=report, uphold=True, reason="x"
        ).decision == ("dismissed")  # already decided: left as it is

    def test_upholding_a_post_report_takes_it_out_of_the_community(self):
        community, moderator = _moderated()
        post = PlacementFactory(community=community).post
        report = moderation.report_create(
            reporter=UserFactory(), target=post, community=community, reason="Off topic"
        )
        assert report.community == community
        moderation.report_decide(actor=moderator, report=report, uphold=True, reason="Off topic")
        assert not Placement.objects.filter(post=post, community=community).exists()
        assert _log(community, Verb.UPHOLD_REPORT).count() == 1

    def test_site_reports_go_to_staff(self):
        post = PostFactory()
        report = moderation.report_create(reporter=UserFactory(), target=post, reason="Scam")
        assert report.community is None
        _, moderator = _moderated()
        with pytest.raises(PermissionDenied):
            moderation.report_decide(actor=moderator, report=report, uphold=True, reason="x")
        moderation.report_decide(
            actor=UserFactory(is_staff=True), report=report, uphold=True, reason="Scam"
        )
        post.refresh_from_db()
        assert post.moderation_status == ContentStatus.REMOVED

    def test_a_private_community_is_not_reportable_by_outsiders(self):
        from django.http import Http404

        private = CommunityFactory(visibility="private")
        with pytest.raises(Http404):
            moderation.report_create(reporter=UserFactory(), target=private, reason="x")
        with pytest.raises(PermissionDenied):
            moderation.report_create(
                reporter=AnonymousUser(),
                target=CommunityFactory(),
                reason="x",
            )

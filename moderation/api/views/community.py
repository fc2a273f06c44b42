"""The community moderation API: a community's review queue, its moderation log and every
moderator's action. Actions parse their input, call one service (which checks permission: 404 for
outsiders of a private community, 403 for people who see it but may not act) and serialize."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.serializers import CommunitySerializer
from communities.models import Community
from matching.api.serializers import MatchRunSerializer
from matching.models import MatchRun
from moderation import selectors, services
from moderation.api.serializers import (
    AreaMoveSerializer,
    BanSerializer,
    CharterSerializer,
    JoinPolicySerializer,
    MatcherSuggestionSerializer,
    MembershipStateSerializer,
    MergeSerializer,
    ModerationActionSerializer,
    PersonSerializer,
    PersonWithReasonSerializer,
    ProposedCommunityApproveSerializer,
    ReportSerializer,
    RequiredReasonSerializer,
    SplitSerializer,
)
from moderation.api.views.base import ModerationViewSet, community_out
from moderation.api.views.content import ContentActionsMixin
from moderation.permissions import (
    check_moderate_community,
    check_move_community_area,
    check_view_community,
)


class QueueReadsMixin(ModerationViewSet):
    """The review queue's lists (moderators) and the moderation log (everyone who sees the
    community). Reads call no service, so they check permission here."""

    @extend_schema(responses=ModerationActionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def log(self, request, slug=None):
        """The moderation log: in full (with private details) for the community's moderators;
        the public version for everyone else who can see the community."""
        community = self.get_object()
        check_view_community(request.user, community)
        private = request.user.has_perm("communities.moderate_community", community)
        rows = selectors.moderation_log(community=community)
        return self._log_page(rows, private=private)

    def _moderated(self) -> Community:
        community = self.get_object()
        check_moderate_community(self.request.user, community)
        return community

    @extend_schema(responses=MembershipStateSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="join-requests")
    def join_requests(self, request, slug=None):
        """People waiting to be let in (moderators)."""
        rows = selectors.join_request_list(community=self._moderated())
        return self._page(rows, MembershipStateSerializer)

    @extend_schema(responses=MembershipStateSerializer(many=True))
    @action(detail=True, methods=["get"])
    def bans(self, request, slug=None):
        """People banned from the community (moderators)."""
        rows = selectors.banned_list(community=self._moderated())
        return self._page(rows, MembershipStateSerializer)

    @extend_schema(responses=MembershipStateSerializer(many=True))
    @action(detail=True, methods=["get"])
    def moderators(self, request, slug=None):
        """The community's owners and moderators (moderators)."""
        rows = selectors.moderator_list(community=self._moderated())
        return self._page(rows, MembershipStateSerializer)

    @extend_schema(responses=ReportSerializer(many=True))
    @action(detail=True, methods=["get"])
    def reports(self, request, slug=None):
        """Pending reports this community's moderators decide."""
        rows = selectors.report_queue(community=self._moderated())
        return self._page(rows, ReportSerializer)

    @extend_schema(responses=MatcherSuggestionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def suggestions(self, request, slug=None):
        """Open merges and splits the matcher suggests for this community."""
        rows = selectors.suggestion_queue(community=self._moderated())
        return self._page(rows, MatcherSuggestionSerializer)


class PeopleActionsMixin(ModerationViewSet):
    """Join requests, bans and moderators."""

    @extend_schema(request=PersonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="join-requests/approve")
    def approve_join(self, request, slug=None):
        """Let someone who asked in. Safe to repeat."""
        data = self._input(PersonSerializer)
        membership = services.membership_request_approve(
            actor=request.user, community=self.get_object(), **data
        )
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=PersonWithReasonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="join-requests/reject")
    def reject_join(self, request, slug=None):
        """Turn a request down, with a reason sent to the person. Safe to repeat."""
        community = self.get_object()
        data = self._input(PersonWithReasonSerializer)
        membership = services.membership_request_reject(
            actor=request.user, community=community, **data
        )
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=BanSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="bans/add")
    def ban(self, request, slug=None):
        """Ban someone, until a time or for good; every service refuses them here from now on."""
        community = self.get_object()
        data = self._input(BanSerializer)
        membership = services.membership_ban(actor=request.user, community=community, **data)
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=PersonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="bans/lift")
    def unban(self, request, slug=None):
        """Lift a ban. Safe to repeat."""
        community = self.get_object()
        data = self._input(PersonSerializer)
        membership = services.membership_unban(actor=request.user, community=community, **data)
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=PersonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="moderators/appoint")
    def appoint(self, request, slug=None):
        """Make an active member a moderator (owners and staff). Safe to repeat."""
        community = self.get_object()
        data = self._input(PersonSerializer)
        membership = services.moderator_appoint(actor=request.user, community=community, **data)
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=PersonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="moderators/remove")
    def remove_moderator(self, request, slug=None):
        """Make a moderator a member again (owners and staff). Safe to repeat."""
        community = self.get_object()
        data = self._input(PersonSerializer)
        membership = services.moderator_remove(actor=request.user, community=community, **data)
        return Response(MembershipStateSerializer(membership).data)


class CommunityActionsMixin(ModerationViewSet):
    """The community itself: charter, merge, split, archive, a community the matcher proposed,
    and starting a match run."""

    @extend_schema(request=CharterSerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"])
    def charter(self, request, slug=None):
        """Edit the name, purpose, rules or tags directly; a charter revision is recorded."""
        community = self.get_object()
        data = self._input(CharterSerializer)
        community = services.community_charter_edit(actor=request.user, community=community, **data)
        return Response(community_out(request, community))

    @extend_schema(request=JoinPolicySerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"], url_path="join-policy")
    def join_policy(self, request, slug=None):
        """Change who can join (owners): anyone, by approval, or by invitation. Logged."""
        community = self.get_object()
        data = self._input(JoinPolicySerializer)
        community = services.community_join_policy_set(
            actor=request.user, community=community, **data
        )
        return Response(community_out(request, community))

    @extend_schema(request=MergeSerializer, responses=ModerationActionSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, slug=None):
        """Merge this community into another (you moderate both): members, posts and
        discussions move and this address redirects. Of two moderators racing, the second gets
        409."""
        community = self.get_object()
        data = self._input(MergeSerializer)
        done = services.community_merge(
            actor=request.user, source=community, target=data["into"], reason=data["reason"]
        )
        return Response(ModerationActionSerializer(done, context={"private": True}).data)

    @extend_schema(request=AreaMoveSerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"])
    def area(self, request, slug=None):
        """Move the community to another area, to no area (area: null) or to a new area
        (new_area_name), with a reason; later match runs keep it there. An area you may not
        see answers as one that does not exist (400). Safe to repeat."""
        community = self.get_object()
        # Before the input is read: people who may not move it learn nothing from its errors.
        check_move_community_area(request.user, community)
        data = self._input(AreaMoveSerializer)
        community = services.community_area_move(
            actor=request.user,
            community=community,
            area=data["area"],
            new_area_name=data["new_area_name"],
            reason=data["reason"],
        )
        return Response(community_out(request, community))

    @extend_schema(request=SplitSerializer, responses={201: CommunitySerializer})
    @action(detail=True, methods=["post"])
    def split(self, request, slug=None):
        """Make a new community of some of this community's posts. Safe to repeat."""
        community = self.get_object()
        data = self._input(SplitSerializer)
        new = services.community_split(
            actor=request.user,
            community=community,
            post_ids=data["posts"],
            name=data["name"],
            purpose=data["purpose"],
            reason=data["reason"],
        )
        return Response(community_out(request, new), status=status.HTTP_201_CREATED)

    @extend_schema(request=RequiredReasonSerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, slug=None):
        """Archive the community. Safe to repeat."""
        community = self.get_object()
        data = self._input(RequiredReasonSerializer)
        community = services.community_archive(actor=request.user, community=community, **data)
        return Response(community_out(request, community))

    @extend_schema(request=ProposedCommunityApproveSerializer, responses=CommunitySerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="proposed/approve",
        url_name="approve-proposed",
    )
    def approve_proposed(self, request, slug=None):
        """Make a community the matcher proposed active now (optionally renamed)."""
        community = self.get_object()
        data = self._input(ProposedCommunityApproveSerializer)
        community = services.proposed_community_approve(
            actor=request.user, community=community, **data
        )
        return Response(community_out(request, community))

    @extend_schema(request=RequiredReasonSerializer, responses=CommunitySerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="proposed/reject",
        url_name="reject-proposed",
    )
    def reject_proposed(self, request, slug=None):
        """Turn down a community the matcher proposed; it is archived."""
        community = self.get_object()
        data = self._input(RequiredReasonSerializer)
        community = services.proposed_community_reject(
            actor=request.user, community=community, **data
        )
        return Response(community_out(request, community))

    @extend_schema(request=None, responses={201: MatchRunSerializer, 200: MatchRunSerializer})
    @action(detail=True, methods=["post"], url_path="match-run")
    def match_run(self, request, slug=None):
        """Start a full match run (or get the one under way); follow it at
        /api/match-runs/{id}/."""
        run = services.match_run_start(actor=request.user, community=self.get_object())
        created = run.requested_by_id == request.user.pk and run.status == MatchRun.Status.QUEUED
        return Response(
            MatchRunSerializer(run).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CommunityModerationViewSet(
    QueueReadsMixin,
    PeopleActionsMixin,
    ContentActionsMixin,
    CommunityActionsMixin,
):
    """A community's review queue, moderation log and every moderator's action."""

    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    serializer_class = ModerationActionSerializer

    def get_queryset(self):
        return Community.objects.all()

    def get_object(self) -> Community:
        return get_object_or_404(Community, slug=self.kwargs["slug"])

"""The moderation API beside the community viewset: reports, the matcher's suggestions, and site
staff's log and actions. Actions parse their input, call one service (which checks permission)
and serialize."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities import selectors as community_selectors
from communities.api.serializers import AreaSerializer, CommunitySerializer
from communities.models import Area, Community, Post
from matching.models import MatcherSuggestion
from moderation import selectors, services
from moderation.api.base import ModerationViewSetMixin, community_out
from moderation.api.serializers import (
    AreaRenameSerializer,
    BanSerializer,
    MatcherSuggestionSerializer,
    ModerationActionSerializer,
    PersonSerializer,
    PostRemoveSerializer,
    PostStateSerializer,
    PostTargetSerializer,
    ReasonSerializer,
    ReplyStateSerializer,
    ReplyTargetSerializer,
    ReportCreateSerializer,
    ReportDecisionSerializer,
    ReportSerializer,
    SiteBanStateSerializer,
    SuggestionAcceptSerializer,
)
from moderation.models import REPORT_TARGETS, Report
from moderation.permissions import check_moderate_site


class ReportViewSet(
    ModerationViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Reports: anyone signed in reports a post, reply, discussion, community, person or direct
    message (one they received), once each. People and messages go to site staff."""

    serializer_class = ReportSerializer

    def get_queryset(self):
        if self.action == "decide":  # the service answers 403 or 404 by the report's community
            return Report.objects.select_related("community")
        return selectors.report_list(viewer=self.request.user)

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer})
    def create(self, request, *args, **kwargs):
        """Report something, with a reason. Once per person and target: a repeat returns the
        first report. Enough reports from different people hide the content until a moderator
        decides."""
        data = self._input(ReportCreateSerializer)
        model = REPORT_TARGETS[data["target_type"]]
        target = model._default_manager.filter(pk=data["target_id"]).first()
        if target is None:
            return Response({"detail": "Nothing to report there."}, status=404)
        report = services.report_create(
            reporter=request.user, target=target, community=data["community"], reason=data["reason"]
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReportDecisionSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Uphold (the content is removed, the author hears why) or dismiss (hidden content
        shows again) this report and every pending one on the same content. Safe to repeat."""
        report = self.get_object()
        data = self._input(ReportDecisionSerializer)
        report = services.report_decide(
            actor=request.user,
            report=report,
            uphold=data["decision"] == "uphold",
            reason=data["reason"],
        )
        return Response(ReportSerializer(report).data)


class MatcherSuggestionViewSet(
    ModerationViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Merges and splits the matcher suggests for active communities; their moderators decide."""

    serializer_class = MatcherSuggestionSerializer

    def get_queryset(self):
        if self.action in ("accept", "dismiss"):  # the service answers 403 or 404
            return MatcherSuggestion.objects.select_related("community", "other_community")
        return selectors.suggestion_list(viewer=self.request.user)

    @extend_schema(request=SuggestionAcceptSerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Carry the suggestion out (a merge: you moderate both). Returns the community the
        posts are in now."""
        suggestion = self.get_object()
        data = self._input(SuggestionAcceptSerializer)
        community = services.matcher_suggestion_accept(
            actor=request.user, suggestion=suggestion, **data
        )
        return Response(community_out(request, community))

    @extend_schema(request=ReasonSerializer, responses=MatcherSuggestionSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Decline the suggestion. Safe to repeat."""
        suggestion = self.get_object()
        data = self._input(ReasonSerializer)
        suggestion = services.matcher_suggestion_dismiss(
            actor=request.user, suggestion=suggestion, **data
        )
        return Response(MatcherSuggestionSerializer(suggestion).data)


class SiteModerationViewSet(ModerationViewSetMixin, viewsets.GenericViewSet):
    """Site staff: the whole moderation log, removing posts or replies everywhere, and banning
    people from the whole site."""

    serializer_class = ModerationActionSerializer

    def get_queryset(self):
        return selectors.moderation_log_site()

    @extend_schema(responses=ModerationActionSerializer(many=True))
    @action(detail=False, methods=["get"])
    def log(self, request):
        """Every moderation action on the site (staff)."""
        check_moderate_site(request.user)
        return self._page(self.get_queryset(), ModerationActionSerializer, private=True)

    @extend_schema(responses=CommunitySerializer(many=True))
    @action(detail=False, methods=["get"], url_path="proposals", url_name="proposals")
    def proposed_communities(self, request):
        """Communities the matcher proposed, waiting to be approved, renamed or rejected."""
        check_moderate_site(request.user)
        rows = community_selectors.community_list(viewer=request.user).filter(
            status=Community.Status.PROPOSED
        )
        return self._page(rows, CommunitySerializer)

    @extend_schema(request=PostRemoveSerializer, responses=ModerationActionSerializer)
    @action(detail=False, methods=["post"], url_path="posts/remove")
    def remove_post(self, request):
        """Remove a post everywhere, with a reason sent to its author (staff)."""
        data = self._input(PostRemoveSerializer)
        done = services.post_remove(actor=request.user, **data)
        return Response(ModerationActionSerializer(done, context={"private": True}).data)

    @extend_schema(request=PostTargetSerializer, responses=PostStateSerializer)
    @action(detail=False, methods=["post"], url_path="posts/restore")
    def restore_post(self, request):
        """Show a post removed everywhere (or hidden by reports) again (staff)."""
        data = self._input(PostTargetSerializer)
        services.post_restore(actor=request.user, **data)
        return Response(PostStateSerializer(Post.objects.get(pk=data["post"].pk)).data)

    @extend_schema(request=ReplyTargetSerializer, responses=ReplyStateSerializer)
    @action(detail=False, methods=["post"], url_path="replies/remove")
    def remove_reply(self, request):
        """Remove a reply to a post (staff), with a reason sent to its author."""
        # Staff only, here: the service would also let a discussion's moderators act.
        check_moderate_site(request.user)
        data = self._input(ReplyTargetSerializer)
        services.reply_remove(actor=request.user, **data)
        data["reply"].refresh_from_db()
        return Response(ReplyStateSerializer(data["reply"]).data)

    @extend_schema(request=ReplyTargetSerializer, responses=ReplyStateSerializer)
    @action(detail=False, methods=["post"], url_path="replies/restore")
    def restore_reply(self, request):
        """Show a removed reply to a post again (staff)."""
        # Staff only, here: the service would also let a discussion's moderators act.
        check_moderate_site(request.user)
        data = self._input(ReplyTargetSerializer)
        services.reply_restore(actor=request.user, **data)
        data["reply"].refresh_from_db()
        return Response(ReplyStateSerializer(data["reply"]).data)

    @extend_schema(request=BanSerializer, responses=SiteBanStateSerializer)
    @action(detail=False, methods=["post"], url_path="people/ban")
    def ban_person(self, request):
        """Ban a person from the whole site, with a reason they are told and an optional end
        (staff). Their sessions and API tokens stop working; they cannot log in until it ends.
        Banning again with another end or reason changes the ban."""
        check_moderate_site(request.user)
        data = self._input(BanSerializer)
        ban = services.site_ban(actor=request.user, **data)
        return Response(_ban_state(data["user"].username, ban))

    @extend_schema(request=PersonSerializer, responses=SiteBanStateSerializer)
    @action(detail=False, methods=["post"], url_path="people/unban")
    def unban_person(self, request):
        """Lift a person's site-wide ban (staff). Safe to repeat."""
        check_moderate_site(request.user)
        data = self._input(PersonSerializer)
        services.site_unban(actor=request.user, **data)
        return Response(_ban_state(data["user"].username, None))


def _ban_state(username: str, ban) -> dict:
    return {
        "user": username,
        "banned": ban is not None,
        "reason": ban.reason if ban is not None else None,
        "until": ban.until if ban is not None else None,
    }


class AreaModerationViewSet(ModerationViewSetMixin, viewsets.GenericViewSet):
    """Moderating areas: renaming one (site staff, and moderators of a community in it)."""

    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    serializer_class = AreaSerializer

    def get_queryset(self):
        return Area.objects.all()

    @extend_schema(request=AreaRenameSerializer, responses=AreaSerializer)
    @action(detail=True, methods=["post"])
    def rename(self, request, slug=None):
        """Rename the area; its slug stays. Refuses another area's name (400). Safe to
        repeat."""
        data = self._input(AreaRenameSerializer)
        area = services.area_rename(actor=request.user, area=self.get_object(), **data)
        area = community_selectors.area_list(viewer=request.user, include_empty=True).get(
            pk=area.pk
        )
        return Response(AreaSerializer(area).data)

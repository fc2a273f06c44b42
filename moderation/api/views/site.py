"""Site staff's moderation: the whole log, communities the matcher proposed, posts and replies
everywhere, and site-wide bans. Actions parse their input, call one service (which checks
permission) and serialize."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from communities import selectors as community_selectors
from communities.api.serializers import CommunitySerializer
from communities.models import Community, Post
from moderation import selectors, services
from moderation.api.serializers import (
    BanSerializer,
    ModerationActionSerializer,
    PersonSerializer,
    PostRemoveSerializer,
    PostStateSerializer,
    PostTargetSerializer,
    ReplyStateSerializer,
    ReplyTargetSerializer,
    SiteBanStateSerializer,
)
from moderation.api.views.base import ModerationViewSet
from moderation.permissions import check_moderate_site


class SiteModerationViewSet(ModerationViewSet):
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
        return self._log_page(self.get_queryset(), private=True)

    @extend_schema(responses=CommunitySerializer(many=True))
    @action(
        detail=False,
        methods=["get"],
        url_path="proposed-communities",
        url_name="proposed-communities",
    )
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

"""Match runs: start one (staff and community moderators) and follow it live. A post's peers and
the communities it fits: actions added to the posts API of communities."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.views import PostViewSet
from matching import selectors, services
from matching.api.serializers import CommunityFitSerializer, MatchRunSerializer, PeerSerializer
from matching.models import MatchRun


class CanStartRuns(permissions.BasePermission):
    message = "Only staff and community moderators can see and start match runs."

    def has_permission(self, request, view):
        return services.can_start_runs(request.user)


class MatchRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = MatchRunSerializer
    permission_classes = [permissions.IsAuthenticated, CanStartRuns]
    filterset_fields = ["status", "trigger"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.match_run_list()

    @extend_schema(request=None, responses={201: MatchRunSerializer, 200: MatchRunSerializer})
    def create(self, request, *args, **kwargs):
        """Start a full run now (a fit afresh over every post), or get the one already queued or
        running (200)."""
        run = services.match_run_request(
            actor=request.user, trigger=MatchRun.Trigger.MANUAL, full=True
        )
        created = run.requested_by_id == request.user.pk and run.status == MatchRun.Status.QUEUED
        return Response(
            MatchRunSerializer(run).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PostWithMatchesViewSet(PostViewSet):
    """Posts. Publishing one finds its peers and fitting communities within seconds."""

    @extend_schema(responses=PeerSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def peers(self, request, pk=None):
        """People working on the same thing: their posts, with a score and the reason."""
        post = self.get_object()
        rows = selectors.post_peers(viewer=request.user, post=post)
        return Response(PeerSerializer(rows, many=True).data)

    @extend_schema(responses=CommunityFitSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def communities(self, request, pk=None):
        """Communities this post fits, with the matcher's confidence."""
        post = self.get_object()
        rows = selectors.post_community_fits(viewer=request.user, post=post)
        return Response(CommunityFitSerializer(rows, many=True).data)

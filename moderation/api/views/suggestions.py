"""The matcher's suggestions (merges and splits) for active communities; their moderators
accept or decline them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from communities.api.serializers import CommunitySerializer
from matching.models import MatcherSuggestion
from moderation import selectors, services
from moderation.api.serializers import (
    MatcherSuggestionSerializer,
    ReasonSerializer,
    SuggestionAcceptSerializer,
)
from moderation.api.views.base import ModerationViewSet, community_out


class MatcherSuggestionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ModerationViewSet,
):
    """Merges and splits the matcher suggests for active communities; their moderators decide."""

    serializer_class = MatcherSuggestionSerializer

    def get_queryset(self):
        if self.action in ("accept", "decline"):  # the service answers 403 or 404
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
    def decline(self, request, pk=None):
        """Decline the suggestion. Safe to repeat."""
        suggestion = self.get_object()
        data = self._input(ReasonSerializer)
        suggestion = services.matcher_suggestion_decline(
            actor=request.user, suggestion=suggestion, **data
        )
        return Response(MatcherSuggestionSerializer(suggestion).data)

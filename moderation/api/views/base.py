"""What the moderators' viewsets share: input parsing, paging, and the community they answer
with."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, viewsets
from rest_framework.response import Response

from communities import selectors as community_selectors
from communities.api.serializers import CommunitySerializer
from communities.models import Community
from moderation import selectors
from moderation.api.serializers import ModerationActionSerializer
from moderation.models import ModerationAction

NO_CONTENT = OpenApiResponse(description="Nothing to do: it was already so.")


def community_out(request, community: Community) -> dict:
    """The community as the communities API shows it to this viewer."""
    community = community_selectors.community_list(viewer=request.user).get(pk=community.pk)
    return CommunitySerializer(community).data


class ModerationViewSet(viewsets.GenericViewSet):
    """What every moderation viewset (and each part of the community one) starts from."""

    permission_classes = [permissions.AllowAny]  # the services decide, as on the pages
    filter_backends = []

    def _input(self, serializer_class):
        # The caller, for the fields that offer only what they may see (areas).
        data = serializer_class(data=self.request.data, context={"viewer": self.request.user})
        data.is_valid(raise_exception=True)
        return data.validated_data

    def _log_page(self, entries: QuerySet[ModerationAction], *, private: bool) -> Response:
        """A page of the moderation log, as moderation.selectors.log_lines says it to the
        caller (the private version, or the public one)."""
        page = self.paginate_queryset(entries) or []
        lines = selectors.log_lines(page, viewer=self.request.user, private=private)
        context = {"private": private, "lines": {line.entry.pk: line for line in lines}}
        data = ModerationActionSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def _page(self, queryset, serializer_class, **context):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=context).data
        return self.get_paginated_response(data)

"""Moderating areas: renaming one (site staff, and moderators of an active community in it)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from communities import selectors as community_selectors
from communities.api.serializers import AreaSerializer
from moderation import services
from moderation.api.serializers import (
    AreaRenameSerializer,
)
from moderation.api.views.base import ModerationViewSet
from moderation.permissions import check_rename_area


class AreaModerationViewSet(ModerationViewSet):
    """Moderating areas: renaming one (site staff, and moderators of an active community in it)."""

    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    serializer_class = AreaSerializer

    def get_queryset(self):
        # An area the caller may not see answers 404, as one that does not exist.
        return community_selectors.area_list(viewer=self.request.user)

    @extend_schema(request=AreaRenameSerializer, responses=AreaSerializer)
    @action(detail=True, methods=["post"])
    def rename(self, request, slug=None):
        """Rename the area; its slug stays. Refuses another area's name (400). Safe to
        repeat."""
        area = self.get_object()
        check_rename_area(request.user, area)  # before the input: outsiders learn nothing
        data = self._input(AreaRenameSerializer)
        area = services.area_rename(actor=request.user, area=area, **data)
        area = community_selectors.area_list(viewer=request.user, include_empty=True).get(
            pk=area.pk
        )
        return Response(AreaSerializer(area).data)

"""The areas API: areas group communities (read-only here; moderators move communities between
areas and rename them through the moderation API). Communities name their area as {slug, name}."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from communities import selectors
from communities.models import Area


class AreaRefSerializer(serializers.ModelSerializer):
    """An area as a community names it."""

    class Meta:
        model = Area
        fields = ["slug", "name"]


class AreaSerializer(serializers.ModelSerializer):
    community_count = serializers.IntegerField(
        read_only=True, help_text="Its active and proposed communities that you may see."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = ["slug", "url", "name", "description", "community_count", "created_at"]

    def get_url(self, area: Area) -> str:
        return area.get_absolute_url()


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Areas, by name, with how many live communities you may see in each; an area with none
    you may see is not listed. Its communities: /api/communities/?area={slug}."""

    serializer_class = AreaSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    ordering_fields = ["name", "community_count"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.area_list(viewer=self.request.user)

"""The matching API's serializers: match runs, and a post's peers and the communities it fits."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communities.models import Community, Post, Tag
from matching.models import MatchRun
from profiles.models import User


class MatchRunSerializer(serializers.ModelSerializer):
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "status",
            "trigger",
            "requested_by",
            "config_id",
            "stage",
            "progress",
            "post_count",
            "community_count",
            "assigned_count",
            "metrics",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class PeerPostSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    tags: serializers.SlugRelatedField[Tag] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "url", "author", "kind", "title", "tags", "created_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, post: Post) -> str | None:
        return post.author.public_name if post.author is not None else None

    def get_url(self, post: Post) -> str:
        return post.get_absolute_url()


class PeerSerializer(serializers.Serializer):
    post = PeerPostSerializer(source="peer")
    score = serializers.FloatField()
    reason = serializers.CharField()
    shared_tags = serializers.ListField(child=serializers.CharField())
    shared_terms = serializers.ListField(child=serializers.CharField())


class FitCommunitySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Community
        fields = ["slug", "name", "url", "status", "visibility", "join_policy"]

    def get_url(self, community: Community) -> str:
        return community.get_absolute_url()


class CommunityFitSerializer(serializers.Serializer):
    community = FitCommunitySerializer()
    confidence = serializers.FloatField()
    reason = serializers.CharField()

"""Read endpoints for tags, posts and communities."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from communities import selectors
from communities.models import Community, Post, Tag


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name", "usage_count"]


class PostSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            "id",
            "url",
            "author",
            "kind",
            "title",
            "body",
            "tags",
            "status",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, post: Post) -> str | None:
        return post.author.username if post.author_id else None

    def get_url(self, post: Post) -> str:
        return post.get_absolute_url()


class CommunitySerializer(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    post_count = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Community
        fields = [
            "id",
            "slug",
            "url",
            "name",
            "purpose",
            "rules",
            "tags",
            "status",
            "origin",
            "visibility",
            "join_policy",
            "formed_reason",
            "member_count",
            "post_count",
            "created_at",
            "activated_at",
            "last_activity_at",
        ]

    def get_url(self, community: Community) -> str:
        return community.get_absolute_url()


class TagFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="slug", lookup_expr="icontains", label="Slug contains")

    class Meta:
        model = Tag
        fields = ["q"]


class PostFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__slug", label="Tag slug")
    author = django_filters.CharFilter(field_name="author__username", label="Author username")

    class Meta:
        model = Post
        fields = ["kind", "status", "tag", "author"]


class CommunityFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__slug", label="Tag slug")

    class Meta:
        model = Community
        fields = ["status", "origin", "visibility", "join_policy", "tag"]


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TagSerializer
    filterset_class = TagFilter
    ordering_fields = ["slug", "usage_count"]
    ordering = ["-usage_count", "slug"]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_queryset(self):
        return selectors.tag_list()


class PostViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PostSerializer
    filterset_class = PostFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.post_list(viewer=self.request.user).distinct()


class CommunityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter
    ordering_fields = ["created_at", "last_activity_at", "member_count", "name"]
    ordering = ["-last_activity_at", "-id"]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_queryset(self):
        return selectors.community_list(viewer=self.request.user)

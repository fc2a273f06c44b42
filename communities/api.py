"""Read endpoints for tags, posts and communities."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities import selectors, services
from communities.models import Community, Membership, Post, Reply, Tag
from matching import selectors as matching_selectors


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


class PostCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Post.Kind.choices, default=Post.Kind.PROBLEM)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=8, required=False, default=list
    )


class PeerPostSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = ["id", "url", "author", "kind", "title", "tags", "created_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, post: Post) -> str | None:
        return post.author.public_name if post.author_id else None

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


class MembershipSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["community", "role", "state"]


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


class ReplySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = ["id", "author", "body", "created_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, reply: Reply) -> str | None:
        return reply.author.public_name if reply.author_id else None


class ReplyCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)


class PostViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Posts. Publishing one finds its peers and fitting communities within seconds."""

    serializer_class = PostSerializer
    filterset_class = PostFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.post_list(viewer=self.request.user).distinct()

    @extend_schema(request=PostCreateSerializer, responses={201: PostSerializer})
    def create(self, request, *args, **kwargs):
        data = PostCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(author=request.user, **data.validated_data)
        post = selectors.post_list(viewer=request.user).get(pk=post.pk)
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PeerSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def peers(self, request, pk=None):
        """People working on the same thing: their posts, with a score and the reason."""
        post = self.get_object()
        rows = matching_selectors.post_peers(viewer=request.user, post=post)
        return Response(PeerSerializer(rows, many=True).data)

    @extend_schema(responses=CommunityFitSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def communities(self, request, pk=None):
        """Communities this post fits, with the matcher's confidence."""
        post = self.get_object()
        rows = matching_selectors.post_community_fits(viewer=request.user, post=post)
        return Response(CommunityFitSerializer(rows, many=True).data)

    @extend_schema(methods=["GET"], responses=ReplySerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"], request=ReplyCreateSerializer, responses={201: ReplySerializer}
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def replies(self, request, pk=None):
        """Replies to a post, oldest first; POST one to reach its author (when they take
        replies: they let others find them by their posts, or it is your own post)."""
        post = self.get_object()
        if request.method == "POST":
            data = ReplyCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            reply = services.post_reply(author=request.user, post=post, **data.validated_data)
            return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)
        rows = selectors.post_reply_list(viewer=request.user, post=post)
        return Response(ReplySerializer(rows, many=True).data)


class CommunityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter
    ordering_fields = ["created_at", "last_activity_at", "member_count", "name"]
    ordering = ["-last_activity_at", "-id"]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_queryset(self):
        return selectors.community_list(viewer=self.request.user)

    @extend_schema(request=None, responses=MembershipSerializer, filters=False)
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filterset_class=None,
    )
    def join(self, request, slug=None):
        """Join (or ask to join, by the community's policy). Safe to repeat."""
        membership = services.community_join(user=request.user, community=self.get_object())
        return Response(MembershipSerializer(membership).data)

    @extend_schema(request=None, responses=MembershipSerializer, filters=False)
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filterset_class=None,
    )
    def leave(self, request, slug=None):
        """Leave, or withdraw a request to join. Safe to repeat."""
        community = self.get_object()
        membership = services.community_leave(user=request.user, community=community)
        if membership is None:
            membership = Membership(community=community, state=Membership.State.LEFT)
        return Response(MembershipSerializer(membership).data)

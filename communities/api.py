"""The API of tags, posts, communities, discussions and proposals, and of one's own profile with
one's interests (tags)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities import search, selectors, services
from communities.api_areas import AreaRefSerializer
from communities.api_editing import PostEditing, ReplyEditing, ThreadEditing
from communities.models import (
    JOIN_MESSAGE_MAX_LENGTH,
    Community,
    Membership,
    Placement,
    Post,
    Proposal,
    Reply,
    Tag,
    Thread,
)
from profiles import services as profile_services
from profiles.models import Profile


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
            "match_state",
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


class JoinSerializer(serializers.Serializer):
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=JOIN_MESSAGE_MAX_LENGTH,
        help_text="With a request to join: a word for the moderators (optional).",
    )


class MembershipSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["community", "role", "state"]


class CommunitySerializer(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    area = AreaRefSerializer(read_only=True, allow_null=True)
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
            "area",
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
    tag = django_filters.CharFilter(method="filter_tag", label="Tag slug")
    author = django_filters.CharFilter(field_name="author__username", label="Author username")
    community = django_filters.CharFilter(
        method="in_community", label="Community slug: posts placed in it (one you may see)"
    )

    class Meta:
        model = Post
        fields = ["kind", "status", "tag", "author", "community"]

    def in_community(self, queryset, name, value):
        community = search.community_for_filter(viewer=self.request.user, slug=value)
        if community is None:
            return queryset.none()
        return queryset.filter(
            pk__in=Placement.objects.filter(community=community).values("post_id")
        )

    def filter_tag(self, queryset: QuerySet[Post], name: str, value: str) -> QuerySet[Post]:
        """Posts carrying the tag, as a subquery: no join that would need DISTINCT (and a
        DISTINCT over every post's columns to count a page of 100,000 posts)."""
        tagged = Post.tags.through.objects.filter(tag__slug=value).values("post_id")
        return queryset.filter(pk__in=tagged)


class CommunityFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__slug", label="Tag slug")
    area = django_filters.CharFilter(field_name="area__slug", label="Area slug")

    class Meta:
        model = Community
        fields = ["status", "origin", "visibility", "join_policy", "tag", "area"]


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TagSerializer
    filterset_class = TagFilter
    ordering_fields = ["slug", "usage_count"]
    ordering = ["-usage_count", "slug"]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_queryset(self):
        return selectors.tag_list(viewer=self.request.user)


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


class PostViewSet(PostEditing, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Posts. Publishing one finds its peers and fitting communities within seconds.

    matching.api.PostWithMatchesViewSet adds the peers and communities of a post; the router in
    config/api.py serves that one."""

    serializer_class = PostSerializer
    filterset_class = PostFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.post_list(viewer=self.request.user)

    @extend_schema(request=PostCreateSerializer, responses={201: PostSerializer})
    def create(self, request, *args, **kwargs):
        data = PostCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(author=request.user, **data.validated_data)
        post = selectors.post_list(viewer=request.user).get(pk=post.pk)
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)

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

    @extend_schema(request=JoinSerializer, responses=MembershipSerializer, filters=False)
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filterset_class=None,
    )
    def join(self, request, slug=None):
        """Join (or ask to join, by the community's policy, with an optional message for the
        moderators). Safe to repeat."""
        body = JoinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.community_join(
            user=request.user,
            community=self.get_object(),
            message=body.validated_data.get("message", ""),
        )
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


# Discussions and proposals (issue 5) -------------------------------------------------------


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def _visible_community_or_400(request, slug: str) -> Community:
    community = selectors.community_list(viewer=request.user).filter(slug=slug).first()
    if community is None:
        raise serializers.ValidationError({"community": ["No community has that slug."]})
    return community


class ThreadSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    message_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Thread
        fields = [
            "id",
            "url",
            "community",
            "title",
            "author",
            "locked",
            "pinned",
            "message_count",
            "created_at",
            "last_reply_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, thread: Thread) -> str | None:
        return thread.author.public_name if thread.author_id else None

    def get_url(self, thread: Thread) -> str:
        return thread.get_absolute_url()


class ThreadCreateSerializer(serializers.Serializer):
    community = serializers.CharField(max_length=140, help_text="The community's slug.")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10000, help_text="The first message, in Markdown.")


class ThreadReplySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = ["id", "thread", "author", "body", "created_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, reply: Reply) -> str | None:
        return reply.author.public_name if reply.author_id else None


class ThreadReplyCreateSerializer(serializers.Serializer):
    thread = serializers.IntegerField(min_value=1)
    body = serializers.CharField(max_length=10000, help_text="Markdown.")


class ThreadFilter(django_filters.FilterSet):
    community = django_filters.CharFilter(field_name="community__slug", label="Community slug")

    class Meta:
        model = Thread
        fields = ["community"]


class ThreadReplyFilter(django_filters.FilterSet):
    thread = IntegerFilter(field_name="thread_id", label="Thread id")

    class Meta:
        model = Reply
        fields = ["thread"]


class ThreadViewSet(ThreadEditing, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Discussions in communities. Members of a community start threads in it."""

    serializer_class = ThreadSerializer
    filterset_class = ThreadFilter
    ordering_fields = ["last_reply_at", "created_at"]
    ordering = ["-pinned", "-last_reply_at", "-id"]

    def get_queryset(self):
        return selectors.thread_list(viewer=self.request.user)

    @extend_schema(request=ThreadCreateSerializer, responses={201: ThreadSerializer})
    def create(self, request, *args, **kwargs):
        data = ThreadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        community = _visible_community_or_400(request, fields.pop("community"))
        thread = services.thread_start(author=request.user, community=community, **fields)
        thread = selectors.thread_list(viewer=request.user).get(pk=thread.pk)
        return Response(ThreadSerializer(thread).data, status=status.HTTP_201_CREATED)


class ThreadReplyViewSet(
    ReplyEditing, mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Messages in threads, oldest first (filter by thread). Members reply; the people in the
    thread are notified."""

    serializer_class = ThreadReplySerializer
    filterset_class = ThreadReplyFilter
    ordering_fields = ["created_at"]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        return selectors.reply_list(viewer=self.request.user)

    @extend_schema(request=ThreadReplyCreateSerializer, responses={201: ThreadReplySerializer})
    def create(self, request, *args, **kwargs):
        data = ThreadReplyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        thread = (
            selectors.thread_list(viewer=request.user)
            .filter(pk=data.validated_data["thread"])
            .first()
        )
        if thread is None:
            raise serializers.ValidationError({"thread": ["No such thread."]})
        reply = services.thread_reply(
            author=request.user, thread=thread, body=data.validated_data["body"]
        )
        return Response(ThreadReplySerializer(reply).data, status=status.HTTP_201_CREATED)


class ProposalSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    value = serializers.JSONField(
        help_text="Text for name, purpose and rules; a list of tag names for tags; {} for a merge."
    )
    yes_count = serializers.IntegerField(read_only=True)
    no_count = serializers.IntegerField(read_only=True)
    my_vote = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Your vote: true for, false against, or null."
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "url",
            "community",
            "kind",
            "value",
            "target",
            "rationale",
            "author",
            "state",
            "closes_at",
            "created_at",
            "decided_at",
            "yes_count",
            "no_count",
            "my_vote",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, proposal: Proposal) -> str | None:
        return proposal.author.public_name if proposal.author_id else None

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="For a merge: its slug."))
    def get_target(self, proposal: Proposal) -> str | None:
        return proposal.target.slug if proposal.target_id else None

    def get_url(self, proposal: Proposal) -> str:
        return services.proposal_url(proposal)


class ProposalCreateSerializer(serializers.Serializer):
    community = serializers.CharField(max_length=140, help_text="The community's slug.")
    kind = serializers.ChoiceField(choices=Proposal.Kind.choices)
    value = serializers.JSONField(
        required=False,
        help_text="Text for name, purpose or rules; a list of tag names for tags; none to merge.",
    )
    target = serializers.CharField(
        max_length=140, required=False, help_text="For a merge: the other community's slug."
    )
    rationale = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ProposalVoteSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true to vote for, false against.")


class ProposalFilter(django_filters.FilterSet):
    community = django_filters.CharFilter(field_name="community__slug", label="Community slug")

    class Meta:
        model = Proposal
        fields = ["community", "kind", "state"]


class ProposalViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Proposed changes to communities. Members propose and vote; due proposals are decided
    periodically (quorum and majority per community)."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    ordering_fields = ["created_at", "closes_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.proposal_list(viewer=self.request.user)

    def _fresh(self, proposal: Proposal) -> dict:
        proposal = selectors.proposal_list(viewer=self.request.user).get(pk=proposal.pk)
        return ProposalSerializer(proposal).data

    @extend_schema(request=ProposalCreateSerializer, responses={201: ProposalSerializer})
    def create(self, request, *args, **kwargs):
        data = ProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        community = _visible_community_or_400(request, fields["community"])
        target = None
        if fields.get("target"):
            target = selectors.community_list(viewer=request.user).filter(slug=fields["target"])
            target = target.first()
            if target is None:
                raise serializers.ValidationError({"target": ["No community has that slug."]})
        proposal = services.proposal_open(
            author=request.user,
            community=community,
            kind=fields["kind"],
            value=fields.get("value"),
            rationale=fields.get("rationale", ""),
            target=target,
        )
        return Response(self._fresh(proposal), status=status.HTTP_201_CREATED)

    @extend_schema(request=ProposalVoteSerializer, responses=ProposalSerializer, filters=False)
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filterset_class=None,
    )
    def vote(self, request, pk=None):
        """Vote for or against; voting again changes your vote. Members only, while open."""
        proposal = self.get_object()
        data = ProposalVoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_vote(
            voter=request.user, proposal=proposal, approve=data.validated_data["approve"]
        )
        return Response(self._fresh(proposal))

    @extend_schema(request=None, responses=ProposalSerializer, filters=False)
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filterset_class=None,
    )
    def withdraw(self, request, pk=None):
        """Withdraw an open proposal (its author, or a moderator). Safe to repeat."""
        proposal = services.proposal_withdraw(actor=request.user, proposal=self.get_object())
        return Response(self._fresh(proposal))


# One's own profile and settings, with one's interests (tags) ----------------------------------


class TagNamesField(serializers.ListField):
    """Tags as a list of slugs when read; names (new ones allowed) when written."""

    def to_representation(self, value):
        return [tag.slug for tag in value.all()]


class MeSerializer(serializers.ModelSerializer):
    """One's own profile and settings. Interests are tag names; new ones are created."""

    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    url = serializers.SerializerMethodField()
    interests = TagNamesField(
        child=serializers.CharField(max_length=50), max_length=8, required=False
    )

    class Meta:
        model = Profile
        fields = [
            "username",
            "email",
            "url",
            "display_name",
            "bio",
            "interests",
            "discoverable",
            "email_frequency",
            "notify_invitations",
            "notify_peers",
            "notify_replies",
            "notify_proposals",
        ]

    def get_url(self, profile: Profile) -> str:
        return profile.get_absolute_url()


class MeView(generics.GenericAPIView):
    """The signed-in person's profile and settings: read them, or change some of them."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def _profile(self) -> Profile:
        return profile_services.profile_ensure(user=self.request.user)

    def get(self, request):
        return Response(MeSerializer(self._profile()).data)

    def patch(self, request):
        data = MeSerializer(self._profile(), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        profile = services.profile_update_with_interests(user=request.user, **data.validated_data)
        return Response(MeSerializer(profile).data)

"""The API's views: tags, posts (and replies to them), communities and areas, discussions,
proposals, search, and one's own profile with one's interests (tags).

Posts, threads and thread messages are edited and deleted with PATCH and DELETE on their own
endpoints (the ``...Editing`` mixins). The services check who may (the author; site staff may
also edit a post), so the API refuses as the pages do: 403, or 404 for content in a private
community the caller cannot see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from communities import selectors, services
from communities.api.filters import (
    CommunityFilter,
    PostFilter,
    ProposalFilter,
    TagFilter,
    ThreadFilter,
    ThreadReplyFilter,
)
from communities.api.serializers import (
    AreaSerializer,
    CommunitySerializer,
    JoinSerializer,
    MembershipSerializer,
    MeSerializer,
    PostCreateSerializer,
    PostSerializer,
    PostUpdateSerializer,
    ProposalCreateSerializer,
    ProposalSerializer,
    ProposalVoteSerializer,
    ReplyCreateSerializer,
    ReplySerializer,
    ReplyUpdateSerializer,
    SearchHitSerializer,
    SearchParametersSerializer,
    TagSerializer,
    ThreadCreateSerializer,
    ThreadReplyCreateSerializer,
    ThreadReplySerializer,
    ThreadSerializer,
    ThreadUpdateSerializer,
)
from communities.models import Area, Community, Membership, Post, Proposal, Reply, Tag, Thread
from profiles import services as profile_services
from profiles.models import Profile
from profiles.permissions import signed_in


def _visible_community_or_400(request: Request, slug: str, field: str = "community") -> Community:
    community = selectors.community_list(viewer=request.user).filter(slug=slug).first()
    if community is None:
        raise serializers.ValidationError({field: ["No community has that slug."]})
    return community


# Editing and deleting one's own words ---------------------------------------------------------


class _Editing:
    """PATCH with ``update_serializer`` and the ``edit`` service; DELETE with ``delete``; both
    answer with the object as the viewset shows it (DELETE: 204)."""

    update_serializer: type[serializers.Serializer]

    def get_permissions(self):
        # The object is looked up first, so private content answers 404 to everyone outside it,
        # signed in or not; the services then refuse (403) anyone but the author.
        if getattr(self, "action", None) in ("partial_update", "destroy"):
            return [permissions.AllowAny()]
        return super().get_permissions()  # type: ignore[misc]

    def _edit(self, request, obj, fields):  # pragma: no cover - each viewset says
        raise NotImplementedError

    def _delete(self, request, obj):  # pragma: no cover - each viewset says
        raise NotImplementedError

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        data = self.update_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = self._edit(request, obj, dict(data.validated_data))
        fresh = self.get_queryset().get(pk=obj.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(fresh).data)  # type: ignore[attr-defined]

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._delete(request, self.get_object())  # type: ignore[attr-defined]
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostEditing(_Editing):
    update_serializer = PostUpdateSerializer

    @extend_schema(request=PostUpdateSerializer, filters=False)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit your post (title, details, tags, open or solved). New words are kept as a
        version in its history and the post is matched again."""
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={204: None}, filters=False)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete your post: it is gone for everyone, with the replies under it. Safe to repeat
        until it is gone (then 404)."""
        return super().destroy(request, *args, **kwargs)

    def _edit(self, request, obj, fields):
        return services.post_update(actor=request.user, post=obj, **fields)

    def _delete(self, request, obj):
        services.post_delete(actor=request.user, post=obj)


class ThreadEditing(_Editing):
    update_serializer = ThreadUpdateSerializer

    @extend_schema(request=ThreadUpdateSerializer, filters=False)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Rename your discussion."""
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={204: None}, filters=False)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete your discussion, with every message in it."""
        return super().destroy(request, *args, **kwargs)

    def _edit(self, request, obj, fields):
        return services.thread_edit(actor=request.user, thread=obj, **fields)

    def _delete(self, request, obj):
        services.thread_delete(actor=request.user, thread=obj)


class ReplyEditing(_Editing):
    update_serializer = ReplyUpdateSerializer

    @extend_schema(request=ReplyUpdateSerializer, filters=False)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Edit your message; moderators can see earlier versions."""
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={204: None}, filters=False)
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete your message."""
        return super().destroy(request, *args, **kwargs)

    def _edit(self, request, obj, fields):
        return services.reply_edit(actor=request.user, reply=obj, **fields)

    def _delete(self, request, obj):
        services.reply_delete(actor=request.user, reply=obj)


# Tags, posts, communities and areas -----------------------------------------------------------


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TagSerializer
    filterset_class = TagFilter
    ordering_fields = ["slug", "usage_count"]
    ordering = ["-usage_count", "slug"]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_queryset(self) -> QuerySet[Tag]:
        return selectors.tag_list(viewer=self.request.user)


class PostViewSet(PostEditing, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Posts. Publishing one finds its peers and fitting communities within seconds.

    matching.api.PostWithMatchesViewSet adds the peers and communities of a post; the router in
    config/api.py serves that one."""

    serializer_class = PostSerializer
    filterset_class = PostFilter
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Post]:
        return selectors.post_list(viewer=self.request.user)

    @extend_schema(request=PostCreateSerializer, responses={201: PostSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PostCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(author=signed_in(request.user), **data.validated_data)
        post = selectors.post_list(viewer=request.user).get(pk=post.pk)
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=ReplySerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"], request=ReplyCreateSerializer, responses={201: ReplySerializer}
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def replies(self, request: Request, pk: str | None = None) -> Response:
        """Replies to a post, oldest first; POST one to reach its author (when they take
        replies: they let others find them by their posts, or it is your own post)."""
        post = self.get_object()
        if request.method == "POST":
            data = ReplyCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            reply = services.post_reply(
                author=signed_in(request.user), post=post, **data.validated_data
            )
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

    def get_queryset(self) -> QuerySet[Community]:
        return selectors.community_list(viewer=self.request.user)

    @extend_schema(request=JoinSerializer, responses=MembershipSerializer, filters=False)
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filterset_class=None,
    )
    def join(self, request: Request, slug: str | None = None) -> Response:
        """Join (or ask to join, by the community's policy, with an optional message for the
        moderators). Safe to repeat."""
        body = JoinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.community_join(
            user=signed_in(request.user),
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
    def leave(self, request: Request, slug: str | None = None) -> Response:
        """Leave, or withdraw a request to join. Safe to repeat."""
        community = self.get_object()
        membership = services.community_leave(user=signed_in(request.user), community=community)
        if membership is None:
            membership = Membership(community=community, state=Membership.State.LEFT)
        return Response(MembershipSerializer(membership).data)


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Areas, by name, with how many live communities you may see in each; an area with none
    you may see is not listed. Its communities: /api/communities/?area={slug}. Read-only here:
    moderators move communities between areas and rename them through the moderation API."""

    serializer_class = AreaSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    ordering_fields = ["name", "community_count"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[Area]:
        return selectors.area_list(viewer=self.request.user)


# Discussions and proposals --------------------------------------------------------------------


class ThreadViewSet(ThreadEditing, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Discussions in communities. Members of a community start threads in it."""

    serializer_class = ThreadSerializer
    filterset_class = ThreadFilter
    ordering_fields = ["last_reply_at", "created_at"]
    ordering = ["-pinned", "-last_reply_at", "-id"]

    def get_queryset(self) -> QuerySet[Thread]:
        return selectors.thread_list(viewer=self.request.user)

    @extend_schema(request=ThreadCreateSerializer, responses={201: ThreadSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ThreadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        community = _visible_community_or_400(request, fields.pop("community"))
        thread = services.thread_start(
            author=signed_in(request.user), community=community, **fields
        )
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

    def get_queryset(self) -> QuerySet[Reply]:
        return selectors.reply_list(viewer=self.request.user)

    @extend_schema(request=ThreadReplyCreateSerializer, responses={201: ThreadReplySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
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
            author=signed_in(request.user), thread=thread, body=data.validated_data["body"]
        )
        return Response(ThreadReplySerializer(reply).data, status=status.HTTP_201_CREATED)


class ProposalViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Proposed changes to communities. Members propose and vote; due proposals are decided
    periodically (quorum and majority per community)."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    ordering_fields = ["created_at", "closes_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Proposal]:
        return selectors.proposal_list(viewer=self.request.user)

    def _fresh(self, proposal: Proposal) -> dict[str, Any]:
        proposal = selectors.proposal_list(viewer=self.request.user).get(pk=proposal.pk)
        return ProposalSerializer(proposal).data

    @extend_schema(request=ProposalCreateSerializer, responses={201: ProposalSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        community = _visible_community_or_400(request, fields["community"])
        target = None
        if fields.get("target"):
            target = _visible_community_or_400(request, fields["target"], field="target")
        proposal = services.proposal_open(
            author=signed_in(request.user),
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
    def vote(self, request: Request, pk: str | None = None) -> Response:
        """Vote for or against; voting again changes your vote. Members only, while open."""
        proposal = self.get_object()
        data = ProposalVoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.proposal_vote(
            voter=signed_in(request.user), proposal=proposal, approve=data.validated_data["approve"]
        )
        return Response(self._fresh(proposal))

    @extend_schema(request=None, responses=ProposalSerializer, filters=False)
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filterset_class=None,
    )
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw an open proposal (its author, or a moderator). Safe to repeat."""
        proposal = services.proposal_withdraw(
            actor=signed_in(request.user), proposal=self.get_object()
        )
        return Response(self._fresh(proposal))


# Search ---------------------------------------------------------------------------------------


class SearchView(generics.ListAPIView):
    """Search posts (the default), threads or replies that you may see: never content of a
    private community you are not in, nor hidden or removed content. Best match first. Titles
    and snippets are escaped HTML whose only markup is <mark>."""

    serializer_class = SearchHitSerializer
    filter_backends: list = []

    @extend_schema(parameters=[SearchParametersSerializer])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args, **kwargs) -> Response:
        given = SearchParametersSerializer(data=request.query_params)
        given.is_valid(raise_exception=True)
        criteria = given.validated_data
        community = selectors.community_for_filter(
            viewer=request.user, slug=criteria.get("community", "")
        )
        if criteria.get("community") and community is None:
            raise ValidationError({"community": ["There is no community with that slug."]})
        rows = selectors.search_results(
            viewer=request.user,
            kind=criteria["kind"],
            query=criteria["q"],
            community=community,
            tag=criteria.get("tag", ""),
        )
        page = self.paginate_queryset(rows)
        hits = selectors.search_hits(
            list(page if page is not None else rows), criteria["kind"], criteria["q"]
        )
        data = SearchHitSerializer(hits, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


# One's own profile ----------------------------------------------------------------------------


class MeView(generics.GenericAPIView):
    """The signed-in person's profile and settings: read them, or change some of them."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def _profile(self) -> Profile:
        return profile_services.profile_ensure(user=signed_in(self.request.user))

    def get(self, request: Request) -> Response:
        return Response(MeSerializer(self._profile()).data)

    def patch(self, request: Request) -> Response:
        data = MeSerializer(self._profile(), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        profile = services.profile_update_with_interests(
            user=signed_in(request.user), **data.validated_data
        )
        return Response(MeSerializer(profile).data)

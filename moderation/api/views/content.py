"""The community moderation API's actions on content: posts, discussions and replies. Each
parses its input, calls one service (which checks permission) and serializes the result."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from moderation import services
from moderation.api.serializers import (
    ModerationActionSerializer,
    PlacementStateSerializer,
    PostMoveSerializer,
    PostPinSerializer,
    PostRemoveSerializer,
    PostTargetSerializer,
    ReplyStateSerializer,
    ReplyTargetSerializer,
    ThreadLockSerializer,
    ThreadPinSerializer,
    ThreadStateSerializer,
    ThreadTargetSerializer,
)
from moderation.api.views.base import NO_CONTENT, ModerationViewSet


class ContentActionsMixin(ModerationViewSet):
    """Posts, discussions and replies in a community (its moderators)."""

    # posts

    @extend_schema(request=PostRemoveSerializer, responses=ModerationActionSerializer)
    @action(detail=True, methods=["post"], url_path="posts/remove")
    def remove_post(self, request, slug=None):
        """Take a post out of the community, with a reason sent to its author; the matcher
        keeps it out from now on. Safe to repeat."""
        community = self.get_object()
        data = self._input(PostRemoveSerializer)
        done = services.post_remove(actor=request.user, community=community, **data)
        return Response(ModerationActionSerializer(done, context={"private": True}).data)

    @extend_schema(
        request=PostTargetSerializer, responses={200: ModerationActionSerializer, 204: NO_CONTENT}
    )
    @action(detail=True, methods=["post"], url_path="posts/restore")
    def restore_post(self, request, slug=None):
        """Put a removed post back. Safe to repeat (204 when it is already there)."""
        community = self.get_object()
        data = self._input(PostTargetSerializer)
        done = services.post_restore(actor=request.user, community=community, **data)
        if done is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ModerationActionSerializer(done, context={"private": True}).data)

    @extend_schema(request=PostMoveSerializer, responses=PlacementStateSerializer)
    @action(detail=True, methods=["post"], url_path="posts/move")
    def move_post(self, request, slug=None):
        """Move a post to another community you moderate. Safe to repeat."""
        community = self.get_object()
        data = self._input(PostMoveSerializer)
        placement = services.post_move(actor=request.user, source=community, **data)
        return Response(PlacementStateSerializer(placement).data)

    @extend_schema(request=PostPinSerializer, responses=PlacementStateSerializer)
    @action(detail=True, methods=["post"], url_path="posts/pin")
    def pin_post(self, request, slug=None):
        """Pin a post to the top of the community, or unpin it (`pinned: false`)."""
        community = self.get_object()
        data = self._input(PostPinSerializer)
        placement = services.placement_pin(actor=request.user, community=community, **data)
        return Response(PlacementStateSerializer(placement).data)

    # threads and replies

    @extend_schema(request=ThreadPinSerializer, responses=ThreadStateSerializer)
    @action(detail=True, methods=["post"], url_path="threads/pin")
    def pin_thread(self, request, slug=None):
        """Pin a discussion, or unpin it (`pinned: false`). Safe to repeat."""
        community = self.get_object()
        data = self._input(ThreadPinSerializer)
        thread = services.thread_pin(actor=request.user, community=community, **data)
        return Response(ThreadStateSerializer(thread).data)

    @extend_schema(request=ThreadLockSerializer, responses=ThreadStateSerializer)
    @action(detail=True, methods=["post"], url_path="threads/lock")
    def lock_thread(self, request, slug=None):
        """Lock a discussion against new replies, or unlock it (`locked: false`)."""
        community = self.get_object()
        data = self._input(ThreadLockSerializer)
        thread = services.thread_lock(actor=request.user, community=community, **data)
        return Response(ThreadStateSerializer(thread).data)

    @extend_schema(request=ThreadTargetSerializer, responses=ThreadStateSerializer)
    @action(detail=True, methods=["post"], url_path="threads/remove")
    def remove_thread(self, request, slug=None):
        """Remove a discussion, with a reason sent to its author. Safe to repeat."""
        community = self.get_object()
        data = self._input(ThreadTargetSerializer)
        thread = data["thread"]
        services.thread_remove(actor=request.user, community=community, **data)
        thread.refresh_from_db()
        return Response(ThreadStateSerializer(thread).data)

    @extend_schema(request=ThreadTargetSerializer, responses=ThreadStateSerializer)
    @action(detail=True, methods=["post"], url_path="threads/restore")
    def restore_thread(self, request, slug=None):
        """Show a removed discussion again. Safe to repeat."""
        community = self.get_object()
        data = self._input(ThreadTargetSerializer)
        thread = data["thread"]
        services.thread_restore(actor=request.user, community=community, **data)
        thread.refresh_from_db()
        return Response(ThreadStateSerializer(thread).data)

    @extend_schema(request=ReplyTargetSerializer, responses=ReplyStateSerializer)
    @action(detail=True, methods=["post"], url_path="replies/remove")
    def remove_reply(self, request, slug=None):
        """Remove a reply in one of the community's discussions, with a reason sent to its
        author. Safe to repeat."""
        community = self.get_object()
        data = self._input(ReplyTargetSerializer)
        reply = data["reply"]
        services.reply_remove(actor=request.user, community=community, **data)
        reply.refresh_from_db()
        return Response(ReplyStateSerializer(reply).data)

    @extend_schema(request=ReplyTargetSerializer, responses=ReplyStateSerializer)
    @action(detail=True, methods=["post"], url_path="replies/restore")
    def restore_reply(self, request, slug=None):
        """Show a removed reply again. Safe to repeat."""
        community = self.get_object()
        data = self._input(ReplyTargetSerializer)
        reply = data["reply"]
        services.reply_restore(actor=request.user, community=community, **data)
        reply.refresh_from_db()
        return Response(ReplyStateSerializer(reply).data)

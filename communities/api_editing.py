"""Editing and deleting one's own posts, threads and thread messages through the API: PATCH and
DELETE on the existing endpoints. The viewsets of communities/api.py take these mixins; the
services check who may (the author; site staff may also edit a post), so the API refuses as the
pages do: 403, or 404 for content in a private community the caller cannot see."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response

from communities import services
from communities.models import Post


class PostUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=8, required=False
    )
    status = serializers.ChoiceField(choices=Post.Status.choices, required=False)


class ThreadUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)


class ReplyUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, help_text="Markdown.")


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

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()  # type: ignore[attr-defined]
        data = self.update_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = self._edit(request, obj, dict(data.validated_data))
        fresh = self.get_queryset().get(pk=obj.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(fresh).data)  # type: ignore[attr-defined]

    def destroy(self, request, *args, **kwargs):
        self._delete(request, self.get_object())  # type: ignore[attr-defined]
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostEditing(_Editing):
    update_serializer = PostUpdateSerializer

    @extend_schema(request=PostUpdateSerializer, filters=False)
    def partial_update(self, request, *args, **kwargs):
        """Edit your post (title, details, tags, open or solved). New words are kept as a
        version in its history and the post is matched again."""
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={204: None}, filters=False)
    def destroy(self, request, *args, **kwargs):
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
    def partial_update(self, request, *args, **kwargs):
        """Rename your discussion."""
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={204: None}, filters=False)
    def destroy(self, request, *args, **kwargs):
        """Delete your discussion, with every message in it."""
        return super().destroy(request, *args, **kwargs)

    def _edit(self, request, obj, fields):
        return services.thread_edit(actor=request.user, thread=obj, **fields)

    def _delete(self, request, obj):
        services.thread_delete(actor=request.user, thread=obj)


class ReplyEditing(_Editing):
    update_serializer = ReplyUpdateSerializer

    @extend_schema(request=ReplyUpdateSerializer, filters=False)
    def partial_update(self, request, *args, **kwargs):
        """Edit your message; moderators can see earlier versions."""
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={204: None}, filters=False)
    def destroy(self, request, *args, **kwargs):
        """Delete your message."""
        return super().destroy(request, *args, **kwargs)

    def _edit(self, request, obj, fields):
        return services.reply_edit(actor=request.user, reply=obj, **fields)

    def _delete(self, request, obj):
        services.reply_delete(actor=request.user, reply=obj)

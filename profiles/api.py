"""API for people: a token and one's notifications. One's own profile and settings (/api/me/)
show one's interests, which are tags: communities.api.MeView serves them."""

from __future__ import annotations

from allauth.core.internal import ratelimit
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.ratelimit import RateLimited, rate_limit
from profiles import selectors, services
from profiles.models import Notification


class TokenRequestSerializer(AuthTokenSerializer):
    """Username and password; a person banned from the site is told why and until when."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        ban = selectors.site_ban_of(attrs["user"])
        if ban is not None:
            raise serializers.ValidationError(
                f"This account is banned from the site {ban.until_text}: {ban.reason}",
                code="banned",
            )
        return attrs


class ObtainTokenView(ObtainAuthToken):
    """POST username and password; returns the API token to send as `Authorization: Token <key>`.

    Failed attempts count against the same lockout as the log-in page (allauth's `login_failed`
    limit, per account and per address), so the API is no way around it; too many answer 429."""

    # ObtainAuthToken names its own parsers; ours limit size and nesting (core/parsers.py).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    serializer_class = TokenRequestSerializer

    def post(self, request, *args, **kwargs):
        rate_limit(action="api_login", key=request.META.get("REMOTE_ADDR", ""))
        data = request.data if hasattr(request.data, "get") else {}
        username = str(data.get("username", ""))[:150].lower()
        usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed", key=username
        )
        if not usage:
            raise RateLimited(action="login", retry_after=5 * 60)
        response = super().post(request, *args, **kwargs)
        usage.rollback()  # only failures count
        return response


class NotificationSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "url", "actor", "created_at", "read", "read_at"]

    def get_actor(self, notification: Notification) -> str | None:
        return notification.actor.public_name if notification.actor_id else None

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        allow_empty=True,
        max_length=100,
        help_text="The notifications to mark read; leave out to mark all of them read.",
    )


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """One's notifications, newest first."""

    queryset = Notification.objects.none()  # for the schema; get_queryset picks the caller's
    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = None
    ordering_fields = ["created_at"]

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="Only the notifications not read yet.")
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        queryset = selectors.notification_list(user=self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(
        request=MarkReadSerializer,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        """Mark some (``ids``) or all notifications read. Safe to repeat."""
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data.get("ids")
        marked = services.notifications_mark_read(user=request.user, ids=ids)
        return Response({"marked": marked})

"""API for people: tokens (made, listed, revoked) and one's notifications. One's own profile and
settings (/api/me/) show one's interests, which are tags: communities.api.MeView serves them."""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.utils import has_verified_email
from django import forms
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.client import client_key
from core.ratelimit import rate_limit
from profiles import selectors, services
from profiles.models import ApiToken, Notification


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=254, help_text="Your username or your email address."
    )
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    name = serializers.CharField(
        max_length=80,
        required=False,
        allow_blank=True,
        help_text="What the token is for, to tell it apart on the tokens page.",
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created", "expiry"]
        read_only_fields = ["created", "expiry"]


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.SerializerMethodField(
        help_text="The key, shown this once: send it as `Authorization: Token <key>`."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]

    def get_token(self, token: ApiToken) -> str:
        return self.context["key"]


def _authenticate(request, login: str, password: str):
    """The account for these credentials, through the same lockout as the log-in page (one
    counter per account, by username or email). Locked: 429 with the real Retry-After."""
    credentials = {"email": login} if "@" in login else {"username": login}
    try:
        return get_adapter(request).authenticate(request, password=password, **credentials)
    except forms.ValidationError as error:
        locked = getattr(request, "login_locked", None)
        if locked is None:
            raise exceptions.ValidationError({"non_field_errors": error.messages}) from error
        raise exceptions.Throttled(wait=locked.retry_after, detail=str(locked)) from error


class ObtainTokenView(APIView):
    """POST your username (or email address) and password; returns a new API token to send as
    `Authorization: Token <key>`, named as you say, expiring after `KINDRED_TOKEN_DAYS` days.

    Failed attempts count against the same lockout as the log-in page (per account, from any
    door), so the API is no way around it: locked, it answers 429 with Retry-After. An account
    whose email address is not verified yet gets no token where the site requires verification
    (403, with the reason)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    # Ours limit size and nesting (core/parsers.py).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: NewApiTokenSerializer},
        filters=False,
    )
    def post(self, request, *args, **kwargs):
        rate_limit(action="api_login", key=client_key(request))
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = _authenticate(
            request._request, data.validated_data["username"], data.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise exceptions.ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        ban = selectors.site_ban_of(user)
        if ban is not None:  # told only once the password was right, as on the log-in page
            raise exceptions.ValidationError(
                {
                    "non_field_errors": [
                        f"This account is banned from the site {ban.until_text}: {ban.reason}"
                    ]
                },
                code="banned",
            )
        verification = account_settings.EMAIL_VERIFICATION
        if verification == "mandatory" and not has_verified_email(user):
            raise exceptions.PermissionDenied(
                "Verify your email address first: follow the link in the mail we sent you "
                "(log in on the site to have it sent again), then ask for a token again."
            )
        name = data.validated_data.get("name") or "Token from the API"
        token, key = services.token_create(actor=user, name=name)
        return Response(NewApiTokenSerializer(token, context={"key": key}).data)


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One's API tokens: list them, make one (its key is in the answer, once), revoke one."""

    queryset = ApiToken.objects.none()  # for the schema; get_queryset picks the caller's
    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    filterset_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.token_list(user=self.request.user)

    @extend_schema(responses={201: NewApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        data = ApiTokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.token_create(actor=request.user, name=data.validated_data["name"])
        return Response(NewApiTokenSerializer(token, context={"key": key}).data, status=201)

    def perform_destroy(self, instance):
        services.token_revoke(actor=self.request.user, token=instance)


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

"""API for people: tokens (made, listed, revoked), one's notifications, and direct messages (one's
conversations, a conversation's messages, which reading marks read, and sending one; who may write
to whom: profiles.permissions). One's own profile and settings (/api/me/) show one's interests,
which are tags: communities.api.MeView serves them."""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.utils import has_verified_email
from django import forms
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.client import client_key
from core.ratelimit import rate_limit
from profiles import selectors, services
from profiles.api.serializers import (
    ApiTokenSerializer,
    ConversationSerializer,
    MarkReadSerializer,
    MessageInSerializer,
    MessageSerializer,
    NewApiTokenSerializer,
    NewConversationSerializer,
    NotificationSerializer,
    TokenRequestSerializer,
)
from profiles.models import ApiToken, Conversation, Notification
from profiles.permissions import signed_in


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
        return selectors.token_list(user=signed_in(self.request.user))

    @extend_schema(responses={201: NewApiTokenSerializer})
    def create(self, request, *args, **kwargs):
        data = ApiTokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.token_create(actor=request.user, name=data.validated_data["name"])
        return Response(NewApiTokenSerializer(token, context={"key": key}).data, status=201)

    def perform_destroy(self, instance):
        services.token_revoke(actor=signed_in(self.request.user), token=instance)


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
        queryset = selectors.notification_list(user=signed_in(self.request.user))
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


class ConversationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """One's direct conversations, the latest first. Only the two people in a conversation see
    it (anyone else's answers 404)."""

    queryset = Conversation.objects.none()  # for the schema; get_queryset picks the caller's
    serializer_class = ConversationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        return selectors.conversation_list(user=signed_in(self.request.user))

    def _body(self, serializer_class) -> dict:
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(request=NewConversationSerializer, responses={201: MessageSerializer})
    def create(self, request, *args, **kwargs):
        """Write to someone: the message goes into your conversation with them (started if
        needed). 403 with the reason when they cannot take messages from you; 429 with
        Retry-After when you write too often (new accounts have lower limits)."""
        data = self._body(NewConversationSerializer)
        message = services.message_send(
            sender=request.user, recipient=data["to"], body=data["body"]
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MessageSerializer(many=True))
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        """The conversation's messages, newest first. Reading them marks those sent to you
        read."""
        conversation = self.get_object()
        services.conversation_mark_read(user=request.user, conversation=conversation)
        rows = selectors.message_list(conversation=conversation).order_by("-created_at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(request=MessageInSerializer, responses={201: MessageSerializer})
    @messages.mapping.post
    def send(self, request, pk=None):
        """Send a message in this conversation (403 with the reason when you may not)."""
        conversation = self.get_object()
        data = self._body(MessageInSerializer)
        message = services.message_send(
            sender=request.user, recipient=conversation.other(request.user), body=data["body"]
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

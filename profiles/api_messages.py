"""API for direct messages: one's conversations, a conversation's messages (reading them marks
them read), and sending one. Who may write to whom: profiles.conversations."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from profiles import conversations, selectors
from profiles.conversations import MESSAGE_MAX_LENGTH
from profiles.models import Conversation, Message, User


class PersonRefSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="public_name")


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.SlugRelatedField(slug_field="username", read_only=True)
    body = serializers.SerializerMethodField(help_text="Null when a moderator removed it.")
    removed = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField(help_text="Whether the recipient has read it.")

    class Meta:
        model = Message
        fields = ["id", "conversation", "sender", "body", "created_at", "read", "removed"]

    def get_body(self, message: Message) -> str | None:
        return None if message.removed_at else message.body

    def get_removed(self, message: Message) -> bool:
        return message.removed_at is not None

    def get_read(self, message: Message) -> bool:
        return message.read_at is not None


class ConversationSerializer(serializers.ModelSerializer):
    other = serializers.SerializerMethodField(help_text="The other person.")
    unread = serializers.SerializerMethodField(help_text="Messages to you not read yet.")
    last_message = serializers.SerializerMethodField(help_text="Null when removed.")

    class Meta:
        model = Conversation
        fields = ["id", "other", "last_message_at", "unread", "last_message"]

    @extend_schema(responses=PersonRefSerializer)
    def get_other(self, conversation: Conversation) -> dict:
        return PersonRefSerializer(conversation.other(self.context["request"].user)).data

    def get_unread(self, conversation: Conversation) -> int:
        return int(getattr(conversation, "unread", 0) or 0)

    def get_last_message(self, conversation: Conversation) -> str | None:
        return None if getattr(conversation, "last_removed", None) else conversation.last_body


class MessageInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, trim_whitespace=True)


class NewConversationSerializer(MessageInSerializer):
    to = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        help_text="The username of the person to write to.",
    )


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
        return selectors.conversation_list(user=self.request.user)

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
        message = conversations.message_send(
            sender=request.user, recipient=data["to"], body=data["body"]
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MessageSerializer(many=True))
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        """The conversation's messages, newest first. Reading them marks those sent to you
        read."""
        conversation = self.get_object()
        conversations.conversation_mark_read(user=request.user, conversation=conversation)
        rows = selectors.message_list(conversation=conversation).order_by("-created_at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(request=MessageInSerializer, responses={201: MessageSerializer})
    @messages.mapping.post
    def send(self, request, pk=None):
        """Send a message in this conversation (403 with the reason when you may not)."""
        conversation = self.get_object()
        data = self._body(MessageInSerializer)
        message = conversations.message_send(
            sender=request.user, recipient=conversation.other(request.user), body=data["body"]
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

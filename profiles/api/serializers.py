"""The API's serializers for people: tokens, notifications, conversations and messages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from profiles.models import MESSAGE_MAX_LENGTH, ApiToken, Conversation, Message, Notification, User


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


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="text", read_only=True)
    actor = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "url", "actor", "created_at", "read", "read_at"]

    def get_actor(self, notification: Notification) -> str | None:
        actor = notification.actor
        return actor.public_name if actor is not None and actor.is_active else None

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


class PersonRefSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="public_name")


class MessageSerializer(serializers.ModelSerializer):
    sender: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
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
        return (
            None
            if getattr(conversation, "last_removed", None)
            else getattr(conversation, "last_body", None)
        )


class MessageInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MESSAGE_MAX_LENGTH, trim_whitespace=True)


class NewConversationSerializer(MessageInSerializer):
    to = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        help_text="The username of the person to write to.",
    )

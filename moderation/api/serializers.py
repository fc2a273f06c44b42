"""The moderators' API: what goes in and what comes out."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communities import selectors as community_selectors
from communities.models import Area, Community, Membership, Placement, Post, Reply, Thread
from communities.services import AREA_NAME_MAX_LENGTH
from matching.models import MatcherSuggestion
from moderation.models import REASON_MAX_LENGTH, REPORT_TARGETS, ModerationAction, Report
from moderation.permissions import NO_SUCH_AREA
from moderation.selectors import PERSONAL_VERBS, SOMEONE
from profiles.models import User

MAX_ID = 2**63 - 1


class ObjectIdField(serializers.PrimaryKeyRelatedField):
    """A primary key that answers 400, never 500, for an id the database cannot hold."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            value = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < value <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(value)


def _user_field(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), **kwargs
    )


def _reason_field(*, required: bool = False) -> serializers.CharField:
    if required:
        return serializers.CharField(
            max_length=REASON_MAX_LENGTH, help_text="Why; shown to the person."
        )
    return serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


# -- output --------------------------------------------------------------------------------------


def _community_slug_out(**kwargs: Any) -> serializers.SlugRelatedField[Community]:
    return serializers.SlugRelatedField(slug_field="slug", read_only=True, **kwargs)


def _username_out(**kwargs: Any) -> serializers.SlugRelatedField[User]:
    return serializers.SlugRelatedField(slug_field="username", read_only=True, **kwargs)


class ModerationActionSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    community = _community_slug_out(allow_null=True)
    verb_display = serializers.CharField(source="get_verb_display", read_only=True)
    target_type = serializers.CharField(source="target_type.model", read_only=True)
    details = serializers.SerializerMethodField()

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "community",
            "actor",
            "verb",
            "verb_display",
            "target_type",
            "target_id",
            "target_repr",
            "reason",
            "details",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: ModerationAction) -> dict:
        """As moderation.selectors.log_lines says it to this reader (``context["lines"]``, by
        entry id): the public version names nobody a decision about a person affected, nor why,
        and calls content by what it is called now; no version names a community the reader may
        not see. Without lines (an action's answer to the moderator who took it), as stored."""
        data = super().to_representation(instance)
        line = self.context.get("lines", {}).get(instance.pk)
        if line is not None:
            data.update(target_repr=line.target, reason=line.reason)
            if line.target_hidden:
                data["target_id"] = ""
            if line.community_hidden:
                data["community"] = None
            if self.context.get("private"):
                data["details"] = line.data
        elif not self.context.get("private") and instance.verb in PERSONAL_VERBS:
            data.update(target_id="", target_repr=SOMEONE, reason="")
        return data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, obj: ModerationAction) -> str | None:
        return obj.actor.username if obj.actor is not None else None

    @extend_schema_field(
        serializers.DictField(
            allow_null=True, help_text="Private details; null in the public version of the log."
        )
    )
    def get_details(self, obj: ModerationAction) -> dict | None:
        return obj.details if self.context.get("private") else None


class MembershipStateSerializer(serializers.ModelSerializer):
    user = _username_out()
    community = _community_slug_out()

    class Meta:
        model = Membership
        fields = [
            "user",
            "community",
            "role",
            "state",
            "banned_until",
            "join_message",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PlacementStateSerializer(serializers.ModelSerializer):
    community = _community_slug_out()

    class Meta:
        model = Placement
        fields = ["post", "community", "placed_by", "pinned", "score", "reason"]
        read_only_fields = fields


class ThreadStateSerializer(serializers.ModelSerializer):
    community = _community_slug_out()

    class Meta:
        model = Thread
        fields = ["id", "community", "title", "status", "locked", "pinned"]
        read_only_fields = fields


class ReplyStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reply
        fields = ["id", "thread", "post", "status"]
        read_only_fields = fields


class PostStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "status", "moderation_status"]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    reporter = _username_out()
    community = _community_slug_out(allow_null=True)
    target_type = serializers.CharField(source="target_type.model", read_only=True)
    decided_by = _username_out(allow_null=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "reporter",
            "community",
            "target_type",
            "target_id",
            "reason",
            "decision",
            "decided_by",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class MatcherSuggestionSerializer(serializers.ModelSerializer):
    community = _community_slug_out()
    other_community = _community_slug_out(allow_null=True)
    post_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = MatcherSuggestion
        fields = [
            "id",
            "run",
            "kind",
            "state",
            "community",
            "other_community",
            "post_ids",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


# -- input ---------------------------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    reason = _reason_field()


class RequiredReasonSerializer(serializers.Serializer):
    reason = _reason_field(required=True)


class PersonSerializer(serializers.Serializer):
    user = _user_field(help_text="The person's username.")
    reason = _reason_field()


class PersonWithReasonSerializer(serializers.Serializer):
    user = _user_field(help_text="The person's username.")
    reason = _reason_field(required=True)


class BanSerializer(serializers.Serializer):
    user = _user_field(help_text="The person's username.")
    reason = _reason_field(required=True)
    until = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Empty for a lasting ban."
    )


class PostTargetSerializer(serializers.Serializer):
    post = ObjectIdField(queryset=Post.objects.all())
    reason = _reason_field()


class PostRemoveSerializer(serializers.Serializer):
    post = ObjectIdField(queryset=Post.objects.all())
    reason = _reason_field(required=True)


class PostMoveSerializer(serializers.Serializer):
    post = ObjectIdField(queryset=Post.objects.all())
    destination = serializers.SlugRelatedField(
        slug_field="slug", queryset=Community.objects.all(), help_text="The community's slug."
    )
    reason = _reason_field(required=True)


class PostPinSerializer(serializers.Serializer):
    post = ObjectIdField(queryset=Post.objects.all())
    pinned = serializers.BooleanField(default=True)
    reason = _reason_field()


class ThreadTargetSerializer(serializers.Serializer):
    thread = ObjectIdField(queryset=Thread.objects.all())
    reason = _reason_field()


class ThreadPinSerializer(ThreadTargetSerializer):
    pinned = serializers.BooleanField(default=True)


class ThreadLockSerializer(ThreadTargetSerializer):
    locked = serializers.BooleanField(default=True)


class ReplyTargetSerializer(serializers.Serializer):
    reply = ObjectIdField(queryset=Reply.objects.all())
    reason = _reason_field()


class CharterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    purpose = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    rules = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=8, required=False
    )
    reason = _reason_field()


class JoinPolicySerializer(serializers.Serializer):
    join_policy = serializers.ChoiceField(
        choices=Community.JoinPolicy.choices, help_text="open, approval or invite."
    )
    reason = _reason_field()


# A moderator's merge of this community into another (not a members' merge proposal).
class MergeSerializer(serializers.Serializer):
    into = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Community.objects.all(),
        help_text="The slug of the community this one merges into.",
    )
    reason = _reason_field(required=True)


@extend_schema_field({"type": "string", "nullable": True})
class VisibleAreaField(serializers.SlugRelatedField):
    """An area by its slug, among those the caller may see (``context["viewer"]``): one hidden
    from them is refused in the same words as one that does not exist."""

    default_error_messages = {
        "does_not_exist": NO_SUCH_AREA,
        "invalid": NO_SUCH_AREA,
    }

    def get_queryset(self):
        viewer = self.context.get("viewer")
        if viewer is None:
            return Area.objects.none()
        return community_selectors.area_list(viewer=viewer)


class AreaMoveSerializer(serializers.Serializer):
    """Expects ``context={"viewer": request.user}``: only the areas they may see are taken."""

    area = VisibleAreaField(
        slug_field="slug",
        allow_null=True,
        required=False,
        help_text="The slug of the area to move to (one you may see); null for no area.",
    )
    new_area_name = serializers.CharField(
        max_length=AREA_NAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="Instead of area: the name of a new area (an area of that name you may see "
        "is used if there is one).",
    )
    reason = _reason_field(required=True)

    def validate(self, attrs):
        if attrs["new_area_name"].strip():
            if "area" in attrs:
                raise serializers.ValidationError("Give either area or new_area_name, not both.")
            attrs["area"] = None
        elif "area" not in attrs:
            raise serializers.ValidationError(
                {"area": ["Give the area's slug (null for none), or new_area_name."]}
            )
        return attrs


class AreaRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=AREA_NAME_MAX_LENGTH)
    reason = _reason_field()


class SplitSerializer(serializers.Serializer):
    posts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=500
    )
    name = serializers.CharField(max_length=120)
    purpose = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    reason = _reason_field(required=True)


# Approving a proposed community (a member's charter Proposal is communities' own).
class ProposedCommunityApproveSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, help_text="Rename it as well.")
    reason = _reason_field()


class ReportCreateSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=sorted(REPORT_TARGETS))
    target_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    community = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Community.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="For a post: the community where you saw it.",
    )
    reason = _reason_field(required=True)


class ReportDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["uphold", "dismiss"])
    reason = _reason_field()


class SuggestionAcceptSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=120, required=False, default="", help_text="For a split: the new name."
    )
    reason = _reason_field()


class SiteBanStateSerializer(serializers.Serializer):
    """A person's site-wide ban as it stands."""

    user = serializers.CharField(help_text="The person's username.")
    banned = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    until = serializers.DateTimeField(allow_null=True, help_text="Null: for good (or not banned).")

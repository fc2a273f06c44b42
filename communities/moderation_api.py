"""The moderators' API: every action of the review queue and the moderation log.

Views are thin: they parse the request, call one service or selector and serialize. The services
decide who may act (the same `rules` predicates as the pages), so a private community answers 404
to outsiders and 403 to members who do not moderate it. A merge that lost a race answers 409; too
many reports in a row, 429 with Retry-After.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from communities import moderation, moderation_selectors, selectors
from communities.api import CommunitySerializer
from communities.models import (
    Community,
    Membership,
    ModerationAction,
    Placement,
    Post,
    Reply,
    Report,
    Thread,
)
from communities.permissions import (
    check_moderate_community,
    check_moderate_site,
    check_own_community,
    check_view_community,
)
from core.ratelimit import rate_limit
from matching.api import MatchRunSerializer
from matching.models import MatcherSuggestion, MatchRun
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
        return serializers.CharField(max_length=2000, help_text="Why; shown to the person.")
    return serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# -- output --------------------------------------------------------------------------------------


class ModerationActionSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
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

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, obj: ModerationAction) -> str | None:
        return obj.actor.username if obj.actor_id else None

    @extend_schema_field(
        serializers.DictField(
            allow_null=True, help_text="Private details; null in the public version of the log."
        )
    )
    def get_details(self, obj: ModerationAction) -> dict | None:
        return obj.details if self.context.get("private") else None


class MembershipStateSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "community", "role", "state", "banned_until", "created_at", "updated_at"]
        read_only_fields = fields


class PlacementStateSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Placement
        fields = ["post", "community", "placed_by", "pinned", "score", "reason"]
        read_only_fields = fields


class ThreadStateSerializer(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)

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
    reporter = serializers.SlugRelatedField(slug_field="username", read_only=True)
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    target_type = serializers.CharField(source="target_type.model", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

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
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    other_community = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
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


class MergeSerializer(serializers.Serializer):
    into = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Community.objects.all(),
        help_text="The slug of the community this one merges into.",
    )
    reason = _reason_field(required=True)


class SplitSerializer(serializers.Serializer):
    posts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=500
    )
    name = serializers.CharField(max_length=120)
    purpose = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    reason = _reason_field(required=True)


class ProposalApproveSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, help_text="Rename it as well.")
    reason = _reason_field()


class ReportCreateSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=sorted(moderation.REPORT_TARGETS))
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


# -- views ---------------------------------------------------------------------------------------

NO_CONTENT = OpenApiResponse(description="Nothing to do: it was already so.")


def _community_out(request, community: Community) -> dict:
    community = selectors.community_list(viewer=request.user).get(pk=community.pk)
    return CommunitySerializer(community).data


class ModerationViewSetMixin:
    permission_classes = [permissions.AllowAny]  # the services decide, as on the pages
    filter_backends: list = []

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def _page(self, queryset, serializer_class, **context):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=context).data
        return self.get_paginated_response(data)


class CommunityModerationViewSet(ModerationViewSetMixin, viewsets.GenericViewSet):
    """A community's review queue, moderation log and every moderator's action."""

    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    serializer_class = ModerationActionSerializer

    def get_queryset(self):
        return Community.objects.all()

    def get_object(self) -> Community:
        return get_object_or_404(Community, slug=self.kwargs["slug"])

    # reads

    @extend_schema(responses=ModerationActionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def log(self, request, slug=None):
        """The moderation log: in full (with private details) for the community's moderators;
        the public version for everyone else who can see the community."""
        community = self.get_object()
        check_view_community(request.user, community)
        private = request.user.has_perm("communities.moderate_community", community)
        rows = moderation_selectors.moderation_log(community=community)
        return self._page(rows, ModerationActionSerializer, private=private)

    def _moderated(self) -> Community:
        community = self.get_object()
        check_moderate_community(self.request.user, community)
        return community

    @extend_schema(responses=MembershipStateSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="join-requests")
    def join_requests(self, request, slug=None):
        """People waiting to be let in (moderators)."""
        rows = moderation_selectors.join_request_list(community=self._moderated())
        return self._page(rows, MembershipStateSerializer)

    @extend_schema(responses=MembershipStateSerializer(many=True))
    @action(detail=True, methods=["get"])
    def bans(self, request, slug=None):
        """People banned from the community (moderators)."""
        rows = moderation_selectors.banned_list(community=self._moderated())
        return self._page(rows, MembershipStateSerializer)

    @extend_schema(responses=MembershipStateSerializer(many=True))
    @action(detail=True, methods=["get"])
    def moderators(self, request, slug=None):
        """The community's owners and moderators (moderators)."""
        rows = moderation_selectors.moderator_list(community=self._moderated())
        return self._page(rows, MembershipStateSerializer)

    @extend_schema(responses=ReportSerializer(many=True))
    @action(detail=True, methods=["get"])
    def reports(self, request, slug=None):
        """Pending reports this community's moderators decide."""
        rows = moderation_selectors.report_queue(community=self._moderated())
        return self._page(rows, ReportSerializer)

    @extend_schema(responses=MatcherSuggestionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def suggestions(self, request, slug=None):
        """Open merges and splits the matcher suggests for this community."""
        rows = moderation_selectors.suggestion_queue(community=self._moderated())
        return self._page(rows, MatcherSuggestionSerializer)

    # join requests

    @extend_schema(request=PersonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="join-requests/approve")
    def approve_join(self, request, slug=None):
        """Let someone who asked in. Safe to repeat."""
        data = self._input(PersonSerializer)
        membership = moderation.membership_request_approve(
            actor=request.user, community=self.get_object(), **data
        )
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=PersonWithReasonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="join-requests/reject")
    def reject_join(self, request, slug=None):
        """Turn a request down, with a reason sent to the person. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(PersonWithReasonSerializer)
        membership = moderation.membership_request_reject(
            actor=request.user, community=community, **data
        )
        return Response(MembershipStateSerializer(membership).data)

    # posts

    @extend_schema(request=PostRemoveSerializer, responses=ModerationActionSerializer)
    @action(detail=True, methods=["post"], url_path="posts/remove")
    def remove_post(self, request, slug=None):
        """Take a post out of the community, with a reason sent to its author; the matcher
        keeps it out from now on. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(PostRemoveSerializer)
        done = moderation.post_remove(actor=request.user, community=community, **data)
        return Response(ModerationActionSerializer(done, context={"private": True}).data)

    @extend_schema(
        request=PostTargetSerializer, responses={200: ModerationActionSerializer, 204: NO_CONTENT}
    )
    @action(detail=True, methods=["post"], url_path="posts/restore")
    def restore_post(self, request, slug=None):
        """Put a removed post back. Safe to repeat (204 when it is already there)."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(PostTargetSerializer)
        done = moderation.post_restore(actor=request.user, community=community, **data)
        if done is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ModerationActionSerializer(done, context={"private": True}).data)

    @extend_schema(request=PostMoveSerializer, responses=PlacementStateSerializer)
    @action(detail=True, methods=["post"], url_path="posts/move")
    def move_post(self, request, slug=None):
        """Move a post to another community you moderate. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(PostMoveSerializer)
        placement = moderation.post_move(actor=request.user, source=community, **data)
        return Response(PlacementStateSerializer(placement).data)

    @extend_schema(request=PostPinSerializer, responses=PlacementStateSerializer)
    @action(detail=True, methods=["post"], url_path="posts/pin")
    def pin_post(self, request, slug=None):
        """Pin a post to the top of the community, or unpin it (`pinned: false`)."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(PostPinSerializer)
        placement = moderation.placement_pin(actor=request.user, community=community, **data)
        return Response(PlacementStateSerializer(placement).data)

    # threads and replies

    def _thread(self, community: Community, thread: Thread) -> Thread:
        if thread.community_id != community.pk:
            raise serializers.ValidationError({"thread": ["Not a discussion of this community."]})
        return thread

    def _reply(self, community: Community, reply: Reply) -> Reply:
        if reply.thread is None or reply.thread.community_id != community.pk:
            raise serializers.ValidationError({"reply": ["Not a reply in this community."]})
        return reply

    @extend_schema(request=ThreadPinSerializer, responses=ThreadStateSerializer)
    @action(detail=True, methods=["post"], url_path="threads/pin")
    def pin_thread(self, request, slug=None):
        """Pin a discussion, or unpin it (`pinned: false`). Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(ThreadPinSerializer)
        thread = self._thread(community, data.pop("thread"))
        thread = moderation.thread_pin(actor=request.user, thread=thread, **data)
        return Response(ThreadStateSerializer(thread).data)

    @extend_schema(request=ThreadLockSerializer, responses=ThreadStateSerializer)
    @action(detail=True, methods=["post"], url_path="threads/lock")
    def lock_thread(self, request, slug=None):
        """Lock a discussion against new replies, or unlock it (`locked: false`)."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(ThreadLockSerializer)
        thread = self._thread(community, data.pop("thread"))
        thread = moderation.thread_lock(actor=request.user, thread=thread, **data)
        return Response(ThreadStateSerializer(thread).data)

    @extend_schema(request=ThreadTargetSerializer, responses=ThreadStateSerializer)
    @action(detail=True, methods=["post"], url_path="threads/remove")
    def remove_thread(self, request, slug=None):
        """Remove a discussion, with a reason sent to its author. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(ThreadTargetSerializer)
        thread = self._thread(community, data["thread"])
        moderation.thread_remove(actor=request.user, thread=thread, reason=data["reason"])
        thread.refresh_from_db()
        return Response(ThreadStateSerializer(thread).data)

    @extend_schema(request=ThreadTargetSerializer, responses=ThreadStateSerializer)
    @action(detail=True, methods=["post"], url_path="threads/restore")
    def restore_thread(self, request, slug=None):
        """Show a removed discussion again. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(ThreadTargetSerializer)
        thread = self._thread(community, data["thread"])
        moderation.thread_restore(actor=request.user, thread=thread, reason=data["reason"])
        thread.refresh_from_db()
        return Response(ThreadStateSerializer(thread).data)

    @extend_schema(request=ReplyTargetSerializer, responses=ReplyStateSerializer)
    @action(detail=True, methods=["post"], url_path="replies/remove")
    def remove_reply(self, request, slug=None):
        """Remove a reply in one of the community's discussions, with a reason sent to its
        author. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(ReplyTargetSerializer)
        reply = self._reply(community, data["reply"])
        moderation.reply_remove(actor=request.user, reply=reply, reason=data["reason"])
        reply.refresh_from_db()
        return Response(ReplyStateSerializer(reply).data)

    @extend_schema(request=ReplyTargetSerializer, responses=ReplyStateSerializer)
    @action(detail=True, methods=["post"], url_path="replies/restore")
    def restore_reply(self, request, slug=None):
        """Show a removed reply again. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(ReplyTargetSerializer)
        reply = self._reply(community, data["reply"])
        moderation.reply_restore(actor=request.user, reply=reply, reason=data["reason"])
        reply.refresh_from_db()
        return Response(ReplyStateSerializer(reply).data)

    # the community

    @extend_schema(request=CharterSerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"])
    def charter(self, request, slug=None):
        """Edit the name, purpose, rules or tags directly; a charter revision is recorded."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(CharterSerializer)
        community = moderation.community_charter_edit(
            actor=request.user, community=community, **data
        )
        return Response(_community_out(request, community))

    @extend_schema(request=MergeSerializer, responses=ModerationActionSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, slug=None):
        """Merge this community into another (you moderate both): members, posts and
        discussions move and this address redirects. Of two moderators racing, the second gets
        409."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(MergeSerializer)
        done = moderation.community_merge(
            actor=request.user, source=community, target=data["into"], reason=data["reason"]
        )
        return Response(ModerationActionSerializer(done, context={"private": True}).data)

    @extend_schema(request=SplitSerializer, responses={201: CommunitySerializer})
    @action(detail=True, methods=["post"])
    def split(self, request, slug=None):
        """Make a new community of some of this community's posts. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(SplitSerializer)
        new = moderation.community_split(
            actor=request.user,
            community=community,
            post_ids=data["posts"],
            name=data["name"],
            purpose=data["purpose"],
            reason=data["reason"],
        )
        return Response(_community_out(request, new), status=status.HTTP_201_CREATED)

    @extend_schema(request=RequiredReasonSerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, slug=None):
        """Archive the community. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(RequiredReasonSerializer)
        community = moderation.community_archive(actor=request.user, community=community, **data)
        return Response(_community_out(request, community))

    @extend_schema(request=ProposalApproveSerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"], url_path="proposal/approve")
    def approve_proposal(self, request, slug=None):
        """Make a community the matcher proposed active now (optionally renamed)."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(ProposalApproveSerializer)
        community = moderation.community_proposal_approve(
            actor=request.user, community=community, **data
        )
        return Response(_community_out(request, community))

    @extend_schema(request=RequiredReasonSerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"], url_path="proposal/reject")
    def reject_proposal(self, request, slug=None):
        """Turn down a community the matcher proposed; it is archived."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(RequiredReasonSerializer)
        community = moderation.community_proposal_reject(
            actor=request.user, community=community, **data
        )
        return Response(_community_out(request, community))

    # people

    @extend_schema(request=BanSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="bans/add")
    def ban(self, request, slug=None):
        """Ban someone, until a time or for good; every service refuses them here from now on."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(BanSerializer)
        membership = moderation.membership_ban(actor=request.user, community=community, **data)
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=PersonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="bans/lift")
    def unban(self, request, slug=None):
        """Lift a ban. Safe to repeat."""
        community = self.get_object()
        check_moderate_community(request.user, community)
        data = self._input(PersonSerializer)
        membership = moderation.membership_unban(actor=request.user, community=community, **data)
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=PersonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="moderators/appoint")
    def appoint(self, request, slug=None):
        """Make an active member a moderator (owners and staff). Safe to repeat."""
        community = self.get_object()
        check_own_community(request.user, community)
        data = self._input(PersonSerializer)
        membership = moderation.moderator_appoint(actor=request.user, community=community, **data)
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=PersonSerializer, responses=MembershipStateSerializer)
    @action(detail=True, methods=["post"], url_path="moderators/remove")
    def remove_moderator(self, request, slug=None):
        """Make a moderator a member again (owners and staff). Safe to repeat."""
        community = self.get_object()
        check_own_community(request.user, community)
        data = self._input(PersonSerializer)
        membership = moderation.moderator_remove(actor=request.user, community=community, **data)
        return Response(MembershipStateSerializer(membership).data)

    @extend_schema(request=None, responses={201: MatchRunSerializer, 200: MatchRunSerializer})
    @action(detail=True, methods=["post"], url_path="match-run")
    def match_run(self, request, slug=None):
        """Start a full match run (or get the one under way); follow it at
        /api/match-runs/{id}/."""
        run = moderation.match_run_start(actor=request.user, community=self.get_object())
        created = run.requested_by_id == request.user.pk and run.status == MatchRun.Status.QUEUED
        return Response(
            MatchRunSerializer(run).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ReportViewSet(
    ModerationViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Reports: anyone signed in reports a post, reply, discussion or community, once each."""

    serializer_class = ReportSerializer

    def get_queryset(self):
        if self.action == "decide":  # the service answers 403 or 404 by the report's community
            return Report.objects.select_related("community")
        return moderation_selectors.report_list(viewer=self.request.user)

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer})
    def create(self, request, *args, **kwargs):
        """Report something, with a reason. Once per person and target: a repeat returns the
        first report. Enough reports from different people hide the content until a moderator
        decides."""
        data = self._input(ReportCreateSerializer)
        model = moderation.REPORT_TARGETS[data["target_type"]]
        target = model._default_manager.filter(pk=data["target_id"]).first()
        if target is None:
            return Response({"detail": "Nothing to report there."}, status=404)
        if request.user.is_authenticated:
            rate_limit(action="report", user=request.user)
        report = moderation.report_create(
            reporter=request.user, target=target, community=data["community"], reason=data["reason"]
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReportDecisionSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Uphold (the content is removed, the author hears why) or dismiss (hidden content
        shows again) this report and every pending one on the same content. Safe to repeat."""
        report = self.get_object()
        data = self._input(ReportDecisionSerializer)
        report = moderation.report_decide(
            actor=request.user,
            report=report,
            uphold=data["decision"] == "uphold",
            reason=data["reason"],
        )
        return Response(ReportSerializer(report).data)


class MatcherSuggestionViewSet(
    ModerationViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Merges and splits the matcher suggests for active communities; their moderators decide."""

    serializer_class = MatcherSuggestionSerializer

    def get_queryset(self):
        if self.action in ("accept", "dismiss"):  # the service answers 403 or 404
            return MatcherSuggestion.objects.select_related("community", "other_community")
        return moderation_selectors.suggestion_list(viewer=self.request.user)

    @extend_schema(request=SuggestionAcceptSerializer, responses=CommunitySerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Carry the suggestion out (a merge: you moderate both). Returns the community the
        posts are in now."""
        suggestion = self.get_object()
        data = self._input(SuggestionAcceptSerializer)
        community = moderation.matcher_suggestion_accept(
            actor=request.user, suggestion=suggestion, **data
        )
        return Response(_community_out(request, community))

    @extend_schema(request=ReasonSerializer, responses=MatcherSuggestionSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Decline the suggestion. Safe to repeat."""
        suggestion = self.get_object()
        data = self._input(ReasonSerializer)
        suggestion = moderation.matcher_suggestion_dismiss(
            actor=request.user, suggestion=suggestion, **data
        )
        return Response(MatcherSuggestionSerializer(suggestion).data)


class SiteModerationViewSet(ModerationViewSetMixin, viewsets.GenericViewSet):
    """Site staff: the whole moderation log, and removing posts or replies everywhere."""

    serializer_class = ModerationActionSerializer

    def get_queryset(self):
        return moderation_selectors.moderation_log_site()

    @extend_schema(responses=ModerationActionSerializer(many=True))
    @action(detail=False, methods=["get"])
    def log(self, request):
        """Every moderation action on the site (staff)."""
        check_moderate_site(request.user)
        return self._page(self.get_queryset(), ModerationActionSerializer, private=True)

    @extend_schema(responses=CommunitySerializer(many=True))
    @action(detail=False, methods=["get"])
    def proposals(self, request):
        """Communities the matcher proposed, waiting to be approved, renamed or rejected."""
        check_moderate_site(request.user)
        rows = selectors.community_list(viewer=request.user).filter(
            status=Community.Status.PROPOSED
        )
        return self._page(rows, CommunitySerializer)

    @extend_schema(request=PostRemoveSerializer, responses=ModerationActionSerializer)
    @action(detail=False, methods=["post"], url_path="posts/remove")
    def remove_post(self, request):
        """Remove a post everywhere, with a reason sent to its author (staff)."""
        check_moderate_site(request.user)
        data = self._input(PostRemoveSerializer)
        done = moderation.post_remove(actor=request.user, **data)
        return Response(ModerationActionSerializer(done, context={"private": True}).data)

    @extend_schema(request=PostTargetSerializer, responses=PostStateSerializer)
    @action(detail=False, methods=["post"], url_path="posts/restore")
    def restore_post(self, request):
        """Show a post removed everywhere (or hidden by reports) again (staff)."""
        check_moderate_site(request.user)
        data = self._input(PostTargetSerializer)
        moderation.post_restore(actor=request.user, **data)
        return Response(PostStateSerializer(Post.objects.get(pk=data["post"].pk)).data)

    @extend_schema(request=ReplyTargetSerializer, responses=ReplyStateSerializer)
    @action(detail=False, methods=["post"], url_path="replies/remove")
    def remove_reply(self, request):
        """Remove a reply to a post (staff), with a reason sent to its author."""
        check_moderate_site(request.user)
        data = self._input(ReplyTargetSerializer)
        moderation.reply_remove(actor=request.user, **data)
        data["reply"].refresh_from_db()
        return Response(ReplyStateSerializer(data["reply"]).data)

    @extend_schema(request=ReplyTargetSerializer, responses=ReplyStateSerializer)
    @action(detail=False, methods=["post"], url_path="replies/restore")
    def restore_reply(self, request):
        """Show a removed reply to a post again (staff)."""
        check_moderate_site(request.user)
        data = self._input(ReplyTargetSerializer)
        moderation.reply_restore(actor=request.user, **data)
        data["reply"].refresh_from_db()
        return Response(ReplyStateSerializer(data["reply"]).data)

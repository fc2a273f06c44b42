"""The API's serializers: what a client sends (``...CreateSerializer``, ``...UpdateSerializer``)
and what it reads back, for tags, posts, communities, areas, discussions, proposals, search and
one's own profile."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communities import selectors, services
from communities.models import (
    JOIN_MESSAGE_MAX_LENGTH,
    Area,
    Community,
    Membership,
    Post,
    Proposal,
    Reply,
    Tag,
    Thread,
)
from communities.selectors import SearchHit
from profiles.models import Profile, User


def _public_name(author: User | None) -> str | None:
    return author.public_name if author is not None else None


# Tags and posts -------------------------------------------------------------------------------


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name", "usage_count"]


class PostSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    tags: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            "id",
            "url",
            "author",
            "kind",
            "title",
            "body",
            "tags",
            "status",
            "match_state",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, post: Post) -> str | None:
        return post.author.username if post.author is not None else None

    def get_url(self, post: Post) -> str:
        return post.get_absolute_url()


class PostCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Post.Kind.choices, default=Post.Kind.PROBLEM)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=8, required=False, default=list
    )


class PostUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=8, required=False
    )
    status = serializers.ChoiceField(choices=Post.Status.choices, required=False)


class ReplySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = ["id", "author", "body", "created_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, reply: Reply) -> str | None:
        return _public_name(reply.author)


class ReplyCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)


# Communities and areas ------------------------------------------------------------------------


class AreaRefSerializer(serializers.ModelSerializer):
    """An area as a community names it."""

    class Meta:
        model = Area
        fields = ["slug", "name"]


class AreaSerializer(serializers.ModelSerializer):
    community_count = serializers.IntegerField(
        read_only=True, help_text="Its active and proposed communities that you may see."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = ["slug", "url", "name", "description", "community_count", "created_at"]

    def get_url(self, area: Area) -> str:
        return area.get_absolute_url()


class CommunitySerializer(serializers.ModelSerializer):
    tags: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    area = AreaRefSerializer(read_only=True, allow_null=True)
    member_count = serializers.IntegerField(read_only=True)
    post_count = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Community
        fields = [
            "id",
            "slug",
            "url",
            "name",
            "purpose",
            "rules",
            "tags",
            "area",
            "status",
            "origin",
            "visibility",
            "join_policy",
            "formed_reason",
            "member_count",
            "post_count",
            "created_at",
            "activated_at",
            "last_activity_at",
        ]

    def get_url(self, community: Community) -> str:
        return community.get_absolute_url()


class JoinSerializer(serializers.Serializer):
    message = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=JOIN_MESSAGE_MAX_LENGTH,
        help_text="With a request to join: a word for the moderators (optional).",
    )


class MembershipSerializer(serializers.ModelSerializer):
    community: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Membership
        fields = ["community", "role", "state"]


# Discussions ----------------------------------------------------------------------------------


class ThreadSerializer(serializers.ModelSerializer):
    community: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    author = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    message_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Thread
        fields = [
            "id",
            "url",
            "community",
            "title",
            "author",
            "locked",
            "pinned",
            "message_count",
            "created_at",
            "last_reply_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, thread: Thread) -> str | None:
        return _public_name(thread.author)

    def get_url(self, thread: Thread) -> str:
        return thread.get_absolute_url()


class ThreadCreateSerializer(serializers.Serializer):
    community = serializers.CharField(max_length=140, help_text="The community's slug.")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10000, help_text="The first message, in Markdown.")


class ThreadUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)


class ThreadReplySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = Reply
        fields = ["id", "thread", "author", "body", "created_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, reply: Reply) -> str | None:
        return _public_name(reply.author)


class ThreadReplyCreateSerializer(serializers.Serializer):
    thread = serializers.IntegerField(min_value=1)
    body = serializers.CharField(max_length=10000, help_text="Markdown.")


class ReplyUpdateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, help_text="Markdown.")


# Proposals ------------------------------------------------------------------------------------


class ProposalSerializer(serializers.ModelSerializer):
    community: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    author = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    value = serializers.JSONField(
        help_text="Text for name, purpose and rules; a list of tag names for tags; {} for a merge."
    )
    yes_count = serializers.IntegerField(read_only=True)
    no_count = serializers.IntegerField(read_only=True)
    my_vote = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Your vote: true for, false against, or null."
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "url",
            "community",
            "kind",
            "value",
            "target",
            "rationale",
            "author",
            "state",
            "closes_at",
            "created_at",
            "decided_at",
            "yes_count",
            "no_count",
            "my_vote",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, proposal: Proposal) -> str | None:
        return _public_name(proposal.author)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="For a merge: its slug."))
    def get_target(self, proposal: Proposal) -> str | None:
        return proposal.target.slug if proposal.target is not None else None

    def get_url(self, proposal: Proposal) -> str:
        return services.proposal_url(proposal)


class ProposalCreateSerializer(serializers.Serializer):
    community = serializers.CharField(max_length=140, help_text="The community's slug.")
    kind = serializers.ChoiceField(choices=Proposal.Kind.choices)
    value = serializers.JSONField(
        required=False,
        help_text="Text for name, purpose or rules; a list of tag names for tags; none to merge.",
    )
    target = serializers.CharField(
        max_length=140, required=False, help_text="For a merge: the other community's slug."
    )
    rationale = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ProposalVoteSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true to vote for, false against.")


# Search ---------------------------------------------------------------------------------------


class SearchParametersSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=selectors.SEARCH_QUERY_MAX_LENGTH,
        help_text='The words to look for (web search syntax: "quoted phrase", -word, or).',
    )
    kind = serializers.ChoiceField(
        choices=selectors.SEARCH_KINDS,
        default="post",
        help_text="What to search: post (the default), thread or reply.",
    )
    community = serializers.SlugField(
        required=False, max_length=140, help_text="Only within this community (its slug)."
    )
    tag = serializers.SlugField(
        required=False, max_length=50, help_text="Only with this tag (its slug)."
    )

    def validate_q(self, value: str) -> str:
        query = selectors.clean_search_query(value)
        if not query:
            raise serializers.ValidationError("Give some words to search for.")
        return query


class _CommunityRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=selectors.SEARCH_KINDS)
    id = serializers.IntegerField(source="pk")
    url = serializers.CharField(help_text="The page of the post, thread or reply.")
    title = serializers.SerializerMethodField(
        help_text="A post's or thread's title; for a reply, the thread or post it answers."
    )
    title_highlighted = serializers.SerializerMethodField(
        help_text="The title as escaped HTML, with the words found in <mark>."
    )
    snippet = serializers.SerializerMethodField(
        help_text="Escaped HTML around the words found, which are in <mark>; may be empty."
    )
    author = serializers.CharField(allow_null=True)
    community = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_title(self, hit: SearchHit) -> str:
        return hit.context or hit.plain_title

    def get_title_highlighted(self, hit: SearchHit) -> str:
        return str(hit.title)

    def get_snippet(self, hit: SearchHit) -> str:
        return str(hit.snippet)

    @extend_schema_field(_CommunityRefSerializer(allow_null=True))
    def get_community(self, hit: SearchHit) -> dict[str, str] | None:
        if hit.community is None:
            return None
        return {"slug": hit.community.slug, "name": hit.community.name}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, hit: SearchHit) -> list[str]:
        return [tag.slug for tag in hit.tags]


# One's own profile and settings, with one's interests (tags) ----------------------------------


class TagNamesField(serializers.ListField):
    """Tags as a list of slugs when read; names (new ones allowed) when written."""

    def to_representation(self, value: Any) -> list[str]:
        return [tag.slug for tag in value.all()]


class MeSerializer(serializers.ModelSerializer):
    """One's own profile and settings. Interests are tag names; new ones are created."""

    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    url = serializers.SerializerMethodField()
    interests = TagNamesField(
        child=serializers.CharField(max_length=50), max_length=8, required=False
    )

    class Meta:
        model = Profile
        fields = [
            "username",
            "email",
            "url",
            "display_name",
            "bio",
            "interests",
            "discoverable",
            "email_frequency",
            "notify_invitations",
            "notify_peers",
            "notify_replies",
            "notify_proposals",
        ]

    def get_url(self, profile: Profile) -> str:
        return profile.get_absolute_url()

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL


def _choices_check(
    field: str, choices: type[models.TextChoices], name: str
) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class Tag(models.Model):
    """A topic label. The slug is its identity: "Clay Soil" and "clay-soil" are one tag."""

    name = models.CharField(max_length=50)
    slug = models.SlugField(max_length=50, unique=True, allow_unicode=True)
    usage_count = models.PositiveIntegerField(
        default=0, help_text="Posts and communities carrying this tag."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="tag_slug_not_empty"),
            models.CheckConstraint(condition=~Q(name=""), name="tag_name_not_empty"),
        ]
        indexes = [models.Index(fields=["-usage_count", "slug"], name="tag_popular")]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def normalize(raw: str) -> str:
        """The slug for a raw tag ("  Clay Soil " -> "clay-soil"); empty when nothing is left."""
        return slugify(" ".join(raw.replace("_", " ").split()), allow_unicode=True)[:50].strip("-")


class ContentStatus(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden pending review"
    REMOVED = "removed", "Removed by a moderator"
    DELETED = "deleted", "Deleted by its author"


class PostKind(models.TextChoices):
    PROBLEM = "problem", "Problem"
    INTEREST = "interest", "Interest"


class PostStatus(models.TextChoices):
    OPEN = "open", "Open"
    SOLVED = "solved", "Solved"
    HIDDEN = "hidden", "Hidden"


class PostMatchState(models.TextChoices):
    PENDING = "pending", "Waiting for the matcher"
    MATCHED = "matched", "Matched"


class Post(models.Model):
    """A problem someone is trying to solve, or an interest, as a few sentences and tags."""

    Kind = PostKind

    Status = PostStatus

    MatchState = PostMatchState

    # A deleted account leaves its posts in place, without an author, so that the replies and
    # placements other people made around them survive.
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PROBLEM)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=20000)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Separate from the author's own status: a post hidden by reports or removed site-wide by
    # staff stays so until a moderator decides, whatever its author does.
    moderation_status = models.CharField(
        max_length=10, choices=ContentStatus.choices, default=ContentStatus.VISIBLE
    )
    # The database is the source of truth for matching: a post stays pending until its peers and
    # communities are stored, and a periodic task re-queues posts left pending.
    match_state = models.CharField(
        max_length=10, choices=MatchState.choices, default=MatchState.PENDING
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the author changes the words (title, body or tags); pages say "edited" then.
    edited_at = models.DateTimeField(null=True, blank=True)
    # Every saved version (django-simple-history); matching's bookkeeping is not a version.
    history = HistoricalRecords(excluded_fields=["match_state", "matched_at", "updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            _choices_check("kind", PostKind, "post_kind_valid"),
            _choices_check("status", PostStatus, "post_status_valid"),
            _choices_check("match_state", PostMatchState, "post_match_state_valid"),
            _choices_check("moderation_status", ContentStatus, "post_moderation_status_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="post_title_not_empty"),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="post_status_recent"),
            models.Index(fields=["author", "-created_at"], name="post_author_recent"),
            # The API's list of posts, newest first, read in order rather than sorted whole.
            models.Index(fields=["-created_at", "-id"], name="post_newest"),
            models.Index(
                fields=["updated_at"],
                condition=Q(match_state="pending"),
                name="post_match_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("communities:post-detail", kwargs={"pk": self.pk})


class Area(models.Model):
    """A broad field that groups communities of purpose ("Home cooking", "Travel"), so that a
    directory of thousands of communities stays browsable. The matcher proposes areas; moderators
    move communities between them and rename them. The slug stays when an area is renamed."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True, allow_unicode=True)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="area_name_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="area_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:area-detail", kwargs={"slug": self.slug})


class CommunityStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class CommunityOrigin(models.TextChoices):
    MATCHER = "matcher", "Formed by the matcher"
    MEMBER = "member", "Founded by a member"


class CommunityVisibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class CommunityJoinPolicy(models.TextChoices):
    OPEN = "open", "Anyone can join"
    APPROVAL = "approval", "Moderators approve requests"
    INVITE = "invite", "By invitation only"


class Community(models.Model):
    """A community of purpose: people working on the same problem or sharing an interest."""

    Status = CommunityStatus

    Origin = CommunityOrigin

    Visibility = CommunityVisibility

    JoinPolicy = CommunityJoinPolicy

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True, allow_unicode=True)
    purpose = models.TextField("purpose / charter", max_length=10000, blank=True)
    rules = models.TextField(max_length=10000, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="communities")
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="communities"
    )
    # A moderator chose the area (or no area): match runs leave it as it is.
    area_pinned = models.BooleanField(
        default=False, help_text="A moderator chose the area (or none); the matcher keeps it."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.MEMBER)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_policy = models.CharField(
        max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    formed_reason = models.TextField(
        blank=True, help_text="For matcher-made communities: why the matcher proposed it."
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    proposal_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A proposed community is archived if too few join by then."
    )
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        help_text="Set when a moderator merged this community into another; its URL redirects.",
    )
    proposal_quorum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Votes a proposal needs; empty uses the site default."
    )
    proposal_majority = models.FloatField(
        null=True, blank=True, help_text="Share of yes votes that passes; empty uses the default."
    )

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            _choices_check("status", CommunityStatus, "community_status_valid"),
            _choices_check("origin", CommunityOrigin, "community_origin_valid"),
            _choices_check("visibility", CommunityVisibility, "community_visibility_valid"),
            _choices_check("join_policy", CommunityJoinPolicy, "community_join_policy_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="community_name_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="community_slug_not_empty"),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(activated_at__isnull=False),
                name="community_active_has_activated_at",
            ),
            models.CheckConstraint(
                condition=Q(proposal_majority__isnull=True)
                | Q(proposal_majority__gt=0, proposal_majority__lte=1),
                name="community_majority_share",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="community_not_merged_into_itself"
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "visibility", "-last_activity_at"], name="community_directory"
            ),
            models.Index(fields=["-created_at"], name="community_newest"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", kwargs={"slug": self.slug})


class MembershipRole(models.TextChoices):
    MEMBER = "member", "Member"
    MODERATOR = "moderator", "Moderator"
    OWNER = "owner", "Owner"


# The longest message a person may send with a request to join.
JOIN_MESSAGE_MAX_LENGTH = 1000


class MembershipState(models.TextChoices):
    REQUESTED = "requested", "Requested to join"
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    BANNED = "banned", "Banned"
    LEFT = "left", "Left"


class Membership(models.Model):
    """A person's standing in one community. One row per (user, community), whatever happens."""

    Role = MembershipRole

    State = MembershipState

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    banned_until = models.DateTimeField(
        null=True, blank=True, help_text="For a temporary ban; empty means permanent."
    )
    join_message = models.TextField(
        max_length=JOIN_MESSAGE_MAX_LENGTH,
        blank=True,
        help_text="What the person told the moderators when asking to join.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="membership_one_per_pair"),
            _choices_check("role", MembershipRole, "membership_role_valid"),
            _choices_check("state", MembershipState, "membership_state_valid"),
            # Only an active member can hold a moderating role.
            models.CheckConstraint(
                condition=Q(role="member") | Q(state="active"),
                name="membership_staff_is_active",
            ),
            models.CheckConstraint(
                condition=Q(banned_until__isnull=True) | Q(state="banned"),
                name="membership_ban_end_only_when_banned",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "state", "role"], name="membership_roster"),
            # A community's people in the order its page lists them, without sorting them all.
            models.Index(
                fields=["community", "state", "created_at", "id"], name="membership_roster_order"
            ),
            models.Index(fields=["user", "state"], name="membership_of_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.role}, {self.state})"


class PlacementPlacedBy(models.TextChoices):
    MATCHER = "matcher", "Matcher"
    MEMBER = "member", "Member"
    MODERATOR = "moderator", "Moderator"


class Placement(models.Model):
    """A post placed in a community, by the matcher, a member or a moderator, with its score."""

    PlacedBy = PlacementPlacedBy

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="placements")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="placements")
    placed_by = models.CharField(max_length=10, choices=PlacedBy.choices)
    placed_by_user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.FloatField(null=True, blank=True, help_text="The matcher's confidence, 0 to 1.")
    reason = models.TextField(blank=True, help_text="Why the post belongs here.")
    pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "community"], name="placement_one_per_pair"),
            _choices_check("placed_by", PlacementPlacedBy, "placement_placed_by_valid"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="placement_score_unit_interval",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "-score"], name="placement_community_best"),
            models.Index(fields=["community", "-created_at"], name="placement_community_recent"),
            # A community page's posts (pinned, best fit, newest) read in order: the first 20 of
            # a 20,000-post community without sorting them all.
            models.Index(
                fields=["community", "-pinned", "-score", "-created_at", "-id"],
                name="placement_community_order",
            ),
            # The review queue's posts (pinned, then newest).
            models.Index(
                fields=["community", "-pinned", "-created_at", "-id"],
                name="placement_community_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} in {self.community}"


class Thread(models.Model):
    """A discussion in a community."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=ContentStatus.choices, default=ContentStatus.VISIBLE
    )
    locked = models.BooleanField(default=False)
    pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_reply_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_reply_at"])

    class Meta:
        ordering = ["-pinned", "-last_reply_at", "-id"]
        constraints = [
            _choices_check("status", ContentStatus, "thread_status_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="thread_title_not_empty"),
        ]
        indexes = [
            models.Index(fields=["community", "-pinned", "-last_reply_at"], name="thread_list"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "communities:thread-detail", kwargs={"slug": self.community.slug, "pk": self.pk}
        )


class Reply(models.Model):
    """A message in a thread (thread set) or an answer to a post (post set): exactly one."""

    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    body = models.TextField(max_length=10000)
    status = models.CharField(
        max_length=10, choices=ContentStatus.choices, default=ContentStatus.VISIBLE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"
        constraints = [
            _choices_check("status", ContentStatus, "reply_status_valid"),
            models.CheckConstraint(
                condition=Q(thread__isnull=False, post__isnull=True)
                | Q(thread__isnull=True, post__isnull=False),
                name="reply_in_thread_or_on_post",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="reply_body_not_empty"),
        ]
        indexes = [
            models.Index(fields=["thread", "created_at"], name="reply_thread_order"),
            models.Index(fields=["post", "created_at"], name="reply_post_order"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class ProposalKind(models.TextChoices):
    NAME = "name", "Rename the community"
    PURPOSE = "purpose", "Change the purpose"
    TAGS = "tags", "Change the tags"
    RULES = "rules", "Change the rules"
    MERGE = "merge", "Merge with another community"


class ProposalState(models.TextChoices):
    OPEN = "open", "Open for votes"
    PASSED = "passed", "Passed"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Proposal(models.Model):
    """A member's proposed change to a community, decided by the members' votes."""

    Kind = ProposalKind
    State = ProposalState

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.JSONField(
        default=dict, blank=True, help_text="The proposed value: text, or a list of tags."
    )
    target = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="For a merge: the community to merge with.",
    )
    rationale = models.TextField(max_length=5000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    closes_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            _choices_check("kind", ProposalKind, "proposal_kind_valid"),
            _choices_check("state", ProposalState, "proposal_state_valid"),
            models.CheckConstraint(
                condition=Q(kind="merge", target__isnull=False)
                | (~Q(kind="merge") & Q(target__isnull=True)),
                name="proposal_merge_has_target",
            ),
            models.CheckConstraint(
                condition=Q(state="open", decided_at__isnull=True)
                | (~Q(state="open") & Q(decided_at__isnull=False)),
                name="proposal_decided_when_closed",
            ),
        ]
        indexes = [models.Index(fields=["community", "state", "closes_at"], name="proposal_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.state})"


class Vote(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="votes")
    approve = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="vote_one_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {'for' if self.approve else 'against'} {self.proposal_id}"


class CharterRevision(models.Model):
    """The community's name, purpose, rules and tags as they stood after each change."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="charter_revisions"
    )
    editor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=120)
    purpose = models.TextField(blank=True)
    rules = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    summary = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"], name="charter_history")]

    def __str__(self) -> str:
        return f"{self.community_id} @ {self.created_at:%Y-%m-%d}"

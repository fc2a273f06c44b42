"""Areas, communities, the people in them (memberships) and the posts placed in them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from communities.models.posts import Post, Tag
from core.constraints import choices_check

USER = settings.AUTH_USER_MODEL


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
    proposed_until = models.DateTimeField(
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
            choices_check("status", CommunityStatus, "community_status_valid"),
            choices_check("origin", CommunityOrigin, "community_origin_valid"),
            choices_check("visibility", CommunityVisibility, "community_visibility_valid"),
            choices_check("join_policy", CommunityJoinPolicy, "community_join_policy_valid"),
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
            choices_check("role", MembershipRole, "membership_role_valid"),
            choices_check("state", MembershipState, "membership_state_valid"),
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
            choices_check("placed_by", PlacementPlacedBy, "placement_placed_by_valid"),
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

"""Proposals: members' proposed changes to their community's charter, the votes on them, and
the charter's revisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from communities.models.communities import Community
from core.constraints import choices_check

USER = settings.AUTH_USER_MODEL


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
            choices_check("kind", ProposalKind, "proposal_kind_valid"),
            choices_check("state", ProposalState, "proposal_state_valid"),
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
    """A member's vote on a proposal: one per person and proposal, changed by voting again."""

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

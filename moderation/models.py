"""The moderation log and reports. Both tables were created by the communities app and keep
their names (``db_table``): the PostgreSQL trigger that makes the log append-only stays on
``communities_moderationaction`` (communities/migrations/0003)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from communities.models import Community, Post, Reply, Thread
from profiles.models import Message, User

USER = settings.AUTH_USER_MODEL

# The longest reason a moderator or a reporter may give, everywhere: forms, API and services.
REASON_MAX_LENGTH = 2000


def _choices_check(
    field: str, choices: type[models.TextChoices], name: str
) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class ModerationActionVerb(models.TextChoices):
    APPROVE_JOIN = "approve_join", "Approved a join request"
    REJECT_JOIN = "reject_join", "Rejected a join request"
    REMOVE = "remove", "Removed content"
    RESTORE = "restore", "Restored content"
    MOVE = "move", "Moved a post"
    PIN = "pin", "Pinned"
    UNPIN = "unpin", "Unpinned"
    LOCK = "lock", "Locked a thread"
    UNLOCK = "unlock", "Unlocked a thread"
    EDIT = "edit", "Edited the community"
    MERGE = "merge", "Merged communities"
    SPLIT = "split", "Split a community"
    APPROVE = "approve", "Approved a proposed community"
    REJECT = "reject", "Rejected a proposed community"
    ARCHIVE = "archive", "Archived"
    BAN = "ban", "Banned"
    UNBAN = "unban", "Unbanned"
    APPOINT = "appoint", "Appointed a moderator"
    # Removing a moderator was stored as "dismiss"; the log is append-only, so the value stays.
    REMOVE_MODERATOR = "dismiss", "Removed a moderator"
    START_RUN = "start_run", "Started a match run"
    HIDE = "hide", "Hidden after reports"
    UPHOLD_REPORT = "uphold_report", "Upheld a report"
    DISMISS_REPORT = "dismiss_report", "Dismissed a report"
    ACCEPT_SUGGESTION = "accept_suggestion", "Accepted the matcher's suggestion"
    # Stored as "dismiss_suggestion" before suggestions were declined; the log is append-only.
    DECLINE_SUGGESTION = "dismiss_suggestion", "Declined the matcher's suggestion"
    MOVE_AREA = "move_area", "Moved"
    RENAME_AREA = "rename_area", "Renamed"
    SITE_BAN = "site_ban", "Banned"
    SITE_UNBAN = "site_unban", "Lifted the ban of"
    JOIN_POLICY = "join_policy", "Changed"


class ModerationAction(models.Model):
    """One thing a moderator did, and why. Append-only: PostgreSQL refuses updates and deletes
    (see the migration that installs the trigger), except clearing the actor when an account goes.
    """

    Verb = ModerationActionVerb

    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_actions",
    )
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_actions"
    )
    verb = models.CharField(max_length=20, choices=Verb.choices)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200, help_text="What the target was called then.")
    reason = models.TextField(max_length=REASON_MAX_LENGTH, blank=True)
    details = models.JSONField(
        default=dict, blank=True, help_text="Private details, shown to moderators only."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "communities_moderationaction"
        ordering = ["-created_at", "-id"]
        constraints = [
            _choices_check("verb", ModerationActionVerb, "moderationaction_verb_valid"),
        ]
        indexes = [
            models.Index(fields=["community", "-created_at"], name="modaction_community_log"),
            models.Index(fields=["target_type", "target_id"], name="modaction_target"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.verb} {self.target_repr}"


class Report(models.Model):
    """Someone flags a post, reply, thread, community, person or direct message for moderators,
    with a reason. Reports from enough distinct people hide the content (posts, threads,
    replies) until a moderator decides. People and messages go to site staff."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        UPHELD = "upheld", "Upheld: content removed"
        DISMISSED = "dismissed", "Dismissed: content restored"

    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="reports")
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    reason = models.TextField(max_length=REASON_MAX_LENGTH)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "communities_report"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"], name="report_once_per_person"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["pending", "upheld", "dismissed"]),
                name="report_decision_valid",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="report_has_reason"),
        ]
        indexes = [
            models.Index(fields=["community", "decision", "-created_at"], name="report_queue"),
            models.Index(fields=["target_type", "target_id"], name="report_target"),
        ]

    def __str__(self) -> str:
        return f"Report by {self.reporter_id} on {self.target_type_id}:{self.target_id}"


# What can be reported, by the name pages and the API use for it.
Reportable = Post | Reply | Thread | Community | User | Message
REPORT_TARGETS: dict[str, type[Reportable]] = {
    "post": Post,
    "reply": Reply,
    "thread": Thread,
    "community": Community,
    "person": User,
    "message": Message,
}

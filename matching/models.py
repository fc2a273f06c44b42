from django.conf import settings
from django.db import models
from django.db.models import F, Q


class MatchRun(models.Model):
    """One full run of the matcher over every open post; the record of what it did and why."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Started by a person"
        COMMAND = "command", "Management command"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="match_runs",
    )
    config_id = models.CharField("configuration id", max_length=64, blank=True)
    stage = models.CharField(max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0 to 100.")
    post_count = models.PositiveIntegerField(default=0)
    community_count = models.PositiveIntegerField(default=0)
    assigned_count = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]),
                name="matchrun_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=["schedule", "manual", "command"]),
                name="matchrun_trigger_valid",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="matchrun_progress_percent"
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(started_at__isnull=False, finished_at__gte=F("started_at")),
                name="matchrun_finished_after_started",
            ),
            models.CheckConstraint(
                condition=Q(assigned_count__lte=F("post_count")),
                name="matchrun_assigned_within_posts",
            ),
            # Two runs never overlap: at most one row may be running at any moment.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running"),
                name="matchrun_one_running",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="matchrun_status_recent")]

    def __str__(self) -> str:
        return f"Match run #{self.pk} ({self.status})"

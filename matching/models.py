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
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from a task of this run."
    )
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


def run_writes(run: MatchRun) -> str:
    """What applying a run wrote, in words (runs before these counts say so)."""
    m = run.metrics
    if "peers_written" not in m:
        return "Rows written: not recorded for this run."
    return (
        f"Rows written (removed): peer suggestions {m['peers_written']:,} "
        f"({m['peers_deleted']:,}), community fits {m['fits_written']:,} ({m['fits_deleted']:,}), "
        f"placements {m['placements_written']:,} ({m['placements_deleted']:,}); "
        f"{m.get('posts_marked_matched', 0):,} posts newly marked matched."
    )


class MatchArtifact(models.Model):
    """The fitted matcher of a successful run, stored in the database so that every web process and
    worker, on any machine, loads the same model."""

    run = models.OneToOneField(MatchRun, on_delete=models.CASCADE, related_name="artifact")
    config_id = models.CharField(max_length=64)
    data = models.BinaryField(help_text="A zip of the engine's saved files (arrays.npz, JSON).")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"Matcher of run #{self.run_id} ({self.config_id})"


class MatchRunChunk(models.Model):
    """One chunk's neighbour search (the peers and fits of ``KINDRED_MATCH_CHUNK_SIZE`` posts,
    JSON compressed with zlib), kept from the worker that searched it until its run is applied or
    fails: the apply reads the chunks one at a time, so no message, and no process, holds a whole
    run's result."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="match_run_chunk_once"),
        ]

    def __str__(self) -> str:
        return f"Chunk {self.number} of run #{self.run_id}"


class PeerSuggestion(models.Model):
    """Another post whose author works on the same thing, with the matcher's score and reason."""

    post = models.ForeignKey(
        "communities.Post", on_delete=models.CASCADE, related_name="peer_suggestions"
    )
    peer = models.ForeignKey("communities.Post", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reason = models.CharField(max_length=500)
    shared_tags = models.JSONField(default=list, blank=True)
    shared_terms = models.JSONField(default=list, blank=True)
    declined = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "peer"], name="peersuggestion_one_per_pair"),
            models.CheckConstraint(condition=~Q(post=F("peer")), name="peersuggestion_not_self"),
            models.CheckConstraint(
                condition=Q(score__gte=-1, score__lte=1), name="peersuggestion_score_cosine"
            ),
        ]
        indexes = [models.Index(fields=["post", "-score"], name="peersuggestion_best")]

    def __str__(self) -> str:
        return f"{self.peer_id} for {self.post_id} ({self.score:.2f})"


class CommunityFit(models.Model):
    """A community that a post fits, suggested to its author ("join them?"), with confidence."""

    post = models.ForeignKey(
        "communities.Post", on_delete=models.CASCADE, related_name="community_fits"
    )
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="fits"
    )
    confidence = models.FloatField()
    reason = models.CharField(max_length=500, blank=True)
    declined = models.BooleanField(default=False, help_text='The author said "not my problem".')
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-confidence", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "community"], name="communityfit_one_per_pair"),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1),
                name="communityfit_confidence_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} fits {self.community_id} ({self.confidence:.2f})"


class MatchConstraint(models.Model):
    """A human decision that later runs must respect: the matcher learns from moderators and
    members instead of undoing their work."""

    class Kind(models.TextChoices):
        KEEP_OUT = "keep_out", "Keep this post out of this community"
        KEEP_TOGETHER = "keep_together", "Keep these two communities together"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    post = models.ForeignKey(
        "communities.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="match_constraints"
    )
    other_community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="keep_out", post__isnull=False, other_community__isnull=True)
                | Q(kind="keep_together", post__isnull=True, other_community__isnull=False),
                name="matchconstraint_shape",
            ),
            models.UniqueConstraint(
                fields=["post", "community"],
                condition=Q(kind="keep_out"),
                name="matchconstraint_keep_out_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.post_id or self.other_community_id} / {self.community_id}"


class MatcherSuggestion(models.Model):
    """A change the matcher saw in an active community (a merge or a split) that it does not
    apply by itself: the community's moderators decide."""

    class Kind(models.TextChoices):
        MERGE = "merge", "Merge with another community"
        SPLIT = "split", "Split off a group"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="matcher_suggestions"
    )
    other_community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    post_ids = models.JSONField(default=list, blank=True, help_text="For a split: the posts.")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["merge", "split"]), name="matchersuggestion_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "accepted", "declined"]),
                name="matchersuggestion_state_valid",
            ),
        ]
        indexes = [models.Index(fields=["community", "state"], name="matchersuggestion_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.community_id} ({self.state})"


class PostVector(models.Model):
    """A post's sentence embedding, computed once and kept, so that a full run with the semantic
    or hybrid encoder never encodes a post it has seen (cleared when the post is edited)."""

    post = models.OneToOneField("communities.Post", on_delete=models.CASCADE, related_name="vector")
    encoder = models.CharField(max_length=64, help_text="The model that made the vector.")
    vector = models.BinaryField(help_text="float32 values, little-endian.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.encoder} vector of post {self.post_id}"

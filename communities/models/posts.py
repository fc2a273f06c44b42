"""Tags and posts: the problems and interests people write, and the status all content shares."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from core.constraints import choices_check

USER = settings.AUTH_USER_MODEL


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
            choices_check("kind", PostKind, "post_kind_valid"),
            choices_check("status", PostStatus, "post_status_valid"),
            choices_check("match_state", PostMatchState, "post_match_state_valid"),
            choices_check("moderation_status", ContentStatus, "post_moderation_status_valid"),
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

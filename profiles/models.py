import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from knox.models import AbstractAuthToken


# The plugin cannot see ApiToken's relation (its base, knox's, has no types).
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """An account. Everything a person shows to others lives on their Profile."""

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        profile = getattr(self, "profile", None)
        if profile is not None and profile.display_name:
            return profile.display_name
        return self.username


class Profile(models.Model):
    class EmailFrequency(models.TextChoices):
        IMMEDIATELY = "immediately", "As it happens"
        DAILY = "daily", "Daily digest"
        NEVER = "never", "Never"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=80, blank=True)
    bio = models.TextField(max_length=2000, blank=True)
    interests = models.ManyToManyField("communities.Tag", blank=True, related_name="interested")
    discoverable = models.BooleanField(
        "let others find me by my posts",
        default=True,
        help_text="When on, your open posts can be suggested to other people as peers.",
    )
    email_frequency = models.CharField(
        max_length=12, choices=EmailFrequency.choices, default=EmailFrequency.DAILY
    )
    notify_invitations = models.BooleanField("invitations to proposed communities", default=True)
    notify_peers = models.BooleanField("new peers for my problems", default=True)
    notify_replies = models.BooleanField("replies in my threads", default=True)
    notify_proposals = models.BooleanField("proposals opened and decided", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email_frequency__in=["immediately", "daily", "never"]),
                name="profile_email_frequency_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.user.username

    def get_absolute_url(self) -> str:
        return reverse("profiles:detail", kwargs={"username": self.user.username})


class Notification(models.Model):
    """Something a person should know about, shown in the app and, by their preference, mailed."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation to a proposed community"
        NEW_PEER = "new_peer", "A new peer for your problem"
        REPLY = "reply", "A reply in your thread"
        PROPOSAL = "proposal", "A proposal opened or decided"
        MODERATION = "moderation", "A moderator's decision"
        COMMUNITY = "community", "News from your communities"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "invitation",
                        "new_peer",
                        "reply",
                        "proposal",
                        "moderation",
                        "community",
                    ]
                ),
                name="notification_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["user"],
                condition=models.Q(emailed_at__isnull=True, read_at__isnull=True),
                name="notification_to_mail",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"


class ApiToken(AbstractAuthToken):
    """A key for scripts and apps, named by its owner, expiring (django-rest-knox keeps only a
    digest of it). ``public_id`` names it in pages and the API; the key is shown once."""

    public_id: models.UUIDField = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name: models.CharField = models.CharField(max_length=80)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
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
    """What a person shows others (display name, bio, interests) and how they want to be told
    things (notification preferences, mail frequency, whether others may find them)."""

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
        MESSAGE = "message", "A direct message"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's name is not stored: it is put before the title when shown (``text``), so a
    # renamed person shows as they are now and a deleted one as "A former member".
    names_actor = models.BooleanField(
        default=False, help_text="The title follows the actor's name, put before it when shown."
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
                        "message",
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
        return f"{self.user}: {self.text}"

    @property
    def text(self) -> str:
        """What the notification says, naming its actor as they are now (the privacy rule in
        profiles/permissions.py): "Gina sent you a message", "A former member sent you a
        message" once Gina's account is deleted."""
        if not self.names_actor:
            return self.title
        return f"{actor_name(self.actor)} {self.title}"


def actor_name(person: User | None) -> str:
    """A person named at the start of a sentence, or "A former member" once their account is
    gone (the words posts and replies use for a deleted author)."""
    if person is None or not person.is_active:
        return FORMER_MEMBER
    return person.public_name


FORMER_MEMBER = "A former member"


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


class Conversation(models.Model):
    """Direct messages between two people. The pair is stored once, in id order (``first`` has
    the lower id), so two people have at most one conversation."""

    first = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="conversation_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="conversation_pair_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["second", "-last_message_at"], name="conversation_second"),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("profiles:conversation", kwargs={"pk": self.pk})

    def other(self, user: User) -> User:
        """The other person in the conversation."""
        return self.second if user.pk == self.first_id else self.first


# The longest direct message a person may send.
MESSAGE_MAX_LENGTH = 5000


class Message(models.Model):
    """One direct message. ``read_at`` is when the recipient opened the conversation after it;
    ``removed_at`` when a moderator upheld a report on it (its text is no longer shown)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="message_has_body"),
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("recipient")), name="message_not_to_self"
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="message_thread"),
            models.Index(
                fields=["recipient", "conversation"],
                condition=models.Q(read_at__isnull=True),
                name="message_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} from {self.sender_id}"

    def get_absolute_url(self) -> str:
        return f"{self.conversation.get_absolute_url()}#message-{self.pk}"


class Block(models.Model):
    """``blocker`` does not want messages from ``blocked``."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class SiteBan(models.Model):
    """A person banned from the whole site by staff, until ``until`` or for good. Kept here, at
    the bottom, so that log-in, sessions, tokens and messages can check it; moderation's services
    write it (moderation.services.people) and log it. Lifting a ban deletes the row."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="site_ban")
    reason = models.TextField(max_length=2000)
    until = models.DateTimeField(null=True, blank=True)
    banned_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="siteban_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Site ban of {self.user_id}"

    @property
    def until_text(self) -> str:
        """When the ban ends, in words ("9 December 2026, 16:02 UTC"), or "for good"."""
        if self.until is None:
            return "for good"
        return f"until {self.until:%-d %B %Y, %H:%M} UTC"


def active_site_ban_filter(prefix: str = "") -> models.Q:
    """The lookup for people (``prefix`` leads to a User) under a site ban in force now."""
    now = timezone.now()
    return models.Q(**{f"{prefix}site_ban__isnull": False}) & (
        models.Q(**{f"{prefix}site_ban__until__isnull": True})
        | models.Q(**{f"{prefix}site_ban__until__gt": now})
    )

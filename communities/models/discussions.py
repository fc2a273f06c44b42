"""Discussions: threads in a community, and replies (messages in a thread, or answers to a
post)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from communities.models.communities import Community
from communities.models.posts import ContentStatus, Post
from core.constraints import choices_check

USER = settings.AUTH_USER_MODEL


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
            choices_check("status", ContentStatus, "thread_status_valid"),
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
            choices_check("status", ContentStatus, "reply_status_valid"),
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

"""Posts: publishing, editing, replying, and handing a post to matching."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from communities.models import ContentStatus, Post, Reply
from communities.permissions import (
    check_delete_content,
    check_edit_content,
    check_reply_to_post,
)
from communities.services.tags import tags_assign, tags_from_names
from communities.services.text import clean_typed_text
from core.queue import enqueue_on_commit
from core.ratelimit import rate_limit
from profiles.models import Notification, User
from profiles.services import notify


def post_mark_pending(*, post: Post) -> None:
    """Mark the post as waiting to be matched and, once the transaction commits, ask matching to
    match it (again: its text may have changed). matching sits above communities, so the work
    goes up by task name. Safe to repeat: matching a post twice is harmless."""
    Post.objects.filter(pk=post.pk).update(match_state=Post.MatchState.PENDING)
    enqueue_on_commit("matching.match_post", [post.pk])


@transaction.atomic
def post_create(
    *,
    author: User,
    title: str,
    body: str = "",
    tags: Iterable[str] = (),
    kind: str = Post.Kind.PROBLEM,
) -> Post:
    """Publish a post. Preconditions: an active account. Not idempotent: each call adds a post."""
    if not author.is_active:
        raise PermissionDenied("This account is not active.")
    rate_limit(action="post", user=author)
    if kind not in Post.Kind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(Post.Kind.values)}."})
    post = Post.objects.create(
        author=author,
        kind=kind,
        title=clean_typed_text(
            title, field="title", max_length=200, required=True, single_line=True
        ),
        body=clean_typed_text(body, field="body", max_length=20000, required=False),
    )
    tags_assign(post, tags_from_names(tags))
    post_mark_pending(post=post)
    return post


@transaction.atomic
def post_update(
    *,
    actor: User,
    post: Post,
    title: str | None = None,
    body: str | None = None,
    tags: Iterable[str] | None = None,
    status: str | None = None,
) -> Post:
    """Edit one's own post (site staff may edit any): its words, tags or open/solved status. A
    change of words or tags is a new version in the post's history, marks it edited and matches
    it again (back to "matching pending"). Safe to repeat: the same words record nothing new."""
    check_edit_content(actor, post)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.moderation_status == ContentStatus.DELETED:
        raise ValidationError("This post was deleted.", code="deleted")
    words_before = (post.title, post.body, sorted(post.tags.values_list("slug", flat=True)))
    if title is not None:
        post.title = clean_typed_text(
            title, field="title", max_length=200, required=True, single_line=True
        )
    if body is not None:
        post.body = clean_typed_text(body, field="body", max_length=20000, required=False)
    if status is not None:
        if status not in Post.Status.values:
            raise ValidationError({"status": f"Choose one of: {', '.join(Post.Status.values)}."})
        post.status = status
    new_tags = tags_from_names(tags) if tags is not None else None
    tag_slugs = sorted(t.slug for t in new_tags) if new_tags is not None else words_before[2]
    edited = (post.title, post.body, tag_slugs) != words_before
    if edited:
        post.edited_at = timezone.now()
    post._history_user = actor  # type: ignore[attr-defined]
    post.save()
    if new_tags is not None:
        tags_assign(post, new_tags)
    post_mark_pending(post=post)
    return post


@transaction.atomic
def post_delete(*, actor: User, post: Post) -> Post:
    """The author deletes their post: it is gone for everyone (its page is a 404, it leaves the
    communities it was placed in and other people's peers), and so are the replies under it,
    which can only be read on its page. The row stays, marked deleted, so that the moderation
    log and the edit history keep their context. Safe to repeat."""
    check_delete_content(actor, post)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.moderation_status == ContentStatus.DELETED:
        return post
    post.moderation_status = ContentStatus.DELETED
    post._history_user = actor  # type: ignore[attr-defined]
    post.save(update_fields=["moderation_status", "updated_at"])
    # Matching drops a post that is not visible: its peers and fits go with it.
    post_mark_pending(post=post)
    return post


@transaction.atomic
def post_reply(*, author: User, post: Post, body: str) -> Reply:
    """Answer a post; its author is notified (by their preferences). Anyone may reply to a visible
    post whose author lets others find them by their posts (Profile.discoverable) and has not
    blocked the replier; the author may always answer on their own post.
    Not idempotent: each call adds a reply."""
    check_reply_to_post(author, post)
    rate_limit(action="reply", user=author)
    reply = Reply.objects.create(
        post=post,
        author=author,
        body=clean_typed_text(body, field="body", max_length=10000, required=True),
    )
    if post.author is not None:
        notify(
            user=post.author,
            kind=Notification.Kind.REPLY,
            title=f"replied to “{post.title[:120]}”",
            url=f"{post.get_absolute_url()}#reply-{reply.pk}",
            actor=author,
            names_actor=True,
        )
    return reply

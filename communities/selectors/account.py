"""Everything Kindred keeps about a person, as plain data for "Download your data" (JSON).

A read, composed in communities because it gathers what profiles keeps (account, profile,
notifications, direct messages, blocks, API tokens' names) with what communities keeps (posts,
threads, replies, memberships, votes).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from communities.models import Membership, Post, Reply, Thread, Vote
from profiles.models import ApiToken, Block, Message, Notification, Profile, User

FORMAT = "kindred-export-1"


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(user: User) -> dict[str, Any] | None:
    profile = Profile.objects.filter(user=user).prefetch_related("interests").first()
    if profile is None:
        return None
    return {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "interests": [tag.name for tag in profile.interests.all()],
        "discoverable": profile.discoverable,
        "email_frequency": profile.email_frequency,
        "notify_invitations": profile.notify_invitations,
        "notify_peers": profile.notify_peers,
        "notify_replies": profile.notify_replies,
        "notify_proposals": profile.notify_proposals,
    }


def _posts(user: User) -> list[dict[str, Any]]:
    posts = Post.objects.filter(author=user).prefetch_related("tags").order_by("created_at", "pk")
    return [
        {
            "id": post.pk,
            "kind": post.kind,
            "title": post.title,
            "body": post.body,
            "tags": [tag.name for tag in post.tags.all()],
            "status": post.status,
            "moderation_status": post.moderation_status,
            "created_at": _when(post.created_at),
            "edited_at": _when(post.edited_at),
        }
        for post in posts
    ]


def _threads(user: User) -> list[dict[str, Any]]:
    threads = Thread.objects.filter(author=user).select_related("community")
    return [
        {
            "id": thread.pk,
            "community": thread.community.slug,
            "title": thread.title,
            "status": thread.status,
            "created_at": _when(thread.created_at),
            "edited_at": _when(thread.edited_at),
        }
        for thread in threads.order_by("created_at", "pk")
    ]


def _replies(user: User) -> list[dict[str, Any]]:
    replies = Reply.objects.filter(author=user).order_by("created_at", "pk")
    return [
        {
            "id": reply.pk,
            "thread": reply.thread_id,
            "post": reply.post_id,
            "body": reply.body,
            "status": reply.status,
            "created_at": _when(reply.created_at),
            "edited_at": _when(reply.edited_at),
        }
        for reply in replies
    ]


def _memberships(user: User) -> list[dict[str, Any]]:
    rows = Membership.objects.filter(user=user).select_related("community")
    return [
        {
            "community": membership.community.slug,
            "community_name": membership.community.name,
            "role": membership.role,
            "state": membership.state,
            "banned_until": _when(membership.banned_until),
            "since": _when(membership.created_at),
        }
        for membership in rows.order_by("created_at", "pk")
    ]


def _votes(user: User) -> list[dict[str, Any]]:
    rows = Vote.objects.filter(user=user).select_related("proposal__community")
    return [
        {
            "proposal": vote.proposal_id,
            "community": vote.proposal.community.slug,
            "kind": vote.proposal.kind,
            "approve": vote.approve,
            "at": _when(vote.updated_at),
        }
        for vote in rows.order_by("created_at", "pk")
    ]


def _notifications(user: User) -> list[dict[str, Any]]:
    rows = (
        Notification.objects.filter(user=user)
        .select_related("actor__profile")
        .order_by("created_at", "pk")
    )
    return [
        {
            "kind": note.kind,
            "title": note.text,  # the actor named as they are now (profiles.permissions)
            "url": note.url,
            "created_at": _when(note.created_at),
            "read_at": _when(note.read_at),
        }
        for note in rows
    ]


def _messages(user: User) -> list[dict[str, Any]]:
    """The direct messages the person sent and received; a received message a moderator removed
    after a report is listed without its text, as the conversation shows it."""
    rows = (
        Message.objects.filter(Q(sender=user) | Q(recipient=user))
        .select_related("sender", "recipient")
        .order_by("created_at", "pk")
    )
    return [
        {
            "conversation": message.conversation_id,
            "from": message.sender.username,
            "to": message.recipient.username,
            "body": None if message.removed_at and message.sender_id != user.pk else message.body,
            "sent_at": _when(message.created_at),
            "read_at": _when(message.read_at),
            "removed_at": _when(message.removed_at),
        }
        for message in rows
    ]


def _blocks(user: User) -> list[dict[str, Any]]:
    rows = Block.objects.filter(blocker=user).select_related("blocked").order_by("created_at")
    return [{"blocked": b.blocked.username, "since": _when(b.created_at)} for b in rows]


def _api_tokens(user: User) -> list[dict[str, Any]]:
    """Names and dates only: the keys themselves are never stored (only digests)."""
    rows = ApiToken.objects.filter(user=user).order_by("created")
    return [
        {"name": t.name, "created_at": _when(t.created), "expires_at": _when(t.expiry)}
        for t in rows
    ]


def account_export(*, user: User) -> dict[str, Any]:
    """The person's own data; nobody else's words except the notifications they received."""
    return {
        "format": FORMAT,
        "exported_at": _when(timezone.now()),
        "account": {
            "username": user.username,
            "email": user.email,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "profile": _profile(user),
        "posts": _posts(user),
        "threads": _threads(user),
        "replies": _replies(user),
        "memberships": _memberships(user),
        "votes": _votes(user),
        "notifications": _notifications(user),
        "messages": _messages(user),
        "blocks": _blocks(user),
        "api_tokens": _api_tokens(user),
    }

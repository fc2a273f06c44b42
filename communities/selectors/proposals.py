"""Reads of proposals and of the charter they change: its revisions, and what changed between
two versions of it (for the history and proposal pages)."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, OuterRef, QuerySet, Subquery, Value

from communities.models import CharterRevision, Community, Proposal, Vote
from communities.selectors.communities import count_of
from communities.selectors.visibility import Viewer, community_visibility_filter
from core.diff import FieldChange, text_diff

CHARTER_FIELDS = (("name", "Name"), ("purpose", "Purpose"), ("rules", "Rules"), ("tags", "Tags"))


def proposal_list(*, viewer: Viewer, community: Community | None = None) -> QuerySet[Proposal]:
    """Proposals in communities the viewer may see, newest first, with their vote counts and,
    for a signed-in viewer, their own vote (my_vote: True, False or None)."""
    visible = community_visibility_filter(viewer, prefix="community__")
    proposals = Proposal.objects.filter(visible)
    if community is not None:
        proposals = proposals.filter(community=community)
    my_vote = (
        Subquery(Vote.objects.filter(proposal=OuterRef("pk"), user=viewer).values("approve")[:1])
        if viewer.is_authenticated
        else Value(None, output_field=BooleanField())
    )
    return (
        proposals.select_related("community", "target", "author__profile")
        .annotate(
            yes_count=count_of(Vote.objects.filter(approve=True), "proposal"),
            no_count=count_of(Vote.objects.filter(approve=False), "proposal"),
            my_vote=my_vote,
        )
        .order_by("-created_at", "-id")
    )


def charter_revision_list(*, community: Community) -> QuerySet[CharterRevision]:
    return CharterRevision.objects.filter(community=community).select_related(
        "editor__profile", "proposal"
    )


def _value(version: Any, name: str) -> Any:
    if isinstance(version, dict):
        return version.get(name)
    return getattr(version, name)


def charter_changes(older: Any, newer: Any) -> list[FieldChange]:
    """What changed from one charter version to the next (objects or dicts with name, purpose,
    rules and tags); unchanged fields are left out."""
    changes = []
    for name, label in CHARTER_FIELDS:
        before, after = _value(older, name), _value(newer, name)
        if name == "tags":
            before_tags, after_tags = list(before or []), list(after or [])
            added = [tag for tag in after_tags if tag not in before_tags]
            removed = [tag for tag in before_tags if tag not in after_tags]
            if added or removed:
                changes.append(FieldChange(name, label, added=added, removed=removed))
        elif (before or "") != (after or ""):
            changes.append(FieldChange(name, label, lines=text_diff(before or "", after or "")))
    return changes


def charter_history(revisions: list[CharterRevision]) -> list[dict[str, Any]]:
    """Revisions newest first, each with its changes from the one before it (the oldest, the
    charter as it began, has none)."""
    entries = []
    for index, revision in enumerate(revisions):
        older = revisions[index + 1] if index + 1 < len(revisions) else None
        entries.append(
            {
                "revision": revision,
                "changes": charter_changes(older, revision) if older is not None else [],
                "initial": older is None,
            }
        )
    return entries

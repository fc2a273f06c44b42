"""The forms of the review queues and the report page. Each parses one action's input; the
services check permissions and everything else. A form of the review queues (`ActionForm`) is
bound to where it acts: a community, or None for the site's queue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from communities.models import Area, Community, Post
from communities.selectors import Viewer, area_list, community_pick
from communities.services import AREA_NAME_MAX_LENGTH
from moderation.models import REASON_MAX_LENGTH
from moderation.selectors import placed_post_ids
from profiles.models import User


def _reason(required: bool = True, label: str = "Reason") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        required=required,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="" if required else "Optional.",
    )


class ActionForm(forms.Form):
    """The input of one action of the review queues (views.action_table), in ``community`` (None:
    the site's queue), by ``viewer`` (the person acting; for the choices that depend on what they
    may see)."""

    def __init__(
        self,
        *args: Any,
        community: Community | None = None,
        viewer: Viewer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        self.viewer = viewer


class ReasonForm(ActionForm):
    reason = _reason()


class OptionalReasonForm(ActionForm):
    reason = _reason(required=False)


class PersonForm(ActionForm):
    username = forms.CharField(max_length=150)
    reason = _reason(required=False)

    def clean_username(self) -> User:
        user = User.objects.filter(username=self.cleaned_data["username"], is_active=True).first()
        if user is None:
            raise forms.ValidationError("No one has that username.")
        return user


class PersonWithReasonForm(PersonForm):
    reason = _reason()


BAN_LENGTHS = [("", "For good"), ("1", "For a day"), ("7", "For a week"), ("30", "For 30 days")]


class BanForm(PersonWithReasonForm):
    days = forms.ChoiceField(label="How long", choices=BAN_LENGTHS, required=False)

    def clean(self) -> dict[str, Any]:
        """Adds ``until``: when the ban ends, counted from now (None: for good)."""
        cleaned = super().clean() or {}
        days = cleaned.get("days")
        cleaned["until"] = timezone.now() + timedelta(days=int(days)) if days else None
        return cleaned


class PostChoiceForm(ActionForm):
    post = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = _reason(required=False)

    def clean_post(self) -> Post:
        post = Post.objects.filter(pk=self.cleaned_data["post"]).first()
        if post is None:
            raise forms.ValidationError("No such post.")
        return post


class PostRemoveForm(PostChoiceForm):
    reason = _reason(label="Reason, sent to the author")


def _picked_community(text: str) -> Community:
    """The community a moderator picked by name (or typed by address); the service then checks
    that they moderate it."""
    community = community_pick(Community.objects.all(), text)
    if community is None:
        raise forms.ValidationError("No community has that name or address.")
    return community


class PostMoveForm(PostChoiceForm):
    destination = forms.CharField(label="Move to (community)", max_length=200)
    reason = _reason()

    def clean_destination(self) -> Community:
        return _picked_community(self.cleaned_data["destination"])


class PinForm(PostChoiceForm):
    pinned = forms.BooleanField(required=False)


class ThreadForm(ActionForm):
    thread = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    value = forms.BooleanField(required=False)
    reason = _reason(required=False)


class ReplyForm(ActionForm):
    reply = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = _reason(required=False)


class CharterForm(ActionForm):
    name = forms.CharField(max_length=120)
    purpose = forms.CharField(max_length=10000, required=False, widget=forms.Textarea)
    rules = forms.CharField(max_length=10000, required=False, widget=forms.Textarea)
    tags = forms.CharField(
        max_length=500, required=False, help_text="Separate tags with commas; at most 8."
    )
    reason = _reason(required=False)

    def clean_tags(self) -> list[str]:
        return [t for t in (part.strip() for part in self.cleaned_data["tags"].split(",")) if t]


class JoinPolicyForm(ActionForm):
    join_policy = forms.ChoiceField(
        label="Who can join", choices=Community.JoinPolicy.choices, widget=forms.RadioSelect
    )
    reason = _reason(required=False)


class MergeForm(ActionForm):
    into = forms.CharField(label="Merge into (community)", max_length=200)
    reason = _reason()

    def clean_into(self) -> Community:
        return _picked_community(self.cleaned_data["into"])


class AreaMoveForm(ActionForm):
    """Move a community to an area picked by its name, to no area, or to a new area named here
    (the new name wins over the picker). The picker offers the areas the viewer may see, and
    refuses any other (one hidden from them as one that does not exist)."""

    area = forms.ModelChoiceField(
        label="Area",
        queryset=Area.objects.none(),
        required=False,
        empty_label="No area",
    )
    new_area = forms.CharField(
        label="Or a new area named",
        max_length=AREA_NAME_MAX_LENGTH,
        required=False,
        help_text="Made now, unless an area you can see has that name; it wins over the picker.",
    )
    reason = _reason()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.viewer is not None:
            area_field = self.fields["area"]
            assert isinstance(area_field, forms.ModelChoiceField)
            area_field.queryset = area_list(viewer=self.viewer)


class AreaRenameForm(forms.Form):
    name = forms.CharField(label="New name", max_length=AREA_NAME_MAX_LENGTH)
    reason = _reason(required=False)


class SplitForm(ActionForm):
    posts = forms.TypedMultipleChoiceField(coerce=int, choices=[], label="Posts that move")
    name = forms.CharField(label="Name of the new community", max_length=120)
    reason = _reason()

    def __init__(
        self, *args: Any, post_choices: Iterable[tuple[int, object]] = (), **kwargs: Any
    ) -> None:
        """Bound to a community, the choices are the posts placed in it (by id); the queue's
        page passes ``post_choices`` with their titles."""
        super().__init__(*args, **kwargs)
        if self.community is not None and not post_choices:
            post_choices = [(pk, pk) for pk in placed_post_ids(community=self.community)]
        self.fields["posts"].choices = list(post_choices)  # type: ignore[attr-defined]


class ProposedCommunityForm(ActionForm):
    """Approve (optionally renamed) or reject a community the matcher proposed."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    name = forms.CharField(max_length=120, required=False, help_text="Rename it as you approve.")
    reason = _reason(required=False)


class DecideForm(ActionForm):
    report = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("uphold", "Uphold"), ("dismiss", "Dismiss")])
    reason = _reason(required=False)


class SuggestionForm(ActionForm):
    suggestion = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
    name = forms.CharField(max_length=120, required=False, help_text="For a split: its name.")
    reason = _reason(required=False)


class ReportForm(forms.Form):
    reason = _reason(label="What is wrong?")


class SiteBanForm(forms.Form):
    """Ban a person from the whole site: a reason (they are told it) and an optional last day."""

    reason = _reason(label="Reason, shown to the person")
    until = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The ban ends when this day begins (UTC). Leave empty for a lasting ban.",
    )


class SiteUnbanForm(forms.Form):
    reason = _reason(required=False)

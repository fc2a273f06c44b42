"""Forms for the pages: they parse and check what people type; services check permissions and
do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from communities import selectors
from communities.models import Community, Post, Proposal
from communities.services import MAX_TAGS
from profiles.forms import SettingsForm
from profiles.models import Profile

PAGE_SIZE = 24  # communities per page of the directory


def split_tags(raw: str) -> list[str]:
    """Comma-separated tags as typed ("clay soil, Drainage,") -> ["clay soil", "Drainage"]."""
    return [" ".join(part.split()) for part in raw.split(",") if part.strip()]


class TagsField(forms.CharField):
    """Tags typed as one comma-separated line; cleans to a list of names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 600)
        super().__init__(**kwargs)

    def clean(self, value):
        names = split_tags(super().clean(value) or "")
        if len(names) > MAX_TAGS:
            raise forms.ValidationError(f"Use at most {MAX_TAGS} tags (you gave {len(names)}).")
        too_long = [name for name in names if len(name) > 50]
        if too_long:
            raise forms.ValidationError("Keep each tag under 50 characters.")
        return names


class PostForm(forms.Form):
    kind = forms.ChoiceField(
        label="This is",
        choices=Post.Kind.choices,
        initial=Post.Kind.PROBLEM,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="One sentence: what are you trying to solve or learn?",
    )
    body = forms.CharField(
        label="Details",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What you tried, where you are stuck. Markdown works: *emphasis*, lists, links.",
    )
    tags = TagsField(
        label="Tags",
        help_text=f"Up to {MAX_TAGS}, separated by commas. Pick existing ones or add new ones.",
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown works. The author is notified.",
    )


class PostEditForm(forms.Form):
    """The words of a post, as its author changes them (its kind stays)."""

    title = PostForm.base_fields["title"]
    body = PostForm.base_fields["body"]
    tags = PostForm.base_fields["tags"]


class ThreadEditForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)


class ReplyEditForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown works. Moderators can see earlier versions.",
    )


# The community pages: directory, discussions, proposals -------------------------------------


class DirectoryForm(forms.Form):
    """The directory's search, filters and sort, read from the query string. Unknown values are
    dropped rather than refused: a stale bookmark still lists communities."""

    q = forms.CharField(label="Search communities", required=False, max_length=200)
    tag = forms.SlugField(label="Tag", required=False, max_length=50, allow_unicode=True)
    area = forms.SlugField(label="Area", required=False, max_length=140, allow_unicode=True)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Active and proposed"),
            (Community.Status.ACTIVE, "Active"),
            (Community.Status.PROPOSED, "Proposed: gathering members"),
        ],
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("", "Best match, then recent activity"),
            ("activity", "Recent activity"),
            ("members", "Most members"),
            ("newest", "Newest"),
        ],
    )

    def criteria(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or "" for name in ("q", "area", "tag", "status", "sort")}


class CommunityFoundForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=120, help_text="Short and plain: what people gather around."
    )
    purpose = forms.CharField(
        label="Purpose",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the community is for and who it is for. Markdown works.",
    )
    tags = TagsField(label="Tags", help_text=f"Up to {MAX_TAGS}, separated by commas.")
    join_policy = forms.ChoiceField(
        label="Who can join",
        choices=Community.JoinPolicy.choices,
        initial=Community.JoinPolicy.OPEN,
        widget=forms.RadioSelect,
    )
    visibility = forms.ChoiceField(
        label="Who can see it",
        choices=[
            (Community.Visibility.PUBLIC, "Everyone: it is listed in the directory"),
            (Community.Visibility.PRIVATE, "Only its members and the people they invite"),
        ],
        initial=Community.Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )


class ThreadForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="What do you want to talk about?",
    )
    body = forms.CharField(
        label="Message",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown works: *emphasis*, lists, links.",
    )


class ThreadReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown works. People in this thread are notified.",
    )


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(
        label="What to change",
        choices=Proposal.Kind.choices,
        widget=forms.RadioSelect,
    )
    value = forms.CharField(
        label="The new version",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            "The new name, purpose or rules in full (Markdown works); for tags, the names "
            "separated by commas. Leave empty for a merge."
        ),
    )
    target = forms.CharField(
        label="Community to merge with",
        required=False,
        max_length=200,
        help_text="For a merge: start typing its name and pick it from the list.",
        widget=forms.TextInput(attrs={"list": "merge-options", "autocomplete": "off"}),
    )
    rationale = forms.CharField(
        label="Why",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Tell the members why this change would help.",
    )

    def __init__(self, *args: Any, merge_candidates: QuerySet[Community], **kwargs: Any) -> None:
        """``merge_candidates``: the communities a merge may name (those the author may see,
        this one aside)."""
        super().__init__(*args, **kwargs)
        self.merge_candidates = merge_candidates

    @classmethod
    def initial_for(cls, community: Community, kind: str) -> dict[str, str]:
        """A proposal of ``kind`` starts from the community's current name, purpose, rules or
        tags; an unknown kind starts empty."""
        if kind not in Proposal.Kind.values:
            return {}
        if kind == Proposal.Kind.TAGS:
            current = ", ".join(tag.name for tag in community.tags.all())
        elif kind in (Proposal.Kind.NAME, Proposal.Kind.PURPOSE, Proposal.Kind.RULES):
            current = getattr(community, kind)
        else:
            current = ""
        return {"kind": kind, "value": current}

    def clean(self) -> dict[str, Any]:
        """The arguments of services.proposal_open: for a merge, ``target`` is the community
        picked (None otherwise); for tags, ``value`` is the list of names."""
        data = super().clean() or {}
        target = None
        if data.get("kind") == Proposal.Kind.MERGE and data.get("target"):
            try:
                target = selectors.community_pick(self.merge_candidates, data["target"])
            except ValidationError as error:
                self.add_error("target", error)
            else:
                if target is None:
                    self.add_error("target", "No community has that name or address.")
        if "target" in data:
            data["target"] = target
        if data.get("kind") == Proposal.Kind.TAGS:
            data["value"] = [name for name in data.get("value", "").split(",") if name.strip()]
        return data


class VoteForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("yes", "For"), ("no", "Against")],
        coerce=lambda value: value == "yes",
    )


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the form has that field,
    otherwise at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# A person's settings, with their interests (tags) ----------------------------------------------


class ProfileSettingsForm(SettingsForm):
    """The settings page's form: profiles' settings and one's interests, which are tags."""

    interests = TagsField(
        label="Interests",
        help_text="Topics you care about, separated by commas (up to 8).",
    )

    field_order = ["display_name", "bio", "interests"]

    @classmethod
    def initial_for(cls, profile: Profile) -> dict:
        return {
            **super().initial_for(profile),
            "interests": ", ".join(tag.name for tag in profile.interests.all()),
        }


# Search and the list of recent posts ------------------------------------------------------------

SEARCH_PAGE_SIZE = 20  # results of one kind per page
POSTS_PAGE_SIZE = 20  # posts per page of the recent posts


class SearchForm(forms.Form):
    """The search page's words and filters, read from the query string. Unknown kinds and
    malformed slugs are dropped rather than refused, as in the directory."""

    q = forms.CharField(
        label="Search for", required=False, max_length=selectors.SEARCH_QUERY_MAX_LENGTH
    )
    kind = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "Everything"),
            *((kind, selectors.SEARCH_KIND_NAMES[kind]) for kind in selectors.SEARCH_KINDS),
        ],
    )
    community = forms.SlugField(
        label="Community", required=False, max_length=140, allow_unicode=True
    )
    tag = forms.SlugField(label="Tag", required=False, max_length=50, allow_unicode=True)

    def criteria(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        criteria = {name: data.get(name) or "" for name in ("q", "kind", "community", "tag")}
        criteria["q"] = selectors.clean_search_query(criteria["q"])
        return criteria


class RecentPostsForm(forms.Form):
    community = forms.SlugField(
        label="Community", required=False, max_length=140, allow_unicode=True
    )
    tag = forms.SlugField(label="Tag", required=False, max_length=50, allow_unicode=True)

    def criteria(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or "" for name in ("community", "tag")}


class AccountDeleteForm(forms.Form):
    content = forms.ChoiceField(
        label="What you wrote",
        choices=[
            ("anonymise", "Keep my posts, threads and replies, shown as by “a former member”"),
            ("remove", "Remove everything I wrote (and the replies to it)"),
        ],
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To be sure it is you.",
    )

"""Forms for the community pages (directory, discussions, proposals). They parse what people type;
the services check permissions and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from communities.models import Community, Proposal

PAGE_SIZE = 24


class DirectoryForm(forms.Form):
    """The directory's search, filters and sort, read from the query string. Unknown values are
    dropped rather than refused: a stale bookmark still lists communities."""

    q = forms.CharField(label="Search communities", required=False, max_length=200)
    tag = forms.SlugField(label="Tag", required=False, max_length=50, allow_unicode=True)
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
        return {name: data.get(name) or "" for name in ("q", "tag", "status", "sort")}


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
        max_length=140,
        help_text="For a merge: the last part of its address, e.g. clay-soil.",
    )
    rationale = forms.CharField(
        label="Why",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Tell the members why this change would help.",
    )


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

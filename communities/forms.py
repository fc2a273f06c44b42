"""Forms for the pages: they parse and check what people type; services do the writing."""

from __future__ import annotations

from django import forms

from communities.models import Post
from communities.services import MAX_TAGS


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

"""The forms of profiles' pages: settings (what a person shows and how Kindred keeps in touch),
sign-up's extra question, API tokens and direct messages."""

from __future__ import annotations

from django import forms

from profiles.models import MESSAGE_MAX_LENGTH, Profile
from profiles.services import profile_update


class SettingsForm(forms.Form):
    """What profiles knows of a person. The settings page adds their interests (tags):
    communities.forms.ProfileSettingsForm."""

    display_name = forms.CharField(
        label="Display name",
        max_length=80,
        required=False,
        help_text="The name others see. Leave empty to show your username.",
    )
    bio = forms.CharField(
        label="About you",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    discoverable = forms.BooleanField(
        label="Let others find me by my posts",
        required=False,
        help_text="Your open posts can be suggested to people working on the same thing; "
        "they can reply to them and send you messages.",
    )
    email_frequency = forms.ChoiceField(
        label="Email me",
        choices=Profile.EmailFrequency.choices,
        widget=forms.RadioSelect,
    )
    notify_invitations = forms.BooleanField(
        label="Invitations to proposed communities", required=False
    )
    notify_peers = forms.BooleanField(label="New peers for my problems", required=False)
    notify_replies = forms.BooleanField(label="Replies to my posts and threads", required=False)
    notify_proposals = forms.BooleanField(label="Proposals opened and decided", required=False)

    NOTIFY_FIELDS = ("notify_invitations", "notify_peers", "notify_replies", "notify_proposals")

    @classmethod
    def initial_for(cls, profile: Profile) -> dict:
        return {
            "display_name": profile.display_name,
            "bio": profile.bio,
            "discoverable": profile.discoverable,
            "email_frequency": profile.email_frequency,
            **{field: getattr(profile, field) for field in cls.NOTIFY_FIELDS},
        }


class SignupExtraForm(forms.Form):
    """What allauth's sign-up form asks beyond the account: whether people working on the same
    problems may find you (on unless unticked, said in one sentence)."""

    discoverable = forms.BooleanField(
        label="Let people working on the same problems find me",
        required=False,
        initial=True,
        help_text="They will see your posts as peers, can reply to them and can message you. "
        "Untick to keep your posts out of their suggestions; you can change this in settings.",
    )

    def signup(self, request, user) -> None:
        profile_update(user=user, discoverable=self.cleaned_data["discoverable"])


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="What the token is for, e.g. “backup script on my laptop”.",
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

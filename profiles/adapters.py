from allauth.account.adapter import DefaultAccountAdapter

from profiles.services import profile_ensure


class AccountAdapter(DefaultAccountAdapter):
    """Every account made through sign-up gets its profile at once."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            profile_ensure(user=user)
        return user

"""The pages of profiles, by subject: accounts (the log-in pages, API tokens), notifications and
conversations (direct messages, blocks). A person's page and settings show their posts,
communities and interests (tags): communities.views.people serves them."""

from __future__ import annotations

from core.htmx import HtmxHttpRequest
from profiles.models import User


class SignedInRequest(HtmxHttpRequest):
    """What a page behind login_required receives, for the type checker: a signed-in person, and
    ``htmx`` (django-htmx's HtmxMiddleware sets it on every request)."""

    user: User

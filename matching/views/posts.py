"""The matching parts of the post pages: the peers and communities panel (polled while a post is
being matched), the live "Like yours" panel of the post form, and the author declining a
suggested peer or community.

Their URL names stay in the ``communities`` namespace, beside the post pages they belong to:
config/urls.py includes matching/urls.py there. The post page and the home page show matching's
data through its template tags (matching/templatetags/matching.py), so communities never imports
matching.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from communities import selectors as community_selectors
from communities.forms import split_tags
from communities.models import Post
from matching import selectors, services
from matching.models import CommunityFit, PeerSuggestion
from profiles import selectors as profile_selectors
from profiles.models import Notification
from profiles.views import SignedInRequest


def _visible_post(request: HttpRequest, pk: int) -> Post:
    """The post, if the viewer may see it (otherwise a 404); services check what they may do."""
    return get_object_or_404(community_selectors.post_list(viewer=request.user), pk=pk)


def post_matches(request: HttpRequest, pk: int) -> HttpResponse:
    """The peers and communities panel of a post page; htmx polls it while matching runs."""
    post = _visible_post(request, pk)
    context = selectors.post_matches_panel(viewer=request.user, post=post)
    return render(request, "matching/_post_matches.html", context)


def post_similar(request: HttpRequest) -> HttpResponse:
    """The live panel of the post form: what the draft resembles. Cheap enough to run on every
    pause in typing (debounced by htmx)."""
    found = services.similar_to_text(
        viewer=request.user,
        title=request.GET.get("title", "")[:200],
        body=request.GET.get("body", "")[:20000],
        tags=split_tags(request.GET.get("tags", "")[:600])[:8],
        k=5,
    )
    typed = any(request.GET.get(name, "").strip() for name in ("title", "body", "tags"))
    hears_peers = request.user.is_authenticated and profile_selectors.notification_wanted(
        user=request.user, kind=Notification.Kind.NEW_PEER
    )
    return render(
        request,
        "matching/_similar_panel.html",
        {"found": found, "typed": typed, "hears_peers": hears_peers},
    )


@login_required
@require_POST
def post_fit_decline(request: SignedInRequest, pk: int, fit_pk: int) -> HttpResponse:
    """ "Not my problem": the author declines a suggested community."""
    post = _visible_post(request, pk)
    fit = get_object_or_404(
        CommunityFit.objects.select_related("post", "community"), pk=fit_pk, post=post
    )
    services.community_fit_decline(actor=request.user, fit=fit)
    messages.success(request, f"We will not suggest “{fit.community.name}” for this post again.")
    return redirect(post)


@login_required
@require_POST
def post_peer_decline(request: SignedInRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    """The author declines a suggested peer: "not relevant"."""
    post = _visible_post(request, pk)
    suggestion = get_object_or_404(
        PeerSuggestion.objects.select_related("post"), pk=suggestion_pk, post=post
    )
    services.peer_suggestion_decline(actor=request.user, suggestion=suggestion)
    messages.success(request, "We will not suggest that post again.")
    return redirect(post)

from django.shortcuts import get_object_or_404, render

from communities import selectors
from matching import selectors as matching_selectors


def home(request):
    communities = selectors.community_list(viewer=request.user).filter(status="active")[:6]
    return render(request, "home.html", {"communities": communities})


def community_list(request):
    communities = selectors.community_list(viewer=request.user)[:50]
    return render(request, "communities/list.html", {"communities": communities})


def community_detail(request, slug: str):
    community = get_object_or_404(selectors.community_list(viewer=request.user), slug=slug)
    return render(request, "communities/detail.html", {"community": community})


def _post_matches_context(request, pk: int) -> dict:
    post = get_object_or_404(selectors.post_list(viewer=request.user), pk=pk)
    return {
        "post": post,
        "peers": matching_selectors.post_peers(viewer=request.user, post=post),
        "fits": matching_selectors.post_community_fits(viewer=request.user, post=post),
    }


def post_detail(request, pk: int):
    return render(request, "communities/post_detail.html", _post_matches_context(request, pk))


def post_matches(request, pk: int):
    """The peers and communities panel of a post page; htmx polls it while matching runs."""
    return render(request, "communities/_post_matches.html", _post_matches_context(request, pk))

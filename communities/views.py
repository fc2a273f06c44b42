from django.shortcuts import get_object_or_404, render

from communities import selectors


def home(request):
    return render(request, "home.html")


def community_list(request):
    communities = selectors.community_list(viewer=request.user)[:50]
    return render(request, "communities/list.html", {"communities": communities})


def community_detail(request, slug: str):
    community = get_object_or_404(selectors.community_list(viewer=request.user), slug=slug)
    return render(request, "communities/detail.html", {"community": community})


def post_detail(request, pk: int):
    post = get_object_or_404(selectors.post_list(viewer=request.user), pk=pk)
    return render(request, "communities/post_detail.html", {"post": post})

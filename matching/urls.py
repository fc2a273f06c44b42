"""The matching parts of the post pages. No ``app_name``: config/urls.py includes these patterns
in the ``communities`` namespace, beside the post pages (``communities:post-matches`` and so on),
so that every URL name stayed what it was when these views lived in communities."""

from django.urls import path

from matching.views import posts

urlpatterns = [
    path("posts/<int:pk>/matches/", posts.post_matches, name="post-matches"),
    path("posts/similar/", posts.post_similar, name="post-similar"),
    path(
        "posts/<int:pk>/fits/<int:fit_pk>/decline/",
        posts.post_fit_decline,
        name="post-fit-decline",
    ),
    path(
        "posts/<int:pk>/peers/<int:suggestion_pk>/decline/",
        posts.post_peer_decline,
        name="post-peer-decline",
    ),
]

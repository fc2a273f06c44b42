"""The matching parts of the post pages. No ``app_name``: config/urls.py includes these patterns
in the ``communities`` namespace, beside the post pages (``communities:post-matches`` and so on),
so that every URL name stayed what it was when these views lived in communities."""

from django.urls import path

from matching import views

urlpatterns = [
    path("posts/<int:pk>/matches/", views.post_matches, name="post-matches"),
    path("posts/similar/", views.post_similar, name="post-similar"),
    path(
        "posts/<int:pk>/fits/<int:fit_pk>/dismiss/",
        views.post_fit_dismiss,
        name="post-fit-dismiss",
    ),
    path(
        "posts/<int:pk>/peers/<int:suggestion_pk>/dismiss/",
        views.post_peer_dismiss,
        name="post-peer-dismiss",
    ),
]

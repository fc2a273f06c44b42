from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("communities/", views.community_list, name="list"),
    path("communities/<str:slug>/", views.community_detail, name="detail"),
    path("posts/<int:pk>/", views.post_detail, name="post-detail"),
    path("posts/<int:pk>/matches/", views.post_matches, name="post-matches"),
    path("posts/new/", views.post_new, name="post-new"),
    path("posts/similar/", views.post_similar, name="post-similar"),
    path("posts/tag-options/", views.tag_options, name="tag-options"),
    path("posts/<int:pk>/status/", views.post_set_status, name="post-status"),
    path("posts/<int:pk>/replies/", views.post_reply_create, name="post-reply"),
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

from django.urls import path

from communities import views, views_community

app_name = "communities"

urlpatterns = [
    path("communities/", views_community.community_list, name="list"),
    path("communities/<str:slug>/", views_community.community_detail, name="detail"),
    path("communities/<str:slug>/join/", views_community.community_join, name="join"),
    path("communities/<str:slug>/leave/", views_community.community_leave, name="leave"),
    path("communities/<str:slug>/threads/new/", views_community.thread_create, name="thread-new"),
    path(
        "communities/<str:slug>/threads/<int:pk>/",
        views_community.thread_detail,
        name="thread-detail",
    ),
    path(
        "communities/<str:slug>/threads/<int:pk>/reply/",
        views_community.thread_reply,
        name="thread-reply",
    ),
    path(
        "communities/<str:slug>/proposals/new/",
        views_community.proposal_create,
        name="proposal-new",
    ),
    path(
        "communities/<str:slug>/proposals/<int:pk>/",
        views_community.proposal_detail,
        name="proposal-detail",
    ),
    path(
        "communities/<str:slug>/proposals/<int:pk>/vote/",
        views_community.proposal_vote,
        name="proposal-vote",
    ),
    path(
        "communities/<str:slug>/proposals/<int:pk>/withdraw/",
        views_community.proposal_withdraw,
        name="proposal-withdraw",
    ),
    path(
        "communities/<str:slug>/charter/",
        views_community.charter_history,
        name="charter-history",
    ),
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

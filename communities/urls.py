from django.urls import path

from communities.views import areas, people, posts, search
from communities.views import communities as community_views

app_name = "communities"

urlpatterns = [
    path("communities/", community_views.community_list, name="list"),
    path("areas/<str:slug>/", areas.area_detail, name="area-detail"),
    path("communities/<str:slug>/", community_views.community_detail, name="detail"),
    path("communities/<str:slug>/join/", community_views.community_join, name="join"),
    path("communities/<str:slug>/leave/", community_views.community_leave, name="leave"),
    path("communities/<str:slug>/threads/new/", community_views.thread_create, name="thread-new"),
    path(
        "communities/<str:slug>/threads/<int:pk>/",
        community_views.thread_detail,
        name="thread-detail",
    ),
    path(
        "communities/<str:slug>/threads/<int:pk>/reply/",
        community_views.thread_reply,
        name="thread-reply",
    ),
    path(
        "communities/<str:slug>/proposals/new/",
        community_views.proposal_create,
        name="proposal-new",
    ),
    path(
        "communities/<str:slug>/proposals/<int:pk>/",
        community_views.proposal_detail,
        name="proposal-detail",
    ),
    path(
        "communities/<str:slug>/proposals/<int:pk>/vote/",
        community_views.proposal_vote,
        name="proposal-vote",
    ),
    path(
        "communities/<str:slug>/proposals/<int:pk>/withdraw/",
        community_views.proposal_withdraw,
        name="proposal-withdraw",
    ),
    path(
        "communities/<str:slug>/charter/",
        community_views.charter_history,
        name="charter-history",
    ),
    path("search/", search.search_page, name="search"),
    path("posts/", search.post_recent, name="post-list"),
    path("posts/<int:pk>/", posts.post_detail, name="post-detail"),
    path("posts/new/", posts.post_new, name="post-new"),
    path("posts/tag-options/", posts.tag_options, name="tag-options"),
    path("posts/<int:pk>/status/", posts.post_set_status, name="post-status"),
    path("posts/<int:pk>/replies/", posts.post_reply_create, name="post-reply"),
]

# A person's page and settings, under /people/ in the profiles namespace (see config/urls.py).
people_urlpatterns = [
    path("settings/", people.profile_settings, name="settings"),
    path("<str:username>/", people.person_detail, name="detail"),
]

from django.urls import path

from communities.views import areas, editing, founding, people, posts, search
from communities.views import communities as community_views

app_name = "communities"

urlpatterns = [
    path("communities/", community_views.community_list, name="list"),
    path("communities/new/", founding.community_new, name="new"),
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
    path("posts/<int:pk>/edit/", editing.post_edit, name="post-edit"),
    path("posts/<int:pk>/delete/", editing.post_delete, name="post-delete"),
    path("posts/<int:pk>/history/", editing.post_history, name="post-history"),
    path("communities/<str:slug>/threads/<int:pk>/edit/", editing.thread_edit, name="thread-edit"),
    path(
        "communities/<str:slug>/threads/<int:pk>/delete/",
        editing.thread_delete,
        name="thread-delete",
    ),
    path(
        "communities/<str:slug>/threads/<int:pk>/history/",
        editing.thread_history,
        name="thread-history",
    ),
    path("replies/<int:pk>/edit/", editing.reply_edit, name="reply-edit"),
    path("replies/<int:pk>/delete/", editing.reply_delete, name="reply-delete"),
    path("replies/<int:pk>/history/", editing.reply_history, name="reply-history"),
]

# A person's page and settings, under /people/ in the profiles namespace (see config/urls.py).
people_urlpatterns = [
    path("settings/", people.profile_settings, name="settings"),
    path("settings/download/", people.account_download, name="account-download"),
    path("settings/delete/", people.account_delete, name="account-delete"),
    path("<str:username>/", people.person_detail, name="detail"),
]

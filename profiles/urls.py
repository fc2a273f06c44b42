from django.urls import path

from profiles import conversation_views, views

# No app_name: config/urls.py includes these in the ``profiles`` namespace together with
# communities.urls.people_urlpatterns (a person's page and settings, which show their posts,
# communities and interests), these first, so that the fixed paths come before <username> and
# no one's username can shadow them.
urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
    path("messages/", conversation_views.conversation_list, name="conversations"),
    path(
        "messages/to/<str:username>/",
        conversation_views.conversation_start,
        name="conversation-start",
    ),
    path("messages/<int:pk>/", conversation_views.conversation_detail, name="conversation"),
    path("messages/<int:pk>/send/", conversation_views.conversation_send, name="conversation-send"),
    path("<str:username>/block/", conversation_views.person_block, name="block"),
    path("<str:username>/unblock/", conversation_views.person_unblock, name="unblock"),
]

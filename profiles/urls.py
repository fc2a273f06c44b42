from django.urls import path

from profiles.views import accounts, conversations, notifications

# No app_name: config/urls.py includes these in the ``profiles`` namespace together with
# communities.urls.people_urlpatterns (a person's page and settings, which show their posts,
# communities and interests), these first, so that the fixed paths come before <username> and
# no one's username can shadow them.
urlpatterns = [
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications-read"),
    path("notifications/<int:pk>/", notifications.notification_open, name="notification-open"),
    path("settings/tokens/", accounts.token_list, name="tokens"),
    path(
        "settings/tokens/<uuid:public_id>/revoke/",
        accounts.token_revoke,
        name="token-revoke",
    ),
    path("messages/", conversations.conversation_list, name="conversations"),
    path(
        "messages/to/<str:username>/",
        conversations.conversation_start,
        name="conversation-start",
    ),
    path("messages/<int:pk>/", conversations.conversation_detail, name="conversation"),
    path("messages/<int:pk>/send/", conversations.conversation_send, name="conversation-send"),
    path("<str:username>/block/", conversations.person_block, name="block"),
    path("<str:username>/unblock/", conversations.person_unblock, name="unblock"),
]

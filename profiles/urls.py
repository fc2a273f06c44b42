from django.urls import path

from profiles import views

app_name = "profiles"

# Fixed paths come before <username>, so that no one's username can shadow them.
urlpatterns = [
    path("settings/", views.profile_settings, name="settings"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("<str:username>/", views.profile_detail, name="detail"),
]

from django.urls import path

from moderation import people_views, views

app_name = "moderation"

urlpatterns = [
    path("communities/<str:slug>/moderation/", views.community_queue, name="queue"),
    path("communities/<str:slug>/moderation/log/", views.community_log, name="log"),
    path("communities/<str:slug>/moderation/<str:action>/", views.community_action, name="act"),
    path("moderation/", views.site_queue, name="site"),
    path("moderation/log/", views.site_log, name="site-log"),
    path("moderation/runs/<int:pk>/", views.run_progress, name="run-progress"),
    path("moderation/areas/<str:slug>/rename/", views.area_rename, name="area-rename"),
    path("moderation/people/<str:username>/ban/", people_views.site_ban, name="site-ban"),
    path("moderation/people/<str:username>/unban/", people_views.site_unban, name="site-unban"),
    path("moderation/<str:action>/", views.site_action, name="site-act"),
    path("report/<str:target_type>/<int:pk>/", views.report, name="report"),
]

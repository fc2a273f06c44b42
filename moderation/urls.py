from django.urls import path

from moderation.views import actions, logs, people, queues, reports

app_name = "moderation"

urlpatterns = [
    path("communities/<str:slug>/moderation/", queues.community_queue, name="queue"),
    path("communities/<str:slug>/moderation/log/", logs.community_log, name="log"),
    path("communities/<str:slug>/moderation/<str:action>/", actions.community_action, name="act"),
    path("moderation/", queues.site_queue, name="site"),
    path("moderation/log/", logs.site_log, name="site-log"),
    path("moderation/runs/<int:pk>/", queues.run_progress, name="run-progress"),
    path("moderation/areas/<str:slug>/rename/", actions.area_rename, name="area-rename"),
    path("moderation/people/<str:username>/ban/", people.site_ban, name="site-ban"),
    path("moderation/people/<str:username>/unban/", people.site_unban, name="site-unban"),
    path("moderation/<str:action>/", actions.site_action, name="site-act"),
    path("report/<str:target_type>/<int:pk>/", reports.report, name="report"),
]

from django.contrib import admin
from django.urls import include, path

from communities import views as communities_views
from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("config.api")),
    path("people/", include("profiles.urls")),
    path("", communities_views.home, name="home"),
    path("", include("communities.moderation_urls")),
    path("", include("communities.urls")),
]

handler429 = "config.views.too_many_requests"

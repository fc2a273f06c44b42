from django.contrib import admin
from django.urls import include, path

from communities import views as communities_views
from core import views
from profiles import views as profiles_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/login/", profiles_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("config.api")),
    path("people/", include("profiles.urls")),
    path("", communities_views.home, name="home"),
    path("", include("moderation.urls")),
    path("", include("communities.urls")),
]

handler429 = "core.views.too_many_requests"

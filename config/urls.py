from django.contrib import admin
from django.urls import include, path

from communities import urls as communities_urls
from communities.views import posts as post_views
from core import views
from matching import urls as matching_urls
from profiles import urls as profiles_urls
from profiles.views import accounts as account_views

# The matching parts of the post pages keep their names in the communities namespace, beside the
# post pages they belong to (communities may not import matching, so they are joined here).
communities_and_matching_urls = (
    [*communities_urls.urlpatterns, *matching_urls.urlpatterns],
    communities_urls.app_name,
)
# A person's page and settings show their posts, communities and interests (tags), so communities
# serves them; their names stay in the profiles namespace. profiles' fixed paths come first, so
# that no one's username shadows them.
people_urls = ([*profiles_urls.urlpatterns, *communities_urls.people_urlpatterns], "profiles")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/login/", account_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    # allauth's log-in and password-change pages, answering 429 when the lockout refuses
    # (profiles/services/lockout.py).
    path("accounts/login/", account_views.login),
    path("accounts/password/change/", account_views.password_change),
    path("accounts/", include("allauth.urls")),
    path("api/", include("config.api")),
    path("people/", include(people_urls)),
    path("", post_views.home, name="home"),
    path("", include("moderation.urls")),
    path("", include(communities_and_matching_urls)),
]

handler403 = "core.views.permission_denied"
handler429 = "core.views.too_many_requests"

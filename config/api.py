"""The REST API: one router for all viewsets, token auth, the OpenAPI schema and its docs."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from communities.api import CommunityViewSet, PostViewSet, TagViewSet
from profiles.api import ObtainTokenView


def api_not_found(request):
    """Any other /api/ address answers in JSON, like the API does, not with an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


router = DefaultRouter()
router.register("tags", TagViewSet, basename="tag")
router.register("posts", PostViewSet, basename="post")
router.register("communities", CommunityViewSet, basename="community")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
    re_path(r"^", lambda request, *args, **kwargs: api_not_found(request)),
]

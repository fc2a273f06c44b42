"""The REST API: one router for all viewsets, token auth, the OpenAPI schema and its docs."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from communities.api.views import (
    AreaViewSet,
    CommunityViewSet,
    MeView,
    ProposalViewSet,
    SearchView,
    TagViewSet,
    ThreadReplyViewSet,
    ThreadViewSet,
)
from matching.api.views import MatchRunViewSet, PostWithMatchesViewSet
from moderation.api.views.areas import AreaModerationViewSet
from moderation.api.views.community import CommunityModerationViewSet
from moderation.api.views.reports import ReportViewSet
from moderation.api.views.site import SiteModerationViewSet
from moderation.api.views.suggestions import MatcherSuggestionViewSet
from profiles.api.views import (
    ApiTokenViewSet,
    ConversationViewSet,
    NotificationViewSet,
    ObtainTokenView,
)


@csrf_exempt
def api_not_found(request):
    """Any other /api/ address answers in JSON, like the API does, not with an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


router = DefaultRouter()
router.register("tags", TagViewSet, basename="tag")
router.register("posts", PostWithMatchesViewSet, basename="post")
router.register("communities", CommunityViewSet, basename="community")
router.register("areas", AreaViewSet, basename="area")
router.register("match-runs", MatchRunViewSet, basename="match-run")
router.register("threads", ThreadViewSet, basename="thread")
router.register("thread-messages", ThreadReplyViewSet, basename="thread-message")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("moderation/communities", CommunityModerationViewSet, basename="moderation")
router.register("moderation/site", SiteModerationViewSet, basename="site-moderation")
router.register("moderation/areas", AreaModerationViewSet, basename="area-moderation")
router.register("reports", ReportViewSet, basename="report")
router.register("matcher-suggestions", MatcherSuggestionViewSet, basename="matcher-suggestion")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("conversations", ConversationViewSet, basename="conversation")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("search/", SearchView.as_view(), name="api-search"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
    re_path(r"^", api_not_found),
]

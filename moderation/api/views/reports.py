"""Reports: anyone signed in makes one; the moderators who decide it uphold or dismiss it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from moderation import selectors, services
from moderation.api.serializers import (
    ReportCreateSerializer,
    ReportDecisionSerializer,
    ReportSerializer,
)
from moderation.api.views.base import ModerationViewSet
from moderation.models import REPORT_TARGETS, Report


class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ModerationViewSet,
):
    """Reports: anyone signed in reports a post, reply, discussion, community, person or direct
    message (one they received), once each. People and messages go to site staff."""

    serializer_class = ReportSerializer

    def get_queryset(self):
        if self.action == "decide":  # the service answers 403 or 404 by the report's community
            return Report.objects.select_related("community")
        return selectors.report_list(viewer=self.request.user)

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer})
    def create(self, request, *args, **kwargs):
        """Report something, with a reason. Once per person and target: a repeat returns the
        first report. Enough reports from different people hide the content until a moderator
        decides."""
        data = self._input(ReportCreateSerializer)
        model = REPORT_TARGETS[data["target_type"]]
        target = model._default_manager.filter(pk=data["target_id"]).first()
        if target is None:
            return Response({"detail": "Nothing to report there."}, status=404)
        report = services.report_create(
            reporter=request.user, target=target, community=data["community"], reason=data["reason"]
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReportDecisionSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Uphold (the content is removed, the author hears why) or dismiss (hidden content
        shows again) this report and every pending one on the same content. Safe to repeat."""
        report = self.get_object()
        data = self._input(ReportDecisionSerializer)
        report = services.report_decide(
            actor=request.user,
            report=report,
            uphold=data["decision"] == "uphold",
            reason=data["reason"],
        )
        return Response(ReportSerializer(report).data)

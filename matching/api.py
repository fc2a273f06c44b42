"""Match runs: start one (staff and community moderators) and follow it live."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from matching import selectors, services
from matching.models import MatchRun


class MatchRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "status",
            "trigger",
            "requested_by",
            "config_id",
            "stage",
            "progress",
            "post_count",
            "community_count",
            "assigned_count",
            "metrics",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class CanStartRuns(permissions.BasePermission):
    message = "Only staff and community moderators can see and start match runs."

    def has_permission(self, request, view):
        return services.can_start_runs(request.user)


class MatchRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = MatchRunSerializer
    permission_classes = [permissions.IsAuthenticated, CanStartRuns]
    filterset_fields = ["status", "trigger"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.match_run_list()

    @extend_schema(request=None, responses={201: MatchRunSerializer, 200: MatchRunSerializer})
    def create(self, request, *args, **kwargs):
        """Start a full run now, or get the one already queued or running (200)."""
        run = services.match_run_request(actor=request.user, trigger=MatchRun.Trigger.MANUAL)
        created = run.requested_by_id == request.user.pk and run.status == MatchRun.Status.QUEUED
        return Response(
            MatchRunSerializer(run).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

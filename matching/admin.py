from django.contrib import admin

from matching.models import MatchRun, run_writes


@admin.register(MatchRun)
class MatchRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "status",
        "trigger",
        "stage",
        "progress",
        "post_count",
        "community_count",
        "config_id",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "trigger"]
    list_select_related = ["requested_by"]
    readonly_fields = [*(f.name for f in MatchRun._meta.fields), "rows_written"]

    @admin.display(description="rows written")
    def rows_written(self, run: MatchRun) -> str:
        return run_writes(run)

    def has_add_permission(self, request):
        return False

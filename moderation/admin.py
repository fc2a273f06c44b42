from django.contrib import admin

from moderation.models import ModerationAction


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """Read-only: the moderation log is append-only."""

    list_display = ["created_at", "actor", "verb", "target_repr", "community"]
    list_filter = ["verb", "created_at"]
    list_select_related = ["actor", "community"]
    search_fields = ["target_repr", "reason", "actor__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from communities.models import Area, Community, Membership, Placement, Post, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "usage_count", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["usage_count"]
    ordering = ["-usage_count"]


class PlacementInline(admin.TabularInline):
    model = Placement
    fk_name = "post"
    extra = 0
    autocomplete_fields = ["community"]
    raw_id_fields = ["placed_by_user"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "kind", "status", "created_at"]
    list_filter = ["kind", "status", "created_at"]
    list_select_related = ["author"]
    search_fields = ["title", "body", "author__username"]
    autocomplete_fields = ["tags"]
    raw_id_fields = ["author"]
    date_hierarchy = "created_at"
    inlines = [PlacementInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "area",
        "status",
        "origin",
        "visibility",
        "join_policy",
        "created_at",
    ]
    list_filter = ["status", "origin", "visibility", "join_policy", "area"]
    list_select_related = ["area"]
    search_fields = ["name", "slug", "purpose"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["tags", "area"]
    raw_id_fields = ["created_by"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "state", "created_at"]
    list_filter = ["role", "state"]
    list_select_related = ["user", "community"]
    search_fields = ["user__username", "community__name"]
    raw_id_fields = ["user", "community"]


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["post", "community", "placed_by", "score", "pinned", "created_at"]
    list_filter = ["placed_by", "pinned"]
    list_select_related = ["post", "community"]
    raw_id_fields = ["post", "community", "placed_by_user"]

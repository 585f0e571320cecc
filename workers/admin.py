from django.contrib import admin

from workers.models import DemoRun


@admin.register(DemoRun)
class DemoRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "demo",
        "status",
        "progress",
        "device_kind",
        "device_label",
        "requested_by",
        "created_at",
        "attempts",
    )
    list_filter = ("demo", "status", "device_kind")
    search_fields = ("demo", "task_id", "requested_by__username")
    readonly_fields = (
        "created_at",
        "started_at",
        "finished_at",
        "params_hash",
        "estimated_seconds",
        "share_token",
    )
    raw_id_fields = ("requested_by", "reused_from")

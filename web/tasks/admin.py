from datetime import timedelta

from django.contrib import admin, messages
from django.tasks import TaskResultStatus
from django.utils import timezone

from web.tasks import records
from web.tasks.models import TaskRecord

# READY tasks older than this (and due) mean nothing consumes the queue: "you forgot to start the worker".
UNCONSUMED_AFTER = timedelta(minutes=5)


@admin.register(TaskRecord)
class TaskRecordAdmin(admin.ModelAdmin):
    list_display = ["task_path", "status", "attempts", "enqueued_at", "finished_at", "took", "last_error"]
    list_filter = ["status", "task_path"]
    search_fields = ["id", "task_path"]
    date_hierarchy = "enqueued_at"
    actions = ["run_again"]
    readonly_fields = [field.name for field in TaskRecord._meta.fields] + ["attempts", "error_details"]
    exclude = ["errors"]

    def has_add_permission(self, request):
        return False  # tasks are enqueued by code, not typed in

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="took")
    def took(self, record: TaskRecord) -> str:
        if not (record.started_at and record.finished_at):
            return ""
        return f"{(record.finished_at - record.started_at).total_seconds():.1f} s"

    @admin.display(description="last error")
    def last_error(self, record: TaskRecord) -> str:
        return record.errors[-1]["exception_class_path"] if record.errors else ""

    @admin.display(description="errors, one per failed attempt")
    def error_details(self, record: TaskRecord) -> str:
        return "\n\n".join(error["traceback"] for error in record.errors) or "none"

    @admin.action(description="Run the selected tasks again (as new tasks, same arguments)")
    def run_again(self, request, queryset):
        enqueued = []
        for record in queryset:
            task = records.task_of(record.task_path)
            enqueued.append(task.enqueue(*record.args, **record.kwargs).id)
        self.message_user(request, f"Enqueued again as {', '.join(enqueued)}.", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        waiting = unconsumed_tasks()
        if waiting:
            self.message_user(
                request,
                f"{waiting} tasks have waited more than {UNCONSUMED_AFTER.seconds // 60} minutes: is the worker "
                "running? (zappa_settings.json events and `zappa update` on AWS; `make run` starts it locally)",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


def unconsumed_tasks() -> int:
    """Due tasks still READY long after they were enqueued or became due: nobody is consuming the queue."""
    cutoff = timezone.now() - UNCONSUMED_AFTER
    ready = TaskRecord.objects.filter(status=TaskResultStatus.READY, enqueued_at__lte=cutoff)
    return ready.exclude(run_after__gt=cutoff).count()

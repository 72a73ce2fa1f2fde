from django.contrib import admin

from web.outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "queue", "kind", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["queue", ("sent_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["queue", "body", "created_at", "sent_at", "sqs_message_id", "attempts", "last_error"]

    @admin.display(description="kind")
    def kind(self, message: OutboxMessage) -> str:
        return message.body.get("kind", "")

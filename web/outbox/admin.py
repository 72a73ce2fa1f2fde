import json

from django.contrib import admin

from web.contracts import redacted
from web.outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "queue", "kind", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["queue", ("sent_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["queue", "message", "created_at", "sent_at", "sqs_message_id", "attempts", "last_error"]
    exclude = ["body"]

    @admin.display(description="kind")
    def kind(self, message: OutboxMessage) -> str:
        return message.body.get("kind", "")

    @admin.display(description="body")
    def message(self, message: OutboxMessage) -> str:
        # Staff see what was sent, except a password reset link: it opens the account until it expires.
        return json.dumps(redacted(message.body), indent=2, ensure_ascii=False)

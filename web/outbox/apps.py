from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "web.outbox"
    label = "outbox"
    verbose_name = "Outbox"

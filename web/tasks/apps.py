from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "web.tasks"
    label = "site_tasks"
    verbose_name = "Background tasks"

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "web.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.contrib import admin

        # The admin's index links to the staff pages (the template extends the admin's own index).
        if admin.site.index_template is None:
            admin.site.index_template = "admin/ops_index.html"

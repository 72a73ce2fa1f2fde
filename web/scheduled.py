"""Entry points Zappa's scheduler calls (`events` in zappa_settings.json)."""

import django
from django.core.management import call_command


def sweep(event, context):
    django.setup()  # idempotent; Zappa's handler sets DJANGO_SETTINGS_MODULE before calling us
    call_command("sweep")

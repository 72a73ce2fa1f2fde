"""Entry points Zappa's scheduler calls (`events` in zappa_settings.json)."""

import django
from django.core.management import call_command
from django.db import close_old_connections


def sweep(event, context):
    django.setup()  # idempotent; Zappa's handler sets DJANGO_SETTINGS_MODULE before calling us
    # Django closes stale and expired connections around web requests only (request_started/finished signals);
    # a scheduled event gets neither, so a connection the database dropped between sweeps would fail this one.
    close_old_connections()
    try:
        call_command("sweep")
    finally:
        close_old_connections()

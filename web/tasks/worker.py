"""The site-tasks worker: the site's own Lambda, invoked by Zappa with batches from the site-tasks queue
(`events` in zappa_settings.json; locally devstack's poller). The work is in web/tasks/runner.py."""

import django


def handle_sqs_event(event: dict, context) -> None:
    django.setup()  # idempotent; Zappa's handler sets DJANGO_SETTINGS_MODULE, and may not have set Django up
    from web.tasks.runner import run_message  # models import only once Django is set up

    worker_id = getattr(context, "aws_request_id", "") or "local"
    for record in event.get("Records", []):
        run_message(record.get("body", ""), worker_id=worker_id)

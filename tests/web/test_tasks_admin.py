"""What operators see of the background tasks: the admin's list, "run again", the unconsumed-queue warning, and
the sweeper's pruning of old results."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.web.task_examples import add
from web.accounts.models import User
from web.tasks.models import TaskRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser(email="ops@example.com", password="an-operator-passphrase"))
    return client


def test_the_admin_lists_tasks_with_status_attempts_and_errors(staff_client):
    result = add.enqueue(1, 2)
    TaskRecord.objects.filter(pk=result.id).update(
        status="FAILED",
        worker_ids=["a", "b"],
        errors=[{"exception_class_path": "builtins.ConnectionError", "traceback": "Traceback: boom"}] * 2,
    )

    listing = staff_client.get("/admin/site_tasks/taskrecord/").content.decode()
    detail = staff_client.get(f"/admin/site_tasks/taskrecord/{result.id}/change/").content.decode()

    assert "tests.web.task_examples.add" in listing and "builtins.ConnectionError" in listing
    assert "Traceback: boom" in detail


def test_run_again_enqueues_a_new_task_with_the_same_arguments(staff_client):
    result = add.enqueue(3, 4)
    TaskRecord.objects.filter(pk=result.id).update(status="FAILED")

    response = staff_client.post(
        "/admin/site_tasks/taskrecord/", {"action": "run_again", "_selected_action": [result.id]}, follow=True
    )

    again = TaskRecord.objects.exclude(pk=result.id).get()
    assert again.status == "READY" and again.args == [3, 4]
    assert f"Enqueued again as {again.id}." in response.content.decode()


def test_tasks_nobody_consumes_are_shown_to_staff(staff_client):
    result = add.enqueue(1, 1)
    assert "is the worker running?" not in staff_client.get("/admin/site_tasks/taskrecord/").content.decode()

    TaskRecord.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - timedelta(minutes=6))

    assert "1 tasks have waited more than 5 minutes: is the worker running?" in (
        staff_client.get("/admin/site_tasks/taskrecord/").content.decode()
    )


def test_a_task_deferred_to_later_is_not_counted_as_unconsumed(staff_client):
    result = add.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(1, 1)
    TaskRecord.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - timedelta(minutes=6))

    assert "is the worker running?" not in staff_client.get("/admin/site_tasks/taskrecord/").content.decode()


def test_the_sweeper_prunes_finished_results_after_two_weeks():
    old, recent, waiting = (add.enqueue(n, n) for n in range(3))
    TaskRecord.objects.filter(pk=old.id).update(status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=15))
    TaskRecord.objects.filter(pk=recent.id).update(status="FAILED", finished_at=timezone.now() - timedelta(days=1))

    call_command("sweep")

    assert set(TaskRecord.objects.values_list("pk", flat=True)) == {recent.id, waiting.id}

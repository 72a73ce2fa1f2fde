"""SES's bounces and complaints reach the site (issue 16): the address gets no more mail, its owner is told why on
every page, and can ask for mail again. The events are the AWS-shaped samples; moto emits none."""

import json

import pytest
from django.utils import timezone

from tests.samples import load_event
from tests.web.helpers import upload_and_confirm
from web import contracts
from web.accounts import mail_status
from web.accounts.models import User
from web.outbox.models import OutboxMessage
from web.tasks import runner

pytestmark = pytest.mark.django_db(transaction=True)  # the worker closes connections, as on Lambda


def deliver(event: dict) -> str:
    return runner.run_message(json.dumps(event), worker_id="w")


def test_a_permanent_bounce_stops_mail_to_the_address(user, client):
    assert deliver(load_event("ses_bounce.json")) == "ses bounce event: 1 marked"

    user.refresh_from_db()
    assert user.mail_stopped_reason == "bounce" and user.mail_stopped_at is not None
    # WHEN the site would email them, THEN nothing is recorded for notify (a reset answers as usual)
    response = client.post("/password/reset/", {"email": "ada@example.com"})
    assert response.status_code == 302
    assert not OutboxMessage.objects.filter(queue="notify").exists()


def test_a_complaint_stops_mail_too(other_user):
    assert deliver(load_event("ses_complaint.json")) == "ses complaint event: 1 marked"

    other_user.refresh_from_db()
    assert other_user.mail_stopped_reason == "complaint"


def test_a_transient_bounce_changes_nothing(user):
    event = load_event("ses_bounce.json")
    event["detail"]["bounce"]["bounceType"] = "Transient"

    assert deliver(event) == "ses bounce event: 0 marked"
    user.refresh_from_db()
    assert user.mail_stopped_at is None


def test_an_event_for_an_address_with_no_account_is_noted_and_dropped():
    event = load_event("ses_bounce.json")
    event["detail"]["bounce"]["bouncedRecipients"][0]["emailAddress"] = "nobody@example.com"

    assert deliver(event) == "ses bounce event: 0 marked"


def test_other_ses_events_are_acknowledged(user):
    event = load_event("ses_bounce.json")
    event["detail"] = {"eventType": "Delivery", "mail": event["detail"]["mail"]}

    assert deliver(event) == "ses delivery event: 0 marked"


@pytest.mark.parametrize(
    "broken",
    [
        {"source": "aws.ses", "detail": "not an object"},
        {"source": "aws.ses", "detail": {"eventType": "Bounce"}},
        {"source": "aws.ses", "detail": {"eventType": "Complaint", "complaint": {"complainedRecipients": "x"}}},
    ],
)
def test_a_malformed_ses_event_goes_to_the_dead_letter_queue(broken, dead_task_messages):
    assert deliver(broken) == "dead-lettered"
    assert len(dead_task_messages()) == 1


def test_the_owner_is_told_on_every_page_and_can_ask_for_mail_again(user_client, user):
    deliver(load_event("ses_bounce.json"))

    page = user_client.get("/photos/").content.decode()
    assert "Emails to ada@example.com came back" in page and "It works again: email me" in page
    assert 'href="/account/address/">Use another address' in page

    resumed = user_client.post("/account/mail/resume/", follow=True)
    assert "Darkroom will email ada@example.com again." in resumed.content.decode()
    assert "came back" not in user_client.get("/photos/").content.decode()
    user.refresh_from_db()
    assert user.mail_stopped_at is None


def test_resuming_needs_a_login_and_a_post(client, user_client):
    assert client.post("/account/mail/resume/").status_code == 302  # to the login page
    assert user_client.get("/account/mail/resume/").status_code == 405


def test_no_email_to_a_stopped_address_is_recorded_and_the_site_still_works(user_client, user):
    User.objects.filter(pk=user.pk).update(mail_stopped_at="2026-12-06T08:00:00Z", mail_stopped_reason="bounce")
    welcome = contracts.password_changed_email(
        change_id="c", to=user.email, reset_page_url="http://t/", correlation_id="c"
    )
    from django.db import transaction

    from web.outbox.services import outbox_enqueue

    with transaction.atomic():
        outbox_enqueue(
            contracts.Message(contracts.Queue.NOTIFY, welcome),
            contracts.Message(contracts.Queue.RESIZE, {"kind": "resize.requested"}),
        )

    assert list(OutboxMessage.objects.values_list("queue", flat=True)) == ["resize"]
    assert upload_and_confirm(user_client).status_code == 201  # the site itself still works


@pytest.mark.parametrize(
    ("confirmed", "stopped", "kind", "allowed"),
    [
        (True, False, "upload_batch", True),
        (False, False, "upload_batch", False),  # not confirmed yet: only the confirmation link
        (False, False, mail_status.CONFIRMATION_KIND, True),
        (True, True, "upload_batch", False),  # bounced or complained: nothing at all
        (False, True, mail_status.CONFIRMATION_KIND, False),
    ],
)
def test_whether_an_address_gets_mail_takes_one_query(confirmed, stopped, kind, allowed, django_assert_num_queries):
    User.objects.create_user(
        email="ada@example.com",
        password="a-long-enough-passphrase",
        email_verified_at=timezone.now() if confirmed else None,
        mail_stopped_at=timezone.now() if stopped else None,
    )

    with django_assert_num_queries(1):
        assert mail_status.mail_allowed("ada@example.com", kind=kind) is allowed


def test_an_address_with_no_account_gets_only_the_confirmation_link():
    assert mail_status.mail_allowed("nobody@example.com", kind=mail_status.CONFIRMATION_KIND)
    assert not mail_status.mail_allowed("nobody@example.com", kind="upload_batch")

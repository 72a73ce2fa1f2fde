"""Idempotent delivery against moto SES v2 + DynamoDB, and the retry-or-give-up sorting of SES failures."""

import hashlib
import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

import mail
import mail_clients
import mail_delivery
from tests.notify.conftest import IDEMPOTENCY_TABLE, SENDER, SITE_ORIGIN
from tests.notify.helpers import REGION, client_error, fail_first_call
from tests.samples import load_event

SETTINGS = mail.MailSettings(sender=SENDER, site_origin=SITE_ORIGIN)

# As the handler does on every invocation: in-progress records expire when the invocation would time out.
pytestmark = pytest.mark.usefixtures("registered_lambda_context")


@pytest.fixture
def welcome():
    parsed = mail.parse_message(json.dumps(load_event("notify_welcome.json")))
    return parsed, mail.send_email_request(parsed, settings=SETTINGS)


def deliver(welcome, ses=None):
    parsed, request = welcome
    return mail_delivery.deliver(message=parsed, request=request, ses=ses or mail_clients.ses())


def stored_record(idempotency_key: str) -> dict | None:
    # Powertools stores "<key prefix>#<md5 of the JSON-encoded key>"
    digest = hashlib.md5(json.dumps(idempotency_key).encode()).hexdigest()
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=IDEMPOTENCY_TABLE, Key={"id": {"S": f"notify#{digest}"}}, ConsistentRead=True
    )
    return item.get("Item")


def test_first_delivery_sends_and_records_the_key(sent_mail, welcome):
    delivery = deliver(welcome)

    assert delivery == mail_delivery.Delivery(ses_message_id=sent_mail[0].id, duplicate=False)
    record = stored_record("welcome:42")
    assert record["status"] == {"S": "COMPLETED"}
    expires_in = int(record["expiration"]["N"]) - time.time()
    assert mail_delivery.SENT_RECORD_SECONDS - 60 < expires_in <= mail_delivery.SENT_RECORD_SECONDS


def test_second_delivery_of_the_same_key_sends_nothing(sent_mail, welcome):
    first = deliver(welcome)

    second = deliver(welcome)

    assert len(sent_mail) == 1
    assert second == mail_delivery.Delivery(ses_message_id=first.ses_message_id, duplicate=True)


def test_in_progress_record_expires_with_the_lambda_context(aws, welcome, lambda_context):
    seen = {}

    class PeekingSes:
        def send_email(self, **request):
            seen.update(stored_record("welcome:42"))
            return {"MessageId": "peeked"}

    deliver(welcome, ses=PeekingSes())

    assert seen["status"] == {"S": "INPROGRESS"}
    expires_in_ms = int(seen["in_progress_expiration"]["N"]) - time.time() * 1000
    assert 0 < expires_in_ms <= lambda_context.get_remaining_time_in_millis() + 1  # both clocks round to the ms


PERMANENT = sorted(mail_delivery.PERMANENT_ERRORS)


@pytest.mark.parametrize("code", PERMANENT)
def test_permanent_rejection_is_given_up_and_not_recorded_as_sent(aws, welcome, code):
    with Stubber(mail_clients.ses()) as stub:
        stub.add_client_error("send_email", service_error_code=code, service_message="refused", http_status_code=400)

        with pytest.raises(mail_delivery.PermanentSendError) as raised:
            deliver(welcome)

    assert (raised.value.code, raised.value.detail) == (code, "refused")
    assert stored_record("welcome:42") is None


TRANSIENT = {
    "too-many-requests": client_error("TooManyRequestsException", status=429),
    "throttling": client_error("Throttling", status=400),
    "sending-quota": client_error("LimitExceededException", status=400),
    "internal-failure": client_error("InternalFailure", status=500),
    "unknown-5xx": client_error("SomethingNew", status=503),
    "connect-timeout": ConnectTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com"),
    "read-timeout": ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com"),
    "endpoint-unreachable": EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com"),
}


@pytest.mark.parametrize("error", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_failure_is_retryable_and_not_recorded_as_sent(faulty_ses, sent_mail, welcome, error):
    ses = faulty_ses({"ada@example.com": error})

    with pytest.raises(mail_delivery.TransientSendError):
        deliver(welcome, ses=ses)

    assert stored_record("welcome:42") is None
    # The retry then sends, exactly once.
    ses.faults.clear()
    assert deliver(welcome, ses=ses).duplicate is False
    assert len(sent_mail) == 1


ACCOUNT_OR_CONFIGURATION = [
    "SendingPausedException",
    "AccountSuspendedException",
    "MailFromDomainNotVerifiedException",
    "NotFoundException",  # e.g. the configuration set was deleted
]


@pytest.mark.parametrize("code", ACCOUNT_OR_CONFIGURATION)
def test_account_or_configuration_error_waits_for_an_operator(aws, welcome, code):
    with Stubber(mail_clients.ses()) as stub:
        stub.add_client_error("send_email", service_error_code=code, service_message="fix me", http_status_code=400)

        with pytest.raises(ClientError, match=code):
            deliver(welcome)

    assert stored_record("welcome:42") is None


def test_our_own_fault_is_neither_given_up_nor_disguised(faulty_ses, welcome):
    ses = faulty_ses({"ada@example.com": client_error("AccessDeniedException", status=403)})

    with pytest.raises(ClientError, match="AccessDeniedException"):
        deliver(welcome, ses=ses)

    assert stored_record("welcome:42") is None


def test_key_in_progress_elsewhere_is_retryable(aws, welcome):
    class ConcurrentSes:
        """While this send is in flight, a second copy of the message arrives in another invocation."""

        def send_email(self, **request):
            with pytest.raises(mail_delivery.TransientSendError, match="already in progress"):
                deliver(welcome, ses=mail_clients.ses())
            return {"MessageId": "first"}

    assert deliver(welcome, ses=ConcurrentSes()).ses_message_id == "first"


def test_unavailable_idempotency_store_is_retryable_and_sends_nothing(aws, sent_mail, welcome):
    boto3.client("dynamodb", region_name=REGION).delete_table(TableName=IDEMPOTENCY_TABLE)

    with pytest.raises(mail_delivery.TransientSendError, match="idempotency store unavailable"):
        deliver(welcome)

    assert sent_mail == []


def test_sent_email_whose_completed_record_fails_is_delivered_not_retried(aws, sent_mail, welcome, monkeypatch):
    # GIVEN DynamoDB failing the write that marks the key COMPLETED, after SES accepted the email
    throttled = client_error("ProvisionedThroughputExceededException", operation="UpdateItem")
    fail_first_call(monkeypatch, mail_clients.dynamodb(), "update_item", throttled)

    # WHEN it is delivered
    delivery = deliver(welcome)

    # THEN it counts as sent, with the reason it is not recorded: retrying it would send it twice
    assert (delivery.ses_message_id, delivery.duplicate) == (sent_mail[0].id, False)
    assert "Failed to update record state to success" in delivery.unrecorded_reason
    assert stored_record("welcome:42")["status"] == {"S": "INPROGRESS"}


def test_recorded_send_has_no_unrecorded_reason(sent_mail, welcome):
    assert deliver(welcome).unrecorded_reason == ""


def test_missing_table_setting_is_a_configuration_error(aws, welcome, monkeypatch):
    monkeypatch.delenv("DARKROOM_IDEMPOTENCY_TABLE")

    with pytest.raises(mail.ConfigurationError):
        deliver(welcome)

"""The correlation id: a well-formed client id follows the request into its messages; anything else is replaced."""

import re

import pytest

from tests.web.helpers import upload_and_confirm
from web.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db
GENERATED = re.compile(r"^[0-9a-f]{32}$")  # uuid4().hex


def confirm_with(client, correlation_id: str | None):
    headers = {} if correlation_id is None else {"X-Correlation-Id": correlation_id}
    response = upload_and_confirm(client, headers=headers)
    assert response.status_code == 201
    return response


def message_ids() -> set[str]:
    """The correlation ids of the confirm's resize requests (the tasks it enqueues get their own, web/tasks)."""
    return {message.body["correlation_id"] for message in OutboxMessage.objects.filter(queue="resize")}


@pytest.mark.parametrize(
    "incoming",
    ["load-test-0001", "abcd1234", "A" * 64, "0b7e6a52-4f0e-4c8e-9a57-6a1f3c2d9e10"],
    ids=["words", "shortest", "longest", "uuid"],
)
def test_a_well_formed_client_id_is_echoed_and_carried_into_the_messages(user_client, incoming):
    response = confirm_with(user_client, incoming)

    assert response["X-Correlation-Id"] == incoming
    assert OutboxMessage.objects.filter(queue="resize").count() == 1  # the resize request
    assert message_ids() == {incoming}


@pytest.mark.parametrize(
    "incoming",
    ["a b", "x" * 200, "<script>", "abc-123", "A" * 65, "under_score", "ümlaut-id", "", "abcdefgh\n"],
    ids=["space", "200-chars", "markup", "too-short", "too-long", "underscore", "non-ascii", "empty", "newline"],
)
def test_a_malformed_client_id_is_replaced_by_a_fresh_one(user_client, incoming):
    response = confirm_with(user_client, incoming)

    generated = response["X-Correlation-Id"]
    assert GENERATED.match(generated) and generated != incoming
    assert message_ids() == {generated}


def test_each_request_without_an_id_gets_its_own(user_client):
    first = confirm_with(user_client, None)["X-Correlation-Id"]
    second = confirm_with(user_client, None)["X-Correlation-Id"]

    assert GENERATED.match(first) and GENERATED.match(second)
    assert first != second
    assert message_ids() == {first, second}


def test_every_response_carries_the_id_even_an_error(client):
    response = client.get("/api/photos/status", headers={"X-Correlation-Id": "trace-me-please"})

    assert response.status_code == 401
    assert response["X-Correlation-Id"] == "trace-me-please"

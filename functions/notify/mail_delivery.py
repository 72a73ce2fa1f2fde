"""Sends one SES v2 request at most once per idempotency key, and sorts failures into retry or give up.

Powertools idempotency writes an in-progress record keyed on the message's idempotency_key before the send,
marks it completed (with the SES message id) after, and deletes it when the send raises, so a failed send is
never remembered as sent. Redelivered or duplicated messages find the completed record and send nothing.
An email SES accepted counts as delivered even when that completed record could not be written: retrying the
record would send it again.
"""

import functools
import os
from dataclasses import dataclass

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
)
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

import mail
import mail_clients

# Remember a sent email for 14 days, the longest SQS keeps a message: any copy still in the queue or its
# dead-letter queue (redriven by hand days later) is recognised. Records cost one small item per email.
SENT_RECORD_SECONDS = 14 * 24 * 60 * 60

# Stable across function renames and refactors, unlike Powertools' default "<function name>.<module>.<qualname>".
KEY_PREFIX = "notify"

# Only what no retry can fix. Account and configuration errors (SendingPausedException,
# AccountSuspendedException, MailFromDomainNotVerifiedException, NotFoundException for a deleted configuration
# set) are our fault, like AccessDenied: they are re-raised so the message waits in the queue, then the DLQ,
# until an operator fixes the account and redrives it. So is a MessageRejected for an unverified identity.
PERMANENT_ERRORS = frozenset({"MessageRejected", "BadRequestException"})
TRANSIENT_ERRORS = frozenset(
    {
        "TooManyRequestsException",
        "Throttling",
        "ThrottlingException",
        "LimitExceededException",  # a sending quota: it refills
        "InternalFailure",
        "ServiceUnavailable",
    }
)


def _mark_duplicate(response: dict, record) -> dict:
    return {**(response or {}), "duplicate": True}


IDEMPOTENCY = IdempotencyConfig(
    event_key_jmespath="idempotency_key",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=SENT_RECORD_SECONDS,
    response_hook=_mark_duplicate,
)


@dataclass(frozen=True)
class Delivery:
    ses_message_id: str
    duplicate: bool  # True: an earlier delivery of this idempotency key already sent it, nothing was sent now
    # Set when SES sent the email but the idempotency store could not record it: why. A copy of the message
    # arriving after the in-progress record expires would send it again.
    unrecorded_reason: str = ""


@dataclass
class _SendAttempt:
    """Filled in by the send itself, so that deliver knows SES took the email even if Powertools raises after."""

    ses_message_id: str = ""


class TransientSendError(Exception):
    """Worth retrying later: report the record failed so the queue redelivers it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class PermanentSendError(Exception):
    """SES refused the email for good: acknowledge the record, never retry it."""

    def __init__(self, code: str, detail: str):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def deliver(*, message: mail.Message, request: dict, ses) -> Delivery:
    attempt = _SendAttempt()
    try:
        result = _send_once()(
            message={"idempotency_key": message.idempotency_key}, request=request, ses=ses, attempt=attempt
        )
    except IdempotencyAlreadyInProgressError as error:
        # Another invocation is sending this very key now; if it fails, this copy must still be able to send.
        raise TransientSendError("already in progress in another invocation") from error
    except IdempotencyPersistenceLayerError as error:
        if attempt.ses_message_id:  # sent, only the COMPLETED write failed: a retry would send it twice
            return Delivery(ses_message_id=attempt.ses_message_id, duplicate=False, unrecorded_reason=str(error))
        raise TransientSendError(f"idempotency store unavailable: {error}") from error
    except ClientError as error:
        code, detail = _code_and_detail(error)
        if code in PERMANENT_ERRORS and not _identity_unverified(detail):
            raise PermanentSendError(code, detail) from error
        if code in TRANSIENT_ERRORS or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            raise TransientSendError(f"{code}: {detail}") from error
        raise  # AccessDenied, an expired role...: a fault of ours; keep the message until it is fixed
    except (BotocoreConnectionError, HTTPClientError) as error:
        # Includes read timeouts, after which SES may have sent the email: the retry can duplicate it (README).
        raise TransientSendError(f"network: {error}") from error
    return Delivery(ses_message_id=result["ses_message_id"], duplicate=result.get("duplicate", False))


def _identity_unverified(detail: str) -> bool:
    """SES answers MessageRejected "Email address is not verified" for a sender identity whose check has not passed
    yet, and in the sandbox for an unverified recipient: the account's setup, not the email, so it is kept."""
    return "not verified" in detail.lower()


def _code_and_detail(error: ClientError) -> tuple[str, str]:
    details = error.response.get("Error", {})
    return details.get("Code", ""), details.get("Message", "")


@functools.cache
def _send_once():
    """The idempotent send, built on first use so the DynamoDB client never exists at import time."""
    table_name = os.environ.get("DARKROOM_IDEMPOTENCY_TABLE")
    if not table_name:
        raise mail.ConfigurationError("DARKROOM_IDEMPOTENCY_TABLE is not set")
    store = DynamoDBPersistenceLayer(
        table_name=table_name,
        boto3_client=mail_clients.dynamodb(),
    )
    return idempotent_function(
        _send,
        data_keyword_argument="message",
        persistence_store=store,
        config=IDEMPOTENCY,
        key_prefix=KEY_PREFIX,
    )


def _send(*, message: dict, request: dict, ses, attempt: _SendAttempt) -> dict:
    response = ses.send_email(**request)
    attempt.ses_message_id = response["MessageId"]
    return {"ses_message_id": response["MessageId"]}

"""The notify Lambda: an SQS batch of notify messages in, one SES v2 email per message, partial batch response out.

Every record ends in one of five ways: sent (or recognised as already sent), acknowledged as invalid,
acknowledged as expired (its link is dead), acknowledged as rejected by SES, or reported failed for the queue to
redeliver later.
"""

import functools
import os
from datetime import UTC, datetime

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

import mail
import mail_clients
import mail_delivery
import mail_redelivery

# Pinned rather than read from POWERTOOLS_SERVICE_NAME alone, so one test process holding both functions
# cannot rename this one's logs and metrics; the template sets the same value.
SERVICE = "notify"
NAMESPACE = "Darkroom"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# A record's worst case while SES and DynamoDB stall: its calls' retries and timeouts (mail_clients.py). A record
# begun with less time left could be cut off by the function's timeout after SES took the email but before it was
# recorded, and then sent again; it is handed back to the queue untouched instead.
RECORD_TIME_NEEDED_MS = 25_000
# A batch whose records all fail still answers with batchItemFailures instead of an invocation error.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@functools.cache
def settings() -> mail.MailSettings:
    return mail.MailSettings.from_env(os.environ)


def utc_now() -> datetime:
    return datetime.now(UTC)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # The in-progress idempotency record expires when this invocation would time out, not an hour later.
    mail_delivery.IDEMPOTENCY.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    with logger.append_context_keys(sqs_message_id=record.message_id):
        remaining_ms = lambda_context.get_remaining_time_in_millis() if lambda_context is not None else None
        if remaining_ms is not None and remaining_ms < RECORD_TIME_NEEDED_MS:
            _hand_back(remaining_ms)
        try:
            message = mail.parse_message(record.body)
        except mail.MalformedMessage as error:
            with logger.append_context_keys(correlation_id=error.correlation_id):
                _acknowledge_invalid(error)
            return
        with logger.append_context_keys(
            correlation_id=message.correlation_id, kind=message.kind, idempotency_key=message.idempotency_key
        ):
            if mail.has_expired(message, now=utc_now()):
                _acknowledge_expired(message)
                return
            try:
                _send(record, message)
            except mail.UnsafeMessage as error:
                _acknowledge_invalid(error)
            except mail_delivery.TransientSendError:
                raise  # logged and postponed by _send
            except Exception:
                # A fault of ours (configuration, permissions, a bug) or a paused SES account: keep the message
                # until it is fixed, backing off like any retry so that hours of it do not use up its receives.
                logger.exception(
                    "notify record failed, the queue will retry it", extra={"retry_in_seconds": _postpone(record)}
                )
                metrics.add_metric(name="RecordFailed", unit=MetricUnit.Count, value=1)
                raise


def _hand_back(remaining_ms: int) -> None:
    """Report the record failed untouched: the queue redelivers it after its visibility timeout."""
    logger.warning(
        "too little time left in this invocation to send, the queue will retry the record",
        extra={"remaining_ms": remaining_ms, "needed_ms": RECORD_TIME_NEEDED_MS},
    )
    metrics.add_metric(name="EmailDeferred", unit=MetricUnit.Count, value=1)
    raise mail_delivery.TransientSendError("too little time left in this invocation")


def _acknowledge_invalid(error: mail.InvalidMessage) -> None:
    logger.error("invalid notify message acknowledged", extra={"reason": error.reason})
    metrics.add_metric(name="MessageInvalid", unit=MetricUnit.Count, value=1)


def _acknowledge_expired(message: mail.Message) -> None:
    # Sent now, the email would carry a dead link (it waited out an SES pause, or was redriven from the DLQ late).
    logger.warning(
        "email not sent: its link expired while it waited, acknowledged",
        extra={"expires_at": message.expires_at.isoformat()},
    )
    metrics.add_metric(name="EmailExpired", unit=MetricUnit.Count, value=1)


def _send(record: SQSRecord, message: mail.Message) -> None:
    request = mail.send_email_request(message, settings=settings())
    try:
        delivery = mail_delivery.deliver(message=message, request=request, ses=mail_clients.ses())
    except mail_delivery.TransientSendError as error:
        logger.warning(
            "email not sent, the queue will retry it",
            extra={"reason": error.reason, "retry_in_seconds": _postpone(record)},
        )
        metrics.add_metric(name="EmailDeferred", unit=MetricUnit.Count, value=1)
        raise
    except mail_delivery.PermanentSendError as error:
        logger.error("email rejected by SES, acknowledged", extra={"reason": error.code, "detail": error.detail})
        _count_rejection(error.code)
        return
    if delivery.duplicate:
        logger.info("email already sent for this idempotency key, nothing sent", extra=_ses_id(delivery))
        metrics.add_metric(name="EmailDuplicate", unit=MetricUnit.Count, value=1)
    elif delivery.unrecorded_reason:
        logger.warning(
            "email sent but not recorded as sent, acknowledged so it is not sent again",
            extra={**_ses_id(delivery), "reason": delivery.unrecorded_reason},
        )
        metrics.add_metric(name="EmailSent", unit=MetricUnit.Count, value=1)
    else:
        logger.info("email sent", extra=_ses_id(delivery))
        metrics.add_metric(name="EmailSent", unit=MetricUnit.Count, value=1)


def _postpone(record: SQSRecord) -> int | None:
    try:
        return mail_redelivery.postpone(
            sqs=mail_clients.sqs(),
            event_source_arn=record.event_source_arn,
            receipt_handle=record.receipt_handle,
            receive_count=int(record.attributes.approximate_receive_count),
        )
    except (BotoCoreError, ClientError, KeyError, ValueError) as error:
        # The record is still reported failed; it just comes back after the queue's own visibility timeout.
        logger.warning("could not postpone the retry", extra={"error": repr(error)})
        return None


def _count_rejection(code: str) -> None:
    # Counted twice: a total for the alarm, and per SES error code, since an account suspension needs a
    # different response from one rejected address.
    metrics.add_metric(name="EmailRejected", unit=MetricUnit.Count, value=1)
    dimensions = {"service": SERVICE}
    with single_metric(
        name="EmailRejected", unit=MetricUnit.Count, value=1, namespace=NAMESPACE, default_dimensions=dimensions
    ) as metric:
        metric.add_dimension(name="reason", value=code)


def _ses_id(delivery: mail_delivery.Delivery) -> dict:
    return {"ses_message_id": delivery.ses_message_id}

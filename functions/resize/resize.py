"""The resize queue's Lambda handler: one resize request per SQS record, reported per record.

A record that raises (a transient S3 error) is returned in batchItemFailures and retried by the queue; the others
in the batch are acknowledged. Bad images, replaced originals and refused messages do not raise: they are permanent,
so they are recorded (failed manifest) or logged as errors, and acknowledged. Each is counted too (PhotoRefused,
MessageInvalid), beside PhotoDeveloped, so that an alarm sees what no dead-letter queue will.
"""

import os
import warnings
from functools import cache

import boto3
from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.config import Config

import resize_job
from resize_request import BadMessage, parse_request

# Pinned, as notify's are: the alarms and log queries read these names whatever POWERTOOLS_SERVICE_NAME says, and a
# test process that imports this module before setting it cannot rename them. The level: POWERTOOLS_LOG_LEVEL.
SERVICE = "resize"
NAMESPACE = "Darkroom"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# What each outcome counts as; the refusals alarm (template.yaml) takes the share of refused among the two.
OUTCOME_METRICS = {"ready": "PhotoDeveloped", "failed": "PhotoRefused"}
# A batch of redeliveries counts nothing, which is normal here and not worth a warning in the logs.
warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
# A record takes about 2 s at worst when S3 answers; one stalled S3 call waits up to 15 s (read timeout) before its
# retry. A record begun with less time left may be cut off by the function's timeout, and a timed-out invocation
# hands back its whole batch, finished records included; this one goes back alone, untouched, instead.
RECORD_TIME_NEEDED_MS = 20_000
# A batch whose every record failed is reported like any other instead of raised: the queue retries the same.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@cache
def s3_client():
    # Retries within the invocation first; what still fails goes back to the queue.
    return boto3.client(
        "s3", config=Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=15)
    )


class TooLittleTime(Exception):
    """The record was not begun: the queue redelivers it after its visibility timeout."""


def record_handler(record: SQSRecord, lambda_context=None) -> None:
    with logger.append_context_keys(message_id=record.message_id):
        remaining_ms = lambda_context.get_remaining_time_in_millis() if lambda_context is not None else None
        if remaining_ms is not None and remaining_ms < RECORD_TIME_NEEDED_MS:
            logger.warning(
                "too little time left in this invocation to resize, the queue will retry the record",
                extra={"remaining_ms": remaining_ms, "needed_ms": RECORD_TIME_NEEDED_MS},
            )
            raise TooLittleTime(f"{remaining_ms} ms left, {RECORD_TIME_NEEDED_MS} needed")
        try:
            request = parse_request(record.body)
        except BadMessage as error:
            logger.error("resize message refused, acknowledged without retry", extra={"reason": str(error)})
            metrics.add_metric(name="MessageInvalid", unit=MetricUnit.Count, value=1)
            return
        with logger.append_context_keys(photo_id=request.photo_id, correlation_id=request.correlation_id):
            try:
                outcome = resize_job.run(request, s3=s3_client(), bucket=os.environ["DARKROOM_BUCKET"])
            except Exception:
                logger.exception("resize failed; the queue will retry it", extra={"source_key": request.source_key})
                metrics.add_metric(name="RecordFailed", unit=MetricUnit.Count, value=1)
                raise
            unexpected = outcome.status == "missing" or outcome.error_code == resize_job.REPLACED_CODE
            log = logger.warning if unexpected else logger.info
            log(f"resize {outcome.status}", extra={"source_key": request.source_key, **vars(outcome)})
            _count(outcome)


def _count(outcome: resize_job.Outcome) -> None:
    """A developed or refused photo; a refusal a second time by its code, to tell one cause from another."""
    name = OUTCOME_METRICS.get(outcome.status)
    if name is None:
        return
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    if outcome.error_code:
        with single_metric(
            name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE, default_dimensions={"service": SERVICE}
        ) as metric:
            metric.add_dimension(name="code", value=outcome.error_code)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

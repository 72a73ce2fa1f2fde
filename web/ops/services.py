"""What the staff page does: send a dead-letter queue's messages back to the queue they came from."""

import logging

from botocore.exceptions import ClientError
from django.conf import settings

from web.aws import sqs_client
from web.ops.queues import dead_letter_queue_get

logger = logging.getLogger(__name__)

# What SendMessage takes of a received message attribute (ReceiveMessage may add empty list fields).
_ATTRIBUTE_FIELDS = {"DataType", "StringValue", "BinaryValue"}


def redrive(*, dlq: str) -> str:
    """Move the dead-letter queue `dlq`'s messages to its source queue; say which way it went.

    On AWS, StartMessageMoveTask moves them in the background. moto has no such API (in process it raises
    NotImplementedError, as a server it answers 500), so on the local stack the site moves them itself.
    Raises UnknownQueue for a key that is no configured dead-letter queue, ClientError when SQS refuses.
    """
    queue, source = dead_letter_queue_get(key=dlq)
    sqs = sqs_client()
    try:
        sqs.start_message_move_task(SourceArn=_arn(queue.url), DestinationArn=_arn(source.url))
    except NotImplementedError:
        pass
    except ClientError as error:
        if not _move_tasks_missing(error):
            raise
    else:
        logger.info("redrive of %s started", queue.key)
        return f"Redrive started on AWS; it moves messages from {queue.label} back to {source.label} in the background."
    moved = _move_by_hand(dlq_url=queue.url, source_url=source.url)
    logger.info("redrive of %s: the site moved %d message(s)", queue.key, moved)
    noun = "message" if moved == 1 else "messages"
    return f"Moved {moved} {noun} back to {source.label} (local stack: moved by the site)"


def _arn(url: str) -> str:
    return sqs_client().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _move_tasks_missing(error: ClientError) -> bool:
    """moto server's answer to an action it does not implement: a bare 500, only ever on the local stack."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return settings.DARKROOM_LOCAL and status == 500


def _move_by_hand(*, dlq_url: str, source_url: str) -> int:
    """Receive, send to the source, delete: a message is deleted only once its copy is in the source queue."""
    sqs = sqs_client()
    moved = 0
    while True:
        batch = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return moved
        for message in batch:
            extra = {}
            if message.get("MessageAttributes"):
                extra["MessageAttributes"] = {
                    name: {key: value for key, value in attribute.items() if key in _ATTRIBUTE_FIELDS}
                    for name, attribute in message["MessageAttributes"].items()
                }
            sqs.send_message(QueueUrl=source_url, MessageBody=message["Body"], **extra)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1

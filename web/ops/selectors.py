"""What the staff page reads: each queue's counts, its oldest message's age and its running message moves."""

import logging
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from web.aws import sqs_client
from web.ops import cloudwatch
from web.ops.queues import QUEUES, UNCONSUMED_TASKS_AFTER_SECONDS, Queue

logger = logging.getLogger(__name__)

_COUNTS = {
    "waiting": "ApproximateNumberOfMessages",
    "in_flight": "ApproximateNumberOfMessagesNotVisible",
    "delayed": "ApproximateNumberOfMessagesDelayed",
}


@dataclass
class QueueState:
    queue: Queue
    waiting: int | None = None
    in_flight: int | None = None
    delayed: int | None = None
    oldest_age: float | None = None  # seconds; None when CloudWatch has no datapoint (always on moto)
    problem: str = ""  # why the counts are missing
    move_tasks: list[dict] = field(default_factory=list)

    @property
    def oldest(self) -> str:
        return "unknown" if self.oldest_age is None else age_text(self.oldest_age)

    @property
    def can_redrive(self) -> bool:
        return self.queue.source is not None and bool(self.waiting)

    @property
    def tasks_unconsumed(self) -> bool:
        return (
            self.queue.key == "site-tasks"
            and self.oldest_age is not None
            and self.oldest_age > UNCONSUMED_TASKS_AFTER_SECONDS
        )


def age_text(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def queue_states() -> list[QueueState]:
    """Every queue of the stack, in QUEUES order. One failing queue or CloudWatch never fails the others."""
    states = [_counts(queue) for queue in QUEUES]
    configured = [state for state in states if state.queue.url]
    ages = cloudwatch.oldest_ages(queue_names=[state.queue.name for state in configured])
    for state in configured:
        state.oldest_age = ages.get(state.queue.name)
    return states


def _counts(queue: Queue) -> QueueState:
    state = QueueState(queue=queue)
    if not queue.url:
        state.problem = f"not configured ({queue.setting} is not set)"
        return state
    try:
        attributes = sqs_client().get_queue_attributes(
            QueueUrl=queue.url, AttributeNames=["QueueArn", *_COUNTS.values()]
        )["Attributes"]
    except (BotoCoreError, ClientError) as error:
        logger.warning("could not read the attributes of queue %s: %s", queue.key, error)
        state.problem = f"SQS did not answer: {error}"
        return state
    for name, attribute in _COUNTS.items():
        setattr(state, name, int(attributes.get(attribute, 0)))
    if queue.source is not None:
        state.move_tasks = running_move_tasks(dlq_arn=attributes["QueueArn"])
    return state


def running_move_tasks(*, dlq_arn: str) -> list[dict]:
    """The dead-letter queue's message moves still running; none where ListMessageMoveTasks fails (moto has none)."""
    try:
        results = sqs_client().list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    except (BotoCoreError, ClientError, NotImplementedError):
        return []
    return [task for task in results if task.get("Status") == "RUNNING"]

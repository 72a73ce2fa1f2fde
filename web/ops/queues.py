"""The stack's queues as the staff page knows them: each by a short key, each dead-letter queue with its source."""

from dataclasses import dataclass

from django.conf import settings

# The site-tasks queue's consumer is the site's own SQS event source (Zappa's `events`); past this age its oldest
# message says nobody is consuming. The template's alarm uses the same threshold.
UNCONSUMED_TASKS_AFTER_SECONDS = 300


class UnknownQueue(ValueError):
    """A key that names no dead-letter queue of the stack, or one whose URL the site does not have."""


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    setting: str
    source: str | None = None  # a dead-letter queue: the key of the queue its messages came from

    @property
    def url(self) -> str:
        return getattr(settings, self.setting)

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


QUEUES = (
    Queue("resize", "resize", "DARKROOM_RESIZE_QUEUE_URL"),
    Queue("resize-dlq", "resize dead letters", "DARKROOM_RESIZE_DLQ_URL", source="resize"),
    Queue("notify", "notify", "DARKROOM_NOTIFY_QUEUE_URL"),
    Queue("notify-dlq", "notify dead letters", "DARKROOM_NOTIFY_DLQ_URL", source="notify"),
    Queue("site-tasks", "site-tasks", "DARKROOM_TASKS_QUEUE_URL"),
    Queue("site-tasks-dlq", "site-tasks dead letters", "DARKROOM_TASKS_DLQ_URL", source="site-tasks"),
)
_BY_KEY = {queue.key: queue for queue in QUEUES}


def dead_letter_queue_get(*, key: str) -> tuple[Queue, Queue]:
    """The dead-letter queue `key` and its source queue, both configured; UnknownQueue otherwise."""
    queue = _BY_KEY.get(key)
    if queue is None or queue.source is None:
        raise UnknownQueue(f"There is no dead-letter queue called “{key}”: choose one of the page's Redrive buttons.")
    source = _BY_KEY[queue.source]
    if not queue.url or not source.url:
        missing = queue.setting if not queue.url else source.setting
        raise UnknownQueue(f"The {queue.label} queue cannot be redriven: the site has no {missing} setting.")
    return queue, source

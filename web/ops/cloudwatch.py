"""The age of each queue's oldest message, which only CloudWatch knows (SQS's GetQueueAttributes has no such field)."""

import logging
from datetime import UTC, datetime, timedelta
from functools import cache

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from web.aws import _CLIENT_CONFIG

logger = logging.getLogger(__name__)

WINDOW = timedelta(minutes=5)


@cache
def cloudwatch_client():
    return boto3.client("cloudwatch", config=_CLIENT_CONFIG)


def oldest_ages(*, queue_names: list[str]) -> dict[str, float | None]:
    """Seconds, the Maximum of ApproximateAgeOfOldestMessage over the last 5 minutes; None without a datapoint.

    None for every queue when CloudWatch fails: the staff page shows "unknown" rather than an error. moto records no
    SQS metrics, so the local stack always reads None.
    """
    ages: dict[str, float | None] = dict.fromkeys(queue_names)
    if not queue_names:
        return ages
    now = datetime.now(UTC)
    queries = [
        {
            "Id": f"q{index}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/SQS",
                    "MetricName": "ApproximateAgeOfOldestMessage",
                    "Dimensions": [{"Name": "QueueName", "Value": name}],
                },
                "Period": 60,
                "Stat": "Maximum",
            },
        }
        for index, name in enumerate(queue_names)
    ]
    try:
        results = cloudwatch_client().get_metric_data(MetricDataQueries=queries, StartTime=now - WINDOW, EndTime=now)[
            "MetricDataResults"
        ]
    except (BotoCoreError, ClientError) as error:
        logger.warning("could not read the queues' oldest ages from CloudWatch: %s", error)
        return ages
    for result in results:
        if result.get("Values"):
            ages[queue_names[int(result["Id"][1:])]] = max(result["Values"])
    return ages

"""The committed SES samples (tests/events/ses_*.json) match template.yaml's MailFeedbackRule and reach the
site-tasks queue as they are, on moto's EventBridge. SES itself publishes nothing on moto: the test puts the
samples on the bus in its place."""

import json

import boto3
import pytest
from moto import mock_aws

from devstack import template as devstack_template
from tests.infra.conftest import ROOT

EVENTS = ROOT / "tests" / "events"
SAMPLES = ("ses_bounce.json", "ses_complaint.json")
SAMPLE_CONFIGURATION_SET = "darkroom-events"  # the set the samples were sent with


def sample(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def as_put_event(event: dict) -> dict:
    return {
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event["detail"]),
        "Resources": event["resources"],
    }


@pytest.fixture
def bus_to_queue():
    """MailFeedbackRule from the template, for the samples' configuration set, targeting a queue; yields the queue."""
    local = devstack_template.resolver(physical_ids={"MailConfigurationSet": SAMPLE_CONFIGURATION_SET})
    rule = devstack_template.template()["Resources"]["MailFeedbackRule"]["Properties"]
    with mock_aws():
        sqs, events = boto3.client("sqs"), boto3.client("events")
        queue = sqs.create_queue(QueueName="site-tasks")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="mail-feedback", EventPattern=json.dumps(local(rule["EventPattern"])), State="ENABLED")
        [target] = rule["Targets"]
        events.put_targets(Rule="mail-feedback", Targets=[{"Id": target["Id"], "Arn": queue_arn}])
        yield queue


def received(queue: str) -> list[dict]:
    messages = boto3.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(message["Body"]) for message in messages.get("Messages", [])]


@pytest.mark.parametrize("name", SAMPLES)
def test_a_sample_event_reaches_the_site_tasks_queue_as_eventbridge_delivers_it(bus_to_queue, name):
    event = sample(name)

    boto3.client("events").put_events(Entries=[as_put_event(event)])

    [body] = received(bus_to_queue)
    assert (body["source"], body["detail-type"]) == (event["source"], event["detail-type"])
    assert body["detail"] == event["detail"]


def test_events_of_another_configuration_set_or_type_stay_off_the_queue(bus_to_queue):
    other_stage = sample("ses_bounce.json")
    other_stage["detail"]["mail"]["tags"]["ses:configuration-set"] = ["darkroom-production"]
    delivered = sample("ses_bounce.json") | {"detail-type": "Email Delivered"}

    boto3.client("events").put_events(Entries=[as_put_event(other_stage), as_put_event(delivered)])

    assert received(bus_to_queue) == []

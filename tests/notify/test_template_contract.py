"""The template deploys notify the way the code expects: handler, folder, environment, table and queue wiring."""

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

import mail_delivery
import mail_redelivery
from tests.notify.conftest import template_resource
from tests.notify.helpers import REGION


def test_function_points_at_the_handler_and_its_folder():
    properties = template_resource("NotifyFunction")["Properties"]

    assert (properties["CodeUri"], properties["Handler"]) == ("functions/notify/", "notify.lambda_handler")


def test_function_gets_every_setting_the_code_reads():
    variables = template_resource("NotifyFunction")["Properties"]["Environment"]["Variables"]

    assert {"DARKROOM_SENDER", "DARKROOM_SES_CONFIGURATION_SET", "DARKROOM_IDEMPOTENCY_TABLE"} <= set(variables)
    assert variables["DARKROOM_SITE_ORIGIN"] == {"Ref": "SiteOrigin"}  # the origin the site's links are on
    assert variables["POWERTOOLS_SERVICE_NAME"] == "notify"


def test_event_source_reports_partial_batch_failures():
    [source] = template_resource("NotifyFunction")["Properties"]["Events"].values()

    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_table_matches_the_persistence_layer_and_remembers_longer_than_the_queue_keeps_messages():
    table = template_resource("IdempotencyTable")["Properties"]
    # Making a client calls nothing; the layer is built only to read its default attribute names.
    layer = DynamoDBPersistenceLayer(table_name="unused", boto3_client=boto3.client("dynamodb", region_name=REGION))

    assert table["KeySchema"] == [{"AttributeName": layer.key_attr, "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": layer.expiry_attr, "Enabled": True}
    assert mail_delivery.SENT_RECORD_SECONDS >= template_resource("NotifyQueue")["Properties"]["MessageRetentionPeriod"]


def test_the_queue_keeps_an_email_through_six_hours_of_ses_refusing():
    queue = template_resource("NotifyQueue")["Properties"]
    receives = queue["RedrivePolicy"]["maxReceiveCount"]
    shortest = [mail_redelivery.backoff_seconds(count, jitter=0.0) for count in range(1, receives)]

    assert sum(shortest) >= 6 * 60 * 60
    # A record handed back without its backoff (out of time, or the visibility change failed) waits the timeout.
    assert (receives - 1) * queue["VisibilityTimeout"] >= 6 * 60 * 60

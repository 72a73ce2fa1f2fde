"""Fixtures for the notify function: moto SES v2 + DynamoDB + SQS, AWS-shaped SQS events, captured requests and logs."""

import copy
import json
import logging
from datetime import datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict
from moto.ses.models import ses_backends

import mail_clients
import mail_delivery
import notify
from devstack import cfn_local
from devstack.lambda_sqs import LambdaContext
from tests.notify.helpers import REGION, FaultySes

SENDER = "Darkroom <no-reply@darkroom.example>"
SENDER_DOMAIN = "darkroom.example"
CONFIGURATION_SET = "darkroom-mail"
IDEMPOTENCY_TABLE = "darkroom-idempotency"
SITE_ORIGIN = "http://testserver"  # the origin of every link in tests/events/notify_*.json
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def _clear_caches():
    # Clients and the idempotent send are cached per execution environment; each test is a fresh one.
    for getter in (
        mail_clients.ses,
        mail_clients.sqs,
        mail_clients.dynamodb,
        mail_delivery._send_once,
        notify.settings,
    ):
        getter.cache_clear()
    mail_delivery.IDEMPOTENCY.register_lambda_context(None)


@pytest.fixture
def notify_env(monkeypatch):
    monkeypatch.setenv("DARKROOM_SENDER", SENDER)
    monkeypatch.setenv("DARKROOM_SES_CONFIGURATION_SET", CONFIGURATION_SET)
    monkeypatch.setenv("DARKROOM_IDEMPOTENCY_TABLE", IDEMPOTENCY_TABLE)
    monkeypatch.setenv("DARKROOM_SITE_ORIGIN", SITE_ORIGIN)
    _clear_caches()
    yield
    _clear_caches()


def template_resource(logical_id: str) -> dict:
    return cfn_local.load(TEMPLATE)["Resources"][logical_id]


@pytest.fixture(scope="package")
def aws_provisioner():
    """moto for the whole of tests/notify (parsing template.yaml costs more than most tests), and a function that
    resets every service and remakes the verified sender domain and the idempotency table, with clients made once."""
    table = template_resource("IdempotencyTable")["Properties"]
    with mock_aws():
        sesv2 = boto3.client("sesv2", region_name=REGION)
        dynamodb = boto3.client("dynamodb", region_name=REGION)

        def provision() -> None:
            _reset_all_services()
            sesv2.create_email_identity(EmailIdentity=SENDER_DOMAIN)
            dynamodb.create_table(
                TableName=IDEMPOTENCY_TABLE,
                AttributeDefinitions=table["AttributeDefinitions"],
                KeySchema=table["KeySchema"],
                BillingMode=table["BillingMode"],
            )
            dynamodb.update_time_to_live(
                TableName=IDEMPOTENCY_TABLE, TimeToLiveSpecification=table["TimeToLiveSpecification"]
            )

        yield provision


def _reset_all_services() -> None:
    # Resetting is what mock_aws does on exit; it leaves no sent mail, queue, message or idempotency record behind.
    for backends in BackendDict._instances:
        for backend in backends.values():
            backend.reset()


@pytest.fixture
def aws(notify_env, aws_provisioner):
    """A verified sender domain in SES v2 and the idempotency table, built from template.yaml's definition, and
    nothing else."""
    aws_provisioner()
    yield


@pytest.fixture
def sent_mail(aws):
    """What moto's SES accepted. For a Simple send moto keeps sender, destinations, subject and the HTML body only."""
    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


@pytest.fixture
def ses_requests(aws):
    """The SendEmail parameters the function really sent, as moto received them (moto drops text, tags, config set)."""
    requests = []

    def record(params, **kwargs):
        requests.append(copy.deepcopy(params))

    mail_clients.ses().meta.events.register("before-parameter-build.sesv2.SendEmail", record)
    return requests


@pytest.fixture
def frozen_now(monkeypatch):
    """Call frozen_now("2026-06-01T12:00:00Z") to make that the handler's present (emails may have expired)."""

    def freeze(moment: str) -> None:
        monkeypatch.setattr(notify, "utc_now", lambda: datetime.fromisoformat(moment))

    return freeze


@pytest.fixture
def lambda_context():
    return LambdaContext(function_name="darkroom-notify", timeout_seconds=60, memory_limit_in_mb=256)


@pytest.fixture
def registered_lambda_context(notify_env, lambda_context):
    mail_delivery.IDEMPOTENCY.register_lambda_context(lambda_context)
    yield lambda_context
    mail_delivery.IDEMPOTENCY.register_lambda_context(None)


@pytest.fixture
def structured_logs(caplog):
    """The function's log lines exactly as Powertools writes them (JSON, formatted when logged), parsed."""
    caplog.set_level(logging.INFO, logger=notify.SERVICE)
    formatter = caplog.handler.formatter

    def only_the_function(record: logging.LogRecord) -> bool:
        return record.name == notify.SERVICE

    caplog.handler.setFormatter(notify.logger.registered_formatter)
    caplog.handler.addFilter(only_the_function)

    def read() -> list[dict]:
        return [json.loads(line) for line in caplog.text.splitlines()]

    yield read
    # pytest keeps one capture handler for the whole run: left on it, the filter would hide every later test's lines.
    caplog.handler.removeFilter(only_the_function)
    caplog.handler.setFormatter(formatter)


@pytest.fixture
def faulty_ses(aws):
    """Call faulty_ses({address: error}) to make sends to those addresses fail; returns the wrapper."""
    real_getter = mail_clients.ses

    def install(faults: dict[str, Exception]) -> FaultySes:
        wrapper = FaultySes(real_getter(), faults)
        mail_clients.ses = lambda: wrapper
        return wrapper

    yield install
    mail_clients.ses = real_getter

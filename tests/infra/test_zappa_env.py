"""scripts/zappa-env puts the stack's outputs (and the SSM secrets) into the Zappa stage, against moto server."""

import json
import os
import stat
import subprocess
import sys

import boto3
import pytest

from tests.infra.conftest import BUILD, ROOT, moto_environment
from tests.infra.test_cloudformation_deploy import PARAMETERS, deploy
from tests.samples import load_event

SECRETS = {"DJANGO_SECRET_KEY": "a-secret-only-ssm-knows", "DATABASE_URL": "postgres://site:pw@db.internal/darkroom"}


@pytest.fixture(scope="module")
def aws(moto_server):
    """The deployed stack and the stage's secrets in moto server; yields the environment that reaches them."""
    with moto_environment(moto_server) as environment:
        yield environment


@pytest.fixture(scope="module")
def outputs(aws, cloudformation_template, code_bucket):
    stack_outputs = deploy(cloudformation_template, code_bucket)
    ssm = boto3.client("ssm")
    for name, value in SECRETS.items():
        ssm.put_parameter(Name=f"/darkroom/dev/{name}", Value=value, Type="SecureString")
    return stack_outputs


def zappa_env(aws: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "zappa-env"), *arguments],
        env={**os.environ, **aws},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_writes_the_stage_with_the_stacks_role_and_environment(aws, outputs):
    target = BUILD / "zappa_settings.json"
    completed = zappa_env(aws, "dev", "--output", str(target))
    assert completed.returncode == 0, completed.stderr
    settings = json.loads(target.read_text())
    stage = settings["dev"]
    assert stage["role_name"] == outputs["SiteRoleName"] and stage["role_arn"] == outputs["SiteRoleArn"]
    assert stage["aws_environment_variables"] == {
        "DARKROOM_BUCKET": outputs["BucketName"],
        "DARKROOM_RESIZE_QUEUE_URL": outputs["ResizeQueueUrl"],
        "DARKROOM_NOTIFY_QUEUE_URL": outputs["NotifyQueueUrl"],
        "DARKROOM_TASKS_QUEUE_URL": outputs["SiteTasksQueueUrl"],
        "DARKROOM_RESIZE_DLQ_URL": outputs["ResizeDeadLetterQueueUrl"],
        "DARKROOM_NOTIFY_DLQ_URL": outputs["NotifyDeadLetterQueueUrl"],
        "DARKROOM_TASKS_DLQ_URL": outputs["SiteTasksDeadLetterQueueUrl"],
        "DARKROOM_SITE_URL": PARAMETERS["SiteOrigin"] + "/",
        "DJANGO_ALLOWED_HOSTS": "photos.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": PARAMETERS["SiteOrigin"],
        **SECRETS,
    }
    committed = json.loads((ROOT / "zappa_settings.json").read_text())
    assert settings["production"] == committed["production"] and settings["common"] == committed["common"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600, "it holds secrets"


def test_the_stage_runs_the_tasks_worker_on_the_site_tasks_queue_and_keeps_the_sweeper(aws, outputs):
    from zappa.cli import ZappaCLI
    from zappa.handler import LambdaHandler

    target = BUILD / "zappa_settings_events.json"
    completed = zappa_env(aws, "dev", "--output", str(target))
    assert completed.returncode == 0, completed.stderr
    queue_arn = outputs["SiteTasksQueueArn"]
    assert queue_arn.startswith("arn:aws:sqs:") and queue_arn.endswith(outputs["SiteTasksQueueUrl"].rsplit("/")[-1])

    # WHEN Zappa itself reads the stage (its `extends` replaces the inherited `events` list, it does not merge it)
    cli = ZappaCLI()
    cli.api_stage = "dev"
    cli.load_settings(settings_file=str(target))

    # THEN the sweeper's schedule is still there, beside the worker's SQS event source
    assert [dict(event) for event in cli.stage_config["events"]] == [
        {"function": "web.scheduled.sweep", "expression": "rate(5 minutes)"},
        {
            "function": "web.tasks.worker.handle_sqs_event",
            "event_source": {"arn": queue_arn, "batch_size": 10, "enabled": True},
        },
    ]
    # AND the settings Zappa packs route an SQS record from that queue to the worker (Zappa's handler code)
    packed: dict = {}
    exec(cli.get_zappa_settings_string(), packed)
    record = {**load_event("aws_sqs_record.json"), "eventSourceARN": queue_arn}
    handler = LambdaHandler.__new__(LambdaHandler)  # its __init__ loads the package's zappa_settings module
    handler.settings = type("Settings", (), {"AWS_EVENT_MAPPING": packed["AWS_EVENT_MAPPING"]})
    routed = handler.get_function_for_aws_event(record)
    assert routed in ("web.tasks.worker.handle_sqs_event", ["web.tasks.worker.handle_sqs_event"])
    # AND running it again replaces the worker's event instead of adding a second one
    assert zappa_env(aws, "dev", "--output", str(target)).returncode == 0
    assert len(json.loads(target.read_text())["dev"]["events"]) == 2


def test_a_certificate_puts_the_custom_domain_in_the_stage_for_zappa_certify(aws, outputs):
    target = BUILD / "zappa_settings_domain.json"
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"

    completed = zappa_env(aws, "dev", "--output", str(target), "--certificate-arn", arn)

    assert completed.returncode == 0, completed.stderr
    stage = json.loads(target.read_text())["dev"]
    assert (stage["domain"], stage["certificate_arn"]) == ("photos.example.com", arn)
    # No Route 53 zone unless told: Zappa would create the domain, then fail looking for the zone
    assert stage["route53_enabled"] is False
    assert "zappa certify dev" in completed.stdout
    with_zone = zappa_env(aws, "dev", "--output", str(target), "--certificate-arn", arn, "--route53")
    assert with_zone.returncode == 0, with_zone.stderr
    assert json.loads(target.read_text())["dev"]["route53_enabled"] is True


def test_without_a_certificate_it_says_what_a_custom_domain_needs(aws, outputs):
    completed = zappa_env(aws, "dev", "--output", str(BUILD / "zappa_settings_nodomain.json"))

    assert completed.returncode == 0, completed.stderr
    assert "domain" not in json.loads((BUILD / "zappa_settings_nodomain.json").read_text())["dev"]
    assert "pass --certificate-arn" in completed.stdout


@pytest.mark.parametrize(
    ("origin", "arn", "error"),
    [
        ("https://photos.example.com", "arn:aws:acm:eu-west-1:123456789012:certificate/abc-1", "in us-east-1"),
        ("https://photos.example.com", "not-an-arn", "in us-east-1"),
        (
            "https://abc123.execute-api.us-east-1.amazonaws.com",
            "arn:aws:acm:us-east-1:123456789012:certificate/abc-1",
            "is for a custom domain",
        ),
    ],
)
def test_refuses_a_certificate_zappa_certify_could_not_use(origin, arn, error):
    with pytest.raises(SystemExit, match=error):
        load_script().with_custom_domain({}, origin, arn)


def test_refuses_a_stage_whose_role_the_stack_did_not_create(aws, outputs):
    completed = zappa_env(aws, "production", "--stack-name", "darkroom-dev", "--output", str(BUILD / "wrong.json"))
    assert completed.returncode != 0
    assert "darkroom-site-production" in completed.stderr and "Stage=production" in completed.stderr
    assert not (BUILD / "wrong.json").exists()


def test_refuses_to_write_without_the_secrets(aws, outputs):
    completed = zappa_env(aws, "dev", "--secrets-path", "/nowhere/", "--output", str(BUILD / "nosecrets.json"))
    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY, DATABASE_URL" in completed.stderr


def load_script():
    """scripts/zappa-env as a module (it has no .py suffix, being a command)."""
    import importlib.util
    from importlib.machinery import SourceFileLoader

    loader = SourceFileLoader("zappa_env", str(ROOT / "scripts" / "zappa-env"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("zappa_env", loader))
    loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://photos.example.com", "https://photos.example.com/"),
        # API Gateway's default host serves the stage under its name: email links must include it
        (
            "https://abc123.execute-api.us-east-1.amazonaws.com",
            "https://abc123.execute-api.us-east-1.amazonaws.com/dev/",
        ),
    ],
)
def test_site_url_follows_where_zappa_serves_the_stage(origin, expected):
    assert load_script().site_url(origin, "dev") == expected

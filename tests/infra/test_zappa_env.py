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
        "DARKROOM_SITE_URL": PARAMETERS["SiteOrigin"] + "/",
        "DJANGO_ALLOWED_HOSTS": "photos.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": PARAMETERS["SiteOrigin"],
        **SECRETS,
    }
    committed = json.loads((ROOT / "zappa_settings.json").read_text())
    assert settings["production"] == committed["production"] and settings["common"] == committed["common"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600, "it holds secrets"


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

"""`sam build` (no Docker) turns each function's folder and requirements.txt into its Lambda artifact. The arm64
artifacts the template deploys hold only aarch64 binaries; the same build for x86_64, run by a plain Python 3.12
in a clean process, processes an AWS-shaped SQS event against moto server."""

import io
import json
import os
import subprocess

import boto3
import pytest
import requests
from PIL import Image

from devstack import template as devstack_template
from devstack.lambda_sqs import queue_arn, to_lambda_record
from tests.infra.conftest import BUILD, LAMBDA_CONTEXT, ROOT, moto_environment, run_clean
from tests.infra.tools import tool
from tests.samples import load_event

pytestmark = pytest.mark.slow

ELF_MACHINES = {183: "aarch64", 62: "x86_64"}  # e_machine values in the ELF header
FUNCTIONS = {"resize": "ResizeFunction", "notify": "NotifyFunction"}


def sam_build(template_file, build_dir):
    """`sam build` as an operator runs it; its pip resolves wheels for each function's architecture."""
    environment = {
        **os.environ,
        # sam build needs a python3.12 on PATH to run pip for the functions (no container).
        "PATH": f"{tool('sam', 'sam').parent}{os.pathsep}{os.environ['PATH']}",
        "SAM_CLI_TELEMETRY": "0",
    }
    completed = subprocess.run(
        [str(tool("sam", "sam")), "build", "--template-file", str(template_file), "--build-dir", str(build_dir)]
        + ["--base-dir", str(ROOT)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return build_dir


@pytest.fixture(scope="module")
def arm64_build():
    return sam_build(ROOT / "template.yaml", BUILD / "sam-arm64")


@pytest.fixture(scope="module")
def x86_64_build():
    """The same template built for this machine's architecture, so the artifact can run here."""
    text = (ROOT / "template.yaml").read_text()
    assert text.count("Architectures: [arm64]") == 1
    variant = BUILD / "template-x86_64.yaml"
    variant.parent.mkdir(parents=True, exist_ok=True)
    variant.write_text(text.replace("Architectures: [arm64]", "Architectures: [x86_64]"))
    return sam_build(variant, BUILD / "sam-x86_64")


def machines(artifact) -> set[str]:
    found = set()
    for library in artifact.rglob("*.so*"):
        header = library.read_bytes()[:20]
        if header[:4] == b"\x7fELF":
            found.add(ELF_MACHINES.get(int.from_bytes(header[18:20], "little"), "other"))
    return found


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_arm64_artifact_holds_the_handler_its_requirements_and_only_aarch64_binaries(arm64_build, name):
    artifact = arm64_build / FUNCTIONS[name]
    assert (artifact / f"{name}.py").exists()
    assert (artifact / "aws_lambda_powertools").is_dir()
    assert machines(artifact) == {"aarch64"}  # both have native code: Pillow, and jinja2's markupsafe
    assert not {"tests", "boto3", "botocore", "moto"} & {path.name for path in artifact.iterdir()}
    if name == "resize":
        assert (artifact / "PIL").is_dir() and (artifact / "pillow_heif").is_dir()


# ---------------------------------------------------------------- running the artifacts
# The origin the contract samples link to (tests/events/): notify mails links on DARKROOM_SITE_ORIGIN only.
SITE_ORIGIN = "http://testserver"


@pytest.fixture(scope="module")
def moto_aws(moto_server):
    """moto server, emptied, with the template's resources; the functions' environment as the template sets it."""
    with moto_environment(moto_server) as endpoint:
        resources = devstack_template.provision(site_origin=SITE_ORIGIN)
        sources = {source.name: source for source in devstack_template.event_sources()}
        environments = {
            name: source.environment(resources, site_origin=SITE_ORIGIN) for name, source in sources.items()
        }
        yield {name: {**endpoint, **environment} for name, environment in environments.items()}, resources


def sqs_event(queue_url: str, body: dict) -> dict:
    """Sends the body to the queue and receives it, then shapes it as Lambda's SQS event delivers it."""
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
    (message,) = sqs.receive_message(QueueUrl=queue_url, AttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
    return {"Records": [to_lambda_record(message, arn=queue_arn(queue_url))]}


def invoke(artifact, lambda_runtime, *, name: str, event: dict, environment: dict) -> dict:
    events = BUILD / f"{name}-event.json"
    events.write_text(json.dumps(event))
    source = next(s for s in devstack_template.event_sources() if s.name == name)
    module, function = source.handler.split(".")
    code = (
        LAMBDA_CONTEXT
        + f"""
import json, sys
import {module}
context = LambdaContext("darkroom-{name}", {source.timeout_seconds}, {source.memory_size})
response = {module}.{function}(json.load(open(sys.argv[1])), context)
print(json.dumps({{"response": response, "module": {module}.__file__}}))
"""
    )
    result = run_clean(code, cwd=artifact, path=[artifact, lambda_runtime], env=environment, arguments=[str(events)])
    assert result["module"].startswith(str(artifact))
    return result["response"]


def sent_emails(moto_server) -> list[dict]:
    data = requests.get(f"{moto_server}/moto-api/data.json", timeout=10).json()
    return data.get("ses", {}).get("Message", [])


def test_notify_artifact_sends_the_welcome_mail_once(x86_64_build, lambda_runtime, moto_aws, moto_server):
    environment, resources = moto_aws
    message = load_event("notify_welcome.json")
    artifact = x86_64_build / "NotifyFunction"
    event = sqs_event(resources["DARKROOM_NOTIFY_QUEUE_URL"], message)
    first = invoke(artifact, lambda_runtime, name="notify", event=event, environment=environment["notify"])
    assert first == {"batchItemFailures": []}
    (sent,) = sent_emails(moto_server)
    assert sent["destinations"]["ToAddresses"] == [message["to"]]
    assert sent["source"] == environment["notify"]["DARKROOM_SENDER"]
    # The same message again (SQS delivers at least once): the idempotency table stops a second mail.
    again = invoke(artifact, lambda_runtime, name="notify", event=event, environment=environment["notify"])
    assert again == {"batchItemFailures": []}
    assert len(sent_emails(moto_server)) == 1
    items = boto3.client("dynamodb").scan(TableName=resources["DARKROOM_IDEMPOTENCY_TABLE"])["Items"]
    assert len(items) == 1 and "expiration" in items[0]


def test_resize_artifact_renders_an_upload_against_moto_server(x86_64_build, lambda_runtime, moto_aws):
    environment, resources = moto_aws
    request = load_event("resize_request.json")
    photo = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 120, 40)).save(photo, format="JPEG")
    s3 = boto3.client("s3")
    bucket = resources["DARKROOM_BUCKET"]
    put = s3.put_object(Bucket=bucket, Key=request["source_key"], Body=photo.getvalue(), ContentType="image/jpeg")
    request["source_etag"] = put["ETag"]  # the original the site confirmed, which resize reads and nothing else
    event = sqs_event(resources["DARKROOM_RESIZE_QUEUE_URL"], request)
    response = invoke(
        x86_64_build / "ResizeFunction", lambda_runtime, name="resize", event=event, environment=environment["resize"]
    )
    assert response == {"batchItemFailures": []}
    manifest = s3.get_object(Bucket=bucket, Key=request["output_prefix"] + "manifest.json")["Body"].read()
    assert json.loads(manifest)["status"] == "ready"
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=request["output_prefix"])["Contents"]]
    renditions = sorted(key.rsplit("/", 1)[1] for key in keys if not key.endswith("manifest.json"))
    # 1200 px has no decodable size in 1440-2048: the spec's widths, never wider than the photo, WebP only
    assert renditions == ["w1200.webp", "w240.webp", "w480.webp", "w960.webp"]

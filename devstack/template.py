"""template.yaml, provisioned in whatever endpoint boto3 points at: moto server (AWS_ENDPOINT_URL) or mock_aws.

The local stack and the tests create the bucket, the queues with their dead-letter queues, the idempotency table,
the sender identity and the SES configuration set from the template's own resource definitions, so they follow the
template instead of a second copy of its settings. Only the local names and parameter values below are this module's
own.

    resources = provision(site_origin="http://127.0.0.1:8000")  # env vars for the site and the functions
    for source in event_sources():                              # one SQS event mapping per function
        env = source.environment(resources)
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import boto3

from devstack import cfn_local

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
STACK_NAME = "darkroom"

# The environment variable that carries each resource's physical id (the template's Outputs feed the same names
# to the site on AWS, through scripts/zappa-env).
RESOURCE_VARIABLES = {
    "PhotoBucket": "DARKROOM_BUCKET",
    "ResizeQueue": "DARKROOM_RESIZE_QUEUE_URL",
    "ResizeDeadLetterQueue": "DARKROOM_RESIZE_DLQ_URL",
    "NotifyQueue": "DARKROOM_NOTIFY_QUEUE_URL",
    "NotifyDeadLetterQueue": "DARKROOM_NOTIFY_DLQ_URL",
    "SiteTasksQueue": "DARKROOM_TASKS_QUEUE_URL",
    "SiteTasksDeadLetterQueue": "DARKROOM_TASKS_DLQ_URL",
    "IdempotencyTable": "DARKROOM_IDEMPOTENCY_TABLE",
}
# The site's default bucket name (web/settings.py), so a bare `manage.py` finds the local bucket too.
LOCAL_BUCKET = "darkroom-local"
LOCAL_PARAMETERS = {
    "Stage": "local",
    "SenderAddress": "no-reply@darkroom.local",
    "SenderName": "Darkroom",
    "SenderIdentity": "",
    "CreateSenderIdentity": "true",
    "AlarmEmail": "",
    "NotifyMaximumConcurrency": "2",
}


@cache
def template() -> dict:
    return cfn_local.load(TEMPLATE)


def resolver(*, site_origin: str = "http://127.0.0.1:8000", physical_ids: dict[str, str] | None = None):
    local = cfn_local.Resolver(
        template=template(),
        stack_name=STACK_NAME,
        parameters={**LOCAL_PARAMETERS, "SiteOrigin": site_origin},
        physical_ids=dict(physical_ids or {}),
    )
    # A configuration set is named in the template (from the parameters), so its name is known before it exists.
    for logical_id, configuration_set in cfn_local.resources_of_type(template(), "AWS::SES::ConfigurationSet").items():
        local.physical_ids.setdefault(logical_id, local(configuration_set["Properties"]["Name"]))
    return local


def local_name(logical_id: str) -> str:
    """ResizeDeadLetterQueue -> darkroom-resize-dead-letter-queue: readable, and the same on every run."""
    return f"{STACK_NAME}-" + re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


# ---------------------------------------------------------------- provisioning
def provision(*, site_origin: str, visibility_timeout: int | None = None) -> dict[str, str]:
    """Create the template's bucket, queues, table, sender identity and configuration set; return the environment
    that finds them.

    visibility_timeout replaces the consumed queues' own value, for tests that need a failed record back in
    seconds rather than minutes. The result has every RESOURCE_VARIABLES name plus DARKROOM_SENDER.
    """
    local = resolver(site_origin=site_origin)
    for logical_id in _queues_dead_letters_first():
        _create_queue(local, logical_id, visibility_timeout=visibility_timeout)
    _create_bucket(local, "PhotoBucket")  # after the queues its notification sends to, as on AWS
    for logical_id, table in cfn_local.resources_of_type(template(), "AWS::DynamoDB::Table").items():
        _create_table(local_name(logical_id), local(table["Properties"]))
        local.physical_ids[logical_id] = local_name(logical_id)
    for identity in cfn_local.resources_of_type(template(), "AWS::SES::EmailIdentity").values():
        if local.condition(identity["Condition"]):
            boto3.client("sesv2").create_email_identity(EmailIdentity=local(identity["Properties"])["EmailIdentity"])
    # The set notify sends with. Its event destination and MailFeedbackRule are not made here: moto publishes no SES
    # events, so tests put the samples in tests/events/ses_*.json on the site-tasks queue themselves.
    for logical_id in cfn_local.resources_of_type(template(), "AWS::SES::ConfigurationSet"):
        boto3.client("sesv2").create_configuration_set(ConfigurationSetName=local.ref(logical_id))
    environment = {variable: local.physical_ids[logical_id] for logical_id, variable in RESOURCE_VARIABLES.items()}
    notify_variables = template()["Resources"]["NotifyFunction"]["Properties"]["Environment"]["Variables"]
    environment["DARKROOM_SENDER"] = local(notify_variables["DARKROOM_SENDER"])
    return environment


def _create_bucket(local: cfn_local.Resolver, logical_id: str) -> None:
    properties = local(template()["Resources"][logical_id]["Properties"])
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=LOCAL_BUCKET)
    local.physical_ids[logical_id] = LOCAL_BUCKET
    s3.put_public_access_block(
        Bucket=LOCAL_BUCKET, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
    )
    s3.put_bucket_ownership_controls(Bucket=LOCAL_BUCKET, OwnershipControls=properties["OwnershipControls"])
    # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
    encryption = [
        {
            "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
            "BucketKeyEnabled": bool(rule.get("BucketKeyEnabled", False)),
        }
        for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    ]
    s3.put_bucket_encryption(Bucket=LOCAL_BUCKET, ServerSideEncryptionConfiguration={"Rules": encryption})
    s3.put_bucket_cors(
        Bucket=LOCAL_BUCKET,
        CORSConfiguration={"CORSRules": [_cors_rule(rule) for rule in properties["CorsConfiguration"]["CorsRules"]]},
    )
    rules = [_lifecycle_rule(rule) for rule in properties["LifecycleConfiguration"]["Rules"]]
    s3.put_bucket_lifecycle_configuration(Bucket=LOCAL_BUCKET, LifecycleConfiguration={"Rules": rules})
    queues = [_queue_notification(queue) for queue in properties["NotificationConfiguration"]["QueueConfigurations"]]
    s3.put_bucket_notification_configuration(
        Bucket=LOCAL_BUCKET, NotificationConfiguration={"QueueConfigurations": queues}
    )
    for queue in queues:
        _drop_test_event(queue["QueueArn"])


def _cors_rule(rule: dict) -> dict:
    """CloudFormation's CorsRule -> the S3 API's (only MaxAge is spelled differently)."""
    converted = {key: value for key, value in rule.items() if key != "MaxAge"}
    if "MaxAge" in rule:
        converted["MaxAgeSeconds"] = int(rule["MaxAge"])
    return converted


def _lifecycle_rule(rule: dict) -> dict:
    """CloudFormation's lifecycle Rule -> the S3 API's, for the fields the template uses."""
    tags = [{"Key": tag["Key"], "Value": tag["Value"]} for tag in rule.get("TagFilters", [])]
    prefix = {"Prefix": rule["Prefix"]} if "Prefix" in rule else {}
    if tags and prefix:
        selection = {"And": {**prefix, "Tags": tags}}
    elif tags:
        selection = {"Tag": tags[0]} if len(tags) == 1 else {"And": {"Tags": tags}}
    else:
        selection = prefix
    converted = {"ID": rule["Id"], "Status": rule["Status"], "Filter": selection}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        converted["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return converted


def _queue_notification(configuration: dict) -> dict:
    """CloudFormation's QueueConfiguration -> the S3 API's (Queue is QueueArn, Filter.S3Key is Filter.Key)."""
    converted = {"QueueArn": configuration["Queue"], "Events": [configuration["Event"]]}
    if "Filter" in configuration:
        rules = [{"Name": rule["Name"], "Value": rule["Value"]} for rule in configuration["Filter"]["S3Key"]["Rules"]]
        converted["Filter"] = {"Key": {"FilterRules": rules}}
    return converted


def _drop_test_event(queue_arn: str) -> None:
    """Delete the s3:TestEvent S3 sent when the configuration was saved, as the site's worker would: a freshly
    provisioned queue starts empty (the web tests count its messages). Other messages stay visible."""
    sqs = boto3.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1])["QueueUrl"]
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0)
    for message in received.get("Messages", []):
        if json.loads(message["Body"]).get("Event") == "s3:TestEvent":
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _queues_dead_letters_first() -> list[str]:
    queues = cfn_local.resources_of_type(template(), "AWS::SQS::Queue")
    return sorted(queues, key=lambda logical_id: "RedrivePolicy" in queues[logical_id]["Properties"])


# Queue properties that are SQS attributes under the same name.
_QUEUE_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "DelaySeconds",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
)


def _create_queue(local: cfn_local.Resolver, logical_id: str, *, visibility_timeout: int | None) -> None:
    properties = local(template()["Resources"][logical_id]["Properties"])
    attributes = {name: _attribute(properties[name]) for name in _QUEUE_ATTRIBUTES if name in properties}
    if "RedrivePolicy" in properties:
        redrive = properties["RedrivePolicy"]
        attributes["RedrivePolicy"] = (
            f'{{"deadLetterTargetArn": "{redrive["deadLetterTargetArn"]}", '
            f'"maxReceiveCount": "{int(redrive["maxReceiveCount"])}"}}'
        )
        if visibility_timeout is not None:
            attributes["VisibilityTimeout"] = str(visibility_timeout)
    url = boto3.client("sqs").create_queue(QueueName=local_name(logical_id), Attributes=attributes)["QueueUrl"]
    local.physical_ids[logical_id] = url


def _attribute(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _create_table(name: str, properties: dict) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName=name,
        BillingMode=properties["BillingMode"],
        AttributeDefinitions=properties["AttributeDefinitions"],
        KeySchema=properties["KeySchema"],
    )
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": ttl["Enabled"]}
        )


# ---------------------------------------------------------------- event sources
@dataclass(frozen=True)
class EventSource:
    """One function's SQS event source mapping, as the template defines it."""

    name: str  # "resize", "notify"
    function_logical_id: str
    handler: str  # "resize.lambda_handler"
    code_uri: str  # "functions/resize/", relative to the repository
    queue_logical_id: str
    queue_url_variable: str  # the provision() key holding the queue's URL
    batch_size: int
    batching_window_seconds: int
    timeout_seconds: int
    memory_size: int
    function_response_types: tuple[str, ...]
    maximum_concurrency: int | None

    def environment(self, resources: dict[str, str], *, site_origin: str = "http://127.0.0.1:8000") -> dict[str, str]:
        """The function's environment variables from the template, with the local resources' names."""
        by_logical_id = {logical_id: resources[variable] for logical_id, variable in RESOURCE_VARIABLES.items()}
        local = resolver(site_origin=site_origin, physical_ids=by_logical_id)
        variables = template()["Resources"][self.function_logical_id]["Properties"]["Environment"]["Variables"]
        return {name: str(value) for name, value in local(variables).items()}


def event_sources() -> list[EventSource]:
    defaults = template().get("Globals", {}).get("Function", {})
    local = resolver()
    sources = []
    for logical_id, function in cfn_local.resources_of_type(template(), "AWS::Serverless::Function").items():
        properties = {**defaults, **function["Properties"]}
        for event in properties.get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            mapping = event["Properties"]
            queue_logical_id = mapping["Queue"]["Fn::GetAtt"][0]
            concurrency = mapping.get("ScalingConfig", {}).get("MaximumConcurrency")
            sources.append(
                EventSource(
                    name=logical_id.removesuffix("Function").lower(),
                    function_logical_id=logical_id,
                    handler=properties["Handler"],
                    code_uri=properties["CodeUri"],
                    queue_logical_id=queue_logical_id,
                    queue_url_variable=RESOURCE_VARIABLES[queue_logical_id],
                    batch_size=int(mapping.get("BatchSize", 10)),
                    batching_window_seconds=int(mapping.get("MaximumBatchingWindowInSeconds", 0)),
                    timeout_seconds=int(properties.get("Timeout", 3)),
                    memory_size=int(properties.get("MemorySize", 128)),
                    function_response_types=tuple(mapping.get("FunctionResponseTypes", ())),
                    maximum_concurrency=None if concurrency is None else int(local(concurrency)),
                )
            )
    return sources

"""The SAM template, translated to plain CloudFormation with aws-sam-translator, deploys into moto's CloudFormation,
and the resources the site, the functions and the tests rely on exist there as the template describes them."""

import ast
import json
from urllib.parse import unquote

import boto3
import pytest
from moto import mock_aws

STACK = "darkroom-dev"
PARAMETERS = {
    "Stage": "dev",
    "SiteOrigin": "https://photos.example.com",
    "SenderAddress": "no-reply@photos.example.com",
    "SenderIdentity": "photos.example.com",
    "AlarmEmail": "ops@example.com",
}
# moto's CloudFormation has no model of these; the template tests cover them instead.
NOT_IN_MOTO = {
    "AWS::CloudWatch::Alarm",
    "AWS::Logs::MetricFilter",
    "AWS::S3::BucketPolicy",
    "AWS::SES::ConfigurationSet",
    "AWS::SES::ConfigurationSetEventDestination",
    "AWS::SES::EmailIdentity",
    "AWS::SNS::Subscription",
    "AWS::SQS::QueuePolicy",
}


def deploy(cloudformation_template: dict, code_bucket: str) -> dict[str, str]:
    """Create the stack; return its outputs. The caller provides the AWS endpoint (mock_aws or moto server)."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=code_bucket)
    for resource in cloudformation_template["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            code = resource["Properties"]["Code"]
            s3.put_object(Bucket=code["S3Bucket"], Key=code["S3Key"], Body=b"PK\x05\x06" + b"\0" * 18)
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(cloudformation_template),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in PARAMETERS.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    stack = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


def policy_document(value) -> dict:
    """IAM returns policies URL-encoded; moto keeps the ones CloudFormation created as Python reprs."""
    if isinstance(value, dict):
        return value
    try:
        return json.loads(unquote(value))
    except ValueError:
        return ast.literal_eval(value)


@pytest.fixture(scope="module")
def stack(cloudformation_template, code_bucket):
    with mock_aws(config={"lambda": {"use_docker": False}}):
        outputs = deploy(cloudformation_template, code_bucket)
        summaries = boto3.client("cloudformation").list_stack_resources(StackName=STACK)["StackResourceSummaries"]
        physical = {s["LogicalResourceId"]: s["PhysicalResourceId"] for s in summaries}
        yield outputs, physical


def test_translation_turns_functions_into_lambda_functions_and_sqs_mappings(cloudformation_template):
    types = {name: resource["Type"] for name, resource in cloudformation_template["Resources"].items()}
    assert types["ResizeFunction"] == types["NotifyFunction"] == "AWS::Lambda::Function"
    mappings = [
        r for r in cloudformation_template["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert len(mappings) == 2
    assert all(m["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)
    assert not any(t.startswith("AWS::Serverless::") for t in types.values())
    # The functions run under the roles written in the template; SAM adds no role (and no managed policy) of its own.
    assert sorted(n for n, t in types.items() if t == "AWS::IAM::Role") == ["NotifyRole", "ResizeRole", "SiteRole"]


def test_every_translated_resource_is_created_except_the_types_moto_lacks(stack, cloudformation_template):
    _, physical = stack
    expected = {n for n, r in cloudformation_template["Resources"].items() if r["Type"] not in NOT_IN_MOTO}
    assert expected <= physical.keys()


def test_queues_have_their_redrive_encryption_and_timeouts(stack, template):
    outputs, physical = stack
    sqs = boto3.client("sqs")
    for queue, dead_letter_queue in (
        ("ResizeQueue", "ResizeDeadLetterQueue"),
        ("NotifyQueue", "NotifyDeadLetterQueue"),
        ("SiteTasksQueue", "SiteTasksDeadLetterQueue"),
    ):
        attributes = sqs.get_queue_attributes(QueueUrl=physical[queue], AttributeNames=["All"])["Attributes"]
        dead_letter_arn = sqs.get_queue_attributes(QueueUrl=physical[dead_letter_queue], AttributeNames=["QueueArn"])
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"] == dead_letter_arn["Attributes"]["QueueArn"]
        defined = template["Resources"][queue]["Properties"]
        assert int(redrive["maxReceiveCount"]) == defined["RedrivePolicy"]["maxReceiveCount"]
        assert int(attributes["VisibilityTimeout"]) == defined["VisibilityTimeout"]
        assert int(attributes["MaximumMessageSize"]) == defined["MaximumMessageSize"]
        assert attributes["SqsManagedSseEnabled"] == "true"
    assert outputs["ResizeQueueUrl"] == physical["ResizeQueue"]
    assert outputs["NotifyQueueUrl"] == physical["NotifyQueue"]
    assert outputs["SiteTasksQueueUrl"] == physical["SiteTasksQueue"]
    assert outputs["SiteTasksDeadLetterQueueUrl"] == physical["SiteTasksDeadLetterQueue"]


def test_bucket_is_encrypted(stack):
    # moto's CloudFormation applies neither the public access block, CORS nor the notification: the template tests
    # and the bucket devstack/template.py builds from the same definition (test_devstack_template.py) cover those.
    outputs, _ = stack
    s3 = boto3.client("s3")
    bucket = outputs["BucketName"]
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_idempotency_table_exists_with_its_key(stack):
    outputs, _ = stack
    table = boto3.client("dynamodb").describe_table(TableName=outputs["IdempotencyTableName"])["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]


def test_functions_and_their_queue_mappings_exist(stack, template, cloudformation_template):
    _, physical = stack
    aws_lambda = boto3.client("lambda")
    for name, queue in (("ResizeFunction", "ResizeQueue"), ("NotifyFunction", "NotifyQueue")):
        function = aws_lambda.get_function_configuration(FunctionName=physical[name])
        assert function["Runtime"] == "python3.12"
        # moto records every function as x86_64; the translated template carries the architecture.
        assert cloudformation_template["Resources"][name]["Properties"]["Architectures"] == ["arm64"]
        assert function["MemorySize"] == template["Resources"][name]["Properties"]["MemorySize"]
        assert function["Timeout"] == template["Resources"][name]["Properties"]["Timeout"]
        (mapping,) = aws_lambda.list_event_source_mappings(FunctionName=physical[name])["EventSourceMappings"]
        assert mapping["EventSourceArn"].endswith(physical[queue].rsplit("/", 1)[1])
        event = next(iter(template["Resources"][name]["Properties"]["Events"].values()))["Properties"]
        assert mapping["BatchSize"] == event["BatchSize"]


def test_site_role_has_the_stage_name_zappa_expects(stack):
    outputs, physical = stack
    assert outputs["SiteRoleName"] == physical["SiteRole"] == "darkroom-site-dev"
    role = boto3.client("iam").get_role(RoleName="darkroom-site-dev")["Role"]
    assert outputs["SiteRoleArn"] == role["Arn"]
    (policy_name,) = boto3.client("iam").list_role_policies(RoleName="darkroom-site-dev")["PolicyNames"]
    document = boto3.client("iam").get_role_policy(RoleName="darkroom-site-dev", PolicyName=policy_name)
    statements = policy_document(document["PolicyDocument"])["Statement"]
    send = next(s for s in statements if s["Sid"] == "SendToQueues")
    assert sorted(send["Resource"]) == sorted(
        f"arn:aws:sqs:us-east-1:123456789012:{physical[q].rsplit('/', 1)[1]}"
        for q in ("ResizeQueue", "NotifyQueue", "SiteTasksQueue")
    )

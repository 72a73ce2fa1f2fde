"""The rules issue 5 sets for template.yaml, asserted on the template itself."""

import importlib.machinery
import importlib.util
import json
import re

import pytest

import notify
import resize
from devstack import template as devstack_template
from tests.infra import iam
from tests.infra.conftest import ROOT
from web.ops.queues import QUEUES

DEAD_LETTER_RETENTION = 14 * 24 * 60 * 60


def of_type(resources: dict, resource_type: str) -> dict[str, dict]:
    return {name: r for name, r in resources.items() if r["Type"] == resource_type}


def consumed_queues(template) -> dict[str, devstack_template.EventSource]:
    return {source.queue_logical_id: source for source in devstack_template.event_sources()}


# ---------------------------------------------------------------- queues
def test_each_function_consumes_its_own_queue(template):
    assert {queue: source.name for queue, source in consumed_queues(template).items()} == {
        "ResizeQueue": "resize",
        "NotifyQueue": "notify",
    }


def test_visibility_timeout_is_at_least_six_times_the_consumers_timeout_plus_its_window(resources, template):
    for queue, source in consumed_queues(template).items():
        visibility = resources[queue]["Properties"]["VisibilityTimeout"]
        assert visibility >= 6 * source.timeout_seconds + source.batching_window_seconds, queue


def test_each_consumed_queue_has_its_own_dead_letter_queue_after_five_receives(resources, template):
    dead_letter_queues = []
    for queue in consumed_queues(template):
        redrive = resources[queue]["Properties"]["RedrivePolicy"]
        # Notify's backs off over hours of SES refusing instead (tests/notify/test_template_contract.py).
        assert redrive["maxReceiveCount"] == (60 if queue == "NotifyQueue" else 5), queue
        dead_letter_queue, attribute = redrive["deadLetterTargetArn"]["Fn::GetAtt"]
        assert attribute == "Arn"
        assert resources[dead_letter_queue]["Type"] == "AWS::SQS::Queue"
        assert resources[dead_letter_queue]["Properties"]["MessageRetentionPeriod"] == DEAD_LETTER_RETENTION
        dead_letter_queues.append(dead_letter_queue)
    assert len(set(dead_letter_queues)) == len(dead_letter_queues), "each queue needs a dead-letter queue of its own"


def test_site_tasks_queue_is_consumed_by_the_site_with_its_own_dead_letter_queue(resources):
    # The Zappa site consumes it (its `events` entry, scripts/zappa-env), so no function of the template does.
    queue = resources["SiteTasksQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["SiteTasksDeadLetterQueue", "Arn"]}
    assert resources["SiteTasksDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == DEAD_LETTER_RETENTION
    site_timeout = json.loads((ROOT / "zappa_settings.json").read_text())["common"]["timeout_seconds"]
    assert queue["VisibilityTimeout"] >= 6 * site_timeout
    assert "SiteTasksQueue" not in {source.queue_logical_id for source in devstack_template.event_sources()}


def test_every_queue_is_encrypted_and_bounds_its_message_size(resources):
    queues = of_type(resources, "AWS::SQS::Queue")
    assert len(queues) == 6
    for name, queue in queues.items():
        properties = queue["Properties"]
        assert properties.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in properties, name
        assert 1024 <= properties["MaximumMessageSize"] <= 262144, name


def test_notify_knows_the_site_origin_its_links_must_stay_on(resources):
    variables = resources["NotifyFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["DARKROOM_SITE_ORIGIN"] == {"Ref": "SiteOrigin"}  # the origin the bucket's CORS rule names too


# ---------------------------------------------------------------- SES bounces and complaints
def test_notify_sends_every_mail_with_the_configuration_set_the_stack_creates(template, resources):
    assert resources["MailConfigurationSet"]["Type"] == "AWS::SES::ConfigurationSet"
    assert resources["MailConfigurationSet"]["Properties"]["Name"] == {"Fn::Sub": "darkroom-${Stage}"}  # one a stage
    variables = resources["NotifyFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["DARKROOM_SES_CONFIGURATION_SET"] == {"Ref": "MailConfigurationSet"}
    assert "ConfigurationSetName" not in template["Parameters"]  # no second path with a set made elsewhere


def test_the_configuration_set_publishes_bounces_and_complaints_to_the_default_bus(resources):
    [destination] = of_type(resources, "AWS::SES::ConfigurationSetEventDestination").values()
    assert destination["Properties"]["ConfigurationSetName"] == {"Ref": "MailConfigurationSet"}
    event_destination = destination["Properties"]["EventDestination"]
    assert event_destination["Enabled"] is True
    assert sorted(event_destination["MatchingEventTypes"]) == ["BOUNCE", "COMPLAINT"]
    # SES publishes to the default bus only.
    bus = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"
    assert event_destination["EventBridgeDestination"] == {"EventBusArn": {"Fn::Sub": bus}}
    assert not {"SnsDestination", "CloudWatchDestination", "KinesisFirehoseDestination"} & event_destination.keys()


def test_the_rule_puts_this_sets_bounces_and_complaints_on_the_site_tasks_queue_as_they_are(resources):
    [(name, rule)] = of_type(resources, "AWS::Events::Rule").items()
    assert name == "MailFeedbackRule"
    assert rule["Properties"]["State"] == "ENABLED" and "EventBusName" not in rule["Properties"]  # the default bus
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.ses"],
        "detail-type": ["Email Bounced", "Email Complaint Received"],
        # another stage's stack publishes to the same bus: only this stage's mail
        "detail": {"mail": {"tags": {"ses:configuration-set": [{"Ref": "MailConfigurationSet"}]}}},
    }
    [target] = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["SiteTasksQueue", "Arn"]}
    # the whole event, the shape of tests/events/ses_*.json, which the site's worker reads
    assert not {"Input", "InputPath", "InputTransformer"} & target.keys()
    # an event EventBridge cannot deliver for a day is kept, not dropped
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["SiteTasksDeadLetterQueue", "Arn"]}}
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 86400


def test_only_the_mail_feedback_rule_may_send_to_the_site_tasks_dead_letter_queue(resources):
    [policy] = [
        policy
        for policy in of_type(resources, "AWS::SQS::QueuePolicy").values()
        if policy["Properties"]["Queues"] == [{"Ref": "SiteTasksDeadLetterQueue"}]
    ]
    [statement] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["MailFeedbackRule", "Arn"]}}}


def test_only_the_mail_feedback_rule_may_send_to_the_site_tasks_queue_and_only_send(resources):
    statement = site_tasks_queue_statements(resources)["events.amazonaws.com"]
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == {"Fn::GetAtt": ["SiteTasksQueue", "Arn"]}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["MailFeedbackRule", "Arn"]}}}


# ---------------------------------------------------------------- functions
def test_functions_report_batch_item_failures_with_chosen_batches(resources, template):
    for source in devstack_template.event_sources():
        event = next(iter(resources[source.function_logical_id]["Properties"]["Events"].values()))["Properties"]
        assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"], source.name
        assert "BatchSize" in event and "MaximumBatchingWindowInSeconds" in event, "chosen, not defaulted"
        assert 1 <= source.batch_size <= 10, "more than 10 needs a batching window and longer timeouts"


def test_notify_concurrency_is_capped_for_the_ses_send_rate(template):
    notify = next(source for source in devstack_template.event_sources() if source.name == "notify")
    assert notify.maximum_concurrency is not None and notify.maximum_concurrency >= 2  # Lambda's minimum
    assert template["Parameters"]["NotifyMaximumConcurrency"]["Default"] == notify.maximum_concurrency


# Where docs/operations.md states the concurrency figures its arithmetic arrives at.
CONCURRENCY_STATEMENTS = {
    "resize": r"resize's `MaximumConcurrency`: \*\*(\d+)\*\*",
    "site": r"the site's `lambda_concurrency` \(production\): \*\*(\d+)\*\*",
}
# Lambda's default concurrency quota of an account, and what it always keeps unreserved.
ACCOUNT_CONCURRENCY, UNRESERVED_MINIMUM = 1000, 100


def stated_concurrency(name: str) -> int:
    stated = re.search(CONCURRENCY_STATEMENTS[name], (ROOT / "docs" / "operations.md").read_text())
    assert stated, f"docs/operations.md no longer states {name}'s concurrency as {CONCURRENCY_STATEMENTS[name]!r}"
    return int(stated[1])


def test_resize_concurrency_is_capped_at_the_figure_the_operations_doc_works_out():
    resize = next(source for source in devstack_template.event_sources() if source.name == "resize")
    assert resize.maximum_concurrency == stated_concurrency("resize")
    assert resize.maximum_concurrency >= 2  # Lambda's minimum


def test_production_site_reserves_the_concurrency_the_operations_doc_works_out():
    stages = zappa_stages()
    # Zappa's key for reserved concurrency (put_function_concurrency); production only: a new account's quota may
    # be too small to reserve anything, and a dev stage in production's account would take from the same pool.
    assert stages["production"]["lambda_concurrency"] == stated_concurrency("site")
    assert "lambda_concurrency" not in stages["dev"]


def test_the_reservation_and_event_source_caps_fit_an_accounts_default_quota():
    capped = sum(source.maximum_concurrency for source in devstack_template.event_sources())
    assert zappa_stages()["production"]["lambda_concurrency"] + capped <= ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM


def test_functions_run_python_312_on_arm64_with_explicit_memory(template, resources):
    assert template["Globals"]["Function"]["Runtime"] == "python3.12"
    assert template["Globals"]["Function"]["Architectures"] == ["arm64"]
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        assert 128 <= function["Properties"]["MemorySize"] <= 10240, name
        assert "Runtime" not in function["Properties"] and "Architectures" not in function["Properties"], name


def test_functions_log_to_their_own_group_with_retention(resources):
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Type"] == "AWS::Logs::LogGroup"
        assert resources[group]["Properties"]["RetentionInDays"] in {7, 14, 30, 60, 90}, name
        function_name = function["Properties"]["FunctionName"]["Fn::Sub"]
        assert resources[group]["Properties"]["LogGroupName"]["Fn::Sub"] == f"/aws/lambda/{function_name}"


# Where each function's README states the memory size its measurements call for.
MEMORY_STATEMENTS = {
    "ResizeFunction": ("resize", r"Recommended memory: (\d+) MB"),
    "NotifyFunction": ("notify", r"For the template: memory (\d+) MB"),
}


@pytest.mark.parametrize("function", sorted(MEMORY_STATEMENTS))
def test_memory_size_is_the_one_the_functions_measurements_call_for(resources, function):
    folder, statement = MEMORY_STATEMENTS[function]
    measured = re.search(statement, (ROOT / "functions" / folder / "README.md").read_text())
    assert measured, f"functions/{folder}/README.md no longer states its memory size as {statement!r}"
    assert resources[function]["Properties"]["MemorySize"] == int(measured[1])


# ---------------------------------------------------------------- bucket and table
def test_bucket_is_private_owner_enforced_and_encrypted(resources):
    bucket = resources["PhotoBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}


def test_bucket_accepts_browser_posts_from_the_site_origin_only(resources):
    (rule,) = resources["PhotoBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [{"Ref": "SiteOrigin"}]
    assert rule["AllowedMethods"] == ["POST"]


def test_bucket_lifecycle_aborts_multipart_uploads_and_expires_unconfirmed_uploads(resources):
    rules = {rule["Id"]: rule for rule in resources["PhotoBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["AbortIncompleteMultipartUploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] >= 1
    expiry = rules["ExpireUnconfirmedUploads"]
    assert expiry["Prefix"] == "uploads/" and expiry["ExpirationInDays"] >= 1
    assert expiry["TagFilters"], "only unconfirmed uploads expire, never a confirmed original"
    assert all(rule["Status"] == "Enabled" for rule in rules.values())


def test_bucket_sends_only_manifest_events_to_the_site_tasks_queue(resources):
    notifications = resources["PhotoBucket"]["Properties"]["NotificationConfiguration"]
    assert notifications.keys() == {"QueueConfigurations"}  # no Lambda, topic or EventBridge destination
    (notification,) = notifications["QueueConfigurations"]
    assert notification["Queue"] == {"Fn::GetAtt": ["SiteTasksQueue", "Arn"]}
    assert notification["Event"] == "s3:ObjectCreated:*"
    rules = {rule["Name"]: rule["Value"] for rule in notification["Filter"]["S3Key"]["Rules"]}
    assert rules == {"prefix": "renditions/", "suffix": "manifest.json"}  # never the renditions themselves
    # S3 refuses a key-managed queue unless its key policy admits S3: the queue keeps SSE-SQS.
    assert resources["SiteTasksQueue"]["Properties"]["SqsManagedSseEnabled"] is True
    assert "KmsMasterKeyId" not in resources["SiteTasksQueue"]["Properties"]


def site_tasks_queue_statements(resources) -> dict[str, dict]:
    """The services the site-tasks queue's policy lets send (test_queue_policies.py covers who else may not)."""
    policy = of_type(resources, "AWS::SQS::QueuePolicy")["SiteTasksQueuePolicy"]["Properties"]
    assert policy["Queues"] == [{"Ref": "SiteTasksQueue"}]
    allows = [statement for statement in policy["PolicyDocument"]["Statement"] if statement["Effect"] == "Allow"]
    statements = {statement["Principal"]["Service"]: statement for statement in allows}
    assert statements.keys() == {"s3.amazonaws.com", "events.amazonaws.com"}
    return statements


def test_only_s3_of_this_account_may_send_to_the_site_tasks_queue_and_only_send(resources):
    statement = site_tasks_queue_statements(resources)["s3.amazonaws.com"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == {"Fn::GetAtt": ["SiteTasksQueue", "Arn"]}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    # S3 checks it may send when the notification is saved: the policy must exist before the bucket.
    assert resources["PhotoBucket"]["DependsOn"] == "SiteTasksQueuePolicy"


def test_idempotency_table_matches_powertools_layout_with_ttl(resources):
    table = resources["IdempotencyTable"]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"


# ---------------------------------------------------------------- least privilege
# Actions AWS authorises on "*" only (no resource-level permissions): reading metrics, never data.
RESOURCELESS_ACTIONS = {"cloudwatch:GetMetricData"}


def test_no_wildcard_actions_or_resources_and_no_broad_managed_policies(resources):
    text = json.dumps(resources)
    for forbidden in ("FullAccess", "S3CrudPolicy", "SESCrudPolicy", "AdministratorAccess", "PowerUser"):
        assert forbidden not in text
    for grant in iam.grants(resources):
        for action in grant.actions:
            assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z]+", action), f"{grant.role}/{grant.sid}: {action}"
        if "*" in grant.resources:
            assert set(grant.actions) <= RESOURCELESS_ACTIONS, f"{grant.role}/{grant.sid}"
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        assert "Policies" not in function["Properties"], f"{name}: its role is written out in full"
        assert function["Properties"]["Role"]["Fn::GetAtt"][1] == "Arn"


def test_resize_reads_only_uploads_and_writes_only_renditions(resources):
    allowed = iam.actions_on(iam.grants(resources), "ResizeRole")
    assert allowed["s3:GetObject"] == {"${PhotoBucket.Arn}/uploads/*", "${PhotoBucket.Arn}/renditions/*"}
    # Deleting only what it writes: the renditions of a photo deleted while it worked; never an original.
    assert allowed["s3:PutObject"] == allowed["s3:DeleteObject"] == {"${PhotoBucket.Arn}/renditions/*"}
    # An original's only change: its pending tag removed, so the unconfirmed-uploads expiry keeps away from it.
    assert allowed["s3:DeleteObjectTagging"] == {"${PhotoBucket.Arn}/uploads/*"}
    assert not {"s3:PutObjectTagging", "s3:PutObjectAcl"} & allowed.keys()
    assert not {"sqs:SendMessage", "ses:SendEmail"} & allowed.keys()
    assert allowed["sqs:ReceiveMessage"] == allowed["sqs:DeleteMessage"] == {"ResizeQueue.Arn"}


def test_notify_sends_only_from_the_configured_identity_and_uses_only_its_table(resources):
    grants = [grant for grant in iam.grants(resources) if grant.role == "NotifyRole"]
    (send,) = [grant for grant in grants if "ses:SendEmail" in grant.actions]
    assert send.actions == ("ses:SendEmail",)
    assert send.resources[0].endswith(":identity/${Identity}")
    assert send.resources[1].endswith(":configuration-set/${MailConfigurationSet}")
    assert len(send.resources) == 2
    assert send.condition == {"StringEquals": {"ses:FromAddress": {"Ref": "SenderAddress"}}}
    allowed = iam.actions_on(grants, "NotifyRole")
    assert {action for action in allowed if action.startswith("dynamodb:")} == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    assert all(allowed[a] == {"IdempotencyTable.Arn"} for a in allowed if a.startswith("dynamodb:"))
    assert allowed["sqs:ChangeMessageVisibility"] == {"NotifyQueue.Arn"}
    assert not any(action.startswith("s3:") for action in allowed)


def test_site_role_sends_to_the_queues_and_touches_only_its_prefixes(resources):
    allowed = iam.actions_on(iam.grants(resources), "SiteRole")
    # and the site-tasks dead-letter queue: the worker dead-letters an unreadable message itself (web/tasks/runner.py)
    assert allowed["sqs:SendMessage"] == {
        "ResizeQueue.Arn",
        "NotifyQueue.Arn",
        "SiteTasksQueue.Arn",
        "SiteTasksDeadLetterQueue.Arn",
    }
    assert allowed["s3:PutObject"] == {"${PhotoBucket.Arn}/uploads/*"}  # presigned POSTs into uploads/ only
    assert allowed["s3:GetObject"] == {"${PhotoBucket.Arn}/uploads/*", "${PhotoBucket.Arn}/renditions/*"}
    assert allowed["s3:DeleteObject"] == {"${PhotoBucket.Arn}/uploads/*", "${PhotoBucket.Arn}/renditions/*"}
    assert not any(action.startswith(("ses:", "dynamodb:", "iam:")) for action in allowed)
    # API Gateway invokes the site with this role (Zappa sets it as the integration's credentials): only the site.
    site_function = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:darkroom-${Stage}"
    assert {a for a in allowed if a.startswith("lambda:")} == {"lambda:InvokeFunction"}
    assert allowed["lambda:InvokeFunction"] == {site_function}


DEAD_LETTER_QUEUES = {"ResizeDeadLetterQueue.Arn", "NotifyDeadLetterQueue.Arn", "SiteTasksDeadLetterQueue.Arn"}


def test_site_role_consumes_only_the_site_tasks_queue_and_reads_every_queue(resources):
    allowed = iam.actions_on(iam.grants(resources), "SiteRole")
    # What Lambda's SQS event source mapping needs of the function's role; never the functions' queues
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage"):
        assert allowed[action] == {"SiteTasksQueue.Arn"} | DEAD_LETTER_QUEUES, action
    assert allowed["sqs:ChangeMessageVisibility"] == {"SiteTasksQueue.Arn"}
    queues = {f"{name}.Arn" for name in of_type(resources, "AWS::SQS::Queue")}
    assert allowed["sqs:GetQueueAttributes"] == queues  # the staff page's queue depths
    assert {a for a in allowed if a.startswith("sqs:")} == {
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:StartMessageMoveTask",
        "sqs:ListMessageMoveTasks",
    }


def test_site_role_may_redrive_each_dead_letter_queue_into_its_source_queue(resources):
    # AWS's minimum for StartMessageMoveTask ("Configuring queue permissions for dead-letter queue redrive"):
    # StartMessageMoveTask, ReceiveMessage, DeleteMessage and GetQueueAttributes on the dead-letter queue, and
    # SendMessage on the destination, here the queue the message came from.
    allowed = iam.actions_on(iam.grants(resources), "SiteRole")
    assert allowed["sqs:StartMessageMoveTask"] == allowed["sqs:ListMessageMoveTasks"] == DEAD_LETTER_QUEUES
    sources = {
        "{}.Arn".format(queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]): f"{name}.Arn"
        for name, queue in of_type(resources, "AWS::SQS::Queue").items()
        if "RedrivePolicy" in queue["Properties"]
    }
    assert sources.keys() == DEAD_LETTER_QUEUES
    for dead_letter_queue, source_queue in sources.items():
        for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
            assert dead_letter_queue in allowed[action], (dead_letter_queue, action)
        assert source_queue in allowed["sqs:SendMessage"], dead_letter_queue


def test_site_role_is_assumable_by_the_services_zappa_hands_it_to(resources):
    statements = resources["SiteRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    principals = [item["Principal"]["Service"] for item in statements]  # one statement a service: its own conditions
    assert sorted(principals) == ["apigateway.amazonaws.com", "events.amazonaws.com", "lambda.amazonaws.com"]
    assert {item["Action"] for item in statements} == {"sts:AssumeRole"}


# ---------------------------------------------------------------- alarms and outputs
def single_metric_alarms(resources) -> list[dict]:
    """The properties of every alarm on one metric; the others compute theirs from several (`Metrics`)."""
    alarms = [alarm["Properties"] for alarm in of_type(resources, "AWS::CloudWatch::Alarm").values()]
    return [alarm for alarm in alarms if "MetricName" in alarm]


def metric_math_alarm(resources, name: str) -> tuple[dict, dict[str, dict]]:
    """An alarm on an expression: its properties, and the metrics it reads by their ids."""
    alarm = resources[name]["Properties"]
    assert "MetricName" not in alarm
    return alarm, {query["Id"]: query["MetricStat"]["Metric"] for query in alarm["Metrics"] if "MetricStat" in query}


def test_every_queue_has_alarms_on_dead_letters_and_message_age_to_the_topic(resources):
    alarms = single_metric_alarms(resources)
    watched = {
        (alarm["MetricName"], alarm["Dimensions"][0]["Value"]["Fn::GetAtt"][0])
        for alarm in alarms
        if alarm["Namespace"] == "AWS/SQS" and alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    }
    for dead_letter_queue in ("ResizeDeadLetterQueue", "NotifyDeadLetterQueue", "SiteTasksDeadLetterQueue"):
        assert ("ApproximateNumberOfMessagesVisible", dead_letter_queue) in watched
        assert ("ApproximateAgeOfOldestMessage", dead_letter_queue) in watched
    for queue in ("ResizeQueue", "NotifyQueue", "SiteTasksQueue"):
        assert ("ApproximateAgeOfOldestMessage", queue) in watched
    assert resources["AlarmTopic"]["Type"] == "AWS::SNS::Topic"


def test_site_tasks_waiting_unconsumed_raise_an_alarm_that_says_what_to_check(resources):
    # The site's worker is an event source Zappa creates (or fails to, with only a log line), not a template function
    [alarm] = [
        alarm
        for alarm in single_metric_alarms(resources)
        if alarm["MetricName"] == "ApproximateAgeOfOldestMessage"
        and alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["SiteTasksQueue", "QueueName"]}
    ]
    assert alarm["Statistic"] == "Maximum" and alarm["Period"] == 300
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == 2  # two 5-minute periods running
    assert alarm["Threshold"] == 300 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    for hint in ("event source", "zappa update", "scripts/zappa-env"):
        assert hint in alarm["AlarmDescription"]


def test_an_email_ses_refused_for_good_raises_an_alarm(resources):
    # It is acknowledged, so no dead-letter alarm would ever see it.
    [alarm] = [alarm for alarm in single_metric_alarms(resources) if alarm["MetricName"] == "EmailRejected"]
    assert alarm["Namespace"] == "Darkroom"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "notify"}]
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_a_spell_of_refused_photos_raises_an_alarm(resources):
    # Refused photos are acknowledged with a failed manifest: no dead-letter alarm sees them.
    alarm, read = metric_math_alarm(resources, "PhotoRefusalsAlarm")
    assert {metric["MetricName"] for metric in read.values()} == set(resize.OUTCOME_METRICS.values())
    for metric in read.values():
        assert metric["Namespace"] == "Darkroom"
        assert metric["Dimensions"] == [{"Name": "service", "Value": resize.SERVICE}]
    # CloudWatch's rules for a metric-math alarm: ids start with a lowercase letter, exactly one query is returned
    assert all(re.fullmatch(r"[a-z]\w*", query["Id"]) for query in alarm["Metrics"])
    [share] = [query for query in alarm["Metrics"] if query.get("ReturnData", True)]
    assert set(re.findall(r"\b[a-z]\w*\b(?!\()", share["Expression"])) == set(read)  # reads only what it defines
    # a fifth of the hour's photos, once there are ten: one odd file among a few photos is not an outage
    assert share["Expression"] == "IF(refused >= 10, refused / (refused + FILL(developed, 0)), 0)"
    assert {query["MetricStat"]["Period"] for query in alarm["Metrics"] if "MetricStat" in query} == {3600}
    assert alarm["Threshold"] == 0.2 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_a_message_a_function_cannot_read_raises_an_alarm(resources):
    # It is acknowledged, so no dead-letter alarm would ever see it.
    alarms = [alarm for alarm in single_metric_alarms(resources) if alarm["MetricName"] == "MessageInvalid"]
    assert sorted(alarm["Dimensions"][0]["Value"] for alarm in alarms) == sorted([resize.SERVICE, notify.SERVICE])
    for alarm in alarms:
        assert alarm["Namespace"] == "Darkroom" and alarm["Dimensions"][0]["Name"] == "service"
        assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 300, 1)
        assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


SITE_LOG_ALARMS = {"OutboxSendFailed": '"outbox send failed"', "SweepErrors": '"sweep error"'}


@pytest.mark.parametrize(("metric", "pattern"), SITE_LOG_ALARMS.items())
def test_site_failures_no_queue_shows_raise_an_alarm_when_they_persist(resources, metric, pattern):
    # GIVEN a metric counted from the site's log lines (web/outbox/services.py, web/photos/services.py print them;
    # tests/web checks the lines match these patterns)
    [source] = [
        item["Properties"]
        for item in of_type(resources, "AWS::Logs::MetricFilter").values()
        if item["Properties"]["MetricTransformations"][0]["MetricName"] == metric
    ]
    assert source["LogGroupName"] == {"Ref": "SiteLogGroup"}
    assert source["FilterPattern"] == pattern
    assert source["MetricTransformations"][0]["MetricNamespace"] == "Darkroom"

    # THEN an alarm goes to the topic once it has happened in three sweeps in a row (a blip is retried)
    [alarm] = [alarm for alarm in single_metric_alarms(resources) if alarm["MetricName"] == metric]
    assert alarm["Namespace"] == "Darkroom" and alarm["Statistic"] == "Sum"
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (300, 3, 3)
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def watched_function(dimension_value) -> str:
    """An AWS/Lambda alarm's FunctionName as written: a template function's logical id, or the Zappa site's name."""
    return dimension_value.get("Ref") or dimension_value["Fn::Sub"]


def function_timeouts(resources) -> dict[str, int]:
    """Every function of the stack, as its alarms name it, with its timeout in seconds; the site's from Zappa."""
    timeouts = {name: f["Properties"]["Timeout"] for name, f in of_type(resources, "AWS::Serverless::Function").items()}
    [site_timeout] = {stage["timeout_seconds"] for stage in zappa_stages().values()}  # one timeout for every stage
    return {**timeouts, zappa_stages()["dev"]["project_name"] + "-${Stage}": site_timeout}


def lambda_alarms(resources, metric: str) -> dict[str, list[dict]]:
    alarms: dict[str, list[dict]] = {}
    for properties in single_metric_alarms(resources):
        if properties["Namespace"] == "AWS/Lambda" and properties["MetricName"] == metric:
            [dimension] = properties["Dimensions"]
            assert dimension["Name"] == "FunctionName"
            alarms.setdefault(watched_function(dimension["Value"]), []).append(properties)
    return alarms


@pytest.mark.parametrize("metric", ["Errors", "Throttles", "Duration"])
def test_every_function_and_the_site_have_exactly_one_alarm_on_each_failure_metric(resources, metric):
    alarms = lambda_alarms(resources, metric)
    assert {function: len(found) for function, found in alarms.items()} == dict.fromkeys(
        function_timeouts(resources), 1
    )
    for [alarm] in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] == "notBreaching"  # an idle function is not failing


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_the_first_error_or_throttle_raises_the_alarm(resources, metric):
    for [alarm] in lambda_alarms(resources, metric).values():
        assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Sum", 300, 1)
        assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_a_run_at_80_percent_of_its_functions_timeout_raises_the_alarm(resources):
    timeouts = function_timeouts(resources)
    for function, [alarm] in lambda_alarms(resources, "Duration").items():
        assert (alarm["Statistic"], alarm["Period"], alarm["EvaluationPeriods"]) == ("Maximum", 300, 1)
        assert alarm["Threshold"] == 0.8 * timeouts[function] * 1000, function  # Duration is in milliseconds
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_site_role_gets_vpc_network_interfaces_only_when_it_runs_in_a_vpc(template, resources):
    assert template["Parameters"]["SiteInVpc"]["Default"] == "false"
    assert template["Conditions"]["SiteIsInVpc"] == {"Fn::Equals": [{"Ref": "SiteInVpc"}, "true"]}
    condition, in_vpc, otherwise = resources["SiteRole"]["Properties"]["ManagedPolicyArns"]["Fn::If"]
    assert condition == "SiteIsInVpc"
    assert in_vpc == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"}]
    assert otherwise == {"Ref": "AWS::NoValue"}


def _zappa_env():
    """scripts/zappa-env as a module (the script has no .py suffix)."""
    loader = importlib.machinery.SourceFileLoader("zappa_env", str(ROOT / "scripts" / "zappa-env"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def test_every_queue_reaches_the_site_by_one_setting_and_the_staff_page_lists_it(template, resources):
    # GIVEN the template's queues, and the output that names each
    queues = set(of_type(resources, "AWS::SQS::Queue"))
    values = {name: output["Value"] for name, output in template["Outputs"].items()}
    output_of = {value["Ref"]: name for name, value in values.items() if isinstance(value, dict) and "Ref" in value}
    # THEN on AWS (scripts/zappa-env) and locally (devstack) each one lands in the same setting of the site
    on_aws = {queue: _zappa_env().OUTPUT_VARIABLES[output_of[queue]] for queue in queues}
    locally = {queue: devstack_template.RESOURCE_VARIABLES[queue] for queue in queues}
    assert on_aws == locally
    # and the staff page's queue list (its counts and redrives) knows every one
    assert sorted(on_aws.values()) == sorted(queue.setting for queue in QUEUES)


def test_outputs_give_the_site_everything_it_needs(template):
    outputs = template["Outputs"]
    assert outputs["BucketName"]["Value"] == {"Ref": "PhotoBucket"}
    assert outputs["ResizeQueueUrl"]["Value"] == {"Ref": "ResizeQueue"}
    assert outputs["NotifyQueueUrl"]["Value"] == {"Ref": "NotifyQueue"}
    assert outputs["SiteTasksQueueUrl"]["Value"] == {"Ref": "SiteTasksQueue"}
    assert outputs["SiteTasksDeadLetterQueueUrl"]["Value"] == {"Ref": "SiteTasksDeadLetterQueue"}
    assert outputs["SiteTasksQueueArn"]["Value"] == {"Fn::GetAtt": ["SiteTasksQueue", "Arn"]}  # the worker's source
    assert outputs["IdempotencyTableName"]["Value"] == {"Ref": "IdempotencyTable"}
    assert outputs["SiteRoleArn"]["Value"] == {"Fn::GetAtt": ["SiteRole", "Arn"]}
    assert {"SiteRoleName", "SiteOrigin", "AlarmTopicArn"} <= outputs.keys()


def test_every_checkov_skip_gives_its_reason(resources):
    skips = [
        (name, skip)
        for name, resource in resources.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), name
        assert len(skip["comment"].split()) >= 8, f"{name} skips {skip['id']} without a real reason"


# ---------------------------------------------------------------- the Zappa side
def zappa_stages() -> dict[str, dict]:
    settings = json.loads((ROOT / "zappa_settings.json").read_text())
    return {name: {**settings[stage["extends"]], **stage} for name, stage in settings.items() if "extends" in stage}


def test_each_zappa_stage_runs_under_the_role_the_stack_creates_for_it(resources):
    role_name = resources["SiteRole"]["Properties"]["RoleName"]["Fn::Sub"]
    stages = zappa_stages()
    assert stages.keys() >= {"dev", "production"}
    for stage, settings in stages.items():
        assert settings["manage_roles"] is False
        assert settings["role_name"] == role_name.replace("${Stage}", stage)
        assert settings["runtime"] == "python3.12"
    # Lambda logs the Zappa function (<project_name>-<stage>) to the group the stack made, with its retention.
    log_group = resources["SiteLogGroup"]["Properties"]["LogGroupName"]["Fn::Sub"]
    assert log_group == "/aws/lambda/" + stages["dev"]["project_name"] + "-${Stage}"
    assert iam.actions_on(iam.grants(resources), "SiteRole")["logs:PutLogEvents"] == {"SiteLogGroup.Arn"}


def test_zappa_settings_hold_no_secrets_and_keep_tools_out_of_the_package():
    raw = (ROOT / "zappa_settings.json").read_text()
    for secret in ("DJANGO_SECRET_KEY", "DATABASE_URL", "postgres://", "aws_secret_access_key"):
        assert secret not in raw
    for stage, settings in zappa_stages().items():
        assert {"tests", "functions", "devstack", "bench", "build"} <= set(settings["exclude_glob"]), stage
        assert {"boto3", "botocore", ".venv", ".venv-tools"} <= set(settings["exclude"]), stage
        # exclude matches names at any depth: a project folder there would also drop django.db.models.functions
        assert not {"functions", "tests", "build"} & set(settings["exclude"]), stage
        assert settings["events"] == [{"function": "web.scheduled.sweep", "expression": "rate(5 minutes)"}]

"""Who may send to each queue: the template's queue policies evaluated (tests/infra/iam.py) against the site, the
services the stack sends with, and every other principal an attacker could use. A message is acted on as it comes
(a resize request names a photo, an email its links), so nobody but the site may put one on a queue."""

import pytest

from tests.infra import iam

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
QUEUES = (
    "ResizeQueue",
    "NotifyQueue",
    "SiteTasksQueue",
    "ResizeDeadLetterQueue",
    "NotifyDeadLetterQueue",
    "SiteTasksDeadLetterQueue",
)
FUNCTION_QUEUES = ("ResizeQueue", "NotifyQueue", "SiteTasksQueue")


def role(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


SITE_ROLE = role("darkroom-site-dev")
MAIL_FEEDBACK_RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/darkroom-dev-MailFeedbackRule-1A2B3C"
VALUES = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": ACCOUNT,
    "Stage": "dev",
    "SiteRole.Arn": SITE_ROLE,
    "MailFeedbackRule.Arn": MAIL_FEEDBACK_RULE,
    **{f"{queue}.Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:darkroom-dev-{queue}" for queue in QUEUES},
    **{queue: f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/darkroom-dev-{queue}" for queue in QUEUES},
}


def arn(queue: str) -> str:
    return VALUES[f"{queue}.Arn"]


@pytest.fixture(scope="module")
def statements(resources) -> dict[str, list[dict]]:
    """Each queue's resolved policy statements, from every AWS::SQS::QueuePolicy naming it."""
    by_queue: dict[str, list[dict]] = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::SQS::QueuePolicy":
            for queue in resource["Properties"]["Queues"]:
                document = iam.resolve(resource["Properties"]["PolicyDocument"], VALUES)
                by_queue.setdefault(queue["Ref"], []).extend(document["Statement"])
    return by_queue


@pytest.fixture(scope="module")
def site_may_send_to(resources) -> set[str]:
    """The queues the site role's own IAM policy lets it send to."""
    written = iam.actions_on(iam.grants(resources), "SiteRole")["sqs:SendMessage"]
    return {arn(name.removesuffix(".Arn")) for name in written}


def send(queue: str, caller: str, *, identity_allows: bool = True) -> iam.Request:
    return iam.role_request("sqs:SendMessage", arn(queue), caller, identity_allows=identity_allows)


def test_every_queue_has_a_policy(statements):
    assert statements.keys() == set(QUEUES)


@pytest.mark.parametrize("queue", [*FUNCTION_QUEUES, "SiteTasksDeadLetterQueue"])
def test_the_site_may_send_where_it_sends(statements, site_may_send_to, queue):
    request = send(queue, SITE_ROLE, identity_allows=arn(queue) in site_may_send_to)
    assert iam.allowed(statements[queue], request)


@pytest.mark.parametrize("action", ["sqs:SendMessage", "sqs:SendMessageBatch"])
@pytest.mark.parametrize("queue", QUEUES)
def test_an_administrator_of_the_account_may_not_send(statements, queue, action):
    # GIVEN a role whose own policy allows sqs:* on everything (an operator, a CI role, a compromised function)
    request = iam.role_request(action.replace("Batch", ""), arn(queue), role("admin"), identity_allows=True)
    # THEN the queue's policy refuses it: SendMessageBatch is authorised as sqs:SendMessage
    assert not iam.allowed(statements[queue], request)


@pytest.mark.parametrize("queue", FUNCTION_QUEUES)
def test_another_stages_site_may_not_send(statements, queue):
    assert not iam.allowed(statements[queue], send(queue, role("darkroom-site-production")))


@pytest.mark.parametrize("queue", FUNCTION_QUEUES)
def test_a_function_role_may_not_send(statements, queue):
    # resize and notify only consume; a bug or an injected dependency in them must not forge requests
    for name in ("darkroom-dev-ResizeRole-1ABC", "darkroom-dev-NotifyRole-1ABC"):
        assert not iam.allowed(statements[queue], send(queue, role(name)))


@pytest.mark.parametrize("queue", QUEUES)
def test_a_role_of_another_account_may_not_send(statements, queue):
    assert not iam.allowed(statements[queue], send(queue, role("darkroom-site-dev", OTHER_ACCOUNT)))


@pytest.mark.parametrize("queue", ["ResizeDeadLetterQueue", "NotifyDeadLetterQueue"])
def test_nobody_sends_to_the_functions_dead_letter_queues_not_even_the_site(statements, queue):
    # Only SQS's redrive fills them; a message put there by hand would go back to its queue as the site's own.
    assert not iam.allowed(statements[queue], send(queue, SITE_ROLE))


def test_s3_of_this_account_may_send_manifest_events_to_the_site_tasks_queue(statements):
    request = iam.service_request(
        "sqs:SendMessage",
        arn("SiteTasksQueue"),
        "s3.amazonaws.com",
        source_account=ACCOUNT,
        source_arn="arn:aws:s3:::b",
    )
    assert iam.allowed(statements["SiteTasksQueue"], request)


def test_s3_for_a_bucket_of_another_account_may_not_send(statements):
    request = iam.service_request(
        "sqs:SendMessage", arn("SiteTasksQueue"), "s3.amazonaws.com", source_account=OTHER_ACCOUNT, source_arn="x"
    )
    assert not iam.allowed(statements["SiteTasksQueue"], request)


@pytest.mark.parametrize("queue", ["ResizeQueue", "NotifyQueue", "ResizeDeadLetterQueue", "NotifyDeadLetterQueue"])
@pytest.mark.parametrize("service", ["s3.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"])
def test_no_service_may_send_to_the_functions_queues(statements, queue, service):
    request = iam.service_request(
        "sqs:SendMessage", arn(queue), service, source_account=ACCOUNT, source_arn=MAIL_FEEDBACK_RULE
    )
    assert not iam.allowed(statements[queue], request)


@pytest.mark.parametrize("queue", ["SiteTasksQueue", "SiteTasksDeadLetterQueue"])
def test_the_mail_feedback_rule_may_send_ses_events_and_another_rule_may_not(statements, queue):
    def from_rule(rule: str) -> iam.Request:
        return iam.service_request(
            "sqs:SendMessage", arn(queue), "events.amazonaws.com", source_account=ACCOUNT, source_arn=rule
        )

    assert iam.allowed(statements[queue], from_rule(MAIL_FEEDBACK_RULE))
    assert not iam.allowed(statements[queue], from_rule(MAIL_FEEDBACK_RULE.replace("Mail", "Other")))


def test_the_deny_names_the_role_the_stack_creates(resources):
    # Written as an ARN from the role's name (GetAtt would make a cycle through the bucket): the same name.
    role_name = resources["SiteRole"]["Properties"]["RoleName"]
    assert iam.resolve(role_name, VALUES) == SITE_ROLE.rsplit("/", 1)[1]

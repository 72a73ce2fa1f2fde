"""The site role's trust policy: which service may assume it, on whose behalf. Evaluated with tests/infra/iam.py."""

import pytest

from tests.infra import iam
from tests.infra.test_queue_policies import ACCOUNT, OTHER_ACCOUNT, SITE_ROLE, VALUES

SWEEPER_RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/darkroom-dev-web.scheduled.sweep"


@pytest.fixture(scope="module")
def trust(resources) -> list[dict]:
    return iam.resolve(resources["SiteRole"]["Properties"]["AssumeRolePolicyDocument"], VALUES)["Statement"]


def assume(service: str, **context: str) -> iam.Request:
    return iam.Request("sts:AssumeRole", SITE_ROLE, service, {"aws:PrincipalIsAWSService": "true", **context})


def test_eventbridge_may_assume_it_for_this_stages_rules(trust):
    assert iam.allowed(
        trust, assume("events.amazonaws.com", **{"aws:SourceAccount": ACCOUNT}, **{"aws:SourceArn": SWEEPER_RULE})
    )


def test_eventbridge_may_not_assume_it_for_another_stages_rule(trust):
    rule = SWEEPER_RULE.replace("darkroom-dev-", "darkroom-production-")
    assert not iam.allowed(
        trust, assume("events.amazonaws.com", **{"aws:SourceAccount": ACCOUNT}, **{"aws:SourceArn": rule})
    )


def test_eventbridge_may_not_assume_it_for_another_accounts_rule(trust):
    rule = SWEEPER_RULE.replace(ACCOUNT, OTHER_ACCOUNT)
    request = assume("events.amazonaws.com", **{"aws:SourceAccount": OTHER_ACCOUNT}, **{"aws:SourceArn": rule})
    assert not iam.allowed(trust, request)


def test_eventbridge_may_not_assume_it_without_saying_for_whom(trust):
    assert not iam.allowed(trust, assume("events.amazonaws.com"))


@pytest.mark.parametrize("service", ["lambda.amazonaws.com", "apigateway.amazonaws.com"])
def test_lambda_and_api_gateway_may_assume_it_as_they_do_today(trust, service):
    # They document no source keys for this assumption: the role must keep working without them.
    assert iam.allowed(trust, assume(service))
    assert iam.allowed(trust, assume(service, **{"aws:SourceAccount": ACCOUNT}))


@pytest.mark.parametrize("service", ["lambda.amazonaws.com", "apigateway.amazonaws.com"])
def test_lambda_and_api_gateway_may_not_assume_it_for_another_account(trust, service):
    assert not iam.allowed(trust, assume(service, **{"aws:SourceAccount": OTHER_ACCOUNT}))


@pytest.mark.parametrize("service", ["s3.amazonaws.com", "ec2.amazonaws.com", "states.amazonaws.com"])
def test_no_other_service_may_assume_it(trust, service):
    assert not iam.allowed(trust, assume(service, **{"aws:SourceAccount": ACCOUNT}))


def test_no_role_or_user_may_assume_it(trust):
    # A trust policy must name the caller: its own IAM policy allowing sts:AssumeRole is not enough.
    request = iam.role_request("sts:AssumeRole", SITE_ROLE, f"arn:aws:iam::{ACCOUNT}:role/admin", identity_allows=False)
    assert not iam.allowed(trust, request)

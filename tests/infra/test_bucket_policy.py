"""The photo bucket refuses every request that does not come over TLS, whoever makes it."""

import pytest

from tests.infra import iam
from tests.infra.test_queue_policies import ACCOUNT, SITE_ROLE

BUCKET = "arn:aws:s3:::darkroom-dev-photobucket-1abc"
VALUES = {"PhotoBucket": "darkroom-dev-photobucket-1abc", "PhotoBucket.Arn": BUCKET}


@pytest.fixture(scope="module")
def statements(resources) -> list[dict]:
    [policy] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::S3::BucketPolicy"]
    assert policy["Bucket"] == {"Ref": "PhotoBucket"}
    return iam.resolve(policy["PolicyDocument"], VALUES)["Statement"]


def request(action: str, resource: str, *, secure: bool) -> iam.Request:
    # The site's role, which its own policy lets do all of these (an administrator's request is the same case).
    return iam.role_request(
        action,
        resource,
        SITE_ROLE,
        identity_allows=True,
        **{"aws:SecureTransport": str(secure).lower(), "aws:ResourceAccount": ACCOUNT},
    )


CALLS = [
    ("s3:GetObject", f"{BUCKET}/renditions/p/w480.webp"),
    ("s3:PutObject", f"{BUCKET}/uploads/1/p"),  # the browser's presigned POST
    ("s3:DeleteObject", f"{BUCKET}/uploads/1/p"),
    ("s3:ListBucket", BUCKET),
    ("s3:PutBucketPolicy", BUCKET),
]


@pytest.mark.parametrize(("action", "resource"), CALLS)
def test_a_request_over_plain_http_is_refused(statements, action, resource):
    assert not iam.allowed(statements, request(action, resource, secure=False))


@pytest.mark.parametrize(("action", "resource"), CALLS)
def test_a_request_over_tls_is_left_to_the_callers_own_policy(statements, action, resource):
    assert iam.allowed(statements, request(action, resource, secure=True))


def test_the_policy_only_denies(statements):
    # It grants nothing: the public access block stays whole and every grant stays in the roles' own policies.
    assert {statement["Effect"] for statement in statements} == {"Deny"}

"""The AWS integration: taking an original out of the unconfirmed-uploads expiry."""

import pytest
from botocore.exceptions import ClientError

from tests.web.factories import PENDING_TAGGING, tags_of
from web import aws


def _stored_pending(s3, bucket: str, key: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=b"pixels", Tagging=PENDING_TAGGING)


def test_keep_original_removes_the_pending_tag(s3, settings):
    _stored_pending(s3, settings.DARKROOM_BUCKET, "uploads/1/k")

    assert aws.keep_original(key="uploads/1/k") is True
    assert tags_of(s3, settings.DARKROOM_BUCKET, "uploads/1/k") == []


def test_keep_original_reports_a_missing_object(monkeypatch):
    # S3 answers NoSuchKey for a key deleted meanwhile (moto crashes instead, so its answer is stood in for here)
    def no_such_key(**kwargs):
        raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "DeleteObjectTagging")

    monkeypatch.setattr(aws.s3_client(), "delete_object_tagging", no_such_key)

    assert aws.keep_original(key="uploads/1/deleted") is False


def test_keep_original_raises_other_s3_errors(monkeypatch):
    def throttled(**kwargs):
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "DeleteObjectTagging")

    monkeypatch.setattr(aws.s3_client(), "delete_object_tagging", throttled)

    with pytest.raises(ClientError):
        aws.keep_original(key="uploads/1/k")


def test_head_object_of_a_missing_object_is_none():
    assert aws.head_object(key="uploads/1/never-uploaded") is None


def test_the_site_calls_aws_with_its_own_user_agent(s3, settings):
    # GIVEN the User-Agent of every request the site's clients send
    sent = []
    for client in (aws.s3_client(), aws.sqs_client()):
        client.meta.events.register("before-send", lambda request, **kwargs: sent.append(request.headers["User-Agent"]))

    # WHEN it calls S3 and SQS
    aws.head_object(key="uploads/1/never-uploaded")
    aws.send_message(queue_url=settings.DARKROOM_RESIZE_QUEUE_URL, body="{}")

    # THEN each names the site, without botocore's long string (rebuilt on every call, which a request waits for);
    # moto's mock appends its own "Botocore/<version>"
    agents = [agent.decode() if isinstance(agent, bytes) else agent for agent in sent]
    assert len(agents) == 2
    assert all(agent.split()[0] == aws.USER_AGENT and "os/" not in agent for agent in agents)

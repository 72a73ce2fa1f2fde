"""The AWS integration: confirm's HEAD and tag removal run side by side."""

import threading

import pytest
from botocore.exceptions import EndpointConnectionError

from web import aws


def test_head_and_mark_confirmed_runs_both_calls_at_once(monkeypatch):
    # GIVEN two calls that each return only once the other one has started
    both_started = threading.Barrier(2, timeout=5)
    calls = []

    def head_object(*, key):
        both_started.wait()
        calls.append("head")
        return {"ContentLength": 1}

    def mark_upload_confirmed(*, key):
        both_started.wait()
        calls.append("tag")

    monkeypatch.setattr(aws, "head_object", head_object)
    monkeypatch.setattr(aws, "mark_upload_confirmed", mark_upload_confirmed)

    # WHEN the helper runs (run one after the other, the barrier would break)
    head, tag_error = aws.head_and_mark_confirmed(key="uploads/1/k")

    # THEN both calls ran concurrently and the head comes back with no tag error
    assert sorted(calls) == ["head", "tag"]
    assert head == {"ContentLength": 1}
    assert tag_error is None


def test_head_and_mark_confirmed_raises_a_tag_failure_that_is_not_an_s3_answer(monkeypatch):
    finished = []

    def head_object(*, key):
        finished.append("head")
        return {"ContentLength": 1}

    def unreachable(*, key):
        raise EndpointConnectionError(endpoint_url="https://s3.example")

    monkeypatch.setattr(aws, "head_object", head_object)
    monkeypatch.setattr(aws, "mark_upload_confirmed", unreachable)

    with pytest.raises(EndpointConnectionError):
        aws.head_and_mark_confirmed(key="uploads/1/k")
    assert finished == ["head"]


def test_head_and_mark_confirmed_of_a_missing_object_raises_nothing():
    # moto, like S3, fails the tag call for a missing key; the missing object is the answer, not that failure
    head, tag_error = aws.head_and_mark_confirmed(key="uploads/1/never-uploaded")

    assert head is None
    assert tag_error is not None

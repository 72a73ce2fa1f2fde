"""Shared test setup: fake AWS credentials so nothing can ever reach a real account; the functions' metrics."""

import json
import os

import pytest

# Set before any boto3 client exists; moto's mock_aws intercepts every call made with them.
for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)


@pytest.fixture
def emitted_metrics(capsys):
    """The CloudWatch EMF documents a function's Powertools printed, as (metric name -> values, dimensions) pairs."""

    def read() -> list[tuple[dict, dict]]:
        documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
        result = []
        for document in documents:
            assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Darkroom"  # what the alarms read
            names = [metric["Name"] for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
            dimensions = {key: document[key] for key in document["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]}
            result.append(({name: document[name] for name in names}, dimensions))
        return result

    return read

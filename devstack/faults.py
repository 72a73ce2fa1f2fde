"""Fault injection for the local stack and the tests: never imported by production code.

Faults are botocore event hooks on the default boto3 session, so the code under test runs unchanged and sees the
same ClientError a real AWS outage would raise. Configure with DEVSTACK_FAULTS, a JSON object:

    {"rates": {"s3": 0.1, "sesv2.SendEmail": 0.2}, "always": {"s3.GetObject": "poison"}, "seed": 7}

- rates: probability that a call fails, per service ("s3") or per operation ("sesv2.SendEmail");
- always: calls that always fail when a parameter value contains the given text (a poison object).
"""

import json
import os
import random
import threading

import boto3
from botocore.exceptions import ClientError

# The error each service returns when it is overloaded: what Darkroom must treat as transient.
TRANSIENT_ERRORS = {
    "s3": ("SlowDown", 503),
    "sqs": ("ServiceUnavailable", 503),
    "sesv2": ("TooManyRequestsException", 429),
}


class Faults:
    def __init__(self, *, rates: dict[str, float] | None = None, always: dict[str, str] | None = None, seed=None):
        self.rates = rates or {}
        self.always = always or {}
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.injected: dict[str, int] = {}

    def should_fail(self, service: str, operation: str, params: dict) -> bool:
        name = f"{service}.{operation}"
        marker = self.always.get(name) or self.always.get(service)
        if marker and any(marker in str(value) for value in params.values()):
            return True
        rate = self.rates.get(name, self.rates.get(service, 0.0))
        with self.lock:
            return rate > 0 and self.random.random() < rate

    def before_parameter_build(self, params, model, **kwargs):
        service = model.service_model.service_name
        if not self.should_fail(service, model.name, params):
            return None
        with self.lock:
            self.injected[f"{service}.{model.name}"] = self.injected.get(f"{service}.{model.name}", 0) + 1
        code, status = TRANSIENT_ERRORS.get(service, ("ServiceUnavailable", 503))
        raise ClientError(
            {
                "Error": {"Code": code, "Message": "injected by devstack.faults"},
                "ResponseMetadata": {"HTTPStatusCode": status},
            },
            model.name,
        )

    def install(self, session=None) -> "Faults":
        (session or boto3._get_default_session()).events.register("before-parameter-build", self.before_parameter_build)
        return self

    def uninstall(self, session=None) -> None:
        (session or boto3._get_default_session()).events.unregister(
            "before-parameter-build", self.before_parameter_build
        )


def install_from_environment() -> Faults | None:
    config = os.environ.get("DEVSTACK_FAULTS")
    if not config:
        return None
    return Faults(**json.loads(config)).install()

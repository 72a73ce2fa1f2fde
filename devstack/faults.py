"""Fault injection for the local stack and the tests: never imported by production code.

Faults are botocore event hooks on the default boto3 session, so the code under test runs unchanged and sees the
same errors a real AWS outage would produce. Configure with DEVSTACK_FAULTS, a JSON object:

    {"rates": {"sqs.SendMessage": 0.1}, "attempt_rates": {"s3": 0.1, "sesv2.SendEmail": 0.2},
     "always": {"s3.GetObject": "poison"}, "seed": 7, "report_dir": "/tmp/faults"}

- rates: probability that a whole call fails with the service's overload error, as if the SDK had already used
  up its retries (per service, "s3", or per operation, "sesv2.SendEmail");
- attempt_rates: probability that one HTTP attempt gets the service's overload response (503 SlowDown, 429
  TooManyRequests...); botocore's retry policy sees it like a real one, so only runs of failures reach the caller;
- always: calls that always fail when a parameter value contains the given text (a poison object);
- report_dir: each process keeps its injected counts in <report_dir>/faults-<pid>.json (for load-run reports).
"""

import json
import os
import random
import threading
from pathlib import Path

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

# The error each service returns when it is overloaded: what Darkroom must treat as transient.
TRANSIENT_ERRORS = {
    "s3": ("SlowDown", 503),
    "sqs": ("ServiceUnavailable", 503),
    "sesv2": ("TooManyRequestsException", 429),
}
_MESSAGE = "injected by devstack.faults"


class _Body:
    """The raw stream AWSResponse reads an error body from."""

    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **kwargs):
        yield self.data


def overload_response(service: str, url: str) -> AWSResponse:
    """The HTTP response the service sends when it is overloaded, in its own protocol (XML for S3, JSON else)."""
    code, status = TRANSIENT_ERRORS.get(service, ("ServiceUnavailable", 503))
    if service == "s3":
        body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{_MESSAGE}</Message></Error>"
        headers = {"Content-Type": "application/xml"}
    else:
        body = json.dumps({"__type": code, "message": _MESSAGE})
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}
    return AWSResponse(url, status, headers, _Body(body.encode()))


class Faults:
    def __init__(
        self,
        *,
        rates: dict[str, float] | None = None,
        attempt_rates: dict[str, float] | None = None,
        always: dict[str, str] | None = None,
        seed=None,
        report_dir: str | None = None,
    ):
        self.rates = rates or {}
        self.attempt_rates = attempt_rates or {}
        self.always = always or {}
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.injected: dict[str, int] = {}
        self.report_path = Path(report_dir) / f"faults-{os.getpid()}.json" if report_dir else None

    def _roll(self, rates: dict[str, float], service: str, operation: str) -> bool:
        rate = rates.get(f"{service}.{operation}", rates.get(service, 0.0))
        with self.lock:
            return rate > 0 and self.random.random() < rate

    def should_fail(self, service: str, operation: str, params: dict) -> bool:
        name = f"{service}.{operation}"
        marker = self.always.get(name) or self.always.get(service)
        if marker and any(marker in str(value) for value in params.values()):
            return True
        return self._roll(self.rates, service, operation)

    def _count(self, name: str) -> None:
        with self.lock:
            self.injected[name] = self.injected.get(name, 0) + 1
            if self.report_path is not None:  # rewritten on each fault, so a SIGKILLed process keeps its counts
                # Written beside, then renamed over: a SIGKILL between truncating and writing left an empty report.
                partial = self.report_path.with_suffix(".partial")
                partial.write_text(json.dumps(self.injected))
                os.replace(partial, self.report_path)

    def before_parameter_build(self, params, model, **kwargs):
        service = model.service_model.service_name
        if not self.should_fail(service, model.name, params):
            return None
        self._count(f"{service}.{model.name}")
        code, status = TRANSIENT_ERRORS.get(service, ("ServiceUnavailable", 503))
        raise ClientError(
            {"Error": {"Code": code, "Message": _MESSAGE}, "ResponseMetadata": {"HTTPStatusCode": status}},
            model.name,
        )

    def before_send(self, request, event_name, **kwargs):
        # event_name is "before-send.<service id>.<operation>"; the service ids used here equal the service names.
        _, service, operation = event_name.split(".", 2)
        if not self._roll(self.attempt_rates, service, operation):
            return None
        self._count(f"{service}.{operation} attempt")
        return overload_response(service, request.url)

    def install(self, session=None) -> "Faults":
        """Hook into a session; clients made from it afterwards (not before) see the faults."""
        events = (session or boto3._get_default_session()).events
        events.register("before-parameter-build", self.before_parameter_build)
        if self.attempt_rates:
            events.register("before-send", self.before_send)
        return self

    def uninstall(self, session=None) -> None:
        events = (session or boto3._get_default_session()).events
        events.unregister("before-parameter-build", self.before_parameter_build)
        events.unregister("before-send", self.before_send)


def install_from_environment() -> Faults | None:
    config = os.environ.get("DEVSTACK_FAULTS")
    if not config:
        return None
    return Faults(**json.loads(config)).install()


def reported_counts(report_dir: Path) -> dict[str, int]:
    """The injected counts of every process that reported into report_dir, summed per operation."""
    totals: dict[str, int] = {}
    for path in Path(report_dir).glob("faults-*.json"):
        for name, count in json.loads(path.read_text()).items():
            totals[name] = totals.get(name, 0) + count
    return totals

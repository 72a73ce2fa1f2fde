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
- report_dir: each process keeps its injected counts in <report_dir>/faults-<pid>.json (for load-run reports);
- windows_file: faults that hang, each for a window of time the load run opens while it runs (open_window):
  {"sqs.SendMessage": {"kind": "silent", "until": <epoch s>}} sends that call's HTTP attempts to a listener that
  accepts and never answers; {"s3": {"kind": "slow", "seconds": 10, "rate": 0.3, ...}} sends that share of S3's
  attempts through a relay that holds each answer that long; both meet the caller's own connect and read timeouts.
  {"database": {"seconds": 5, ...}} makes every SQL statement of a process with "database": true wait that long,
  then fail as a database that did not answer in time would.
"""

import json
import os
import random
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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
        windows_file: str | None = None,
        database: bool = False,
    ):
        self.rates = rates or {}
        self.attempt_rates = attempt_rates or {}
        self.always = always or {}
        self.windows = Windows(Path(windows_file)) if windows_file else None
        self.database = database
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
        if self._hang(request, service, operation):
            return None  # botocore sends the attempt, now to a listener that hangs
        if not self._roll(self.attempt_rates, service, operation):
            return None
        self._count(f"{service}.{operation} attempt")
        return overload_response(service, request.url)

    def _hang(self, request, service: str, operation: str) -> bool:
        """Within an open window, point this HTTP attempt at a listener that hangs: silent, or slow to answer."""
        if self.windows is None:
            return False
        window = self.windows.open(f"{service}.{operation}") or self.windows.open(service)
        if window is None:
            return False
        if window["kind"] == "silent":
            port = silent_port()
        else:  # "slow": this share of the attempts is answered late, the rest at once
            with self.lock:
                if self.random.random() >= window.get("rate", 1.0):
                    return False
            target = urlsplit(request.url)
            port = slow_relay_port(target.hostname, target.port, window["seconds"])
        self._count(f"{service}.{operation} {window['kind']}")
        request.url = urlunsplit(urlsplit(request.url)._replace(netloc=f"127.0.0.1:{port}"))
        return True

    def database_wrapper(self, execute, sql, params, many, context):
        """django's execute_wrapper: within the "database" window every statement waits, then fails."""
        window = self.windows.open("database") if self.windows else None
        if window is None:
            return execute(sql, params, many, context)
        self._count("database statement blocked")
        time.sleep(window["seconds"])
        from django.db import OperationalError

        raise OperationalError(f"the database did not answer in {window['seconds']} s ({_MESSAGE})")

    def _wrap_connection(self, sender, connection, **kwargs):
        connection.execute_wrappers.append(self.database_wrapper)

    def install(self, session=None) -> "Faults":
        """Hook into a session; clients made from it afterwards (not before) see the faults. With database=True,
        every database connection the process opens from now on gets the window's wrapper."""
        events = (session or boto3._get_default_session()).events
        events.register("before-parameter-build", self.before_parameter_build)
        if self.attempt_rates or self.windows:
            events.register("before-send", self.before_send)
        if self.database and self.windows:
            from django.db.backends.signals import connection_created

            connection_created.connect(self._wrap_connection, weak=False)
        return self

    def uninstall(self, session=None) -> None:
        events = (session or boto3._get_default_session()).events
        events.unregister("before-parameter-build", self.before_parameter_build)
        events.unregister("before-send", self.before_send)


class Windows:
    """The fault windows file a load run rewrites while it runs; read again whenever it changes."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp: int | None = None
        self._windows: dict[str, dict] = {}

    def open(self, name: str) -> dict | None:
        """The window called `name`, while it is open."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        with self._lock:
            if stamp != self._stamp:
                self._windows, self._stamp = json.loads(self.path.read_text()), stamp
            window = self._windows.get(name)
        return window if window and time.time() < window["until"] else None


def open_window(path: Path, name: str, *, for_seconds: float, **details) -> None:
    """Open (or replace) the fault window `name` from now for `for_seconds`, for every process reading `path`."""
    path = Path(path)
    windows = json.loads(path.read_text()) if path.exists() else {}
    windows[name] = {"until": time.time() + for_seconds, **details}
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(windows))
    os.replace(partial, path)


_listeners: dict[tuple, int] = {}
_listeners_lock = threading.Lock()


def silent_port() -> int:
    """A listener on 127.0.0.1 that accepts every connection and never sends a byte (one per process)."""
    return _listener(("silent",), _hold_silently)


def slow_relay_port(host: str, port: int, seconds: float) -> int:
    """A relay to host:port that holds each answer `seconds` before passing it on (one per target and delay)."""
    return _listener(("slow", host, port, seconds), lambda client: _relay_slowly(client, (host, port), seconds))


def _listener(key: tuple, serve) -> int:
    with _listeners_lock:
        if key not in _listeners:
            server = socket.create_server(("127.0.0.1", 0))
            threading.Thread(target=_accept_forever, args=(server, serve), daemon=True).start()
            _listeners[key] = server.getsockname()[1]
        return _listeners[key]


def _accept_forever(server: socket.socket, serve) -> None:
    while True:
        client, _ = server.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


def _hold_silently(client: socket.socket) -> None:
    with client:
        while client.recv(65536):  # read whatever comes until the caller gives up and closes
            pass


def _relay_slowly(client: socket.socket, target: tuple[str, int], seconds: float) -> None:
    """Pass requests on at once and hold the start of each answer `seconds`: a service slow to answer. A caller
    whose read timeout is shorter has closed the connection by then (the request still ran, as on a slow AWS)."""
    upstream = socket.create_connection(target)
    asked = threading.Event()

    def requests_in():
        try:
            while data := client.recv(65536):
                asked.set()
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()

    threading.Thread(target=requests_in, daemon=True).start()
    try:
        while data := upstream.recv(65536):
            if asked.is_set():
                asked.clear()
                time.sleep(seconds)
            client.sendall(data)
    except OSError:
        pass
    finally:
        client.close()
        upstream.close()


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

"""A correlation id per request, carried into every message so one upload can be followed end to end."""

import logging
import re
import uuid

logger = logging.getLogger("web.requests")

HEADER = "X-Correlation-Id"
_VALID = re.compile(r"[A-Za-z0-9-]{8,64}")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


class CorrelationIdMiddleware:
    """Accepts a well-formed incoming id (so a client or a load test can follow its own request), else makes one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request.correlation_id = incoming if _VALID.fullmatch(incoming) else new_correlation_id()
        response = self.get_response(request)
        response[HEADER] = request.correlation_id
        return response

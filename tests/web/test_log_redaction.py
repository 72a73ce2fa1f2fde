"""Password reset tokens never reach the access logs (Zappa's on Lambda, runserver's locally)."""

import logging

import pytest

from web.log_redaction import redact_reset_tokens

ZAPPA_LINE = (
    '203.0.113.9 - - [24/Nov/2026:20:00:00 +0000] "GET /dev/password/reset/NDI/cn4x2p-7b2f0c4e9a1d3f5b/ HTTP/1.1" 302 0'
)


@pytest.mark.parametrize("logger_name", ["zappa.wsgi", "django.server"])
def test_request_lines_hide_the_token(logger_name):
    # A handler of the test's own on the logger itself: what reaches it has passed the logger's filters, whatever
    # other tests did to propagation or to the root logger's handlers.
    logger, lines = logging.getLogger(logger_name), []
    handler = logging.Handler(level=logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    try:
        logger.info("%s", ZAPPA_LINE)
    finally:
        logger.removeHandler(handler)

    assert lines == [ZAPPA_LINE.replace("cn4x2p-7b2f0c4e9a1d3f5b", "[token]")]


@pytest.mark.parametrize(
    "text",
    [
        "GET /password/reset/NDI/set-password/ HTTP/1.1",  # after the view's redirect: nothing secret left
        "GET /password/reset/ HTTP/1.1",
        "GET /photos/0508d24d-1c2b-4f3a-9e8d-7c6b5a4f3e2d/ HTTP/1.1",
    ],
)
def test_other_paths_are_left_alone(text):
    assert redact_reset_tokens(text) == text

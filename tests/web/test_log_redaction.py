"""Password reset tokens never reach the access logs (Zappa's on Lambda, runserver's locally)."""

import logging

import pytest

from web.log_redaction import redact_reset_tokens

ZAPPA_LINE = (
    '203.0.113.9 - - [24/Nov/2026:20:00:00 +0000] "GET /dev/password/reset/NDI/cn4x2p-7b2f0c4e9a1d3f5b/ HTTP/1.1" 302 0'
)


@pytest.mark.parametrize("logger_name", ["zappa.wsgi", "django.server"])
def test_request_lines_hide_the_token(caplog, logger_name):
    with caplog.at_level("INFO", logger=logger_name):
        logging.getLogger(logger_name).info("%s", ZAPPA_LINE)

    assert "cn4x2p" not in caplog.text
    assert '"GET /dev/password/reset/NDI/[token]/ HTTP/1.1" 302' in caplog.text


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

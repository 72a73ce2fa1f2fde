"""Password reset tokens never reach the access logs (Zappa's on Lambda, runserver's locally)."""

import logging

import pytest

from web.log_redaction import RedactResetTokens, redact_reset_tokens

ZAPPA_LINE = (
    '203.0.113.9 - - [24/Nov/2026:20:00:00 +0000] "GET /dev/password/reset/NDI/cn4x2p-7b2f0c4e9a1d3f5b/ HTTP/1.1" 302 0'
)


def _console_handler() -> logging.Handler:
    [console] = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactResetTokens) for f in h.filters)]
    return console


@pytest.mark.parametrize("logger_name", ["zappa.wsgi", "django.request", "django.server"])
def test_the_sites_log_handler_hides_the_token_whoever_logs_it(logger_name):
    # Zappa's access line, django.request's "Internal Server Error: <path>" for a reset page that failed, runserver's
    record = logging.getLogger(logger_name).makeRecord(
        logger_name, logging.INFO, __file__, 1, "%s", (ZAPPA_LINE,), None
    )

    assert _console_handler().filter(record)
    assert record.getMessage() == ZAPPA_LINE.replace("cn4x2p-7b2f0c4e9a1d3f5b", "[token]")


def test_every_logger_with_handlers_of_its_own_writes_through_the_filtering_one():
    # django.server does not propagate to the root: its lines must still go through the filtering handler
    sites = [h for h in logging.getLogger("django.server").handlers if not type(h).__module__.startswith("_pytest")]
    assert sites == [_console_handler()]
    assert logging.getLogger("zappa.wsgi").handlers == [] and logging.getLogger("zappa.wsgi").propagate


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

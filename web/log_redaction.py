"""Keeps password reset tokens out of access logs: a logged link opens the account until the token expires."""

import logging
import re

# /password/reset/<uidb64>/<token>/ (Django's token is "<timestamp>-<hash>"); the view then redirects to
# .../set-password/, which carries nothing secret.
_RESET_LINK = re.compile(r"(/password/reset/[0-9A-Za-z_-]+/)(?!set-password/)[0-9A-Za-z]+-[0-9A-Za-z]+/")


def redact_reset_tokens(text: str) -> str:
    return _RESET_LINK.sub(r"\1[token]/", text)


class RedactResetTokens(logging.Filter):
    """On the site's console handler, which every site log line goes through: Zappa's access log, django.request's
    errors, runserver's request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_reset_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True

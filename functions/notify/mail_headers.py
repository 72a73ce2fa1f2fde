"""Header safety: every value that becomes an email header is checked here, before SES ever sees it."""

import re
from email.utils import formataddr


class HeaderError(ValueError):
    """A value would be unsafe or invalid in an email header."""


# CR and LF end a header (and start an injected one); the other control characters and the Unicode line
# separators that str.splitlines() honours are refused too, so no library downstream can read a line break.
_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")

# A deliberately strict address: an ASCII dot-atom local part (SES refuses 8-bit local parts) at a domain of
# letter/digit/hyphen labels (international domains arrive punycoded). No comments, quoted strings or IP literals.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?")
_NAMED_ADDRESS = re.compile(r"(?P<name>[^<>]*?)\s*<(?P<address>[^<>]*)>")
MAX_ADDRESS_LENGTH = 254  # RFC 5321 path limit
MAX_LOCAL_PART_LENGTH = 64


def header_value(name: str, value: str) -> str:
    """Return `value` unchanged if it is safe as the value of header `name`."""
    if not isinstance(value, str) or not value.strip():
        raise HeaderError(f"{name} is empty")
    if _UNSAFE.search(value):
        raise HeaderError(f"{name} contains CR, LF or another control character")
    return value


def address(name: str, value: str) -> str:
    """Return a bare address (no display name) if it is valid and safe."""
    header_value(name, value)
    match = _ADDRESS.fullmatch(value)
    if not match or len(value) > MAX_ADDRESS_LENGTH or len(match["local"]) > MAX_LOCAL_PART_LENGTH:
        raise HeaderError(f"{name} is not a valid email address")
    return value


def mailbox(name: str, value: str) -> str:
    """Parse `Display Name <address>` or a bare address and return it re-rendered in canonical, encoded form.

    email.utils.parseaddr is not used: before Python 3.13 it silently keeps the first of several addresses.
    """
    header_value(name, value)
    match = _NAMED_ADDRESS.fullmatch(value.strip())
    if not match:
        return address(name, value.strip())
    display_name = match["name"].strip()
    if len(display_name) >= 2 and display_name[0] == display_name[-1] == '"':
        display_name = display_name[1:-1]
    # formataddr quotes specials and MIME-encodes a non-ASCII display name, as SES requires.
    return formataddr((display_name, address(name, match["address"])), charset="utf-8")

"""Email addresses the site accepts are addresses the notify function can mail.

Django's EmailField allows international domains, IP literals and quoted local parts; SES and the notify function
(functions/notify/mail_headers.py) take an ASCII dot-atom at a domain name. Refusing the rest at signup, with a
reason, beats an account whose emails are silently never sent. tests/web/test_addresses.py holds both sides to it.
"""

import re

from django.core.exceptions import ValidationError

_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# Dotted letter/digit/hyphen labels ending in a top-level name that starts with a letter: no `localhost`. The
# notify function's own copy is mail_headers._ADDRESS (the functions share no code with the site).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?")


def stored_form(value: str) -> str:
    """How the site stores and looks up an address, with no judgement on it: lower case, domain in punycode."""
    local, at, domain = value.strip().rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass  # not a domain IDNA can encode: kept as typed, and so matching nothing signup stored
    return f"{local}{at}{domain}".lower()


def mailable_address(value: str) -> str:
    """The address lower-cased with its domain in punycode, or a ValidationError saying why it cannot be mailed."""
    local, _, domain = value.strip().rpartition("@")
    if domain.startswith("["):
        raise ValidationError("Use an address at a domain name, not at an IP address.")
    if not _DOT_ATOM.fullmatch(local) or len(local) > 64:
        raise ValidationError(
            "We cannot send email to this address: before the @ use letters, digits and . _ + - (no quotes or spaces)."
        )
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValidationError("The domain of this address is not a valid domain name.") from error
    if not _DOMAIN.fullmatch(ascii_domain):
        raise ValidationError("Use an address at a full domain name, such as example.com.")
    address = f"{local}@{ascii_domain}".lower()
    if len(address) > 254:
        raise ValidationError("This address is too long.")
    return address

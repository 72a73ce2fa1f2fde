"""Every address the site accepts at signup is one the notify function will mail (both sides of the contract)."""

import pytest
from django.core.exceptions import ValidationError

import mail_headers
from web.accounts.addresses import mailable_address


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ada@Example.com", "ada@example.com"),
        ("ada+photos@example.co.uk", "ada+photos@example.co.uk"),
        ("ada@bücher.de", "ada@xn--bcher-kva.de"),
        ("o'brien@example.com", "o'brien@example.com"),
    ],
)
def test_accepted_addresses_are_normalised_and_mailable(typed, stored):
    address = mailable_address(typed)

    assert address == stored
    assert mail_headers.address("to", address) == address


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("ada@[127.0.0.1]", "IP address"),
        ('"ada lovelace"@example.com', "before the @"),
        ("ädä@example.com", "before the @"),
        ("ada..x@example.com", "before the @"),
        ("ada@localhost", "full domain name"),
        ("ada@example.123", "full domain name"),
        ("ada@-example.com", "full domain name"),
    ],
)
def test_unmailable_addresses_are_refused_with_a_reason(typed, reason):
    with pytest.raises(ValidationError, match=reason):
        mailable_address(typed)

"""Header safety: CR/LF never reaches a header, addresses are strictly valid, the sender is canonical."""

import pytest

import mail_headers


@pytest.mark.parametrize(
    "value",
    [
        "Hello\r\nBcc: victim@example.com",
        "Hello\nBcc: victim@example.com",
        "Hello\rBcc: victim@example.com",
        "trailing newline\n",
        "nul\x00byte",
        "vertical\x0btab",
        "unicode line\u2028separator",
        "next line\x85",
    ],
    ids=["crlf", "lf", "cr", "trailing-lf", "nul", "vt", "u2028", "nel"],
)
def test_header_value_rejects_line_breaks_and_controls(value):
    with pytest.raises(mail_headers.HeaderError, match="CR, LF or another control character"):
        mail_headers.header_value("subject", value)


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_header_value_rejects_empty(value):
    with pytest.raises(mail_headers.HeaderError, match="empty"):
        mail_headers.header_value("subject", value)


def test_header_value_keeps_safe_text_as_is():
    assert mail_headers.header_value("subject", "We received holiday <script>.jpg\tok") == (
        "We received holiday <script>.jpg\tok"
    )


@pytest.mark.parametrize(
    "value",
    ["ada@example.com", "ada.lovelace+darkroom@mail.example.co.uk", "o'neil@xn--bcher-kva.example", "a@b.io"],
)
def test_address_accepts_plain_addresses(value):
    assert mail_headers.address("to", value) == value


@pytest.mark.parametrize(
    "value",
    [
        "ada@example.com\r\nBcc: victim@example.com",
        "Ada <ada@example.com>",
        "ada@example.com, eve@example.com",
        "ada",
        "ada@",
        "@example.com",
        "ada@localhost",
        "ada@@example.com",
        "ada..lovelace@example.com",
        ".ada@example.com",
        "ada@-example.com",
        "ada@example.123",
        "ada lovelace@example.com",
        '"ada"@example.com',
        "adá@example.com",
        "ada@exämple.com",
        "ada@[127.0.0.1]",
        "a" * 65 + "@example.com",
        "ada@" + "a" * 250 + ".com",
    ],
    ids=[
        "crlf-injection",
        "display-name",
        "two-addresses",
        "no-at",
        "no-domain",
        "no-local-part",
        "dotless-domain",
        "double-at",
        "double-dot",
        "leading-dot",
        "label-leading-hyphen",
        "numeric-tld",
        "space",
        "quoted-local-part",
        "non-ascii-local-part",
        "non-punycode-domain",
        "ip-literal",
        "local-part-too-long",
        "address-too-long",
    ],
)
def test_address_rejects_invalid(value):
    with pytest.raises(mail_headers.HeaderError):
        mail_headers.address("to", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Darkroom <no-reply@darkroom.example>", "Darkroom <no-reply@darkroom.example>"),
        ('"Darkroom" <no-reply@darkroom.example>', "Darkroom <no-reply@darkroom.example>"),
        ("no-reply@darkroom.example", "no-reply@darkroom.example"),
        ("Dark, room <no-reply@darkroom.example>", '"Dark, room" <no-reply@darkroom.example>'),
        ("Dárkroom <no-reply@darkroom.example>", "=?utf-8?b?RMOhcmtyb29t?= <no-reply@darkroom.example>"),
    ],
    ids=["named", "quoted-name", "bare", "name-with-comma-is-quoted", "non-ascii-name-is-mime-encoded"],
)
def test_mailbox_returns_canonical_form(value, expected):
    assert mail_headers.mailbox("DARKROOM_SENDER", value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Darkroom\r\nBcc: victim@example.com <no-reply@darkroom.example>",
        "Darkroom <no-reply@darkroom.example>\r\n",
        "Darkroom <no-reply@darkroom.example>, Eve <eve@example.com>",
        "Darkroom <not an address>",
        "Darkroom <>",
        "",
    ],
    ids=["crlf-in-display-name", "trailing-crlf", "two-mailboxes", "bad-address", "empty-brackets", "empty"],
)
def test_mailbox_rejects_unsafe_or_invalid(value):
    with pytest.raises(mail_headers.HeaderError):
        mail_headers.mailbox("DARKROOM_SENDER", value)

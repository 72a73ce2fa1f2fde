"""The local outbox: every email the notify function sent through moto's SES, newest first."""

import json
import os
import urllib.request

from django.conf import settings
from django.shortcuts import render
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override


def sent_emails() -> list[dict]:
    """Emails moto's SES backend accepted, read over moto server's own API."""
    endpoint = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=5) as response:
        data = json.load(response)
    return list(reversed(data.get("ses", {}).get("Message", [])))


# The emails' own style attributes, in srcdoc frames that take the page's policy: allowed on this local page only.
@csp_override({**settings.SECURE_CSP, "style-src-attr": [CSP.UNSAFE_INLINE]})
def outbox(request):
    # Open to anyone in local mode: whoever forgot their password must be able to read the reset email.
    return render(request, "devstack/outbox.html", {"emails": sent_emails()})

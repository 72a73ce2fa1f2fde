"""Slows password guessing, and caps the forms that make the site send email to an address a visitor types.

Login: after a few wrong passwords the login form stops checking them for a while.

Counted in the database, since each Lambda process has its own memory. Three limits over a sliding window: one
account from one network (someone guessing a password), one network over any accounts (credential stuffing from one
address), and one account over the other networks (a distributed guess; set high). A refused attempt never reaches
the password hasher, so it says nothing about whether the password was right, and is not counted: guessing on
through a block does not extend it. One network alone cannot block an account for the others, and a completed
password reset lifts the account's failures. Addresses arrive normalised by the login form
(web/accounts/addresses.py), so each account has one count.
"""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from web.accounts.models import FailedLogin, FormUse


def client_ip(request: HttpRequest) -> str:
    """The caller's network as API Gateway saw it (Zappa passes the event on); REMOTE_ADDR elsewhere. Zappa's own
    REMOTE_ADDR comes from X-Forwarded-For, whose first entries the client writes."""
    event = request.META.get("lambda.event")
    address = ""
    if isinstance(event, dict):
        context = event.get("requestContext") or {}
        address = (context.get("identity") or {}).get("sourceIp") or (context.get("http") or {}).get("sourceIp")
    return _network(address or request.META.get("REMOTE_ADDR", ""))


def _network(address: str) -> str:
    """An IPv4 address as it is; an IPv6 one as its /64, which a single client may rotate through at will."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:45]
    if parsed.version == 6 and parsed.ipv4_mapped is not None:  # ::ffff:a.b.c.d is an IPv4 client
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def login_attempt_allowed(*, email: str, ip: str) -> bool:
    """Record an attempt as failed until it succeeds (login_failures_forget), then say whether its password may be
    checked: recording first means parallel attempts each see the others. A refused attempt is taken back, so it
    never extends a block."""
    attempt = FailedLogin.objects.create(email=email, ip=ip)
    counts = _failures(email=email, ip=ip)
    allowed = not (
        counts["pair"] > settings.DARKROOM_LOGIN_FAILURES_PER_ACCOUNT_AND_NETWORK
        or counts["network"] > settings.DARKROOM_LOGIN_FAILURES_PER_NETWORK
        or counts["elsewhere"] > settings.DARKROOM_LOGIN_FAILURES_PER_ACCOUNT
    )
    if not allowed:
        attempt.delete()
    return allowed


def login_attempts_left(*, email: str, ip: str) -> int:
    """How many more wrong passwords this account may get from this network before its logins from there pause."""
    counts = _failures(email=email, ip=ip)
    return max(0, settings.DARKROOM_LOGIN_FAILURES_PER_ACCOUNT_AND_NETWORK - counts["pair"])


def _failures(*, email: str, ip: str) -> dict[str, int]:
    window = timezone.now() - timedelta(seconds=settings.DARKROOM_LOGIN_FAILURE_WINDOW_SECONDS)
    return FailedLogin.objects.filter(Q(email=email) | Q(ip=ip), created_at__gte=window).aggregate(
        pair=Count("pk", filter=Q(email=email, ip=ip)),
        network=Count("pk", filter=Q(ip=ip)),
        # Failures for the account from other networks: one network's guessing never blocks the owner elsewhere.
        elsewhere=Count("pk", filter=Q(email=email) & ~Q(ip=ip)),
    )  # one query for the three limits


def login_failures_lift(*, email: str) -> None:
    """The owner reset the password: every failure counted against the account goes."""
    FailedLogin.objects.filter(email=email).delete()


def login_failures_forget(*, email: str, ip: str) -> None:
    """The owner got in from this network: this address's earlier failures from there no longer count."""
    FailedLogin.objects.filter(email=email, ip=ip).delete()


def form_use_allowed(*, form: str, ip: str) -> bool:
    """Record one use of an email-sending form (signup, password_reset) by this network, then say whether it stays
    within DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR: recorded first, so parallel uses see each other."""
    FormUse.objects.create(form=form, ip=ip)
    used = FormUse.objects.filter(form=form, ip=ip, created_at__gte=timezone.now() - timedelta(hours=1)).count()
    return used <= settings.DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR


def throttle_prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete failed logins and form uses older than a day (the sweeper's)."""
    cutoff = timezone.now() - older_than
    failures, _ = FailedLogin.objects.filter(created_at__lt=cutoff).delete()
    uses, _ = FormUse.objects.filter(created_at__lt=cutoff).delete()
    return failures + uses

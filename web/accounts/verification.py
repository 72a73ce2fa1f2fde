"""Confirming that an address belongs to the account's owner, before the site mails it anything else.

The link carries the account and the address, signed with SECRET_KEY and dated: it works for
DARKROOM_VERIFICATION_LINK_SECONDS, for that address only, so a link to an address the owner has since replaced
confirms nothing. Following it twice is harmless.
"""

import logging
from datetime import timedelta
from uuid import uuid4

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from web import contracts
from web.accounts.models import User
from web.durations import duration_text
from web.outbox.services import outbox_enqueue
from web.urls_public import site_url

logger = logging.getLogger(__name__)
_SALT = "darkroom.accounts.verify-address"


class LinkProblem(Exception):
    """A confirmation link that confirms nothing; the message says why, in the owner's words."""


def address_to_confirm(user: User) -> str:
    """The address waiting for its owner's confirmation: a requested change, else an unconfirmed signup; or ""."""
    if not user.is_authenticated:
        return ""
    return user.email_pending or ("" if user.email_verified_at else user.email)


def verification_wait(user: User) -> int:
    """Seconds before the owner may ask for another link (0: now)."""
    if user.verification_sent_at is None:
        return 0
    ready_at = user.verification_sent_at + timedelta(seconds=settings.DARKROOM_VERIFICATION_EVERY_SECONDS)
    return max(0, int((ready_at - timezone.now()).total_seconds() + 0.999))


@transaction.atomic
def verification_send(*, user: User, correlation_id: str) -> int:
    """Record a new link to the address waiting for confirmation, unless one went out too recently. Returns 0 when
    recorded, else the seconds to wait. The row lock makes two clicks at once record one email."""
    user = User.objects.select_for_update().get(pk=user.pk)
    wait = verification_wait(user)
    if wait or not address_to_confirm(user):
        return wait
    _link_record(user, address_to_confirm(user), correlation_id=correlation_id)
    return 0


def address_change_request(*, user: User, address: str, correlation_id: str) -> int:
    """Make `address` the one waiting for confirmation and mail it a link. A confirmed address stays the account's
    until the new one's link is followed; an unconfirmed one is replaced at once, so its links die with it. Returns
    the seconds to wait when a link went to the same address too recently (nothing changes); a corrected typo
    need not wait."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        wait = verification_wait(user) if address == address_to_confirm(user) else 0
        if wait:
            return wait
        if user.email_verified_at:
            user.email_pending = address
        else:
            user.email, user.email_pending = address, ""
        _link_record(user, address, correlation_id=correlation_id)
    return 0


def _link_record(user: User, address: str, *, correlation_id: str) -> None:
    user.verification_sent_at = timezone.now()
    user.save(update_fields=["email", "email_pending", "verification_sent_at"])
    message = contracts.verify_address_email(
        send_id=uuid4().hex,
        to=address,
        verify_url=confirmation_link(user_id=user.pk, address=address),
        expires_in=duration_text(settings.DARKROOM_VERIFICATION_LINK_SECONDS),
        correlation_id=correlation_id,
    )
    outbox_enqueue(contracts.Message(contracts.Queue.NOTIFY, message))


def confirmation_link(*, user_id: int, address: str) -> str:
    # On DARKROOM_SITE_URL, never the request's Host header: a forged Host cannot redirect the link.
    return site_url("address_confirm", signing.dumps([user_id, address], salt=_SALT))


def link_read(token: str) -> tuple[int, str]:
    """The account id and address a link names, if Darkroom signed it and it has not expired; else LinkProblem."""
    try:
        user_id, address = signing.loads(token, salt=_SALT, max_age=settings.DARKROOM_VERIFICATION_LINK_SECONDS)
    except signing.SignatureExpired:
        raise LinkProblem("This link has expired. Log in and ask for a new one: your account page sends it.") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkProblem("This is not a link Darkroom sent, or it was cut short. Copy the whole link.") from None
    return user_id, address


@transaction.atomic
def address_confirm(token: str) -> User:
    """Confirm the address the link names for its account (replacing the old one for a requested change).
    Raises LinkProblem when it cannot."""
    user_id, address = link_read(token)
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None:
        raise LinkProblem("The account this link was for no longer exists.")
    if address == user.email:
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            logger.info("address confirmed user_id=%s", user.pk)
        return user
    if address != user.email_pending:
        raise LinkProblem("This link is for an address that is no longer on the account. Use the newest link.")
    if User.objects.filter(email__iexact=address).exclude(pk=user.pk).exists():
        raise LinkProblem("Another account uses this address now, so it cannot become yours.")
    _address_replace(user, address)
    return user


def _address_replace(user: User, address: str) -> None:
    # A new, confirmed address: whatever bounced at the old one says nothing about it.
    user.email, user.email_pending, user.email_verified_at = address, "", timezone.now()
    user.mail_stopped_at, user.mail_stopped_reason = None, ""
    user.save(update_fields=["email", "email_pending", "email_verified_at", "mail_stopped_at", "mail_stopped_reason"])
    logger.info("address changed user_id=%s", user.pk)

"""Addresses SES could not deliver to for good, or whose owner marked Darkroom's email as spam: the site stops
mailing them and tells the owner why on their next visit, until they ask for mail again.

SES reports bounces and complaints through the stack's configuration set and EventBridge to the site-tasks queue
(template.yaml); the site's worker hands them here (DARKROOM_TASKS_MAIL_EVENTS).
"""

import logging

from django.db.models import Count, Q
from django.utils import timezone

from web.accounts.addresses import stored_form
from web.accounts.models import User
from web.contracts import MailEvent

logger = logging.getLogger(__name__)
REASONS = {
    "bounce": "Emails to {email} came back: the address does not exist or refuses them. Darkroom stopped emailing it.",
    "complaint": "An email from Darkroom to {email} was marked as spam. Darkroom stopped emailing you.",
}


def mail_event_received(event: MailEvent) -> int:
    """Stop mailing each address the event names; returns how many accounts it marked."""
    if not event.recipients:
        logger.info("SES %s event with nothing lasting to record (%s)", event.kind, event.detail or "no detail")
        return 0
    marked = 0
    for address in event.recipients:
        ids = list(
            User.objects.filter(email=stored_form(address), mail_stopped_at__isnull=True).values_list("pk", flat=True)
        )
        User.objects.filter(pk__in=ids).update(mail_stopped_at=timezone.now(), mail_stopped_reason=event.kind)
        logger.warning("mail stopped: SES %s (%s) for user_id=%s", event.kind, event.detail, ids or "none")
        marked += len(ids)
    return marked


# The one email an address may get before its owner confirms it (web/accounts/verification.py).
CONFIRMATION_KIND = "verify_address"


def mail_allowed(address: str, *, kind: str) -> bool:
    """Whether the site may send a `kind` email to `address`: never if it bounced for good or complained; and
    nothing but the confirmation link until its owner has confirmed it is theirs."""
    # One query: the outbox asks for every email it records.
    accounts = User.objects.filter(email=stored_form(address)).aggregate(
        stopped=Count("pk", filter=Q(mail_stopped_at__isnull=False)),
        confirmed=Count("pk", filter=Q(email_verified_at__isnull=False)),
    )
    if accounts["stopped"]:
        return False
    return kind == CONFIRMATION_KIND or accounts["confirmed"] > 0


def mail_problem(user: User) -> str:
    """What the owner is told on every page while their address gets no mail; "" when it does."""
    if not user.is_authenticated or user.mail_stopped_at is None:
        return ""
    return REASONS.get(user.mail_stopped_reason, REASONS["bounce"]).format(email=user.email)


def mail_resume(user: User) -> None:
    """The owner fixed their mailbox (or changed their mind about spam): mail them again."""
    User.objects.filter(pk=user.pk).update(mail_stopped_at=None, mail_stopped_reason="")
    logger.info("mail resumed for user_id=%s", user.pk)

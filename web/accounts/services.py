from datetime import timedelta
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from web import contracts
from web.accounts.models import User
from web.accounts.verification import verification_send
from web.durations import duration_text
from web.outbox.services import outbox_enqueue
from web.urls_public import site_url


@transaction.atomic
def user_signup(*, email: str, password: str, correlation_id: str) -> User:
    """Create the account and, in the same transaction, the email with the link that confirms its address."""
    user = User.objects.create_user(email=email, password=password)
    verification_send(user=user, correlation_id=correlation_id)
    return user


@transaction.atomic
def password_reset_request(*, email: str, correlation_id: str) -> bool:
    """Record a password reset email for the active account at `email`, unless one was recorded for it less than
    DARKROOM_PASSWORD_RESET_EVERY_SECONDS ago. Returns whether it did; callers must answer the same either way, so
    that the form does not tell strangers which addresses have accounts."""
    # The row lock makes two simultaneous requests for one account record one email, not two.
    user = User.objects.select_for_update().filter(email__iexact=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    if user.email_verified_at is None:
        # An unconfirmed address gets nothing but its confirmation link; once followed, a reset can be asked for.
        return verification_send(user=user, correlation_id=correlation_id) == 0
    now = timezone.now()
    last = user.password_reset_requested_at
    if last and now - last < timedelta(seconds=settings.DARKROOM_PASSWORD_RESET_EVERY_SECONDS):
        return False
    user.password_reset_requested_at = now
    user.save(update_fields=["password_reset_requested_at"])
    message = contracts.password_reset_email(
        request_id=uuid4().hex,
        to=user.email,
        reset_url=password_reset_url(user),
        expires_in=duration_text(settings.PASSWORD_RESET_TIMEOUT),
        expires_at=now + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
        correlation_id=correlation_id,
    )
    outbox_enqueue(contracts.Message(contracts.Queue.NOTIFY, message))
    return True


def password_changed(*, user: User, correlation_id: str) -> None:
    """Record the email that tells the owner their password changed, with a way back in if it was not them.
    Called in the transaction that saves the new password, so the two go together."""
    message = contracts.password_changed_email(
        change_id=uuid4().hex,
        to=user.email,
        reset_page_url=site_url("password_reset"),
        correlation_id=correlation_id,
    )
    outbox_enqueue(contracts.Message(contracts.Queue.NOTIFY, message))


def account_delete_request(*, user: User) -> None:
    """Deactivate the account now (no login, no reset, every session ends) and leave its photos and row to a
    background task (accounts.tasks.account_delete), enqueued with the change."""
    from web.accounts.tasks import account_delete  # the task module imports photos, which imports this app

    with transaction.atomic():
        user.is_active = False
        user.deletion_requested_at = timezone.now()
        user.save(update_fields=["is_active", "deletion_requested_at"])
        account_delete.enqueue(user.pk)


def password_reset_url(user: User) -> str:
    """The link of a reset email. Built on DARKROOM_SITE_URL, never on the request's Host header, so a forged Host
    cannot make the email point somewhere else."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return site_url("password_reset_confirm", uid, default_token_generator.make_token(user))

from django.conf import settings
from django.db import transaction

from web import contracts
from web.accounts.models import User
from web.outbox.services import outbox_enqueue


@transaction.atomic
def user_signup(*, email: str, password: str, correlation_id: str) -> User:
    """Create the account and, in the same transaction, the welcome email's message."""
    user = User.objects.create_user(email=email, password=password)
    welcome = contracts.welcome_email(
        user_id=user.pk, to=user.email, site_url=settings.DARKROOM_SITE_URL, correlation_id=correlation_id
    )
    outbox_enqueue((contracts.NOTIFY_QUEUE, welcome))
    return user

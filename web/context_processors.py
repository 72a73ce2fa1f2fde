from django.conf import settings

from web.accounts.mail_status import mail_problem
from web.accounts.verification import address_to_confirm


def darkroom(request):
    user = getattr(request, "user", None)
    confirming = address_to_confirm(user) if user else ""
    return {
        "darkroom_local": settings.DARKROOM_LOCAL,
        "mail_problem": mail_problem(user) if user else "",
        "address_to_confirm": confirming,
        # Every page reminds a new account to confirm its address; a pending change shows on the account page only.
        "address_unconfirmed": confirming if confirming and confirming == user.email else "",
    }

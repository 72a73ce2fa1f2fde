from django.conf import settings

from web.accounts.mail_status import mail_problem


def darkroom(request):
    user = getattr(request, "user", None)
    return {"darkroom_local": settings.DARKROOM_LOCAL, "mail_problem": mail_problem(user) if user else ""}

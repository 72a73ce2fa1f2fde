from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, user_logged_out
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from web.accounts import mail_status, throttle, verification
from web.accounts.forms import (
    AccountDeleteForm,
    AddressChangeForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    SetPasswordForm,
    SignupForm,
)
from web.accounts.services import (
    account_delete_request,
    password_changed,
    password_reset_request,
    user_signup,
)
from web.durations import duration_text
from web.photos.selectors import photo_counts


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("gallery")
    form = SignupForm(request.POST or None)
    # "An account with this email already exists" answers a probe: it counts against the network's cap too, and
    # over the cap the answer no longer says it.
    probe = request.method == "POST" and (form.is_valid() or form.address_taken)
    if probe and not _form_use_allowed(request, form, "signup"):
        form.errors.pop("email", None)
        return render(request, "accounts/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                correlation_id=request.correlation_id,
            )
        except IntegrityError:  # two signups raced for the same address
            form.add_error("email", "An account with this email already exists. Log in instead.")
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                f"Welcome to Darkroom. We emailed a link to {user.email}: follow it to confirm your address. "
                "Meanwhile, choose some photos to upload: they appear here at once.",
            )
            return redirect("gallery")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


@receiver(user_logged_out, dispatch_uid="darkroom-logged-out-message")
def _logged_out_message(sender, request, **kwargs):
    # The signal, so web/urls.py keeps Django's LogoutView; only its Log out says this (account deletion has its own).
    if request is not None and getattr(request.resolver_match, "url_name", None) == "logout":
        messages.success(request, "You're logged out.")


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _form_use_allowed(request, form, "password_reset"):
        return render(request, "accounts/password_reset.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        # The same answer whether or not the address has an account, and whether or not an email went out.
        password_reset_request(email=form.cleaned_data["email"], correlation_id=request.correlation_id)
        return redirect("password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form}, status=400 if form.errors else 200)


def _form_use_allowed(request, form, name: str) -> bool:
    """Counts this use of an email-sending form against its network's hourly cap; over it, says so on the form."""
    if throttle.form_use_allowed(form=name, ip=throttle.client_ip(request)):
        return True
    form.add_error(None, "Too many requests from your network in the last hour. Try again later.")
    return False


@require_http_methods(["GET"])
def password_reset_done(request):
    context = {
        "link_works_for": duration_text(settings.PASSWORD_RESET_TIMEOUT),
        "ask_again_after": duration_text(settings.DARKROOM_PASSWORD_RESET_EVERY_SECONDS),
    }
    return render(request, "accounts/password_reset_done.html", context)


@login_required
@require_http_methods(["GET"])
def account(request):
    return render(request, "accounts/account.html", {"photos": photo_counts(owner=request.user)})


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = AccountDeleteForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        account_delete_request(user=request.user)
        logout(request)
        messages.success(request, "Your account is deleted. Its photos leave our storage over the next minutes.")
        return redirect("home")
    context = {"form": form, "photo_count": photo_counts(owner=request.user).stored}
    return render(request, "accounts/account_delete.html", context, status=400 if form.errors else 200)


class _TellsTheOwner:
    """Django's password views, plus the "your password changed" email, recorded with the new password."""

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            password_changed(user=form.user, correlation_id=self.request.correlation_id)
            throttle.login_failures_lift(email=form.user.email)  # the owner proved it: no pause left to wait out
        return response


class PasswordResetConfirmView(_TellsTheOwner, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64):
        # Django's view finds inactive users too: a link sent before the owner deleted the account must not work.
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active and user.deletion_requested_at is None else None


class PasswordChangeView(_TellsTheOwner, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("password_change_done")


@require_http_methods(["POST"])
@login_required
def mail_resume(request):
    """The owner, told on every page that their address gets no mail, says it works again."""
    mail_status.mail_resume(request.user)
    messages.success(request, f"Darkroom will email {request.user.email} again.")
    return redirect("account")


@require_http_methods(["GET", "POST"])
def address_confirm(request, token: str):
    """The emailed link. Opening it only shows a button; the POST confirms, because mail scanners open links too."""
    try:
        if request.method == "GET":
            verification.link_read(token)
            return render(request, "accounts/address_confirm.html", {"token": token})
        user = verification.address_confirm(token)
    except verification.LinkProblem as problem:
        return render(request, "accounts/address_confirm.html", {"problem": str(problem)}, status=400)
    messages.success(request, f"Thank you: {user.email} is confirmed. Darkroom will email you there.")
    return redirect("account" if request.user.is_authenticated else "login")


@require_http_methods(["POST"])
@login_required
def verification_resend(request):
    address = verification.address_to_confirm(request.user)
    if not address:
        messages.success(request, f"{request.user.email} is already confirmed.")
    elif not throttle.form_use_allowed(form="verification", ip=throttle.client_ip(request)):
        messages.error(request, "Too many requests from your network in the last hour. Try again later.")
    elif wait := verification.verification_send(user=request.user, correlation_id=request.correlation_id):
        messages.error(
            request, f"A link went to {address} a moment ago. You can ask for another in {duration_text(wait)}."
        )
    else:
        works_for = duration_text(settings.DARKROOM_VERIFICATION_LINK_SECONDS)
        messages.success(request, f"A new link is on its way to {address}. It works for {works_for}.")
    return redirect("account")


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "POST"])
def address_change(request):
    form = AddressChangeForm(request.user, request.POST or None)
    # Another account's address is worth knowing: asking counts against the network's cap like a signup.
    probe = request.method == "POST" and (form.is_valid() or "email" in form.errors)
    if probe and not _form_use_allowed(request, form, "address_change"):
        form.errors.pop("email", None)
        return render(request, "accounts/address_change.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        address, old_address_stays = form.cleaned_data["email"], request.user.email_verified_at is not None
        wait = verification.address_change_request(
            user=request.user, address=address, correlation_id=request.correlation_id
        )
        if not wait:
            stays = f"Your address stays {request.user.email} until you follow it." if old_address_stays else ""
            messages.success(request, f"We emailed a link to {address}. {stays}".strip())
            return redirect("account")
        form.add_error(None, f"A link went out a moment ago. You can ask for another in {duration_text(wait)}.")
    return render(request, "accounts/address_change.html", {"form": form}, status=400 if form.errors else 200)

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from web.accounts import throttle
from web.accounts.addresses import mailable_address, stored_form
from web.accounts.models import User

# GOV.UK's plain words for a missing or malformed field, instead of Django's "This field is required."
EMAIL_ERRORS = {
    "required": "Enter your email address",
    "invalid": "Enter an email address in the correct format, like name@example.com",
}
NEW_PASSWORD_HINT = "Use 8 characters or more. A few words you will remember make a strong one."


class SignupForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        strip=False,
        help_text=NEW_PASSWORD_HINT,
        error_messages={"required": "Enter a password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    # Set when the answer would tell whether the address has an account: such a probe counts like a signup.
    address_taken = False

    def clean_email(self) -> str:
        email = mailable_address(self.cleaned_data["email"])
        existing = User.objects.filter(email__iexact=email).first()
        self.address_taken = existing is not None
        if existing and existing.deletion_requested_at:
            raise forms.ValidationError("The account at this address is being deleted. Try again in a few minutes.")
        if existing:
            raise forms.ValidationError("An account with this email already exists. Log in instead.")
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("email") and cleaned.get("password"):
            try:
                password_validation.validate_password(cleaned["password"], User(email=cleaned["email"]))
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


# The login form warns this many wrong passwords before the pause, and offers the reset.
LOGIN_WARN_WHEN_LEFT = 2


class LoginForm(AuthenticationForm):
    attempts_left: int | None = None

    username = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean_username(self) -> str:
        # As the account was stored (lower case, punycode domain), so the throttle counts one spelling per account.
        return stored_form(self.cleaned_data["username"])

    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not (email and password):
            return super().clean()
        ip = throttle.client_ip(self.request)
        # Counted before the password is checked, so a burst of parallel guesses cannot all pass a count of zero.
        if not throttle.login_attempt_allowed(email=email, ip=ip):
            self.attempts_left = 0
            minutes = settings.DARKROOM_LOGIN_FAILURE_WINDOW_SECONDS // 60
            raise forms.ValidationError(
                f"Too many failed attempts. Try again in {minutes} minutes, or reset your password.", code="throttled"
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            self.attempts_left = throttle.login_attempts_left(email=email, ip=ip)
            if self.attempts_left <= LOGIN_WARN_WHEN_LEFT:
                left = "1 attempt" if self.attempts_left == 1 else f"{self.attempts_left} attempts"
                minutes = settings.DARKROOM_LOGIN_FAILURE_WINDOW_SECONDS // 60
                raise forms.ValidationError(
                    [*error.error_list, f"{left} left before logins from your network pause for {minutes} minutes."]
                ) from error
            raise
        throttle.login_failures_forget(email=email, ip=ip)
        return cleaned


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's login, throttled like the site's: staff passwords are the ones most worth guessing."""


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_email(self) -> str:
        # As signup stored it (lower case, punycode domain), so ada@bücher.de finds ada@xn--bcher-kva.de.
        return mailable_address(self.cleaned_data["email"])


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        # Asked again even though the user is logged in: an unattended session must not be able to erase it all.
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError("That is not your password.")
        return self.cleaned_data["password"]


class AddressChangeForm(AccountDeleteForm):
    """A new address for the account, with the current password: a session left open must not be able to hand the
    account (and its password resets) to someone else's mailbox."""

    email = forms.EmailField(
        label="New email address",
        max_length=254,
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["email", "password"]

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["password"].widget.attrs.pop("autofocus", None)
        self.fields["email"].widget.attrs["autofocus"] = True

    def clean_email(self) -> str:
        email = mailable_address(self.cleaned_data["email"])
        if email == self.user.email:
            raise forms.ValidationError("That is already your address.")
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Another account uses this address.")
        return email


def _plain_password_words(fields: dict) -> None:
    """Labels, hint and missing-field errors of Django's password forms, in the site's words."""
    if "old_password" in fields:
        fields["old_password"].label = "Current password"
        fields["old_password"].error_messages["required"] = "Enter your current password"
    fields["new_password1"].label = "New password"
    fields["new_password1"].help_text = NEW_PASSWORD_HINT
    fields["new_password1"].error_messages["required"] = "Enter a new password"
    fields["new_password2"].label = "New password again"
    fields["new_password2"].help_text = ""
    fields["new_password2"].error_messages["required"] = "Enter the new password again"


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_password_words(self.fields)


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_password_words(self.fields)

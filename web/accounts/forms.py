from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from web.accounts import throttle
from web.accounts.addresses import mailable_address, stored_form
from web.accounts.models import User


class SignupForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_email(self) -> str:
        email = mailable_address(self.cleaned_data["email"])
        existing = User.objects.filter(email__iexact=email).first()
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


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

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
            minutes = settings.DARKROOM_LOGIN_FAILURE_WINDOW_SECONDS // 60
            raise forms.ValidationError(
                f"Too many failed attempts. Try again in {minutes} minutes, or reset your password.", code="throttled"
            )
        cleaned = super().clean()
        throttle.login_failures_forget(email=email, ip=ip)
        return cleaned


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's login, throttled like the site's: staff passwords are the ones most worth guessing."""


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )

    def clean_email(self) -> str:
        # As signup stored it (lower case, punycode domain), so ada@bücher.de finds ada@xn--bcher-kva.de.
        return mailable_address(self.cleaned_data["email"])


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
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

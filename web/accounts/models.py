from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from web.accounts.addresses import stored_form


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=stored_form(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        # The operator typed their own address at the console: there is nobody to confirm it to.
        extra.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)

    def get_by_natural_key(self, email: str):
        # Addresses are stored lower-cased; whoever types Ada@Example.com at login is the same person. But
        # PostgreSQL's case-insensitive match also folds look-alikes (UPPER('ı') is 'I'): only the same letters in
        # another case count, so each account has one spelling, and one login-throttle count.
        for user in self.filter(email__iexact=email):
            if user.email.lower() == email.lower():
                return user
        raise self.model.DoesNotExist(f"no account spelled {email!r}")


class User(AbstractBaseUser, PermissionsMixin):
    """A Darkroom account: the email address is the login."""

    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the owner follows the link emailed to `email`. Until then the site mails the address nothing but that
    # link (web/accounts/verification.py).
    email_verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The address the owner asked to change to: it replaces `email` once its own link is followed.
    email_pending = models.EmailField(blank=True, editable=False)
    # When the last verification email was recorded: the owner may ask for another one every few minutes.
    verification_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the last password reset email was recorded: the form sends at most one per account per few minutes.
    password_reset_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the owner deletes the account: it is deactivated at once, and the sweeper deletes its photos and
    # then the row in the background (a request must not wait for hundreds of S3 deletes).
    deletion_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when SES reports a permanent bounce or a complaint for the address: the site stops mailing it and tells the
    # owner why on their next visit, until they ask for mail again (web/accounts/mail_status.py).
    mail_stopped_at = models.DateTimeField(null=True, blank=True, editable=False)
    mail_stopped_reason = models.CharField(max_length=16, blank=True, editable=False)  # "bounce" or "complaint"

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.email


class FailedLogin(models.Model):
    """A login refused for a wrong address or password. Recent ones make the login form stop checking passwords
    for that address and network (web/accounts/throttle.py); the sweeper deletes them after a day."""

    email = models.CharField(max_length=254)
    ip = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["email", "created_at"], name="failed_login_email_idx"),
            models.Index(fields=["ip", "created_at"], name="failed_login_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.ip or '?'} at {self.created_at:%Y-%m-%d %H:%M}"


class FormUse(models.Model):
    """One use, by a network, of a form that makes the site send email to an address the visitor typed (signup,
    password reset). Capped per network (web/accounts/throttle.py), so nobody can make the site mail strangers in
    bulk: bounces and complaints would get its SES account paused. The sweeper deletes them after a day."""

    form = models.CharField(max_length=32)
    ip = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["form", "ip", "created_at"], name="form_use_idx")]

    def __str__(self) -> str:
        return f"{self.form} from {self.ip or '?'} at {self.created_at:%Y-%m-%d %H:%M}"

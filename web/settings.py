"""Darkroom's settings: one complete file; each deployment differs only by environment variables.

Production (Zappa) sets DJANGO_SECRET_KEY, DATABASE_URL, DJANGO_ALLOWED_HOSTS and the DARKROOM_* names from the
SAM stack's outputs; see docs/deploying.md. Nothing secret lives in this file.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- core
# https://docs.djangoproject.com/en/6.1/ref/settings/#debug
DEBUG = env_bool("DJANGO_DEBUG")
# Local mode (moto server, the dev outbox page) is opt-in and never on together with production hosts.
DARKROOM_LOCAL = env_bool("DARKROOM_LOCAL")
# https://docs.djangoproject.com/en/6.1/ref/settings/#secret-key
SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-local-only-key" if (DEBUG or DARKROOM_LOCAL) else None)
# https://docs.djangoproject.com/en/6.1/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1" if (DEBUG or DARKROOM_LOCAL) else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "web.accounts",
    "web.outbox",
    "web.photos",
    "web.tasks",
    "web.ops",
]
if DARKROOM_LOCAL:
    INSTALLED_APPS.append("devstack")  # the local outbox page; the Zappa package does not even carry it

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "web.security_headers.ContentSecurityPolicyMiddleware",
    "web.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "web.correlation.CorrelationIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.darkroom",
            ],
        },
    },
]

# ---------------------------------------------------------------- database
# https://docs.djangoproject.com/en/6.1/ref/settings/#databases — PostgreSQL via DATABASE_URL, SQLite when unset.
# https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS — the options below; docs/deploying.md.
LOCAL_DATABASE_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def postgres_options(*, host: str, options: dict) -> dict:
    """Bounds on every wait for PostgreSQL, so a database that hangs costs a request seconds, not the Lambda's 30 s;
    what DATABASE_URL's query string says wins. TLS is required for any host but loopback or a Unix socket."""
    bounded = {
        "connect_timeout": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")),
        # Server side: a runaway query, and a transaction left open by a Lambda that timed out holding row locks.
        "options": "-c statement_timeout={} -c idle_in_transaction_session_timeout={}".format(
            os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "10000"),
            os.environ.get("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", "60000"),
        ),
        # Client side: a pooled connection whose server vanished is found dead in 25 s rather than hours, and data
        # the server never acknowledges fails the call after 10 s.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": 10000,
    }
    if host not in LOCAL_DATABASE_HOSTS and not host.startswith("/"):
        bounded["sslmode"] = "require"
    return {**bounded, **options}


DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = postgres_options(
        host=DATABASES["default"]["HOST"], options=DATABASES["default"].get("OPTIONS", {})
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Local runs answer requests on threads: BEGIN IMMEDIATE takes the write lock up front (waiting up to 20 s)
    # rather than failing with "database is locked" when a transaction that has read then tries to write.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- auth
# https://docs.djangoproject.com/en/6.1/topics/auth/customizing/#substituting-a-custom-user-model
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "gallery"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A password reset link works for an hour (Django's default is three days: a link sitting in an inbox that long is a
# standing key to the account). The form records at most one reset email per account per 5 minutes, so it cannot be
# used to flood someone's inbox from the site's SES account.
PASSWORD_RESET_TIMEOUT = 3600
DARKROOM_PASSWORD_RESET_EVERY_SECONDS = 300
# Address verification (web/accounts/verification.py): how long an emailed link works, and how often the owner may
# ask for another one.
DARKROOM_VERIFICATION_LINK_SECONDS = int(os.environ.get("DARKROOM_VERIFICATION_LINK_SECONDS", str(3 * 24 * 3600)))
DARKROOM_VERIFICATION_EVERY_SECONDS = int(os.environ.get("DARKROOM_VERIFICATION_EVERY_SECONDS", "300"))
# Login throttling (web/accounts/throttle.py): wrong passwords counted over a sliding window.
DARKROOM_LOGIN_FAILURE_WINDOW_SECONDS = 900
DARKROOM_LOGIN_FAILURES_PER_ACCOUNT_AND_NETWORK = 5
DARKROOM_LOGIN_FAILURES_PER_NETWORK = 30
DARKROOM_LOGIN_FAILURES_PER_ACCOUNT = 100
# Signups and password reset requests from one network in an hour, each: both make the site email an address the
# visitor typed, and bounces or complaints from bulk use would get the SES account paused.
DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR = int(os.environ.get("DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR", "10"))

# ---------------------------------------------------------------- i18n
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------- static files (whitenoise serves them on Lambda too)
# https://whitenoise.readthedocs.io/en/stable/django.html
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "web" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env("DJANGO_STATICFILES_STORAGE", "whitenoise.storage.CompressedManifestStaticFilesStorage")
    },
}
# Zappa's package carries STATIC_ROOT; without collectstatic (local runs) whitenoise serves from the apps.
WHITENOISE_USE_FINDERS = DEBUG or DARKROOM_LOCAL

# ---------------------------------------------------------------- security
# https://docs.djangoproject.com/en/6.1/howto/deployment/checklist/
SECURE = not (DEBUG or DARKROOM_LOCAL)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("DJANGO_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000" if SECURE else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
# API Gateway terminates TLS and forwards the scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# https://docs.djangoproject.com/en/6.1/ref/settings/#csrf-failure-view — JSON for the API, Django's page elsewhere.
CSRF_FAILURE_VIEW = "web.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# https://docs.djangoproject.com/en/6.1/ref/csp/ — docs/security.md says why each directive is there. Pages load only
# the site's own files; images and uploads also go to the bucket, whose origin only the S3 client knows:
# web/security_headers.py puts it where DARKROOM_CSP_BUCKET stands (always after another source).
DARKROOM_CSP_BUCKET = "<darkroom-bucket-origin>"
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, DARKROOM_CSP_BUCKET, "data:", "blob:"],
    "connect-src": [CSP.SELF, DARKROOM_CSP_BUCKET],
    "font-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "upgrade-insecure-requests": SECURE,
}
# Browser features no page of the site uses, off for it and anything it frames (web/security_headers.py).
DARKROOM_PERMISSIONS_POLICY_OFF = [
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]

# ---------------------------------------------------------------- Darkroom: AWS side
# Names come from the SAM stack's outputs (scripts/zappa_env.py writes them into the Zappa stage).
DARKROOM_BUCKET = env("DARKROOM_BUCKET", "darkroom-local")
DARKROOM_RESIZE_QUEUE_URL = env("DARKROOM_RESIZE_QUEUE_URL", "")
DARKROOM_NOTIFY_QUEUE_URL = env("DARKROOM_NOTIFY_QUEUE_URL", "")
DARKROOM_TASKS_QUEUE_URL = env("DARKROOM_TASKS_QUEUE_URL", "")
DARKROOM_TASKS_DLQ_URL = env("DARKROOM_TASKS_DLQ_URL", "")
# The functions' dead-letter queues, for the staff page's depths and redrive (web/ops).
DARKROOM_RESIZE_DLQ_URL = env("DARKROOM_RESIZE_DLQ_URL", "")
DARKROOM_NOTIFY_DLQ_URL = env("DARKROOM_NOTIFY_DLQ_URL", "")
# Public origin of the site, used for links in emails.
DARKROOM_SITE_URL = env("DARKROOM_SITE_URL", "http://127.0.0.1:8000/")
# Largest original accepted, enforced by the presigned POST policy and checked again on confirm.
DARKROOM_MAX_UPLOAD_BYTES = int(os.environ.get("DARKROOM_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024)))
# The page presigns each file just before its POST, and S3 checks the policy's expiry when the POST arrives: a minute
# is plenty, and a confirmed original can be posted over only until then (web/photos/tasks.py checks it after).
DARKROOM_PRESIGN_EXPIRY_SECONDS = int(os.environ.get("DARKROOM_PRESIGN_EXPIRY_SECONDS", "60"))
# The confirmed original is checked against its pinned ETag this long after its presigned POST expired: the clocks
# of S3 and the site may differ.
DARKROOM_ORIGINAL_CHECK_SKEW_SECONDS = int(os.environ.get("DARKROOM_ORIGINAL_CHECK_SKEW_SECONDS", "60"))
# Fair use per account, checked at presign (429 saying when it lifts): a phone's whole holiday in one go, not a
# script filling the bucket. Trashed photos count towards storage until the Trash is emptied.
DARKROOM_UPLOADS_PER_HOUR = int(os.environ.get("DARKROOM_UPLOADS_PER_HOUR", "1000"))
DARKROOM_UPLOADS_PER_DAY = int(os.environ.get("DARKROOM_UPLOADS_PER_DAY", "3000"))
DARKROOM_STORAGE_BYTES_PER_ACCOUNT = int(os.environ.get("DARKROOM_STORAGE_BYTES_PER_ACCOUNT", str(20 * 2**30)))
# Confirm refuses an upload stored longer ago than this, half the expiry: docs/architecture.md#the-pending-tag
DARKROOM_CONFIRM_WITHIN_SECONDS = 24 * 3600
DARKROOM_RENDITION_URL_EXPIRY_SECONDS = 900
# The sweeper re-sends outbox messages pending longer than this, and re-enqueues photos processing past the deadline.
DARKROOM_OUTBOX_RETRY_AFTER_SECONDS = 120
DARKROOM_PROCESSING_DEADLINE_SECONDS = 600
DARKROOM_MAX_RESIZE_ATTEMPTS = 3
# The gallery's page: what one scroll step loads (about two phone screens of tiles).
DARKROOM_PHOTOS_PER_PAGE = 60
# Deleted photos wait in the Trash this long, restorable, before the sweeper deletes them for good.
DARKROOM_TRASH_DAYS = 30
# The Trash page shows this many, most recently trashed first; the rest wait for the next visit.
DARKROOM_TRASH_PAGE_SIZE = 300
# One run of the account deletion task stops deleting photos (about 3 S3 calls each) this long after it began, well
# inside the site function's 30 s timeout; what is left waits for the next run. The sweep's budgets: web/scheduled.py.
DARKROOM_ACCOUNT_DELETION_BUDGET_SECONDS = 15
# The sweeper enqueues an account's deletion again when it was asked this long ago and no task is on it.
DARKROOM_ACCOUNT_DELETION_OVERDUE_SECONDS = 900
# Sent outbox messages are kept this long for the admin (what went out, when), then pruned by the sweeper.
DARKROOM_OUTBOX_KEEP_SENT_DAYS = 7
# A batch's email goes once all its photos settled, or this long after its last confirm (files never confirmed).
DARKROOM_UPLOAD_BATCH_QUIET_SECONDS = 600
# Finished background tasks' results (the admin's "Task records") are kept this long, then pruned by the sweeper.
DARKROOM_TASK_RESULTS_KEEP_DAYS = 14

# ---------------------------------------------------------------- background tasks (docs/tasks.md)
# https://docs.djangoproject.com/en/6.1/topics/tasks/ — django.tasks on the site-tasks SQS queue; the site's own
# Lambda runs them (web/tasks/worker.py).
TASKS = {
    "default": {
        "BACKEND": "web.tasks.backend.SQSBackend",
        "OPTIONS": {
            "MAX_ATTEMPTS": 3,  # a task may say otherwise: @task(max_attempts=...)
            # A RUNNING task whose worker has not finished it after this long was killed (the site's 30 s timeout).
            "STALE_AFTER_SECONDS": 60,
        },
    }
}

# S3's notifications of new manifests arrive on the site-tasks queue; the worker hands their keys to this.
DARKROOM_TASKS_S3_EVENTS = "web.photos.tasks.manifests_written"
# SES's bounce and complaint events arrive there too (through EventBridge); the worker hands them to this.
DARKROOM_TASKS_MAIL_EVENTS = "web.accounts.mail_status.mail_event_received"

# ---------------------------------------------------------------- logging
# https://docs.djangoproject.com/en/6.1/topics/logging/ — one line per event, correlation id included.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"reset_tokens": {"()": "web.log_redaction.RedactResetTokens"}},
    # Every line the site writes goes through this handler (on Lambda too: Django replaces the root's handlers).
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["reset_tokens"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # botocore narrates every credential and endpoint lookup at INFO.
        "botocore": {"level": "WARNING"},
        # Django's own default handler would print its lines (django.tasks' among them) a second time under DEBUG.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # One line per request; the local stack turns it down to keep one line per upload step.
        # runserver's request lines (Django's default gives them a handler of their own, which this replaces).
        "django.server": {
            "level": os.environ.get("DJANGO_SERVER_LOG_LEVEL", "INFO"),
            "handlers": ["console"],
            "propagate": False,
        },
    },
}

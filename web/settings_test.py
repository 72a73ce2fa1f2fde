"""Test settings: the real settings with fast hashing and no HTTPS redirects."""

import os

os.environ.setdefault("DARKROOM_LOCAL", "1")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key")

from web.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
DARKROOM_SITE_URL = "http://testserver/"

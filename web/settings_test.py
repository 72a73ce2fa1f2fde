"""Test settings: the real settings with fast hashing and no HTTPS redirects."""

import os
import tempfile

os.environ.setdefault("DARKROOM_LOCAL", "1")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key")

from web.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# The test client's host, unless a test process is told the site's real address (the browser tests' tasks worker).
DARKROOM_SITE_URL = os.environ.get("DARKROOM_TEST_SITE_URL", "http://testserver/")

# A file, not SQLite's in-memory default: the browser tests' live server then gives each request thread its own
# connection. With an in-memory database it shares the test's one connection between its threads, and concurrent
# requests (the upload page sends three at a time) break each other ("bad parameter or other API misuse").
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One per test run, so two runs at once (an editor's and a terminal's) never share it.
    DATABASES["default"]["TEST"] = {"NAME": f"{tempfile.gettempdir()}/darkroom-test-{os.getpid()}.sqlite3"}  # noqa: F405

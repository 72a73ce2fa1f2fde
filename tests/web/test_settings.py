"""Production settings come from the environment, pass Django's deploy checklist, and refuse to start without a key."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_reports_no_issues_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="photos.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_ALLOWED_HOSTS="photos.example.com")

    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable." in result.stderr


def test_local_mode_pages_do_not_exist_in_production_settings():
    script = (
        "import django; django.setup();"
        "from django.conf import settings; from django.urls import resolve, Resolver404;"
        "assert 'devstack' not in settings.INSTALLED_APPS;"
        "\ntry:\n resolve('/local/outbox/')\nexcept Resolver404:\n print('absent')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "web.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "photos.example.com",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == "absent", result.stderr


def database_options(database_url: str) -> str:
    script = "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d.get('OPTIONS'))"
    result = manage("shell", "-c", script, DARKROOM_LOCAL="1", DATABASE_URL=database_url)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_sqlite_takes_the_write_lock_up_front_and_waits_for_it():
    # Threaded local requests must queue for SQLite's lock, not fail a half-done transaction with "locked".
    assert "'transaction_mode': 'IMMEDIATE'" in database_options("sqlite:////tmp/darkroom-settings-test.sqlite3")
    assert "'timeout': 20" in database_options("sqlite:////tmp/darkroom-settings-test.sqlite3")


def test_postgresql_options_are_left_alone():
    assert "transaction_mode" not in database_options("postgres://darkroom@db.example.com/darkroom")

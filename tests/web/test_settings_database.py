"""The database settings: every wait for PostgreSQL is bounded, and TLS is required off this machine."""

import time

import dj_database_url
import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from tests.web.silent import silent_listener
from web.settings import postgres_options


@pytest.fixture
def silent_database():
    """A PostgreSQL server that accepts TCP and never answers."""
    with silent_listener() as port:
        yield port


def _database(url: str) -> dict:
    database = dj_database_url.parse(url)
    database["OPTIONS"] = postgres_options(host=database["HOST"], options=database.get("OPTIONS", {}))
    return database


@pytest.mark.slow  # seconds of waiting on purpose: `make test`, not `make check`
def test_a_database_that_never_answers_costs_a_request_seconds(silent_database, django_db_blocker):
    # GIVEN Django's connection settings for a PostgreSQL server that accepts TCP and then says nothing
    hung = _database(f"postgres://darkroom@127.0.0.1:{silent_database}/darkroom")
    connection = ConnectionHandler({"default": hung})["default"]
    started = time.monotonic()

    # WHEN the site connects, THEN it gives up with Django's error, after the connect timeout (5 s), not the
    # Lambda's 30 s
    with django_db_blocker.unblock(), pytest.raises(OperationalError):
        connection.ensure_connection()
    assert time.monotonic() - started < 15


def test_a_remote_database_requires_tls():
    database = _database("postgres://darkroom:secret@db.abc123.eu-west-1.rds.amazonaws.com:5432/darkroom")

    assert database["OPTIONS"]["sslmode"] == "require"


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:54329/darkroom",
        "postgres://postgres@localhost/darkroom",
        "postgres://postgres@%2Fvar%2Frun%2Fpostgresql/darkroom",
    ],
)
def test_a_database_on_this_machine_needs_no_tls(url):
    assert "sslmode" not in _database(url)["OPTIONS"]


def test_the_url_says_how_to_verify_the_server():
    # The RDS recipe (docs/deploying.md): verify-full against the CA bundle shipped with the site
    url = "postgres://darkroom@db.example.com/darkroom?sslmode=verify-full&sslrootcert=/var/task/rds-ca.pem"

    options = _database(url)["OPTIONS"]

    assert (options["sslmode"], options["sslrootcert"]) == ("verify-full", "/var/task/rds-ca.pem")


def test_queries_and_idle_transactions_are_bounded_on_the_server():
    options = _database("postgres://darkroom@db.example.com/darkroom")["OPTIONS"]

    assert options["connect_timeout"] == 5
    assert "-c statement_timeout=10000" in options["options"]
    assert "-c idle_in_transaction_session_timeout=60000" in options["options"]
    assert options["keepalives"] == 1

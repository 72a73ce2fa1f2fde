"""`make run`: a port already in use gets a message that says what to do; a restart drops what moto forgot."""

import socket

import pytest

from devstack.__main__ import forget_photos_of_earlier_runs, main, port_is_free, site_environment
from devstack.stack import ROOT
from web import contracts
from web.accounts.models import User
from web.outbox.models import OutboxMessage
from web.photos.models import Photo


def test_a_busy_port_gets_a_clear_message(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not port_is_free(port)

        status = main(["--port", str(port)])

    assert status == 2
    out = capsys.readouterr().out
    assert f"port {port} for the site is already in use" in out
    assert "make run DARKROOM_PORT=8001 DARKROOM_MOTO_PORT=5056" in out


@pytest.mark.django_db
def test_a_restart_drops_the_photos_whose_files_moto_forgot_and_keeps_accounts():
    # GIVEN a user with a photo and a pending outbox message from an earlier run of the stack
    user = User.objects.create_user(email="returning@example.com", password="correct horse battery")
    Photo.objects.create(
        owner=user, original_key=f"uploads/{user.pk}/x", filename="a.jpg", content_type="image/jpeg", size_bytes=1
    )
    OutboxMessage.objects.create(queue=contracts.Queue.RESIZE, body={"kind": "resize.requested"})

    # WHEN the stack starts again, with moto empty
    dropped = forget_photos_of_earlier_runs()

    # THEN the photo and the message are gone, the account stays
    assert dropped == 1
    assert not Photo.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert User.objects.filter(email="returning@example.com").exists()


def test_the_stack_uses_its_own_database_whatever_database_url_says(monkeypatch):
    # GIVEN a shell that exports a production-like database
    monkeypatch.setenv("DATABASE_URL", "postgres://darkroom@db.example.com/darkroom")

    # WHEN the stack builds the site's environment
    environment = site_environment("http://127.0.0.1:8000/")

    # THEN it is the local SQLite file `make superuser` writes to, so the restart's clean-up touches nothing else
    assert environment["DATABASE_URL"] == f"sqlite:///{ROOT / 'db.sqlite3'}"

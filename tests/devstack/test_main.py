"""`make run` refuses a port already in use with a message that says what to do."""

import socket

from devstack.__main__ import main, port_is_free


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

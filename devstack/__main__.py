"""`make run`: moto server, the AWS resources, a migrated SQLite database and the Django site, in one process.

Local mode only: it sets DARKROOM_LOCAL and fake credentials itself, so production settings never see it.
"""

import argparse
import logging
import os
import socket
import sys

from devstack import resources


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def local_environment(moto_url: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DARKROOM_LOCAL": "1",
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "web.settings",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("DARKROOM_PORT", "8000")))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("DARKROOM_MOTO_PORT", "5055")))
    args = parser.parse_args(argv)

    for name, port in (("site", args.port), ("moto server", args.moto_port)):
        if not port_is_free(port):
            print(f"devstack: port {port} for the {name} is already in use. Stop what uses it, or pick another port:")
            print("  make run DARKROOM_PORT=8001 DARKROOM_MOTO_PORT=5056")
            return 2

    from moto.server import ThreadedMotoServer

    moto_url = f"http://127.0.0.1:{args.moto_port}"
    site_url = f"http://127.0.0.1:{args.port}/"
    os.environ.update(local_environment(moto_url))
    os.environ["DARKROOM_SITE_URL"] = site_url
    os.environ.pop("AWS_PROFILE", None)

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server logs every request otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=args.moto_port, verbose=False)
    moto.start()
    try:
        os.environ.update(resources.provision(site_origin=site_url.rstrip("/")))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        print(f"devstack: moto server (S3, SQS) on {moto_url}")
        print(f"devstack: Darkroom is at {site_url}  (Ctrl-C stops everything)")
        call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False, skip_checks=True)
    except KeyboardInterrupt:
        pass
    finally:
        moto.stop()
        print("devstack: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

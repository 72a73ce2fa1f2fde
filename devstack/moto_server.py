"""moto server as the local stack runs it: in a thread of the stack's process, or as a process of its own.

    python -m devstack.moto_server --port 5055

One fix over plain `moto.server`: moto lists the folders of its own package on disk (a listdir and ~180 stats)
twice for every request it routes, about 0.8 ms of a 3 ms S3 or SQS call. That list cannot change while the
process runs, so it is read once. Everything AWS-like (responses, errors, state) is moto's own.
"""

import argparse
from functools import cache

from moto import backends
from moto.server import ThreadedMotoServer
from moto.server import main as moto_server_main


def read_moto_modules_once() -> None:
    """moto's request routing calls backends.list_of_moto_modules() by module attribute, so it sees this one."""
    if not hasattr(backends.list_of_moto_modules, "cache_info"):
        listed = backends.list_of_moto_modules
        backends.list_of_moto_modules = cache(lambda: tuple(listed()))


def start_in_thread(*, port: int) -> ThreadedMotoServer:
    read_moto_modules_once()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    read_moto_modules_once()
    moto_server_main(["-H", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    main()

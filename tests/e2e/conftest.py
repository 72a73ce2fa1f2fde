"""The local stack for end-to-end tests: moto server, the template's resources, the two pollers, Django's live server.

The site runs in this process (pytest-django's live server); each function runs in its own process behind a
Lambda-like poller, exactly as `make run` starts them.
"""

import os
import re
import socket
import time
from pathlib import Path

import pytest
import requests

from devstack.stack import LocalStack
from web import aws

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
# The poison object: every read of it fails as if S3 kept throttling, so its message must end in the DLQ.
POISON_MARKER = "poison-object"
# Short enough that a failed record comes back within the test; the template's own value is minutes.
TEST_VISIBILITY_TIMEOUT = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="package")
def local_stack(live_server):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    saved = dict(os.environ)
    stack = LocalStack(
        moto_port=free_port(),
        site_origin=live_server.url,
        faults={"always": {"s3.GetObject": POISON_MARKER}},
        log_path=OUTPUT / "functions.log",
        visibility_timeout=TEST_VISIBILITY_TIMEOUT,
    )
    try:
        stack.start_aws()
        stack.start_functions()
        yield stack
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)
        aws.clear_clients()


@pytest.fixture
def site(local_stack, live_server, settings, transactional_db):
    """The live site wired to the local stack's resources."""
    settings.DARKROOM_BUCKET = local_stack.resources["DARKROOM_BUCKET"]
    settings.DARKROOM_RESIZE_QUEUE_URL = local_stack.resources["DARKROOM_RESIZE_QUEUE_URL"]
    settings.DARKROOM_NOTIFY_QUEUE_URL = local_stack.resources["DARKROOM_NOTIFY_QUEUE_URL"]
    settings.DARKROOM_SITE_URL = live_server.url + "/"
    aws.clear_clients()
    yield live_server.url
    aws.clear_clients()


class Browser(requests.Session):
    """A user's HTTP session: follows the site's CSRF rules like the page's JavaScript does."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def csrf_from(self, path: str) -> str:
        html = self.get(self.url(path)).text
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def signup(self, email: str, password: str = "correct horse battery") -> None:
        token = self.csrf_from("/signup/")
        response = self.post(
            self.url("/signup/"), data={"email": email, "password": password, "csrfmiddlewaretoken": token}
        )
        assert response.url.endswith("/photos/"), response.text

    def api(self, path: str, body: dict) -> requests.Response:
        headers = {"X-CSRFToken": self.cookies["csrftoken"], "Referer": self.base_url + "/photos/"}
        return self.post(self.url(path), json=body, headers=headers)

    def upload(self, content: bytes, filename: str, content_type: str = "image/jpeg") -> dict:
        presigned = self.api(
            "/api/uploads/presign", {"filename": filename, "content_type": content_type, "size": len(content)}
        ).json()
        stored = requests.post(presigned["url"], data=presigned["fields"], files={"file": (filename, content)})
        assert stored.status_code == 204, stored.text
        confirmed = self.api("/api/uploads/confirm", {"key": presigned["key"], "filename": filename})
        assert confirmed.status_code == 201, confirmed.text
        return confirmed.json()

    def wait_until_settled(self, photo_ids: list[str], timeout: float = 90) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while True:
            photos = self.get(self.url("/api/photos/status"), params={"ids": ",".join(photo_ids)}).json()["photos"]
            states = {photo_id: photo["status"] for photo_id, photo in photos.items()}
            if all(state != "processing" for state in states.values()) or time.monotonic() > deadline:
                return states
            time.sleep(0.5)


@pytest.fixture
def browser(site):
    with Browser(site) as session:
        yield session

"""The local stack for end-to-end tests: moto server, the template's resources, the pollers, Django's live server.

The site runs in this process (pytest-django's live server); each function runs in its own process behind a
Lambda-like poller, exactly as `make run` starts them. The browser tests add Debian's Chromium (driven by
Playwright), pages opened in fresh contexts, and a library of 30 developed photos uploaded once per run.
"""

import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core import serializers
from django.test import Client, override_settings
from django.utils import timezone
from playwright.sync_api import Page, sync_playwright

from bench.site_client import SiteClient
from devstack.stack import LocalStack
from tests.e2e import pictures
from web import aws
from web.accounts.models import User
from web.ops.queues import QUEUES
from web.photos import selectors
from web.photos.models import Photo

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
# The poison object: every read of it fails as if S3 kept throttling, so its message must end in the DLQ.
# A photo id: resize refuses a message whose keys are not its photo's own before it reads anything.
POISON_MARKER = "00000000-0000-4000-8000-0000deadbeef"
# Short enough that a failed record comes back within the test; the template's own value is minutes.
TEST_VISIBILITY_TIMEOUT = 2


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """The browser tests' SQLite file of their own: another test run in the same checkout (tests/web uses
    test-db.sqlite3 at the root) would otherwise create and delete it under this one's live server."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test-db.sqlite3")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_environment(resources: dict[str, str], site_url: str) -> dict[str, str]:
    """The live server's settings, address and test database, for the site-tasks worker's process."""
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3", "the end-to-end tests run on SQLite"
    return {
        **os.environ,
        **resources,
        "DATABASE_URL": f"sqlite:///{database['NAME']}",
        "DARKROOM_TEST_SITE_URL": site_url + "/",
    }


@pytest.fixture(scope="package")
def local_stack(live_server, django_db_setup):
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
        stack.start_site_worker(site_environment(stack.resources, live_server.url))
        yield stack
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(saved)
        aws.clear_clients()


def wired_settings(local_stack, live_server) -> dict[str, str]:
    """The settings that point the live site at the local stack's bucket and queues (every queue the site knows)."""
    names = ("DARKROOM_BUCKET", *(queue.setting for queue in QUEUES))
    wired = {name: local_stack.resources[name] for name in names}
    return {**wired, "DARKROOM_SITE_URL": live_server.url + "/"}


@pytest.fixture
def site(local_stack, live_server, settings, transactional_db):
    """The live site wired to the local stack's resources."""
    for name, value in wired_settings(local_stack, live_server).items():
        setattr(settings, name, value)
    aws.clear_clients()
    yield live_server.url
    aws.clear_clients()


class Browser(SiteClient):
    """A user's HTTP session: follows the site's CSRF rules like the page's JavaScript does."""

    def url(self, path: str) -> str:
        return self.base_url + path

    def upload(
        self, content: bytes, filename: str, content_type: str = "image/jpeg", batch: dict | None = None
    ) -> dict:
        presigned = self.api(
            "/api/uploads/presign", {"filename": filename, "content_type": content_type, "size": len(content)}
        ).json()
        stored = requests.post(presigned["url"], data=presigned["fields"], files={"file": (filename, content)})
        assert stored.status_code == 204, stored.text
        body = {"key": presigned["key"], "filename": filename} | ({"batch": batch} if batch else {})
        confirmed = self.api("/api/uploads/confirm", body)
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


# ---------------------------------------------------------------- the browser: Debian's Chromium, by Playwright
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SCREENSHOTS = OUTPUT.parent / "screenshots"


@pytest.fixture(scope="package")
def chromium():
    # Playwright's sync API keeps an asyncio loop in this thread, which Django takes for async code and refuses
    # the ORM to; the tests' ORM calls (restoring rows, logging in) are plain blocking calls between page actions.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    assert CHROMIUM.exists(), "Chromium is missing: `make test` installs Debian's chromium package (run it as root)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium, site):
    """Opens a page in a fresh browser context (its own cookies and storage) on the live site.

    Keyword arguments go to `new_context` (viewport, color_scheme, timezone_id, has_touch...); `user` logs the
    context in; `theme` is stored as the visitor's choice before any page loads.
    """
    contexts = []

    def open_page(*, user=None, theme: str | None = None, **options) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium.new_context(base_url=site, **options)
        contexts.append(context)
        context.set_default_timeout(15_000)
        if user is not None:
            context.add_cookies([session_cookie(user, site)])
        if theme is not None:
            context.add_init_script(f"localStorage.setItem('darkroom-theme', {json.dumps(theme)})")
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def session_cookie(user, site: str) -> dict:
    """A logged-in session for `user`, as the browser cookie the site expects."""
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": site,
    }


# ---------------------------------------------------------------- a library of real photos
LIBRARY_EMAIL = "library@example.com"
LIBRARY_SIZE = 30
LIBRARY_DAYS = 5  # six photos a day: the timeline has day headings, and endless scrolling crosses them
LIBRARY_TRASHED = 3  # more photos, already in the Trash
# The first photo's name: 120 characters with no space to break at, as phones and cameras write them.
LONG_NAME = (
    "Sommerferien_2025_Nordsee_Sonnenuntergang_am_Strand_von_"
    "Sankt-Peter-Ording_mit_der_ganzen_Familie_und_Hund_Bello_001.jpg"
)
assert len(LONG_NAME) == 120


@dataclass(frozen=True)
class Library:
    """A user with 30 ready photos in the gallery (newest first, the first named LONG_NAME) and 3 in the Trash."""

    user: User
    photo_ids: list[str]
    trashed_ids: list[str]

    @property
    def long_name_id(self) -> str:
        return self.photo_ids[0]


@pytest.fixture(scope="package")
def library_rows(local_stack, live_server, django_db_setup, django_db_blocker):
    """Uploads the library's photos through the local stack once, and keeps their rows.

    The renditions stay in the stack's bucket for the whole package; the rows are what each test gets back (every
    live-server test ends with its database flushed), so a test costs an insert, not 33 uploads.
    """
    with django_db_blocker.unblock(), override_settings(**wired_settings(local_stack, live_server)):
        aws.clear_clients()
        with Browser(live_server.url) as browser:
            browser.signup(LIBRARY_EMAIL)
            newest = datetime(2025, 6, 1, 18, 0) + timedelta(days=LIBRARY_DAYS - 1)
            taken = {}
            for number in range(LIBRARY_SIZE + LIBRARY_TRASHED):
                day, place = divmod(number, LIBRARY_SIZE // LIBRARY_DAYS)
                moment = newest - timedelta(days=day, minutes=17 * place)
                name = LONG_NAME if number == 0 else f"IMG_{moment:%Y%m%d_%H%M}_{number:02d}.jpg"
                taken[browser.upload(pictures.jpeg(number, taken=moment), name)["id"]] = moment
            states = browser.wait_until_settled(list(taken), timeout=180)
        assert set(states.values()) == {"ready"}, states
        # The timeline's days come from the EXIF dates the resize function reads; should it not read them (yet),
        # the rows get those days anyway, so the gallery's shape never depends on it.
        for photo_id, moment in taken.items():
            Photo.objects.filter(pk=photo_id, taken_at__isnull=True).update(timeline_at=moment.replace(tzinfo=UTC))
        photo_ids = list(taken)
        trashed_ids = photo_ids[LIBRARY_SIZE:]
        Photo.objects.filter(pk__in=trashed_ids).update(trashed_at=timezone.now())
        user = User.objects.get(email=LIBRARY_EMAIL)
        rows = serializers.serialize("python", [user, *Photo.objects.filter(owner=user)])
        # The gallery's order, not the upload order: the rows know what the resize function read from the EXIF.
        gallery_ids = [str(pk) for pk in selectors.photo_list(owner=user).values_list("pk", flat=True)]
        user.delete()
    aws.clear_clients()
    yield rows, gallery_ids, trashed_ids


@pytest.fixture
def library(site, library_rows) -> Library:
    rows, photo_ids, trashed_ids = library_rows
    objects = list(serializers.deserialize("python", rows))
    for stored in objects:
        stored.save()
    return Library(user=objects[0].object, photo_ids=photo_ids, trashed_ids=trashed_ids)


@pytest.fixture
def gallery_page(open_page):
    """A new user's empty gallery, open in the browser: `gallery_page(email, **context_options)`."""

    def gallery_page(email: str, **options) -> Page:
        user = User.objects.create_user(email=email, password="correct horse battery", email_verified_at=timezone.now())
        page = open_page(user=user, **options)
        page.goto("/photos/")
        page.wait_for_load_state("domcontentloaded")  # the module scripts ran: a file chosen now is not missed
        return page

    return gallery_page

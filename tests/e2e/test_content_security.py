"""The site in a real browser under its Content-Security-Policy and Permissions-Policy: a whole journey (signing up,
uploading a camera photo, the viewer, the photo's page, the other pages) reports no violation.

The headers themselves are checked in tests/web/test_security_headers.py; docs/security.md says why each is there.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from tests.e2e import pictures
from tests.e2e.site_pages import PAGES, viewer_has_the_keyboard, visit, wait_until
from web.accounts.models import User

pytestmark = pytest.mark.slow
# Every violation, in the page or any frame of it, reported to the test: the event fires where the refusal happened.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || location.href}:${event.lineNumber} (${event.sample})`);
}, true);"""
# What Chromium writes to the console about either policy (a refusal, an unknown feature in Permissions-Policy).
POLICY_MESSAGE = re.compile(r"Content Security Policy|Permissions[- ]Policy", re.IGNORECASE)
RENDITIONS = re.compile(r"/renditions/")
LOADED = "img => !!img && img.complete && img.naturalWidth > 0"


def watch(page: Page, violations: list[str] | None = None) -> list[str]:
    """What the browser refuses from now on, and where, in the order it happens (added to `violations` if given)."""
    violations = [] if violations is None else violations
    page.context.expose_function("reportViolation", lambda text: violations.append(f"{page.url}: {text}"))
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda message: POLICY_MESSAGE.search(message.text) and violations.append(message.text))
    return violations


def served_as_in_production(route) -> None:
    """A static file as WhiteNoise serves it behind the site's middleware, headers included (the live server serves
    static files past the middleware): the EXIF worker then runs under the policy its own response carries."""
    response = Client().get(urlsplit(route.request.url).path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    route.fulfill(status=response.status_code, headers=dict(response.headers), body=body)


def test_a_whole_journey_runs_under_the_policy(open_page, tmp_path):
    page = open_page()
    violations = watch(page)
    page.route("**/static/**", served_as_in_production)
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(pictures.camera_photo(1))  # with an EXIF thumbnail: the worker and the canvas preview

    # Signing up from the home page
    page.goto("/")
    page.goto("/signup/")
    page.fill("input[name=email]", "policy@example.com")
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.card-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/photos/$"))
    page.wait_for_load_state("domcontentloaded")

    # Uploading: the preview (an EXIF thumbnail from a worker, then a blob: URL), the presigned POST to the bucket,
    # the developed thumbnail (a ThumbHash data: URL, then the bucket's image)
    page.set_input_files("#file-input", str(photo))
    tile = page.locator('#gallery .tile[data-status="ready"]')
    expect(tile.locator("img")).to_be_visible(timeout=60_000)
    page.wait_for_function(f"({LOADED})", arg=tile.locator("img").element_handle())

    # The viewer: PhotoSwipe's modules and stylesheets, loaded on the first open, and the large image
    tile.locator(".tile-link").click()
    expect(page.locator(".pswp")).to_be_visible()
    page.wait_for_function(f"() => ({LOADED})(document.querySelector('.pswp__item:not([aria-hidden=true]) img'))")
    viewer_has_the_keyboard(page)
    page.keyboard.press("Escape")
    expect(page.locator(".pswp")).to_have_count(0)

    # The gallery with its images held back: the tile paints its ThumbHash (a data: URL); a picked photo's checkbox
    # shows its tick (a data: URL in photos.css)
    held = []
    page.route(RENDITIONS, lambda route: held.append(route))
    page.goto("/photos/", wait_until="domcontentloaded")
    expect(tile).to_have_css("background-image", re.compile(r'^url\("data:image/png'))
    page.unroute(RENDITIONS)
    for route in held:
        route.continue_()
    tile.locator(".pick input").check()

    # The photo's own page, and the others a user reaches
    page.goto(f"/photos/{tile.get_attribute('data-photo-id')}/")
    page.wait_for_function(f"() => ({LOADED})(document.querySelector('.large img'))")
    for path in ("/photos/trash/", "/account/", "/no-such-page/"):
        page.goto(path)
    page.goto("/photos/")
    page.click("nav button:has-text('Log out')")
    page.goto("/login/")
    page.wait_for_timeout(500)  # a report still on its way to the test

    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_runs_under_the_policy(open_page, request, name):
    library = request.getfixturevalue("library") if PAGES[name].logged_in else None
    violations = []

    def open_watched_page(**options):
        page = open_page(**options)
        watch(page, violations)
        return page

    page = visit(open_watched_page, name, library)
    page.wait_for_timeout(300)  # a report still on its way to the test

    assert violations == [], "\n".join(violations)


STAFF_PAGES = ["/admin/", "/admin/photos/photo/", "/admin/accounts/user/", "/admin/outbox/", "/staff/queues/"]


def test_the_staff_pages_run_under_the_policy(open_page):
    staff = User.objects.create_user(
        email="staff@example.com", password="correct horse battery", is_staff=True, is_superuser=True
    )
    page = open_page(user=staff)
    violations = watch(page)

    for path in [*STAFF_PAGES, f"/admin/accounts/user/{staff.pk}/change/"]:
        assert page.goto(path).status == 200, path
    page.wait_for_timeout(300)  # a report still on its way to the test

    assert violations == [], "\n".join(violations)


def test_the_watch_sees_what_the_policy_refuses(open_page):
    # GIVEN a page watched as the journey is
    page = open_page()
    violations = watch(page)
    page.goto("/")

    # WHEN something on it breaks the policy: an inline style, an image from elsewhere
    page.evaluate(
        """() => {
      document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
      document.body.append(Object.assign(new Image(), {src: "https://elsewhere.example/pixel.png"}));
    }"""
    )

    # THEN both refusals are reported
    expected = ["style-src-attr refused inline", "img-src refused https://elsewhere.example/pixel.png"]
    wait_until(page, lambda: all(any(text in item for item in violations) for text in expected))


def test_powerful_features_are_off(open_page):
    page = open_page()
    page.goto("/")

    allowed = page.evaluate(
        "() => ['camera', 'microphone', 'geolocation', 'payment', 'usb'].filter("
        "(feature) => document.featurePolicy.allowsFeature(feature))"
    )

    assert allowed == []

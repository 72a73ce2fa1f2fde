"""A real browser on the local stack (headless Chromium, Debian's package, driven by Playwright): whole journeys.

Signing up, uploading and seeing the photo developed, the emails in the local outbox; expired image links;
a forgotten password; a deleted account. The upload tray's details are in test_upload_tray.py, the gallery's
in test_gallery.py.
"""

import io
import re
import time
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from playwright.sync_api import expect

from tests.e2e.conftest import OUTPUT
from tests.e2e.site_pages import count_requests, stays_true, wait_until

pytestmark = pytest.mark.slow
# Records every value the tray's <progress> bar takes (its value property reflects to the attribute).
RECORD_PROGRESS = """() => {
  window.__progress = [];
  new MutationObserver((changes) => changes.forEach((change) => {
    if (change.target.tagName === "PROGRESS") window.__progress.push(change.target.value);
  })).observe(document.getElementById("tray"), {subtree: true, attributes: true, attributeFilter: ["value"]});
}"""
LOADED = "img => !!img && img.complete && img.naturalWidth > 0"
# Where signing up lands: the gallery, at /photos/ exactly (no query, no fragment) on the site's origin.
GALLERY_URL = re.compile(r"^https?://[^/]+/photos/$")
# One srcset candidate: a URL (no spaces) and a width descriptor.
SRCSET_CANDIDATE = re.compile(r"(?P<url>\S+)\s+(?P<width>\d+)w")


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def photo_file(tmp_path) -> Path:
    path = tmp_path / "harbour.jpg"
    fractal = Image.effect_mandelbrot((1800, 1200), (-2.2, -1.1, 1.0, 1.1), 60)
    image = ImageOps.colorize(fractal, black="#0b2545", white="#f4a259", mid="#8da9c4")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def sign_up(page, email: str) -> None:
    """Sign up, then confirm the address through the link in the local outbox, as a new user does."""
    page.goto("/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.card-form button[type=submit]")
    expect(page).to_have_url(GALLERY_URL)
    expect(page.locator(".address-unconfirmed")).to_contain_text(email)

    confirmation = emailed(page, email, "Confirm your email address")
    with page.expect_popup() as opened:
        confirmation.frame_locator("iframe").locator("a", has_text="Confirm it is your address").click()
    tab = opened.value
    tab.click("form.card-form button[type=submit]")
    expect(tab.locator(".messages")).to_contain_text(f"{email} is confirmed")
    tab.close()

    page.goto("/photos/")
    expect(page.locator(".address-unconfirmed")).to_have_count(0)
    page.wait_for_load_state("domcontentloaded")  # the module scripts ran: a file chosen now is not missed


def emailed(page, address: str, subject: str):
    """The email to `address` with `subject`, on the local outbox page (opened in `page`), once notify sent it."""
    page.goto("/local/outbox/")
    email = page.locator("article.email", has_text=address).filter(has_text=subject)
    for _ in range(60):  # notify sends it within a poll or two; the outbox page is not live
        if email.count():
            return email.first
        time.sleep(0.5)
        page.reload()
    raise AssertionError(f"no email {subject!r} to {address} in the local outbox")


def test_sign_up_upload_and_watch_the_photo_appear(page, photo_file):
    sign_up(page, "browser@example.com")
    page.evaluate("window.__sameDocument = true")  # vanishes if the page ever reloads

    # Upload through the page's file picker, on a throttled link so the progress bar has something to show
    slow_link = page.context.new_cdp_session(page)
    slow_link.send("Network.enable")
    slow_link.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 400_000},
    )
    page.evaluate(RECORD_PROGRESS)
    page.set_input_files("#file-input", str(photo_file))
    row = page.locator("#tray .tray-file")
    expect(row).to_have_attribute("data-state", re.compile("developing|ready"), timeout=30_000)
    progress = page.evaluate("window.__progress")
    assert any(0 < value < 1 for value in progress), progress  # the bar moved while the file was on its way

    # The thumbnail replaces the preview without a reload
    tile = page.locator('#gallery .tile[data-status="ready"]')
    expect(tile.locator("img")).to_be_visible(timeout=60_000)
    assert page.evaluate("window.__sameDocument === true")
    page.wait_for_function(f"({LOADED})", arg=tile.locator("img").element_handle())
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "gallery.png"), full_page=True)

    # The photo's page shows the large rendition with its srcset: WebP only, so a plain <img>, no <picture>
    page.goto(f"/photos/{tile.get_attribute('data-photo-id')}/")
    expect(page.locator(".large img")).to_be_visible()
    # a JPEG 1800 px wide decodes at full size into 1440-2048: its own width, halvings, none under 240 (plan_sizes)
    expected = [240, 450, 900, 1800]
    assert srcset_widths(page.locator(".large img").get_attribute("srcset"), "webp") == expected
    expect(page.locator(".detail picture, .detail source")).to_have_count(0)
    expect(page.locator(".facts")).to_contain_text("1800 × 1200 px")

    # The local outbox shows both emails to this user (other tests share the stack)
    page.click("text=Outbox (local)")
    expect(page.locator("article.email", has_text="browser@example.com")).to_have_count(2, timeout=30_000)
    page.screenshot(path=str(OUTPUT / "outbox.png"), full_page=True)


def srcset_widths(srcset: str, extension: str) -> list[int]:
    """The width descriptors of a srcset, in order; each candidate must point at the rendition of that width."""
    candidates = [candidate.strip() for candidate in srcset.split(", ")]
    widths = []
    for candidate in candidates:
        match = SRCSET_CANDIDATE.fullmatch(candidate)
        assert match, (candidate, srcset)
        assert f"/w{match['width']}.{extension}" in match["url"], candidate
        widths.append(int(match["width"]))
    return widths


def refuse_renditions(page, local_stack, times: int | None) -> list[str]:
    """The first `times` rendition requests (all when None) are refused the way S3 refuses an expired URL."""
    refused: list[str] = []

    def route(route):
        if times is None or len(refused) < times:
            refused.append(route.request.url)
            route.fulfill(status=403, content_type="application/xml", body="<Error><Code>AccessDenied</Code></Error>")
        else:
            route.continue_()

    page.route(lambda url: url.startswith(local_stack.moto_url) and "/renditions/" in url, route)
    return refused


def test_a_tile_whose_image_url_expired_gets_fresh_urls_once(gallery_page, local_stack, photo_file):
    page = gallery_page("expired@example.com")
    page.set_input_files("#file-input", str(photo_file))
    image = page.locator('#gallery .tile[data-status="ready"] img')
    expect(image).to_be_visible(timeout=60_000)

    # GIVEN a gallery whose first image request is refused, as an expired presigned URL is
    refused = refuse_renditions(page, local_stack, times=1)
    refreshes = count_requests(page, "/api/photos/status")
    page.reload()

    # THEN the tile is fetched again with fresh URLs and its image loads
    page.wait_for_function(f"() => ({LOADED})(document.querySelector('#gallery img'))", timeout=10_000)
    assert len(refused) == 1 and len(refreshes) == 1, (refused, refreshes)

    # GIVEN an image that keeps failing
    page.unroute_all()
    refused = refuse_renditions(page, local_stack, times=None)
    refreshes = count_requests(page, "/api/photos/status")
    page.reload()

    # THEN its tile is fetched again once, and no more
    wait_until(page, lambda: len(refused) >= 2)  # the refreshed tile's image was refused too
    stays_true(page, lambda: len(refreshes) == 1, seconds=2)
    assert not image.evaluate(LOADED)


def test_a_forgotten_password_is_reset_from_the_emailed_link(page):
    # GIVEN a user who signed up and logged out
    sign_up(page, "forgetful@example.com")
    page.click("nav button:has-text('Log out')")

    # WHEN they ask for a reset from the login page
    page.goto("/login/")
    page.click("text=Forgot your password?")
    page.fill("input[name=email]", "forgetful@example.com")
    page.click("form.card-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Check your email")

    # THEN the email reaches the local outbox, and its link opens the site in a new tab
    email = emailed(page, "forgetful@example.com", "Reset your Darkroom")
    with page.expect_popup() as opened:
        email.frame_locator("iframe").locator("a", has_text="Choose a new password").click()
    reset = opened.value
    expect(reset.locator("h1")).to_have_text("Choose a new password")
    assert reset.url.endswith("/set-password/")  # the token left the address bar

    # AND the new password is set, works, and the link is spent
    reset.fill("input[name=new_password1]", "a fresh passphrase")
    reset.fill("input[name=new_password2]", "a fresh passphrase")
    reset.click("form.card-form button[type=submit]")
    expect(reset.locator("h1")).to_have_text("Your new password is set")
    reset.click("main >> text=Log in")
    reset.fill("input[name=username]", "forgetful@example.com")
    reset.fill("input[name=password]", "a fresh passphrase")
    reset.click("form.card-form button[type=submit]")
    expect(reset).to_have_url(GALLERY_URL)


def test_an_account_is_deleted_from_its_account_page(page, photo_file):
    # GIVEN a user with a photo
    sign_up(page, "leaving@example.com")
    page.set_input_files("#file-input", str(photo_file))
    expect(page.locator("#gallery .tile[data-photo-id]")).to_have_count(1, timeout=30_000)

    # WHEN they delete their account from the Account page, with their password
    page.click("nav >> text=Account")
    expect(page.locator(".facts")).to_contain_text("leaving@example.com")
    page.click("text=Delete your account")
    expect(page.locator("main")).to_contain_text("all 1 of your photos")
    page.fill("input[name=password]", "wrong")
    page.click("form.card-form button[type=submit]")
    expect(page.locator("main")).to_contain_text("That is not your password.")
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.card-form button[type=submit]")

    # THEN they are logged out, told what happens next, and cannot log in again
    expect(page.locator(".messages .message")).to_contain_text("Your account is deleted")
    expect(page.locator("nav")).to_contain_text("Log in")
    page.goto("/login/")
    page.fill("input[name=username]", "leaving@example.com")
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.card-form button[type=submit]")
    expect(page.locator("main")).to_contain_text("Please enter a correct email and password")

"""A real browser on the local stack: headless Chromium (Debian's package) driven by Playwright."""

import io
import re
import time
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import OUTPUT

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
# Records every value the upload's <progress> bar takes (its value property reflects to the attribute).
RECORD_PROGRESS = """
window.__progress = [];
new MutationObserver((changes) => changes.forEach((change) => {
  if (change.target.tagName === "PROGRESS") window.__progress.push(change.target.value);
})).observe(document.getElementById("upload-list"), {subtree: true, attributes: true, attributeFilter: ["value"]});
"""
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# Counts the page's XMLHttpRequests in flight, and the most at once: upload.js sends only the S3 POSTs that way.
COUNT_UPLOADS = """
const send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (body) {
  window.__uploads.active += 1;
  window.__uploads.most = Math.max(window.__uploads.most, window.__uploads.active);
  this.addEventListener("loadend", () => { window.__uploads.active -= 1; });
  return send.call(this, body);
};
window.__uploads = {active: 0, most: 0};
"""
LOADED = "img => !!img && img.complete && img.naturalWidth > 0"
# Where signing up lands: the gallery, at /photos/ exactly (no query, no fragment) on the site's origin.
GALLERY_URL = re.compile(r"^https?://[^/]+/photos/$")
# Records every text an upload row's state takes, so a test can tell what the page said along the way.
RECORD_STATES = """
window.__states = [];
new MutationObserver((changes) => changes.forEach((change) => {
  const state = change.target.nodeType === Node.TEXT_NODE ? change.target.parentNode : change.target;
  if (state && state.classList && state.classList.contains("state")) window.__states.push(state.textContent);
})).observe(document.getElementById("upload-list"), {subtree: true, childList: true, characterData: true});
"""
# One srcset candidate: a URL (no spaces) and a width descriptor.
SRCSET_CANDIDATE = re.compile(r"(?P<url>\S+)\s+(?P<width>\d+)w")


@pytest.fixture
def page(site):
    assert CHROMIUM.exists(), "Chromium is missing: `make test` installs Debian's chromium package (run it as root)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(base_url=site, viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


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
    page.goto("/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.card-form button[type=submit]")
    expect(page).to_have_url(GALLERY_URL)
    page.wait_for_load_state("domcontentloaded")  # the deferred scripts ran: a file chosen now is not missed


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
    expect(page.locator(".upload.done")).to_have_count(1, timeout=30_000)
    progress = page.evaluate("window.__progress")
    assert any(0 < value < 1 for value in progress), progress  # the bar moved while the file was on its way
    assert page.locator(".upload progress").evaluate("bar => bar.value") == 1
    card = page.locator("#gallery figure.photo").first

    # The thumbnail replaces the placeholder without a reload
    expect(card.locator("img")).to_be_visible(timeout=60_000)
    assert page.evaluate("window.__sameDocument === true")
    assert card.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "gallery.png"), full_page=True)

    # The photo page shows the large rendition with its srcset
    card.locator("a").click()
    expect(page.locator("picture.large img")).to_be_visible()
    # 1800 px wide: 1920 is not upscaled, so the widest rendition is the source's own width (plan_sizes)
    expected = [240, 480, 960, 1800]
    assert srcset_widths(page.locator("picture.large img").get_attribute("srcset"), "jpg") == expected
    assert srcset_widths(page.locator("picture.large source").get_attribute("srcset"), "webp") == expected
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


def answer_confirm_with(page, statuses: list[int]) -> list[int]:
    """The first confirms get these error statuses instead of reaching the site; later ones go through."""
    seen: list[int] = []

    def route(route):
        if len(seen) < len(statuses):
            seen.append(statuses[len(seen)])
            route.fulfill(status=seen[-1], json={"error": f"answered {seen[-1]} by the test"})
        else:
            seen.append(0)
            route.continue_()

    page.route("**/api/uploads/confirm", route)
    return seen


def test_a_busy_confirm_is_tried_again_until_the_photo_is_recorded(page, photo_file):
    # GIVEN a site that answers the first confirm with 503 (S3 too busy for its HEAD)
    sign_up(page, "busy@example.com")
    confirms = answer_confirm_with(page, [503])

    # WHEN a photo is uploaded
    page.set_input_files("#file-input", str(photo_file))

    # THEN the page tries again by itself and the photo is recorded
    expect(page.locator(".upload.done")).to_have_count(1, timeout=30_000)
    assert confirms == [503, 0]
    expect(page.locator("#gallery figure.photo")).to_have_count(1)


def test_a_refused_confirm_is_shown_and_not_tried_again(page, photo_file):
    sign_up(page, "refused@example.com")
    confirms = answer_confirm_with(page, [400, 400])  # a second confirm, if one came, would be recorded too
    page.evaluate(RECORD_STATES)

    page.set_input_files("#file-input", str(photo_file))

    # The row shows the error only once the page has given up on the file: its final state
    expect(page.locator(".upload.error .state")).to_have_text("answered 400 by the test", timeout=30_000)
    assert confirms == [400]
    # A retry would come 1 s after the failure (upload.js's first CONFIRM_RETRY_DELAYS_MS); the error showed after
    # the failure, so 2.5 s from now is past that retry with 1.5 s to spare for a slow machine's timer and request.
    # Later retries (2 s, 4 s) can only follow a first one, so watching past the first is enough.
    stays_true(page, lambda: confirms == [400], seconds=2.5)
    # And the page never said it was trying again
    assert page.evaluate("window.__states") == ["uploading", "processing", "answered 400 by the test"]


def small_photos(folder: Path, count: int) -> list[str]:
    paths = []
    for number in range(count):
        path = folder / f"phone-{number}.jpg"
        Image.new("RGB", (64, 48), (30 * number, 90, 160)).save(path, "JPEG")
        paths.append(str(path))
    return paths


def test_uploads_go_three_at_a_time_each_presigned_just_before_its_post(page, local_stack, tmp_path):
    # GIVEN a storage whose answers the test holds back, so uploads overlap as they would on a slow uplink
    sign_up(page, "many@example.com")
    page.evaluate(COUNT_UPLOADS)
    presigns = count_requests(page, "/api/uploads/presign")
    held = []
    page.route(
        f"{local_stack.moto_url}/**",
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )

    # WHEN seven photos are chosen at once
    page.set_input_files("#file-input", small_photos(tmp_path, 7))

    # THEN three travel at a time, and a file is presigned only when its POST is about to start
    released = 0

    def at_any_moment():
        assert len(held) <= 3, len(held)
        # Every held or released POST was presigned first; and each of the three slots presigns its next file only
        # after its POST was released (and confirmed), so at most three files are presigned and not yet released.
        # (A file between its presign and its POST is counted on the left only: hence no equality here.)
        assert released + len(held) <= len(presigns) <= released + 3, (released, len(held), presigns)

    while released < 7:
        traveling = min(3, 7 - released)
        wait_until(page, lambda traveling=traveling: len(held) == traveling, check=at_any_moment, timeout=20)
        # Settled: every slot is held at its POST, so none is between a presign and its POST
        assert len(presigns) == released + len(held), (released, len(held), presigns)
        expect(page.locator(".upload .state", has_text="waiting")).to_have_count(7 - released - traveling)
        held.pop(0).continue_()
        released += 1
    expect(page.locator(".upload.done")).to_have_count(7, timeout=30_000)
    expect(page.locator("#gallery figure.photo")).to_have_count(7)
    assert page.evaluate("window.__uploads.most") == 3


def wait_until(page, condition, timeout: float = 10, check=None) -> None:
    """Polls until `condition()` holds, calling `check()` (which asserts invariants) at every poll."""
    deadline = time.monotonic() + timeout
    while True:
        if check:
            check()
        if condition():
            return
        assert time.monotonic() < deadline, f"timed out after {timeout} s"
        page.wait_for_timeout(50)  # lets Playwright deliver events (and run route handlers) meanwhile


def stays_true(page, condition, seconds: float) -> None:
    """Asserts `condition()` holds at every poll for `seconds`: the bound of a check that something never happens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert condition()
        page.wait_for_timeout(50)
    assert condition()


def count_requests(page, fragment: str) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if fragment in request.url else None)
    return seen


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


def test_a_card_whose_image_url_expired_gets_fresh_urls_once(page, local_stack, photo_file):
    sign_up(page, "expired@example.com")
    page.set_input_files("#file-input", str(photo_file))
    image = page.locator("#gallery figure.photo img")
    expect(image).to_be_visible(timeout=60_000)

    # GIVEN a gallery whose first image request is refused, as an expired presigned URL is
    refused = refuse_renditions(page, local_stack, times=1)
    refreshes = count_requests(page, "/api/photos/status")
    page.reload()

    # THEN the card is fetched again with fresh URLs and its image loads
    page.wait_for_function(f"() => ({LOADED})(document.querySelector('#gallery img'))", timeout=10_000)
    assert len(refused) == 1 and len(refreshes) == 1, (refused, refreshes)

    # GIVEN an image that keeps failing
    page.unroute_all()
    refused = refuse_renditions(page, local_stack, times=None)
    refreshes = count_requests(page, "/api/photos/status")
    page.reload()

    # THEN its card is fetched again once, and no more
    wait_until(page, lambda: len(refused) >= 2)  # the refreshed card's image was refused too
    page.wait_for_timeout(2000)
    assert len(refreshes) == 1 and len(refused) == 2, (refreshes, refused)
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
    page.click("text=Outbox (local)")
    email = page.locator("article.email", has_text="forgetful@example.com").filter(has_text="Reset your Darkroom")
    for _ in range(60):  # notify sends it within a poll or two; the outbox page is not live
        if email.count():
            break
        time.sleep(0.5)
        page.reload()
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
    expect(page.locator("#gallery figure.photo")).to_have_count(1, timeout=30_000)

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

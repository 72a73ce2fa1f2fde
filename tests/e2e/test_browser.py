"""A real browser on the local stack: headless Chromium (Debian's package) driven by Playwright."""

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import OUTPUT

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


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
    image = Image.effect_mandelbrot((1800, 1200), (-0.75, -0.1, -0.55, 0.1), 200).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def test_sign_up_upload_and_watch_the_photo_appear(page, photo_file):
    # Sign up
    page.goto("/signup/")
    page.fill("input[name=email]", "browser@example.com")
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.card-form button[type=submit]")
    expect(page).to_have_url(f"{page.url.split('/photos/')[0]}/photos/")
    page.evaluate("window.__sameDocument = true")  # vanishes if the page ever reloads

    # Upload through the page's file picker; the progress bar fills and the card appears as a placeholder
    page.set_input_files("#file-input", str(photo_file))
    expect(page.locator(".upload.done")).to_have_count(1, timeout=20_000)
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
    assert "w" in page.locator("picture.large img").get_attribute("srcset")
    expect(page.locator(".facts")).to_contain_text("1800 × 1200 px")

    # The local outbox shows both emails
    page.click("text=Outbox (local)")
    expect(page.locator("article.email")).to_have_count(2, timeout=30_000)
    page.screenshot(path=str(OUTPUT / "outbox.png"), full_page=True)

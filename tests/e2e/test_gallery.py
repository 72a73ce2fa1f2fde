"""The gallery in a real browser: the viewer (an address per photo, keys, Back), selecting, the Trash, endless scroll.

Every test starts from the library: a user with 30 developed photos over five days (conftest.library).
"""

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils.dateformat import format as date_format
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.site_pages import viewer_has_the_keyboard
from web import aws
from web.photos.facts import TIME_FORMAT
from web.photos.models import Photo

pytestmark = pytest.mark.slow
GALLERY_URL = re.compile(r"/photos/$")


def photo_url(photo_id: str) -> re.Pattern:
    return re.compile(rf"/photos/{photo_id}/$")


def tile(page, photo_id: str):
    return page.locator(f'#gallery .tile[data-photo-id="{photo_id}"]')


def open_viewer(page, photo_id: str) -> None:
    tile(page, photo_id).locator(".tile-link").click()
    expect(page.locator(".pswp")).to_be_visible()
    expect(page).to_have_url(photo_url(photo_id))
    viewer_has_the_keyboard(page)


def history_length(page) -> int:
    return page.evaluate("history.length")


# ---------------------------------------------------------------- the viewer
def test_each_photo_in_the_viewer_has_its_address_and_back_closes_it(open_page, library):
    first, second, third = library.photo_ids[:3]
    page = open_page(user=library.user)
    page.goto("/photos/")
    page.evaluate("window.__sameDocument = true")  # vanishes if the page ever reloads
    before = history_length(page)

    # WHEN a tile is clicked THEN the viewer opens at the photo's address, one history entry further
    open_viewer(page, first)
    assert history_length(page) == before + 1

    # AND the arrows change the address in place: no entry per step
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(photo_url(second))
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(photo_url(third))
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(photo_url(second))
    assert history_length(page) == before + 1

    # AND Back closes the viewer, on the gallery it came from
    page.go_back()
    expect(page.locator(".pswp")).to_have_count(0)
    expect(page).to_have_url(GALLERY_URL)
    assert page.evaluate("window.__sameDocument === true")


def test_an_arrow_pressed_while_the_viewer_opens_is_not_lost(open_page, library):
    first, second = library.photo_ids[:2]
    page = open_page(user=library.user)
    page.goto("/photos/")
    tile(page, first).locator(".tile-link").focus()

    # WHEN Enter opens the viewer and → follows at once, before its opening animation has ended
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")

    # THEN the viewer shows the next photo, one step on, not two
    expect(page).to_have_url(photo_url(second))
    page.wait_for_timeout(800)
    expect(page).to_have_url(photo_url(second))


def test_a_photo_address_reloaded_is_the_photo_page_with_its_neighbours(open_page, library):
    first, second, third = library.photo_ids[:3]
    page = open_page(user=library.user)

    page.goto(f"/photos/{second}/")

    expect(page.locator(".large img")).to_be_visible()
    expect(page.locator('a[rel="prev"]')).to_have_attribute("href", f"/photos/{first}/")
    expect(page.locator('a[rel="next"]')).to_have_attribute("href", f"/photos/{third}/")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(photo_url(third))


def uploaded_in_tokyo(photo_id: str) -> str:
    """The upload time in Tokyo, in the format the server writes every time of a photo in (its "Taken" too)."""
    moment: datetime = Photo.objects.get(pk=photo_id).created_at.astimezone(ZoneInfo("Asia/Tokyo"))
    return date_format(moment, TIME_FORMAT)


def spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " ")).strip()


def test_the_details_show_the_upload_time_in_the_visitors_time_zone(open_page, library):
    # GIVEN a visitor in Tokyo whose browser speaks American English: the site's own format still applies
    photo_id = library.photo_ids[0]
    page = open_page(user=library.user, timezone_id="Asia/Tokyo", locale="en-US")
    page.goto("/photos/")

    open_viewer(page, photo_id)

    details = page.locator(".pswp .viewer-details")
    expect(details).to_be_visible()  # open by default on a laptop-wide window
    uploaded = details.locator("div", has=page.locator("dt", has_text="Uploaded")).locator("dd")
    assert spaced(uploaded.inner_text()) == uploaded_in_tokyo(photo_id)
    # The photo's own page says the same
    page.goto(f"/photos/{photo_id}/")
    uploaded = page.locator(".facts div", has=page.locator("dt", has_text="Uploaded")).locator("dd")
    expect(uploaded).not_to_contain_text("UTC")
    assert spaced(uploaded.inner_text()) == uploaded_in_tokyo(photo_id)


def test_a_photo_is_moved_to_the_trash_from_the_viewer(open_page, library):
    photo_id = library.photo_ids[1]
    page = open_page(user=library.user)
    page.goto("/photos/")
    open_viewer(page, photo_id)

    with page.expect_navigation(url=GALLERY_URL):
        page.locator(".pswp").get_by_role("button", name="Move to Trash").click()

    expect(page.locator(".messages")).to_contain_text("Moved 1 photo to the Trash.")
    expect(tile(page, photo_id)).to_have_count(0)
    expect(page.locator("#gallery .tile")).to_have_count(len(library.photo_ids) - 1)
    page.goto("/photos/trash/")
    expect(tile(page, photo_id)).to_have_count(1)


def developed_before(photo_id: str) -> None:
    """Gives the photo what resize wrote before it made WebP only: a JPEG beside each WebP rendition."""
    photo = Photo.objects.get(pk=photo_id)
    s3, jpegs = aws.s3_client(), []
    for webp in photo.renditions:
        picture = Image.open(io.BytesIO(s3.get_object(Bucket=settings.DARKROOM_BUCKET, Key=webp["key"])["Body"].read()))
        jpeg = io.BytesIO()
        picture.convert("RGB").save(jpeg, "JPEG", quality=82)
        key = webp["key"].removesuffix(".webp") + ".jpg"
        s3.put_object(Bucket=settings.DARKROOM_BUCKET, Key=key, Body=jpeg.getvalue(), ContentType="image/jpeg")
        jpegs.append({**webp, "key": key, "format": "jpeg", "bytes": jpeg.tell()})
    photo.renditions = jpegs + photo.renditions
    photo.save(update_fields=["renditions"])


def test_a_photo_developed_before_with_jpegs_shows_as_it_did(open_page, library):
    photo_id = library.photo_ids[1]
    developed_before(photo_id)
    page = open_page(user=library.user)

    # its page keeps the <picture>: the browser takes the WebP <source> over the JPEG <img>
    page.goto(f"/photos/{photo_id}/")
    image = page.locator("picture.large img")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert ".webp" in image.evaluate("img => img.currentSrc") and ".jpg" in image.get_attribute("src")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "photo-developed-before-1280.png", full_page=True)

    # and its tile and the viewer show it as they show any other
    page.goto("/photos/")
    expect(tile(page, photo_id).locator("img")).to_be_visible()
    open_viewer(page, photo_id)
    expect(page.locator(".pswp__img").first).to_be_visible()


# ---------------------------------------------------------------- selecting, the Trash
def test_shift_click_selects_a_range_which_goes_to_the_trash_and_comes_back(open_page, library):
    chosen = library.photo_ids[3:6]
    page = open_page(user=library.user)
    page.goto("/photos/")

    # WHEN the first box is clicked and the third shift-clicked
    tile(page, chosen[0]).locator(".pick input").click()
    tile(page, chosen[2]).locator(".pick input").click(modifiers=["Shift"])

    # THEN the three are selected, and the page says it is selecting
    for photo_id in chosen:
        expect(tile(page, photo_id).locator(".pick input")).to_be_checked()
    expect(page.locator("#gallery .pick input:checked")).to_have_count(3)
    expect(page.locator("#gallery")).to_have_class(re.compile(r"\bselecting\b"))
    expect(page.locator("#selection")).to_have_class(re.compile(r"\bselecting\b"))
    expect(page.locator("#selection")).to_contain_text("3 selected")

    # WHEN they are moved to the Trash THEN they leave the gallery and wait in the Trash
    with page.expect_navigation():
        page.locator("#selection").get_by_role("button", name="Move to Trash").click()
    expect(page.locator(".messages")).to_contain_text("Moved 3 photos to the Trash.")
    for photo_id in chosen:
        expect(tile(page, photo_id)).to_have_count(0)
    page.goto("/photos/trash/")
    for photo_id in chosen:
        expect(tile(page, photo_id)).to_have_count(1)

    # WHEN they are restored THEN they are back in the gallery
    for photo_id in chosen:
        tile(page, photo_id).locator(".pick input").check()
    with page.expect_navigation():
        page.locator("#selection").get_by_role("button", name="Restore").click()
    expect(page.locator(".messages")).to_contain_text("Restored 3 photos.")
    page.goto("/photos/")
    for photo_id in chosen:
        expect(tile(page, photo_id)).to_have_count(1)


POINTER = """(element, type) => {
  const box = element.getBoundingClientRect();
  element.dispatchEvent(new PointerEvent(type, {bubbles: true, cancelable: true, composed: true, pointerId: 7,
    pointerType: "touch", isPrimary: true, clientX: box.x + box.width / 2, clientY: box.y + box.height / 2}));
}"""


def test_a_long_press_on_a_touch_screen_selects(open_page, library):
    first, second = library.photo_ids[:2]
    page = open_page(user=library.user, viewport={"width": 390, "height": 800}, has_touch=True, is_mobile=True)
    page.goto("/photos/")
    image = tile(page, first).locator("img")

    # WHEN a finger stays on a tile
    image.evaluate(POINTER, "pointerdown")
    expect(tile(page, first).locator(".pick input")).to_be_checked()  # selected while the finger is still down
    image.evaluate(POINTER, "pointerup")

    # THEN the tile is selected, not opened, and a tap on another one selects it too
    expect(page.locator("#gallery")).to_have_class(re.compile(r"\bselecting\b"))
    tile(page, second).locator("img").tap()
    expect(tile(page, second).locator(".pick input")).to_be_checked()
    expect(page.locator("#selection")).to_contain_text("2 selected")
    expect(page.locator(".pswp")).to_have_count(0)
    expect(page).to_have_url(GALLERY_URL)


def touch_drag(page, points: list[list[tuple[float, float]]]) -> None:
    """Fingers moving together through the given positions, one list of (x, y) a step, as a touch screen sends."""
    session = page.context.new_cdp_session(page)

    def send(kind: str, step: list[tuple[float, float]]) -> None:
        fingers = [{"x": x, "y": y, "id": number} for number, (x, y) in enumerate(step)]
        session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": fingers})

    send("touchStart", points[0])
    for step in points[1:]:
        send("touchMove", step)
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_on_a_touch_screen_a_swipe_moves_and_a_pinch_zooms(open_page, library):
    first, second = library.photo_ids[:2]
    page = open_page(user=library.user, viewport={"width": 390, "height": 800}, has_touch=True, is_mobile=True)
    page.goto("/photos/")
    tile(page, first).locator(".tile-link").tap()
    expect(page.locator(".pswp--open")).to_be_visible()
    expect(page).to_have_url(photo_url(first))
    page.wait_for_timeout(500)  # the opening animation

    # WHEN a finger swipes from right to left THEN the next (older) photo shows, at its own address
    touch_drag(page, [[(320 - 25 * step, 400)] for step in range(11)])
    expect(page).to_have_url(photo_url(second))

    # WHEN two fingers move apart THEN the photo is zoomed in
    page.wait_for_timeout(500)
    touch_drag(page, [[(195 - 10 - 12 * step, 400), (195 + 10 + 12 * step, 400)] for step in range(11)])
    expect(page.locator(".pswp")).to_have_class(re.compile(r"\bpswp--zoomed-in\b"))


# ---------------------------------------------------------------- endless scrolling
def test_scrolling_down_loads_every_photo_once_without_a_reload(open_page, library, settings):
    settings.DARKROOM_PHOTOS_PER_PAGE = 10
    page = open_page(user=library.user)
    steps = []
    page.on("request", lambda request: steps.append(request.url) if "/photos/more/" in request.url else None)
    response = page.goto("/photos/")
    page.evaluate("window.__sameDocument = true")
    assert response.text().count("data-photo-id=") == 10  # the server's first step

    # WHEN the visitor keeps scrolling to the bottom
    tiles = page.locator("#gallery .tile")
    for _ in range(len(library.photo_ids) // 10):
        shown = tiles.count()
        if shown == len(library.photo_ids):
            break
        page.mouse.wheel(0, 20_000)
        expect(tiles).not_to_have_count(shown)  # the next step came in

    # THEN all 30 photos are there in timeline order, each once, each day headed once, with no reload
    expect(tiles).to_have_count(len(library.photo_ids))
    expect(page.locator("#gallery a.more")).to_have_count(0)
    assert tiles.evaluate_all("tiles => tiles.map((tile) => tile.dataset.photoId)") == library.photo_ids
    days = page.locator("#gallery h2.day").evaluate_all("headings => headings.map((h) => h.dataset.day)")
    assert len(days) == len(set(days)) == 5, days
    assert page.evaluate("window.__sameDocument === true")
    assert len(steps) == 2, steps

"""The upload tray in a real browser on the local stack: previews at once, three at a time, every way a file fails.

Storage is moto behind the stack's URL; tests hold or fail its answers with Playwright routes, and the site's
confirm with routes on /api/uploads/confirm.
"""

import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from PIL.ExifTags import Base
from playwright.sync_api import expect

from bench.camera_jpeg import camera_jpeg
from tests.e2e import pictures
from tests.e2e.site_pages import count_requests, stays_true, wait_until

pytestmark = pytest.mark.slow
# Looks at the gallery's only tile before every frame is painted, until the developed thumbnail shows in it, and
# records each frame in which the tile had no visible, loaded image.
SAMPLE_TILE = """() => {
  window.__frames = {count: 0, empty: [], done: false};
  const sample = () => {
    const tile = document.querySelector("#gallery .tile");
    const image = tile?.querySelector("img");
    const style = image && getComputedStyle(image);
    const visible = !!image && image.complete && image.naturalWidth > 0 && style.opacity === "1"
      && style.visibility === "visible" && style.display !== "none" && image.getBoundingClientRect().width > 0;
    window.__frames.count += 1;
    if (!visible) window.__frames.empty.push(tile ? tile.outerHTML.slice(0, 400) : "no tile");
    if (visible && tile.dataset.status === "ready" && !image.src.startsWith("blob:")) window.__frames.done = true;
    else requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
}"""
# Every picture a local tile has shown, in order: the EXIF thumbnail (a canvas) or the file (an image, which loads in
# the tile, or is decoded first and then put in), with its size and inline transform.
RECORD_PREVIEWS = """() => {
  window.__previews = [];
  const inLocalTile = (node) => node.closest?.("#gallery .tile.local");
  const record = (picture) => window.__previews.push(picture.tagName === "CANVAS"
    ? {kind: "thumbnail", width: picture.width, height: picture.height, transform: picture.style.transform}
    : {kind: "file", width: picture.naturalWidth, height: picture.naturalHeight, transform: picture.style.transform});
  document.addEventListener("load", (event) => { if (inLocalTile(event.target)) record(event.target); }, true);
  new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
    const loaded = node.tagName === "IMG" && node.complete && node.naturalWidth > 0;
    if ((node.tagName === "CANVAS" || loaded) && inLocalTile(node)) record(node);
  }))).observe(document.getElementById("gallery"), {childList: true, subtree: true});
}"""
# Every state and text the tray's rows take, in order.
RECORD_TRAY = """() => {
  window.__tray = {states: [], texts: [], summaries: []};
  new MutationObserver((changes) => changes.forEach((change) => {
    const target = change.target.nodeType === Node.TEXT_NODE ? change.target.parentNode : change.target;
    if (change.type === "attributes") window.__tray.states.push(target.dataset.state);
    else if (target.classList?.contains("tray-state")) window.__tray.texts.push(target.textContent);
    else if (target.classList?.contains("tray-summary")) window.__tray.summaries.push(target.textContent);
  })).observe(document.getElementById("tray"),
    {subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["data-state"]});
}"""
# Counts the page's XMLHttpRequests in flight, and the most at once: upload.js sends only the S3 POSTs that way.
COUNT_UPLOADS = """() => {
  window.__uploads = {active: 0, most: 0};
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    window.__uploads.active += 1;
    window.__uploads.most = Math.max(window.__uploads.most, window.__uploads.active);
    this.addEventListener("loadend", () => { window.__uploads.active -= 1; });
    return send.call(this, body);
  };
}"""


def write(folder: Path, name: str, content: bytes) -> str:
    path = folder / name
    path.write_bytes(content)
    return str(path)


def small_photos(folder: Path, count: int) -> list[str]:
    return [write(folder, f"phone-{number}.jpg", pictures.jpeg(number, size=(96, 64))) for number in range(count)]


def tray_row(page, name: str):
    return page.locator("#tray .tray-file").filter(has=page.locator(".tray-name", has_text=name))


def hold_storage_posts(page, local_stack) -> dict:
    """Holds the S3 POSTs (the file uploads) until released: `held` waits, `release_all()` lets everything go."""
    state = {"held": [], "holding": True, "released": False}

    def route(route):
        if route.request.method == "POST" and state["holding"]:
            state["held"].append(route)
        else:
            route.continue_()

    def release_all():
        state["holding"] = False
        state["released"] = True
        while state["held"]:
            state["held"].pop(0).continue_()

    page.route(f"{local_stack.moto_url}/**", route)
    state["release_all"] = release_all
    return state


def test_a_picked_photo_shows_at_once_and_its_thumbnail_takes_its_place(gallery_page, local_stack, tmp_path):
    # GIVEN a storage that takes no byte until the test lets it
    page = gallery_page("preview@example.com")
    storage = hold_storage_posts(page, local_stack)
    photo = write(tmp_path, "harbour.jpg", pictures.jpeg(0))

    # WHEN a photo is picked
    page.set_input_files("#file-input", photo)

    # THEN its tile shows the file's own pixels (an object URL) before any byte of it has been uploaded.
    # How soon after the pick is a figure of bench/preview_latency.py, not a timed assertion here.
    local = page.locator("#gallery .tile.local img")
    expect(local).to_be_visible()
    page.wait_for_function("() => document.querySelector('#gallery .tile.local img').naturalWidth > 0")
    assert local.evaluate("img => img.src.startsWith('blob:')")
    assert len(storage["held"]) <= 1 and not storage["released"], storage
    storage["release_all"]()

    # AND the developed thumbnail replaces it later, the tile never empty in any frame on the way
    page.evaluate(SAMPLE_TILE)
    page.wait_for_function("() => window.__frames.done", timeout=60_000)
    frames = page.evaluate("window.__frames")
    assert frames["empty"] == [], frames
    tile = page.locator("#gallery .tile")
    expect(tile).to_have_count(1)
    expect(tile).to_have_attribute("data-status", "ready")
    assert not tile.locator("img").evaluate("img => img.src.startsWith('blob:')")


def previews_of(page, local_stack, path: str) -> list[dict]:
    """The images the photo's tile showed, from the pick until it shows the whole file (nothing uploaded meanwhile)."""
    hold_storage_posts(page, local_stack)
    page.evaluate(RECORD_PREVIEWS)
    page.set_input_files("#file-input", path)
    page.wait_for_function("() => window.__previews.some((preview) => preview.kind === 'file')")
    return page.evaluate("window.__previews")


def test_a_camera_photo_shows_its_exif_thumbnail_upright_then_the_whole_file(gallery_page, local_stack, tmp_path):
    # GIVEN a camera JPEG, stored sideways (EXIF Orientation 6), with its 160 px thumbnail
    page = gallery_page("camera@example.com")
    photo = write(tmp_path, "sideways.jpg", pictures.camera_photo(2, orientation=6))

    # WHEN it is picked
    previews = previews_of(page, local_stack, photo)

    # THEN its tile shows the file's own thumbnail first, turned upright, then the file itself, upright as Chromium
    # shows it (portrait: 800 wide)
    assert previews == [
        {"kind": "thumbnail", "width": 160, "height": 107, "transform": "rotate(90deg)"},
        {"kind": "file", "width": 800, "height": 1200, "transform": ""},
    ]


QUADRANTS = {"top left": (220, 30, 30), "top right": (30, 200, 30), "bottom left": (30, 30, 220),
             "bottom right": (240, 240, 240)}  # fmt: skip


def quadrant_colours(image: Image.Image) -> dict[str, tuple[int, ...]]:
    """The colour at the middle of each quarter of the square, centred crop a tile shows of `image`."""
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    points = {"top left": (0.25, 0.25), "top right": (0.75, 0.25), "bottom left": (0.25, 0.75),
              "bottom right": (0.75, 0.75)}  # fmt: skip
    rgb = image.convert("RGB")
    return {name: rgb.getpixel((left + int(x * side), top + int(y * side))) for name, (x, y) in points.items()}


def close(found: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(found, expected, strict=True))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_an_exif_thumbnail_is_turned_upright_for_every_orientation(gallery_page, local_stack, tmp_path, orientation):
    # GIVEN a photo of four coloured quarters, stored in one of EXIF's eight orientations, with its thumbnail
    quarters = Image.new("RGB", (1200, 800))
    for index, colour in enumerate(QUADRANTS.values()):
        quarters.paste(colour, ((index % 2) * 600, (index // 2) * 400, (index % 2 + 1) * 600, (index // 2 + 1) * 400))
    exif = Image.Exif()
    exif[Base.Orientation] = orientation
    photo = write(tmp_path, f"quarters-{orientation}.jpg", camera_jpeg(quarters, exif))
    upright = ImageOps.exif_transpose(Image.open(photo))
    page = gallery_page(f"orientation-{orientation}@example.com")
    hold_storage_posts(page, local_stack)
    page.evaluate("() => { HTMLImageElement.prototype.decode = () => new Promise(() => {}); }")  # thumbnail stays

    # WHEN it is picked
    page.set_input_files("#file-input", photo)
    thumbnail = page.locator("#gallery .tile.local canvas")
    expect(thumbnail).to_be_visible()

    # THEN its tile shows the thumbnail as the photo is meant to be seen: each quarter's colour where it belongs
    shown = Image.open(io.BytesIO(thumbnail.screenshot()))
    found, expected = quadrant_colours(shown), quadrant_colours(upright)
    assert all(close(found[name], expected[name]) for name in QUADRANTS), (found, expected)


def test_a_letterboxed_exif_thumbnail_is_not_shown(gallery_page, local_stack, tmp_path):
    # GIVEN a 3:2 photo whose camera wrote a 4:3 thumbnail (black bars above and below)
    page = gallery_page("letterbox@example.com")
    letterboxed = io.BytesIO()
    pictures.picture(2, (160, 120)).save(letterboxed, "JPEG")
    photo = write(tmp_path, "letterboxed.jpg", pictures.camera_photo(2, thumbnail=letterboxed.getvalue()))

    # WHEN it is picked, THEN its tile goes straight to the whole file
    assert previews_of(page, local_stack, photo) == [{"kind": "file", "width": 1200, "height": 800, "transform": ""}]


def test_an_exif_thumbnail_that_is_not_an_image_is_skipped(gallery_page, local_stack, tmp_path):
    # GIVEN a photo whose EXIF thumbnail pointer leads to bytes no browser can decode
    page = gallery_page("broken-thumbnail@example.com")
    photo = write(tmp_path, "broken.jpg", pictures.camera_photo(3, thumbnail=b"\xff\xd8 not a JPEG at all"))

    # WHEN it is picked, THEN its tile shows the whole file instead
    assert previews_of(page, local_stack, photo) == [{"kind": "file", "width": 1200, "height": 800, "transform": ""}]


def test_a_text_file_named_jpg_fails_as_not_a_photo(gallery_page, tmp_path):
    page = gallery_page("fake@example.com")
    page.evaluate(RECORD_TRAY)

    # WHEN a text file named like a JPEG is uploaded
    page.set_input_files("#file-input", write(tmp_path, "fake.jpg", b"These are words, not pixels.\n" * 40))

    # THEN the gallery shows a neutral tile with its name while it travels (the browser cannot show it)
    expect(page.locator("#gallery .tile.local .tile-note")).to_have_text("fake.jpg")
    # AND it ends failed in the tray with the reason, and never said it was ready
    row = tray_row(page, "fake.jpg")
    expect(row).to_have_attribute("data-state", "failed", timeout=60_000)
    expect(row.locator(".tray-state")).to_contain_text("Not a photo")
    tray = page.evaluate("window.__tray")
    assert "ready" not in tray["states"] and "Ready" not in tray["texts"], tray
    expect(page.locator("#tray")).to_contain_text("1 failed")

    # AND the failure stays until the tray is closed
    page.locator("#tray .tray-close").click()
    expect(page.locator("#tray")).to_be_hidden()


def test_a_bmp_file_fails_at_once_without_a_request(gallery_page, tmp_path):
    page = gallery_page("bmp@example.com")
    page.evaluate(RECORD_TRAY)
    presigns = count_requests(page, "/api/uploads/presign")

    page.set_input_files("#file-input", write(tmp_path, "scan.bmp", pictures.bmp(1)))

    row = tray_row(page, "scan.bmp")
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.locator(".tray-state")).to_contain_text("BMP files aren't supported")
    assert page.evaluate("window.__tray.states") == ["failed"]  # its first state: it never queued
    assert presigns == []


def test_a_file_over_the_size_limit_says_so(gallery_page, tmp_path, settings):
    settings.DARKROOM_MAX_UPLOAD_BYTES = 2**20
    page = gallery_page("big@example.com")
    presigns = count_requests(page, "/api/uploads/presign")
    content = pictures.noise_png(800)
    assert len(content) > 2**20

    page.set_input_files("#file-input", write(tmp_path, "huge.png", content))

    row = tray_row(page, "huge.png")
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.locator(".tray-state")).to_contain_text("larger than 1 MB")
    assert presigns == []


def test_a_fair_use_limit_is_shown_in_the_tray_with_when_it_lifts(gallery_page, tmp_path, settings):
    # GIVEN an account whose storage allowance is smaller than the photo it picks
    settings.DARKROOM_STORAGE_BYTES_PER_ACCOUNT = 1000
    page = gallery_page("full@example.com")

    page.set_input_files("#file-input", write(tmp_path, "one-too-many.jpg", pictures.jpeg(1)))

    # THEN the file fails in the tray with the site's words, and can be tried again once room is made
    row = tray_row(page, "one-too-many.jpg")
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.locator(".tray-state")).to_contain_text("an account may store: delete photos and empty the Trash")
    assert row.locator("button", has_text="Retry").evaluate("button => !button.hidden")  # under Details


def test_twenty_uploads_are_summed_up_in_one_line_that_goes_away(gallery_page, tmp_path):
    page = gallery_page("twenty@example.com")
    page.evaluate(RECORD_TRAY)

    page.set_input_files("#file-input", small_photos(tmp_path, 20))

    # THEN the tray counts them in one line while they travel, and hides itself once all are developed
    expect(page.locator("#tray")).to_be_visible()
    expect(page.locator('#gallery .tile[data-status="ready"]')).to_have_count(20, timeout=90_000)
    expect(page.locator("#tray")).to_be_hidden(timeout=15_000)
    summaries = page.evaluate("window.__tray.summaries")
    assert any(re.search(r"Uploading \d+ of 20", summary) for summary in summaries), summaries
    assert not any(re.search(r" of (?!20\b)\d+", summary) for summary in summaries), summaries
    expect(page.locator("#gallery .tile.local")).to_have_count(0)


def test_uploads_go_three_at_a_time_each_presigned_just_before_its_post(gallery_page, local_stack, tmp_path):
    # GIVEN a storage whose answers the test holds back, so uploads overlap as they would on a slow uplink
    page = gallery_page("many@example.com")
    page.evaluate(COUNT_UPLOADS)
    presigns = count_requests(page, "/api/uploads/presign")
    storage = hold_storage_posts(page, local_stack)
    held = storage["held"]

    # WHEN seven photos are chosen at once
    page.set_input_files("#file-input", small_photos(tmp_path, 7))

    # THEN three travel at a time, and a file is presigned only when its POST is about to start
    released = 0

    def at_any_moment():
        assert len(held) <= 3, len(held)
        # Every held or released POST was presigned first; and each of the three slots presigns its next file only
        # after its POST was released (and confirmed), so at most three files are presigned and not yet released.
        # (A file between its presign and its POST is counted on the left only: hence no equality here.)
        assert released + len(held) <= len(presigns) <= released + 3, (released, len(held), len(presigns))

    while released < 7:
        traveling = min(3, 7 - released)
        wait_until(page, lambda traveling=traveling: len(held) == traveling, check=at_any_moment, timeout=20)
        # Settled: every slot is held at its POST, so none is between a presign and its POST
        assert len(presigns) == released + len(held), (released, len(held), len(presigns))
        expect(page.locator('#tray .tray-file[data-state="queued"]')).to_have_count(7 - released - traveling)
        held.pop(0).continue_()
        released += 1
    expect(page.locator("#gallery .tile[data-photo-id]")).to_have_count(7, timeout=30_000)
    assert page.evaluate("window.__uploads.most") == 3


def test_a_queued_file_is_cancelled_from_the_tray(gallery_page, local_stack, tmp_path):
    # GIVEN five files picked, three of them held on their way to storage and two queued
    page = gallery_page("cancel@example.com")
    presigns = count_requests(page, "/api/uploads/presign")
    storage = hold_storage_posts(page, local_stack)
    page.set_input_files("#file-input", small_photos(tmp_path, 5))
    wait_until(page, lambda: len(storage["held"]) == 3)
    row = tray_row(page, "phone-3.jpg")
    expect(row).to_have_attribute("data-state", "queued")

    # WHEN Cancel is pressed on a queued one, in the tray's details
    page.locator("#tray .tray-toggle").click()
    expect(page.locator("#tray .tray-toggle")).to_have_attribute("aria-expanded", "true")
    row.get_by_role("button", name="Cancel phone-3.jpg").click()

    # THEN it leaves the tray and the gallery, and is never sent; the others are
    expect(row).to_have_count(0)
    expect(page.locator("#gallery .tile.local img[alt='phone-3.jpg']")).to_have_count(0)
    storage["release_all"]()
    expect(page.locator('#gallery .tile[data-status="ready"]')).to_have_count(4, timeout=60_000)
    assert not any("phone-3.jpg" in (request.post_data or "") for request in presigns)


def test_a_failed_storage_post_is_sent_again_with_retry(gallery_page, local_stack, tmp_path):
    # GIVEN a storage that refuses the first upload with a 500
    page = gallery_page("retry@example.com")
    presigns = count_requests(page, "/api/uploads/presign")
    posts = []

    def route(route):
        if route.request.method != "POST":
            return route.continue_()
        posts.append(route.request.url)
        if len(posts) == 1:
            return route.fulfill(status=500, content_type="application/xml", body="<Error><Code>InternalError</Code>")
        return route.continue_()

    page.route(f"{local_stack.moto_url}/**", route)
    page.set_input_files("#file-input", small_photos(tmp_path, 1))
    row = tray_row(page, "phone-0.jpg")
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.locator(".tray-state")).to_contain_text("The storage refused the file")

    # WHEN Retry is pressed in the tray's details
    page.locator("#tray .tray-toggle").click()
    row.get_by_role("button", name="Retry phone-0.jpg").click()

    # THEN the file is presigned and sent again, and developed
    expect(page.locator('#gallery .tile[data-status="ready"]')).to_have_count(1, timeout=60_000)
    assert len(presigns) == 2 and len(posts) == 2, (presigns, posts)


def test_a_heic_photo_shows_its_name_while_uploading_and_ends_developed(gallery_page, local_stack, tmp_path):
    page = gallery_page("iphone@example.com")
    storage = hold_storage_posts(page, local_stack)

    # WHEN a HEIC photo is picked (Chromium cannot decode HEIC)
    page.set_input_files("#file-input", write(tmp_path, "x.heic", pictures.heic(2)))

    # THEN while it uploads its tile is neutral, with its name
    wait_until(page, lambda: len(storage["held"]) == 1)
    tile = page.locator("#gallery .tile.local")
    expect(tile.locator(".tile-note")).to_have_text("x.heic")
    expect(tile.locator("img")).to_have_count(0)

    # AND once developed the tile shows the photo
    storage["release_all"]()
    developed = page.locator('#gallery .tile[data-status="ready"] img')
    expect(developed).to_be_visible(timeout=60_000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=developed.element_handle())


def test_a_busy_confirm_is_tried_again_until_the_photo_is_recorded(gallery_page, tmp_path):
    # GIVEN a site that answers the first confirm with 503 (S3 too busy for its HEAD)
    page = gallery_page("busy@example.com")
    confirms = answer_confirm_with(page, [503])

    # WHEN a photo is uploaded
    page.set_input_files("#file-input", small_photos(tmp_path, 1))

    # THEN the page tries again by itself and the photo is recorded
    expect(page.locator("#gallery .tile[data-photo-id]")).to_have_count(1, timeout=30_000)
    assert confirms == [503, 0]
    expect(tray_row(page, "phone-0.jpg")).to_have_attribute("data-state", re.compile("developing|ready"))


def test_a_refused_confirm_is_shown_and_not_tried_again(gallery_page, tmp_path):
    page = gallery_page("refused@example.com")
    confirms = answer_confirm_with(page, [400, 400])  # a second confirm, if one came, would be recorded too
    page.evaluate(RECORD_TRAY)

    page.set_input_files("#file-input", small_photos(tmp_path, 1))

    # The row shows the error only once the page has given up on the file: its final state, with no Retry
    row = tray_row(page, "phone-0.jpg")
    expect(row.locator(".tray-state")).to_have_text("answered 400 by the test", timeout=30_000)
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.get_by_role("button", name="Retry phone-0.jpg")).to_be_hidden()
    assert confirms == [400]
    # A retry would come 1 s after the failure (upload.js's first CONFIRM_RETRY_DELAYS_MS); the error showed after
    # the failure, so 2.5 s from now is past that retry with 1.5 s to spare for a slow machine's timer and request.
    # Later retries (2 s, 4 s) can only follow a first one, so watching past the first is enough.
    stays_true(page, lambda: confirms == [400], seconds=2.5)
    # And the page never said it was trying again: waiting, uploading, then the error
    states = page.evaluate("window.__tray.states")
    assert states[-1] == "failed" and "failed" not in states[:-1], states
    assert set(states[:-1]) <= {"queued", "uploading", "confirming"}, states


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


def test_leaving_with_uploads_in_flight_asks_first(gallery_page, local_stack, tmp_path):
    # GIVEN a file held on its way to storage
    page = gallery_page("leaving@example.com")
    storage = hold_storage_posts(page, local_stack)
    page.set_input_files("#file-input", small_photos(tmp_path, 1))
    wait_until(page, lambda: len(storage["held"]) == 1)
    page.locator("#tray .tray-toggle").click()  # Chromium asks before unload only on a page the user touched
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))

    # WHEN the user tries to leave
    page.evaluate("window.location.href = '/account/'")

    # THEN the browser asks first, and staying keeps the upload going
    wait_until(page, lambda: asked == ["beforeunload"])
    assert page.url.endswith("/photos/")
    storage["release_all"]()
    expect(page.locator('#gallery .tile[data-status="ready"]')).to_have_count(1, timeout=60_000)

    # AND once nothing is in flight, leaving asks nothing
    page.goto("/account/")
    assert asked == ["beforeunload"]


def test_on_a_phone_the_tray_is_one_line_out_of_the_gallerys_way(gallery_page, local_stack, tmp_path):
    page = gallery_page("tray-phone@example.com", viewport={"width": 390, "height": 844}, has_touch=True)
    storage = hold_storage_posts(page, local_stack)
    page.set_input_files("#file-input", small_photos(tmp_path, 6))
    wait_until(page, lambda: len(storage["held"]) == 3)

    # THEN the tray is a short bar at the bottom of the screen, its details folded away
    tray = page.locator("#tray").bounding_box()
    assert tray["height"] < 120 and tray["y"] + tray["height"] <= 844 and tray["y"] > 844 / 2, tray
    expect(page.locator("#tray-files")).to_be_hidden()

    # WHEN its details are opened, and folded again
    toggle = page.locator("#tray .tray-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#tray .tray-file")).to_have_count(6)
    toggle.click()

    # THEN it is one line again, and the gallery's first tiles are not under it
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#tray-files")).to_be_hidden()
    first_tile = page.locator("#gallery .tile").first.bounding_box()
    assert first_tile["y"] + first_tile["height"] < page.locator("#tray").bounding_box()["y"]
    storage["release_all"]()
